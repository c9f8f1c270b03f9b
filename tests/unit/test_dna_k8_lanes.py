"""DNA_K8 in lanes (NGSC 1.7): the kernels against the plain-Python reference, every
prefix decoding exactly, and seeded working rows left equal to the model."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from phyngsc.codecs.dna_exceptions import base_codes
from phyngsc.codecs.defs.dna_k8 import param
from phyngsc.codecs.dna_k8 import dna_k8_decode, dna_k8_encode, dna_k8_encode_into
from phyngsc.codecs.dna_k8_lanes import ends_group, lanes_log2, stream_lanes
from phyngsc.codecs.registry import BY_NAME, decode_stream, encode_stream
from phyngsc.codecs.seed_workspace import (copies_whole_row, restore_touched, seeded_decode,
                                           seeded_encode, workspace)
from phyngsc.core.jit import interpreted
from tests.reference import ref_rans

from ..conftest import DATA
from .random_reads import random_reads

LINES = (DATA / "err127302_1_200.fastq").read_bytes().split(b"\n")
SEQS = LINES[1::4][:200]
NO_TABLE = np.zeros(0, np.uint8)


def arr(b: bytes) -> np.ndarray:
    return np.frombuffer(b, np.uint8)


def lens(parts) -> np.ndarray:
    return np.array([len(p) for p in parts], np.int64)


def _encode(data: bytes, lengths, k: int, rc: bool, inc: int, lanes: int) -> np.ndarray:
    out = np.zeros(4 * len(data) + 256, np.uint8)
    n = dna_k8_encode(arr(data), np.asarray(lengths, np.int64), out, k, rc, inc, NO_TABLE, lanes)
    assert n > 0
    return out[:n].copy()


@pytest.mark.parametrize("lanes", [2, 4, 8, 16])
@pytest.mark.parametrize("extra", [0, 1, 3])
@pytest.mark.parametrize("k,rc,inc", [(11, True, 2), (12, False, 3), (4, True, 3), (1, True, 127)])
def test_lanes_match_reference(k, rc, inc, extra, lanes):
    reads = SEQS[:61] + [b"NNACGTRY", b"", b"ACG"] + SEQS[61:80 + extra]
    data = b"".join(reads)
    enc = _encode(data, lens(reads), k, rc, inc, lanes)
    assert enc.tobytes() == ref_rans.dna_k8_lanes(data, [len(r) for r in reads], k, rc, inc,
                                                  lanes)

    dec = np.zeros(len(data), np.uint8)
    assert dna_k8_decode(enc, lens(reads), dec, NO_TABLE) == 0 and dec.tobytes() == data


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTNacgt", max_size=30), max_size=21),
       st.integers(1, 13), st.booleans(), st.integers(1, 127), st.sampled_from([2, 4, 8, 16]))
def test_lanes_generated(reads, k, rc, inc, lanes):
    data = "".join(reads).encode()
    lengths = [len(r) for r in reads]
    spec = BY_NAME["dna-k8"]
    out = np.zeros(spec.worst_case(len(data)), np.uint8)
    n = encode_stream(spec.id, k | rc << 8 | (lanes.bit_length() - 1) << 9 | inc << 16,
                      arr(data), np.array(lengths, np.int64), out)
    assert 0 < n <= spec.worst_case(len(data))
    assert out[:n].tobytes() == ref_rans.dna_k8_lanes(data, lengths, k, rc, inc, lanes)
    dec = np.zeros(len(data), np.uint8)
    assert decode_stream(spec.id, out[:n], np.array(lengths, np.int64), dec) == 0
    assert dec.tobytes() == data


@pytest.mark.parametrize("lanes", [2, 4, 8])
@pytest.mark.parametrize("rc", [False, True])
def test_every_prefix_decodes_exactly(rc, lanes):
    """A prefix ending inside a group of reads also decodes the bases coded beside the
    ones it returns, so that the model learns what the encoder's did."""
    reads = [s[:int(n)] for s, n in zip(SEQS[:40], np.random.default_rng(1).integers(0, 40, 40))]
    data = b"".join(reads)
    enc = _encode(data, lens(reads), 3, rc, 40, lanes)     # a small, fast-learning model
    for n in range(len(data) + 1):
        got = np.zeros(n, np.uint8)
        assert dna_k8_decode(enc, lens(reads), got, NO_TABLE) == 0
        assert got.tobytes() == data[:n], n
    with interpreted():                               # the kernels as plain Python
        for n in (0, 7, len(data) // 2, len(data) - 1, len(data)):
            got = np.zeros(n, np.uint8)
            assert dna_k8_decode(enc, lens(reads), got, NO_TABLE) == 0
            assert got.tobytes() == data[:n], n


def test_lane_counts_and_flags():
    assert [lanes_log2(x) for x in (1, 2, 4, 8, 16, 0, 3, 32)] == [0, 1, 2, 3, 4, -1, -1, -1]
    assert [stream_lanes(f) for f in (0, 1, 2, 3, 6, 7, 8, 9, 10, 14, 16, 128)] == \
        [1, 1, 2, 2, 8, 8, 16, 16, 0, 0, 0, 0]
    assert param(12, True, 3, lanes=8) == 12 | 1 << 8 | 3 << 9 | 3 << 16
    with pytest.raises(ValueError):
        param(12, True, 3, lanes=3)
    out = np.zeros(1024, np.uint8)
    assert dna_k8_encode(arr(SEQS[0]), lens(SEQS[:1]), out, 11, True, 2, NO_TABLE, 32) == -1


@pytest.mark.parametrize("lanes", [2, 3, 4])
def test_ends_group_matches_reference(lanes):
    lengths = np.array([5, 0, 7, 3, 0, 0, 4, 2, 2], np.int64)
    ends = np.concatenate([[0], np.cumsum(lengths)])
    for n in range(int(lengths.sum()) + 3):
        want = n >= ends[-1] or any(ends[r] == n for r in range(0, lengths.size + 1, lanes))
        assert ends_group(lengths, n, lanes) == want, n


def _reads(seed, k):
    return random_reads(seed, 60, k)


@pytest.mark.parametrize("lanes", [2, 8])
@pytest.mark.parametrize("rc", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_restore_touched_follows_the_lanes(seed, rc, lanes):
    """Learning in lanes visits other contexts than in one: each lane's context runs on
    across its own reads only. restore_touched with lanes undoes exactly that."""
    k = 6
    bases, lengths, model = _reads(seed, k=k)
    out = np.empty(4 * bases.size + 1024, np.uint8)
    one_lane_left_dirty = False
    F = model.copy()
    assert dna_k8_encode_into(bases, lengths, out, k, rc, 5, F, lanes) > 0
    G = F.copy()
    restore_touched(G, model, base_codes(bases), lengths, k, rc)
    one_lane_left_dirty |= not np.array_equal(G, model)
    restore_touched(F, model, base_codes(bases), lengths, k, rc, lanes)
    assert np.array_equal(F, model)
    assert one_lane_left_dirty


@pytest.mark.parametrize("lanes", [2, 8])
@pytest.mark.parametrize("rc", [False, True])
def test_seeded_lanes_code_as_a_fresh_copy_and_leave_rows_clean(rc, lanes):
    k = 9                                   # rows put back context by context
    bases, lengths, model = _reads(4, k=k)
    assert not copies_whole_row(model.size, bases.size, rc)
    ws = workspace(model, 2)
    fresh = np.empty(4 * bases.size + 1024, np.uint8)
    n = dna_k8_encode(bases, lengths, fresh, k, rc, 7, model, lanes)
    got = np.empty_like(fresh)
    assert seeded_encode(bases, lengths, got, k, rc, 7, ws, lanes) == n
    assert np.array_equal(got[:n], fresh[:n]) and stream_lanes(got[1]) == lanes
    assert np.array_equal(ws, np.tile(model, 3))
    ends = np.concatenate([[0], np.cumsum(lengths)])
    for cut in sorted({0, 1, int(ends[2]), int(ends[3]), int(ends[3]) + 2, int(ends[7]) - 1,
                       int(ends[8]), int(ends[16]), bases.size // 2, bases.size}):
        dec = np.empty(cut, np.uint8)
        assert seeded_decode(got[:n], lengths, dec, ws) == 0
        assert np.array_equal(dec, bases[:cut]), cut
        assert np.array_equal(ws, np.tile(model, 3)), cut     # shadow bases undone too


@pytest.mark.parametrize("lanes", [2, 8])
def test_lanes_cost_next_to_nothing_in_size(lanes):
    reads = SEQS[:200]
    data = b"".join(reads)
    one = _encode(data, lens(reads), 11, True, 2, 1)
    more = _encode(data, lens(reads), 11, True, 2, lanes)
    assert one.size < more.size <= one.size * 1.01 + 9 * lanes


def test_unknown_flags_are_damage():
    reads = SEQS[:10]
    data = b"".join(reads)
    enc = _encode(data, lens(reads), 11, True, 2, 2)
    dec = np.zeros(len(data), np.uint8)
    for flags in (10, 13, 16, 128, 255):
        bad = enc.copy()
        bad[1] = flags
        assert dna_k8_decode(bad, lens(reads), dec, NO_TABLE) == 1
