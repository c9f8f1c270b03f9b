"""Each codec kernel against the plain-Python reference (byte-identical), plus round trips."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from phyngsc.codecs.context_models import (qual_o2_encode, rc_o1_encode, title_col_encode)
from phyngsc.codecs.dna import dna2_encode
from phyngsc.codecs.registry import decode_stream, encode_stream
from phyngsc.codecs.registry import CODEC_ID
from tests.reference import ref_coder

from ..conftest import DATA


def _enc(kernel, data: bytes) -> bytes:
    src = np.frombuffer(data, np.uint8)
    out = np.zeros(4 * len(data) + 64, np.uint8)
    n = kernel(src, out)
    assert n >= 0
    return out[:n].tobytes()


def _roundtrip(codec: int, data: bytes) -> bytes:
    src = np.frombuffer(data, np.uint8)
    out = np.zeros(2 * len(data) + 300, np.uint8)
    n = encode_stream(codec, 0, src, NO_AUX, out)
    assert n >= 0
    dec = np.zeros(len(data), np.uint8)
    assert decode_stream(codec, out[:n], NO_AUX, dec) == 0
    return dec.tobytes()


NO_AUX = np.zeros(0, np.int64)
SAMPLE = (DATA / "err127302_1_200.fastq").read_bytes()
QUALS = b"".join(SAMPLE.split(b"\n")[3::4])
TITLES = b"".join(t[1:] + b"\n" for t in SAMPLE.split(b"\n")[0::4] if t)
DNA = b"".join(SAMPLE.split(b"\n")[1::4])
ADVERSARIAL = [b"", b"\x00", b"\xff" * 5000, bytes(range(256)) * 40, b"ab" * 3000,
               bytes([0, 255]) * 2000]


@pytest.mark.parametrize("data", [QUALS, TITLES, DNA, *ADVERSARIAL])
def test_rc_o1_matches_reference(data):
    assert _enc(rc_o1_encode, data) == ref_coder.rc_o1(data)
    assert ref_coder.rc_o1_decode(ref_coder.rc_o1(data), len(data)) == data


@pytest.mark.parametrize("data", [QUALS, b"IIII", b"", b"!~" * 3000, bytes(range(33, 127)) * 50])
def test_qual_o2_matches_reference(data):
    assert _enc(qual_o2_encode, data) == ref_coder.qual_o2(data)


@pytest.mark.parametrize("data", [TITLES, b"\n\n\n", b"a\nab\nabc\n", b"x" * 3000 + b"\n"])
def test_title_col_matches_reference(data):
    assert _enc(title_col_encode, data) == ref_coder.title_col(data)


@pytest.mark.parametrize("data", [DNA, b"", b"ACGTN", b"acgtRYKM" * 100, b"N" * 1000])
def test_dna2_matches_reference(data):
    assert _enc(dna2_encode, data) == ref_coder.dna2(data)


def test_dna2_matches_reference_on_every_byte_value_and_length():
    """The packing loop runs on whole groups of four bases and a tail, coding bases
    arithmetically (an exception packs as 0): every byte value, every tail length."""
    rng = np.random.default_rng(11)
    every = bytes(range(256))
    for n in list(range(0, 70)) + [1021, 4096]:
        mostly = bytes(rng.choice(np.frombuffer(b"ACGT", np.uint8), n))
        anything = bytes(rng.integers(0, 256, n, dtype=np.uint8))
        for data in (mostly, anything, (every * (n // 256 + 1))[:n]):
            assert _enc(dna2_encode, data) == ref_coder.dna2(data)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from([CODEC_ID["stored"], CODEC_ID["rc-o1"], CODEC_ID["title-col"],
                                                  CODEC_ID["qual-o2"]]))
def test_any_bytes_roundtrip(data, codec):
    assert _roundtrip(codec, data) == data


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2000))
def test_rc_o1_reference_on_random_bytes(data):
    assert _enc(rc_o1_encode, data) == ref_coder.rc_o1(data)


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="ACGTNacgtRY.-*", max_size=2000))
def test_dna2_roundtrip(text):
    data = text.encode()
    assert _roundtrip(CODEC_ID["dna2"], data) == data


def test_dna2_decodes_into_any_destination_offset_and_prefix():
    """The decoder stores four bases at a time through a uint32 view of its destination:
    destinations that start at any byte offset and prefixes of every length up to a few
    groups, compiled and interpreted, give the exact bases (exceptions patched in)."""
    from phyngsc.codecs.dna import dna2_decode
    from phyngsc.core.jit import interpreted
    src = np.frombuffer(b"ACGTNACGGTTAC" * 7 + b"ACx", np.uint8)
    out = np.zeros(1000, np.uint8)
    enc = out[:dna2_encode(src, out)].copy()
    for interpret in (False, True):
        for off in range(4):
            for cut in list(range(0, 13)) + [src.size - 1, src.size]:
                buf = np.zeros(src.size + 8, np.uint8)
                dst = buf[off:off + cut]
                if interpret:
                    with interpreted():
                        status = dna2_decode(enc, dst)
                else:
                    status = dna2_decode(enc, dst)
                assert status == 0 and dst.tobytes() == src[:cut].tobytes()
                assert not buf[off + cut:].any() and not buf[:off].any()


def test_encoder_reports_small_output_buffer():
    src = np.frombuffer(bytes(range(256)) * 10, np.uint8)
    for codec in (CODEC_ID["stored"], CODEC_ID["rc-o1"], CODEC_ID["qual-o2"], CODEC_ID["title-col"]):
        assert encode_stream(codec, 0, src, NO_AUX, np.zeros(10, np.uint8)) == -1


@pytest.mark.parametrize("codec", [CODEC_ID["rc-o1"], CODEC_ID["dna2"], CODEC_ID["qual-o2"], CODEC_ID["title-col"]])
def test_decoders_survive_garbage(codec):
    rng = np.random.default_rng(7)
    for n in (0, 1, 5, 100):
        src = rng.integers(0, 256, n).astype(np.uint8)
        out = np.zeros(500, np.uint8)
        assert decode_stream(codec, src, NO_AUX, out) in (0, 1)   # never a crash


def test_unknown_codec():
    src = np.zeros(4, np.uint8)
    assert encode_stream(99, 0, src, NO_AUX, np.zeros(10, np.uint8)) == -1
    assert decode_stream(99, src, NO_AUX, np.zeros(4, np.uint8)) == 2
