"""The seed workspace: coding in a working row put back context by context must give
the same bytes as coding from a fresh copy, and leave the row equal to the model."""

import numpy as np
import pytest

from phyngsc.codecs.dna_k8 import dna_k8_decode, dna_k8_encode, dna_k8_encode_into
from phyngsc.codecs.dna_exceptions import base_codes
from phyngsc.codecs.seed_workspace import (COPY_BYTES_PER_CONTEXT, copies_whole_row,
                                           model_table, put_back, restore_touched,
                                           rows_for, seeded_decode, seeded_encode, workspace)

from .random_reads import random_reads


def _touched_ref(codes, lengths, k, revcomp):
    """Plain Python: the contexts DNA_K8 learning visits (forward, running on across
    reads; each non-empty read's reverse complement from context 0)."""
    mask = (1 << 2 * k) - 1
    seen, ctx, a = set(), 0, 0
    bounds = [int(x) for x in lengths] + [len(codes) - int(sum(lengths))]
    for r, n in enumerate(bounds):
        b = min(a + n, len(codes))
        for i in range(a, b):
            seen.add(ctx)
            ctx = ((ctx << 2) | int(codes[i])) & mask
        if revcomp and r < len(lengths) and b > a:
            rc = 0
            for t in range(b - a):
                seen.add(rc)
                rc = ((rc << 2) | (3 - int(codes[b - 1 - t]))) & mask
        a = b
    return seen


_reads = random_reads      # (seed, n_reads=40, k=6)


@pytest.mark.parametrize("revcomp", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_restore_touched_matches_reference(seed, revcomp):
    k = 6
    bases, lengths, model = _reads(seed, k=k)
    codes = base_codes(bases)
    F = np.zeros_like(model)
    restore_touched(F, model, codes, lengths, k, revcomp)
    want = np.zeros_like(model)
    for c in _touched_ref(codes, lengths, k, revcomp):
        want[4 * c:4 * c + 4] = model[4 * c:4 * c + 4]
    assert np.array_equal(F, want)


@pytest.mark.parametrize("revcomp", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_learning_then_restoring_gives_the_model_back(seed, revcomp):
    k = 6
    bases, lengths, model = _reads(seed, k=k)
    F = model.copy()
    out = np.empty(bases.size + 1024, np.uint8)
    assert dna_k8_encode_into(bases, lengths, out, k, revcomp, 5, F) > 0
    assert not np.array_equal(F, model) or bases.size == 0
    restore_touched(F, model, base_codes(bases), lengths, k, revcomp)
    assert np.array_equal(F, model)


@pytest.mark.parametrize("k", [6, 9])   # the row copied back whole, or context by context
@pytest.mark.parametrize("revcomp", [False, True])   # False: seeded sub-blocks since 0.13
@pytest.mark.parametrize("seed", range(3))
def test_workspace_codes_as_a_fresh_copy_and_stays_clean(seed, revcomp, k):
    bases, lengths, model = _reads(seed, k=k)
    assert copies_whole_row(model.size, bases.size, revcomp) == (k == 6)
    ws = workspace(model, 2)
    assert ws.size == 3 * model.size and np.array_equal(model_table(ws, k), model)
    fresh = np.empty(bases.size + 1024, np.uint8)
    n = dna_k8_encode(bases, lengths, fresh, k, revcomp, 7, model)
    got = np.empty_like(fresh)
    assert seeded_encode(bases, lengths, got, k, revcomp, 7, ws) == n
    assert np.array_equal(got[:n], fresh[:n])
    assert np.array_equal(ws, np.tile(model, 3))           # every row put back
    dec = np.empty(bases.size, np.uint8)
    assert seeded_decode(got[:n], lengths, dec, ws) == 0
    assert np.array_equal(dec, bases) and np.array_equal(ws, np.tile(model, 3))
    plain = np.empty(bases.size, np.uint8)
    assert dna_k8_decode(got[:n], lengths, plain, model) == 0 and np.array_equal(plain, bases)


@pytest.mark.parametrize("lanes", [1, 16])   # 16, one strand, order 9: the undo log
@pytest.mark.parametrize("k", [6, 9])
@pytest.mark.parametrize("revcomp", [False, True])
def test_a_damaged_stream_leaves_the_workspace_clean(revcomp, k, lanes):
    bases, lengths, model = _reads(7, n_reads=200, k=k)
    ws = workspace(model, 1)
    enc = np.empty(bases.size + 1024, np.uint8)
    n = seeded_encode(bases, lengths, enc, k, revcomp, 7, ws, lanes)
    rng = np.random.default_rng(3)
    for _ in range(40):
        bad = enc[:n].copy()
        bad[rng.integers(3, n)] ^= np.uint8(1 << int(rng.integers(0, 8)))
        out = np.empty(bases.size, np.uint8)
        seeded_decode(bad, lengths, out, ws)
        assert np.array_equal(ws, np.tile(model, 2))
        cut = enc[:int(rng.integers(0, n))].copy()
        seeded_decode(cut, lengths, out, ws)
        assert np.array_equal(ws, np.tile(model, 2))


@pytest.mark.parametrize("k,revcomp", [(6, False), (6, True), (9, False), (9, True)])
def test_put_back_gives_the_model_back_either_way(k, revcomp):
    bases, lengths, model = _reads(5, n_reads=200, k=k)
    F = model.copy()
    out = np.empty(bases.size + 1024, np.uint8)
    assert dna_k8_encode_into(bases, lengths, out, k, revcomp, 5, F) > 0
    assert not np.array_equal(F, model)
    put_back(F, model, base_codes(bases), lengths, k, revcomp)
    assert np.array_equal(F, model)


def test_the_whole_row_is_copied_only_when_that_is_cheaper():
    """Copying costs the row's bytes; putting back, about COPY_BYTES_PER_CONTEXT bytes'
    worth a context visited (one a base, two with both strands)."""
    size = 4 << 24   # order 12: 64 MiB
    per = COPY_BYTES_PER_CONTEXT
    assert copies_whole_row(size, size // per, False)
    assert not copies_whole_row(size, size // per - 1, False)
    assert copies_whole_row(size, size // (2 * per), True)
    assert not copies_whole_row(size, 1 << 18, False)       # a trial's sample
    assert copies_whole_row(size, 3_956_850, False)         # a level-5 sub-block's bases
    assert not copies_whole_row(4 << 28, 3_956_850, True)   # order 14: 1 GiB


def test_a_wrong_sized_model_is_refused():
    bases, lengths, model = _reads(1, k=6)
    out = np.empty(bases.size + 1024, np.uint8)
    assert seeded_encode(bases, lengths, out, 6, True, 7, model[:-4]) == -1
    assert seeded_encode(bases, lengths, out, 15, True, 7, model) == -1
    n = seeded_encode(bases, lengths, out, 6, True, 7, model)
    assert seeded_decode(out[:n], lengths, np.empty(bases.size, np.uint8), model[:-4]) == 1


def test_workspace_rows_are_capped():
    from phyngsc.codecs.seed_workspace import MAX_ROWS
    model = np.ones(4 << 2 * 3, np.uint8)
    assert workspace(model, 0).size == 2 * model.size
    assert workspace(model, 64).size == (1 + MAX_ROWS) * model.size


#: An archive whose seeded sub-blocks learn (phyngsc 0.22; new ones are static, NGSC 1.11:
#: tests/unit/test_static_seed.py): the sources of the two tests below.
LEARNING = "v0.22-seed-L5-synthetic_cov15.ngsc"


def _learning_archive(tmp_path):
    """A copy of :data:`LEARNING` (an index may be written beside it) and its source."""
    from ..conftest import DATA
    arch = tmp_path / "s.ngsc"
    arch.write_bytes((DATA / "golden" / LEARNING).read_bytes())
    return arch, DATA / "synthetic_cov15.fastq"


def test_another_python_thread_gets_the_plain_model(tmp_path):
    """Rows go by Numba thread id, which two Python threads may share: only the thread that
    made an archive's workspace gets it; another gets the model (copied per sub-block)
    and decodes the same records."""
    import threading

    import phyngsc
    arch, src = _learning_archive(tmp_path)
    with phyngsc.open(str(arch)) as a:
        used = [i for i in range(a.n_subblocks) if a.seed_model_for([i]) is not None]
        assert used, "no sub-block codes its DNA from the seed model"
        i = used[-1]
        mine = a.seed_model_for([i])
        assert np.shares_memory(mine, a.seed_workspace()) and mine.size > a.seed_model().size
        first = int(a.index.first_record[i])
        got = {}

        def other():
            got["model"] = a.seed_model_for([i])
            got["records"] = list(a.records(first, first + 3))

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert got["model"] is a.seed_model()
        assert got["records"] == list(a.records(first, first + 3))
    lines = src.read_text().split("\n")
    assert got["records"] == [(lines[4 * r][1:], lines[4 * r + 1], lines[4 * r + 3])
                              for r in range(first, first + 3)]


def test_thread_count_without_numba_loaded():
    """Workspaces are sized before any kernel runs (``phyngsc index`` walks first): the
    count must come without importing Numba, from a pending ``set_threads`` or the
    environment."""
    import subprocess
    import sys
    code = ("import sys; from phyngsc.core import jit; a = jit.thread_count(); "
            "jit.set_threads(3); b = jit.thread_count(); "
            "print(a, b, 'numba' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ, "NUMBA_NUM_THREADS": "5"},
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["5", "3", "False"]


@pytest.mark.parametrize("indexed", [False, True])
def test_a_reader_fills_working_rows_as_it_needs_them(tmp_path, indexed):
    """Reading one sub-block fills one working row; decoding more grows the same workspace
    to one row per thread. The model stays its first row (a walked chain's table, or the
    seed index's, read straight into it), so no second table is made."""
    import phyngsc
    from phyngsc.core.jit import set_threads, thread_count
    arch, src = _learning_archive(tmp_path)
    if indexed:
        assert phyngsc.index(str(arch)) == str(arch) + ".ngsi"
    before = thread_count()
    set_threads(2)
    try:
        with phyngsc.open(str(arch)) as a:
            if indexed:
                assert a.seed_index() is not None
            used = [i for i in range(a.n_subblocks)
                    if a.seed_model_for([i], [a.subblock_bytes(i)]) is not None]
            assert used
            size = a.seed_model().size
            one = a.seed_model_for(used[:1], [a.subblock_bytes(used[0])])
            assert one.size == 2 * size
            assert np.shares_memory(one[:size], a.seed_model())
            if indexed:
                assert np.shares_memory(a.seed_index().table, a.seed_model())
            many = a.seed_model_for(used, [a.subblock_bytes(i) for i in used])
            assert many.size == rows_for(min(len(used), thread_count())) * size
            assert np.shares_memory(many, one)
            assert np.array_equal(many, np.tile(a.seed_model(), many.size // size))
            first = int(a.index.first_record[used[-1]])
            got = list(a.records(first, first + 2))
        lines = src.read_bytes().decode().split("\n")
        assert got == [(lines[4 * r][1:], lines[4 * r + 1], lines[4 * r + 3])
                       for r in (first, first + 1)]
    finally:
        set_threads(before)
