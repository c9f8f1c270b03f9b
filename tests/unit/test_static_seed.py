"""Static DNA_SEEDED streams (NGSC 1.11, increment 0): coded from the seed model without
learning, so that every thread reads one table and no working copy is ever made."""

import struct
import threading

import numpy as np
import pytest

import phyngsc
from phyngsc.codecs.defs.dna_seeded import static_stream
from phyngsc.codecs.dna_k8 import dna_k8_decode, dna_k8_encode
from phyngsc.codecs.registry import CODEC_ID
from phyngsc.codecs.seed_workspace import seeded_decode, seeded_encode, workspace
from phyngsc.format.constants import MINOR_VERSION, SID_DNA
from phyngsc.format.subblock import SubBlockHeader
from tests.reference import ref_rans

from ..conftest import DATA
from .random_reads import random_reads

NO_TABLE = np.zeros(0, np.uint8)


def _start(model: np.ndarray, k: int, rc: bool) -> ref_rans.K8Model:
    """The reference model holding table ``model`` (4 counters per context)."""
    table = {c: [int(x) for x in model[4 * c:4 * c + 4]] for c in range(model.size // 4)}
    return ref_rans.K8Model(k, rc, 0, table)


@pytest.mark.parametrize("lanes", [1, 2, 16])
@pytest.mark.parametrize("rc", [False, True])
@pytest.mark.parametrize("k", [3, 6])
def test_static_streams_match_the_reference_and_never_write_the_model(k, rc, lanes):
    bases, lengths, model = random_reads(11, n_reads=120, k=k)
    ws = workspace(model, 2)
    before = ws.copy()
    out = np.zeros(4 * bases.size + 512, np.uint8)
    n = seeded_encode(bases, lengths, out, k, rc, 0, ws, lanes)
    assert n > 0 and out[2] == 0
    data, lens = bases.tobytes(), [int(x) for x in lengths]
    ref = (ref_rans.dna_k8(data, lens, k, rc, 0, _start(model, k, rc)) if lanes == 1 else
           ref_rans.dna_k8_lanes(data, lens, k, rc, 0, lanes, _start(model, k, rc)))
    assert out[:n].tobytes() == ref
    assert np.array_equal(ws, before)                       # not a counter written
    dec = np.zeros(bases.size, np.uint8)
    assert seeded_decode(out[:n], lengths, dec, ws) == 0 and np.array_equal(dec, bases)
    assert np.array_equal(ws, before)
    # the plain decoder (a copy of the model) reads the same bases
    plain = np.zeros(bases.size, np.uint8)
    assert dna_k8_decode(out[:n], lengths, plain, model) == 0 and np.array_equal(plain, bases)


def test_a_static_stream_codes_each_sub_block_alike():
    """Nothing carries over: the same reads coded twice from the model give the same
    bytes (a learning stream's second copy would be smaller)."""
    bases, lengths, model = random_reads(4, n_reads=200, k=6)
    twice = np.concatenate([bases, bases])
    out = np.zeros(8 * bases.size + 512, np.uint8)
    one = seeded_encode(bases, lengths, out, 6, False, 0, model, 16)
    first = out[:one].copy()
    assert seeded_encode(bases, lengths, out, 6, False, 0, model, 16) == one
    assert np.array_equal(out[:one], first)
    learn = seeded_encode(twice, np.concatenate([lengths, lengths]), out, 6, False, 20,
                          model.copy(), 16)
    static = seeded_encode(twice, np.concatenate([lengths, lengths]), out, 6, False, 0,
                           model, 16)
    assert learn < static


@pytest.mark.parametrize("lanes", [1, 16])
def test_damaged_static_streams_fail_cleanly_and_leave_the_model(lanes):
    bases, lengths, model = random_reads(7, n_reads=200, k=6)
    ws = workspace(model, 1)
    before = ws.copy()
    enc = np.zeros(4 * bases.size + 512, np.uint8)
    n = seeded_encode(bases, lengths, enc, 6, False, 0, ws, lanes)
    rng = np.random.default_rng(5)
    out = np.empty(bases.size, np.uint8)
    for _ in range(60):
        bad = enc[:n].copy()
        bad[rng.integers(0, n)] ^= np.uint8(1 << int(rng.integers(0, 8)))
        seeded_decode(bad, lengths, out, ws)         # any status; never a crash
        seeded_decode(enc[:int(rng.integers(0, n))].copy(), lengths, out, ws)
        assert np.array_equal(ws, before)
    bad = enc[:n].copy()
    bad[2] = 128                                       # an increment past 127
    assert seeded_decode(bad, lengths, out, ws) == 1


def test_increment_zero_is_valid_for_plain_dna_k8():
    """Without a seed, increment 0 is the all-ones table: two bits a base, decoded
    exactly (a valid stream, if never a useful one)."""
    reads = [b"ACGTACGTTTGA", b"", b"NNACG"]
    data = np.frombuffer(b"".join(reads), np.uint8)
    lengths = np.array([len(r) for r in reads], np.int64)
    out = np.zeros(256, np.uint8)
    n = dna_k8_encode(data, lengths, out, 5, True, 0, NO_TABLE, 1)
    assert out[:n].tobytes() == ref_rans.dna_k8(b"".join(reads), [12, 0, 5], 5, True, 0)
    dec = np.zeros(data.size, np.uint8)
    assert dna_k8_decode(out[:n], lengths, dec, NO_TABLE) == 0 and np.array_equal(dec, data)


def _seeded_streams(a) -> list[tuple[int, bool]]:
    """(sub-block, static?) of every DNA_SEEDED stream of open archive ``a``."""
    found = []
    for i in range(a.n_subblocks):
        data = a.subblock_bytes(i)
        hdr, at = SubBlockHeader.unpack(data)
        for s in hdr.streams:
            if s.sid == SID_DNA and s.codec == CODEC_ID["dna-seeded"]:
                found.append((i, static_stream(data, at, s.encoded_length)))
            at += s.encoded_length
    return found


@pytest.mark.parametrize("level", [5, 9])
def test_new_archives_are_static_and_readers_share_the_model(tmp_path, level):
    """Levels 5 and 9 write static seeded streams; readers hand every thread the model
    itself (no working row), and records read on another Python thread are the same."""
    src = DATA / "synthetic_cov15.fastq"
    arch = tmp_path / "s.ngsc"
    phyngsc.compress(str(src), str(arch), threads=1, level=level, window=4096, seed=16384)
    lines = src.read_text().split("\n")
    assert struct.unpack_from("<H", arch.read_bytes(), 10)[0] == MINOR_VERSION >= 11
    with phyngsc.open(str(arch)) as a:
        assert a.footer.seed is not None
        n_seed = a.footer.seed.n_subblocks
        found = _seeded_streams(a)
        # the chain (seed sub-blocks) learns; every seeded sub-block is static
        assert all(static == (i >= n_seed) for i, static in found)
        used = [i for i, _ in found if i >= n_seed]
        assert used
        model = a.seed_model_for(used, [a.subblock_bytes(i) for i in used])
        assert model is a.seed_model() and model.size == 4 << 2 * a.footer.seed.k
        first = int(a.index.first_record[used[-1]])
        got = {}

        def other():
            got["model"] = a.seed_model_for(used[-1:], [a.subblock_bytes(used[-1])])
            got["records"] = list(a.records(first, first + 3))

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert got["model"] is model
        assert got["records"] == [(lines[4 * r][1:], lines[4 * r + 1], lines[4 * r + 3])
                                  for r in range(first, first + 3)]
    out = tmp_path / "o.fq"
    phyngsc.decompress(str(arch), str(out), threads=2)
    assert out.read_bytes() == src.read_bytes()


def test_older_archives_keep_their_learning_streams():
    """A 0.22 seeded archive's DNA_SEEDED streams learn (and still decode: test_golden)."""
    with phyngsc.open(str(DATA / "golden" / "v0.22-seed-L5-synthetic_cov15.ngsc")) as a:
        found = _seeded_streams(a)
        assert any(i >= a.footer.seed.n_subblocks for i, _ in found)
        assert not any(static for _, static in found)


def test_the_0_23_golden_archives_hold_static_seeded_streams():
    """The fixtures that keep NGSC 1.11 decodable do exercise it, at orders 12, 13 and 14
    (their decoding is checked by test_golden)."""
    orders = set()
    for path in sorted((DATA / "golden").glob("v0.23-seed*.ngsc")):
        with phyngsc.open(str(path)) as a:
            n_seed = a.footer.seed.n_subblocks
            found = _seeded_streams(a)
            assert all(static == (i >= n_seed) for i, static in found), path.name
            if any(static for _, static in found):
                orders.add(a.footer.seed.k)
    assert orders == {12, 13, 14}
