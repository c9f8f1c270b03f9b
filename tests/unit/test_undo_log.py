"""The undo log of DNA_K8 in lanes (phyngsc 0.20.1): a seeded coder that learns one strand
logs each context's counters before it learns there, and the working row is put back
from the log (one write a base) instead of from the model (a read and a write). The
bytes coded must not change, and the row must equal the model afterwards (after a damaged
or cut stream too: ``test_seed_workspace.py``, in 16 lanes)."""

import numpy as np
import pytest

from phyngsc.codecs.dna_exceptions import base_codes
from phyngsc.codecs.dna_k8 import (dna_k8_decode, dna_k8_decode_logged, dna_k8_encode,
                                   dna_k8_encode_logged)
from phyngsc.codecs.seed_workspace import (copies_whole_row, seeded_decode, seeded_encode,
                                           undo_learning, workspace)

from .random_reads import random_reads

K = 9   # a 1 MiB row: a few thousand bases put back context by context, not copied whole


def _undo_ref(F, log, n):
    """Plain Python: the entries newest first, each context's four counters put back."""
    F = F.copy()
    for i in reversed(range(n)):
        j, v = int(log[2 * i]), int(log[2 * i + 1])
        F[j:j + 4] = [(v >> (8 * t)) & 255 for t in range(4)]
    return F


@pytest.mark.parametrize("seed", range(4))
def test_undo_learning_matches_reference(seed):
    rng = np.random.default_rng(seed)
    F = rng.integers(0, 256, 4096).astype(np.uint8)
    n = 300
    log = np.empty(2 * n + 10, np.uint32)
    log[0:2 * n:2] = 4 * rng.integers(0, 64, n)        # few contexts: many repeats
    log[1:2 * n:2] = rng.integers(0, 1 << 32, n, dtype=np.uint64).astype(np.uint32)
    want = _undo_ref(F, log, n)
    undo_learning(F, log, n)
    assert np.array_equal(F, want)


@pytest.mark.parametrize("lanes", [2, 16])
@pytest.mark.parametrize("seed", range(3))
def test_logged_coders_put_the_row_back_exactly(seed, lanes):
    bases, lengths, model = random_reads(seed, n_reads=200, k=K)
    assert not copies_whole_row(model.size, bases.size, False)
    F = model.copy()
    out = np.empty(bases.size + 1024, np.uint8)
    log = np.empty(2 * bases.size, np.uint32)
    logged = np.zeros(1, np.int64)
    n = dna_k8_encode_logged(bases, lengths, out, K, False, 7, F, lanes, log, logged)
    assert n > 0 and logged[0] == bases.size      # every base learned is logged
    assert not np.array_equal(F, model)
    undo_learning(F, log, logged[0])
    assert np.array_equal(F, model)
    codes = np.zeros(bases.size, np.uint8)
    dec = np.empty(bases.size, np.uint8)
    assert dna_k8_decode_logged(out[:n], lengths, dec, F, codes, log, logged) == 0
    assert np.array_equal(dec, bases) and logged[0] == bases.size
    assert np.array_equal(codes, base_codes(bases))
    undo_learning(F, log, logged[0])
    assert np.array_equal(F, model)


@pytest.mark.parametrize("lanes", [2, 16])
@pytest.mark.parametrize("seed", range(3))
def test_workspace_in_lanes_codes_as_a_fresh_copy_and_stays_clean(seed, lanes):
    bases, lengths, model = random_reads(seed, n_reads=200, k=K)
    ws = workspace(model, 2)
    fresh = np.empty(bases.size + 1024, np.uint8)
    n = dna_k8_encode(bases, lengths, fresh, K, False, 7, model, lanes)
    got = np.empty_like(fresh)
    assert seeded_encode(bases, lengths, got, K, False, 7, ws, lanes) == n
    assert np.array_equal(got[:n], fresh[:n])
    assert np.array_equal(ws, np.tile(model, 3))
    dec = np.empty(bases.size, np.uint8)
    assert seeded_decode(got[:n], lengths, dec, ws) == 0
    assert np.array_equal(dec, bases) and np.array_equal(ws, np.tile(model, 3))
    plain = np.empty(bases.size, np.uint8)
    assert dna_k8_decode(got[:n], lengths, plain, model) == 0 and np.array_equal(plain, bases)
    part = np.empty(bases.size // 3, np.uint8)       # a prefix: ends inside a group
    assert seeded_decode(got[:n], lengths, part, ws) == 0
    assert np.array_equal(part, bases[:part.size]) and np.array_equal(ws, np.tile(model, 3))


def test_what_the_log_cannot_hold_is_reported():
    """A log too short, a stream learning both strands or in one lane: ``logged[0]`` is
    past the log's capacity, so that the caller copies the row back whole."""
    bases, lengths, model = random_reads(5, n_reads=200, k=K)
    out = np.empty(bases.size + 1024, np.uint8)
    for revcomp, lanes, cap in [(False, 16, bases.size // 2), (True, 16, bases.size),
                                (False, 1, bases.size)]:
        log = np.empty(2 * cap, np.uint32)
        logged = np.zeros(1, np.int64)
        F = model.copy()
        n = dna_k8_encode_logged(bases, lengths, out, K, revcomp, 7, F, lanes, log, logged)
        assert n > 0 and logged[0] > cap, (revcomp, lanes)
        G = model.copy()
        dec = np.empty(bases.size, np.uint8)
        codes = np.zeros(bases.size, np.uint8)
        assert dna_k8_decode_logged(out[:n], lengths, dec, G, codes, log, logged) == 0
        assert logged[0] > cap and np.array_equal(dec, bases), (revcomp, lanes)

