"""The static DNA decoder in lanes (``dna_k8_lanes.decode_static``, phyngsc 0.23.1) and its
branch-free refill (``arith.dec_take_two``): the same bases and the same status as the
general lanes decoder for every prefix and every damage, compiled and interpreted."""

from contextlib import nullcontext

import numpy as np
import pytest

from phyngsc.codecs.arith import MASK32, TOP, dec_take_from, dec_take_two
from phyngsc.codecs.dna_k8 import dna_k8_decode_into
from phyngsc.codecs.dna_k8_lanes import decode_lanes, decode_static, stream_lanes
from phyngsc.codecs.dna_exceptions import apply_exceptions, read_exceptions
from phyngsc.codecs.seed_workspace import seeded_encode
from phyngsc.core.jit import interpreted

from .random_reads import random_reads


def _states(rng: np.random.Generator, n: int):
    """Decoder states as the coder meets them: a range in [2**24, 2**32), a total up to
    2**16, an interval of it and a code inside that interval."""
    for _ in range(n):
        rg = int(rng.integers(TOP, MASK32, endpoint=True))
        total = int(rng.integers(1, 1 << 16, endpoint=True))
        r = rg // total
        cum = int(rng.integers(0, total))
        freq = int(rng.integers(1, total - cum + 1))
        code = int(rng.integers(cum * r, (cum + freq) * r))
        yield code, rg, r, cum, freq


@pytest.mark.parametrize("plain", [False, True])
def test_two_byte_refill_is_the_loop(plain):
    """Same state and position as the loop, also where the input ends (bytes past
    ``end`` read as zero) and for the smallest ranges (a frequency of 1 in a total of
    2**16, two bytes)."""
    rng = np.random.default_rng(3)
    src = rng.integers(0, 256, 64).astype(np.uint8)
    cases = list(_states(rng, 3000 if not plain else 300))
    cases += [(0, TOP, TOP >> 16, 0, 1), ((1 << 16) - 1, MASK32, MASK32 >> 16, 0, 1)]
    with interpreted() if plain else nullcontext():
        for i, (code, rg, r, cum, freq) in enumerate(cases):
            for pos, end in ((i % 60, 64), (62, 64), (63, 64), (64, 64), (10, 11), (5, 5)):
                want = dec_take_from(code, rg, pos, src, end, r, cum, freq)
                got = dec_take_two(code, rg, pos, src, end, r, cum, freq)
                assert tuple(map(int, got)) == tuple(map(int, want))


def _stream(seed: int, k: int, lanes: int, n_reads: int = 90):
    bases, lengths, model = random_reads(seed, n_reads=n_reads, k=k)
    out = np.zeros(4 * bases.size + 512, np.uint8)
    n = seeded_encode(bases, lengths, out, k, False, 0, model, lanes)
    assert n > 0 and out[2] == 0
    return out[:n].copy(), bases, lengths, model


def _general(src, lengths, size, model):
    """The general lanes decoder (``decode_lanes``, keeping 2-bit codes, learning into a
    copy of the model when a damaged increment byte says so) on ``src``, with the checks
    and exceptions of ``dna_k8_decode_logged``: ``(status, bases)``."""
    out = np.zeros(size, np.uint8)
    if src.size < 3:
        return (1 if size else 0), out
    k, inc, lanes = int(src[0]), int(src[2]), stream_lanes(src[1])
    if inc > 127 or lanes < 2 or model.size != 4 << 2 * k:
        return 1, out
    pos, n_exc, exc = read_exceptions(src, 3)
    if pos < 0:
        return 1, out
    status = decode_lanes(src, pos, lengths, out, model.copy(), np.zeros(size, np.uint8), k,
                          bool(src[1] & 1), inc, lanes, np.zeros(0, np.uint32),
                          np.zeros(0, np.int64))
    return (1 if status else apply_exceptions(out, n_exc, exc)), out


def _static(src, lengths, size, model, two):
    """``decode_static`` itself on a valid stream, refill chosen: ``(status, bases)``
    before exceptions."""
    out = np.zeros(size, np.uint8)
    pos, _n, _exc = read_exceptions(src, 3)
    status = decode_static(src, pos, lengths, out, model, int(src[0]), stream_lanes(src[1]),
                           two)
    return status, out


@pytest.mark.parametrize("lanes", [2, 4, 16])
@pytest.mark.parametrize("k", [3, 6])
def test_every_prefix_decodes_as_the_general_decoder(k, lanes):
    src, bases, lengths, model = _stream(5 + k, k, lanes)
    for size in range(bases.size + 1):
        want = _general(src, lengths, size, model)
        assert want[0] == 0 and np.array_equal(want[1], bases[:size])
        out = np.zeros(size, np.uint8)
        assert dna_k8_decode_into(src, lengths, out, model) == 0      # the fast path
        assert np.array_equal(out, bases[:size])
        for two in (False, True):
            status, got = _static(src, lengths, size, model, two)
            assert status == 0
            # before exceptions: the N of the input are still the bases the coder coded
            ok = bases[:size] != ord("N")
            assert np.array_equal(got[ok], bases[:size][ok])


@pytest.mark.parametrize("lanes", [2, 16])
def test_damaged_streams_give_what_the_general_decoder_gives(lanes):
    """Any flipped bit or cut: the fast path's status and bases are the general
    decoder's (neither can tell a wrong base from a right one: the CRC does)."""
    src, bases, lengths, model = _stream(21, 6, lanes, n_reads=150)
    rng = np.random.default_rng(8)
    for trial in range(300):
        bad = src.copy()
        if trial % 3:
            bad[rng.integers(0, bad.size)] ^= np.uint8(1 << int(rng.integers(0, 8)))
        else:
            bad = bad[:int(rng.integers(0, bad.size))].copy()
        want = _general(bad, lengths, bases.size, model)
        got = np.zeros(bases.size, np.uint8)
        assert dna_k8_decode_into(bad, lengths, got, model) == want[0]
        assert np.array_equal(got, want[1])


def test_the_interpreted_decoder_reads_the_same_bases():
    src, bases, lengths, model = _stream(2, 4, 16, n_reads=40)
    with interpreted():
        for two in (False, True):
            status, got = _static(src, lengths, bases.size, model, two)
            ok = bases != ord("N")
            assert status == 0 and np.array_equal(got[ok], bases[ok])
        out = np.zeros(bases.size, np.uint8)
        assert dna_k8_decode_into(src, lengths, out, model) == 0
        assert np.array_equal(out, bases)
