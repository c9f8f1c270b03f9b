"""NGSC 1.1 codecs (DNA_CM, QUAL_CM, TITLE_TOK) against the plain-Python references."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from phyngsc.codecs.dna_cm import dna_cm_encode
from phyngsc.codecs.quality_cm import qual_cm_encode
from phyngsc.codecs.registry import decode_stream, encode_stream
from phyngsc.codecs.title_tok import title_tok_encode
from phyngsc.codecs.registry import CODEC_ID
from tests.reference import ref_coder

from ..conftest import DATA

SAMPLE = (DATA / "err127302_1_200.fastq").read_bytes().split(b"\n")
SEQS = SAMPLE[1::4][:200]
QUALS = SAMPLE[3::4][:200]
TITLES = b"".join(t[1:] + b"\n" for t in SAMPLE[0::4][:200])
ONT = (DATA / "ont_5.fastq").read_bytes().split(b"\n")


def arr(b: bytes) -> np.ndarray:
    return np.frombuffer(b, np.uint8)


def lengths_of(parts) -> np.ndarray:
    return np.array([len(p) for p in parts], np.int64)


def roundtrip(codec, param, data: bytes, lengths: np.ndarray) -> bytes:
    out = np.zeros(4 * len(data) + 256, np.uint8)
    n = encode_stream(codec, param, arr(data), lengths, out)
    assert n >= 0
    dec = np.zeros(len(data), np.uint8)
    assert decode_stream(codec, out[:n], lengths, dec) == 0
    return dec.tobytes()


@pytest.mark.parametrize("k,rc,inc", [(11, True, 4), (12, True, 4), (4, False, 24), (1, True, 1)])
def test_dna_cm_matches_reference(k, rc, inc):
    data = b"".join(SEQS[:60]) + b"NNACGTRY" + b"".join(SEQS[60:80])
    lengths = [len(s) for s in SEQS[:60]] + [8] + [len(s) for s in SEQS[60:80]]
    out = np.zeros(4 * len(data) + 64, np.uint8)
    n = dna_cm_encode(arr(data), np.array(lengths, np.int64), out, k, rc, inc)
    assert out[:n].tobytes() == ref_coder.dna_cm(data, lengths, k, rc, inc)
    assert roundtrip(CODEC_ID["dna-cm"], k | (rc << 8) | (inc << 16), data,
                     np.array(lengths, np.int64)) == data


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTNacgt", max_size=30), max_size=20),
       st.integers(1, 12), st.booleans(), st.integers(1, 40))
def test_dna_cm_generated(reads, k, rc, inc):
    data = "".join(reads).encode()
    lengths = [len(r) for r in reads]
    out = np.zeros(4 * len(data) + 64, np.uint8)
    n = dna_cm_encode(arr(data), np.array(lengths, np.int64), out, k, rc, inc)
    assert out[:n].tobytes() == ref_coder.dna_cm(data, lengths, k, rc, inc)
    assert roundtrip(CODEC_ID["dna-cm"], k | (rc << 8) | (inc << 16), data,
                     np.array(lengths, np.int64)) == data


@pytest.mark.parametrize("variant", [0, 1])
@pytest.mark.parametrize("quals", [QUALS, ONT[3::4][:5], [b"IIII", b"", b"I"]],
                         ids=["illumina", "nanopore", "tiny"])
def test_qual_cm_matches_reference(variant, quals):
    data = b"".join(quals)
    lengths = lengths_of(quals)
    out = np.zeros(4 * len(data) + 300, np.uint8)
    n = qual_cm_encode(arr(data), lengths, out, variant)
    assert out[:n].tobytes() == ref_coder.qual_cm(data, list(lengths), variant)
    assert roundtrip(CODEC_ID["qual-cm"], variant, data, lengths) == data


def test_qual_cm_rejects_lengths_that_do_not_add_up():
    assert qual_cm_encode(arr(b"IIJJ"), np.array([3], np.int64), np.zeros(64, np.uint8), 0) == -1


@pytest.mark.parametrize("titles", [
    TITLES, b"".join(t[1:] + b"\n" for t in ONT[0::4] if t),
    b"r1\nr2\nr3\nr10\n", b"\n\n\n", b"a:007\na:008\na:9\na:10\na:266\n",
    b"x" * 600 + b"\n" + b"x" * 601 + b"\n", b"123456789012345678901234\n12\n"],
    ids=["illumina", "nanopore", "counter", "empty", "zeros", "long", "bignum"])
def test_title_tok_matches_reference(titles):
    out = np.zeros(4 * len(titles) + 64, np.uint8)
    n = title_tok_encode(arr(titles), out)
    assert out[:n].tobytes() == ref_coder.title_tok(titles)
    assert roundtrip(CODEC_ID["title-tok"], 0, titles, np.zeros(0, np.int64)) == titles


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(alphabet="ab01239:/ _.=#-", max_size=25), max_size=15))
def test_title_tok_generated(titles):
    data = "".join(t + "\n" for t in titles).encode()
    out = np.zeros(4 * len(data) + 64, np.uint8)
    n = title_tok_encode(arr(data), out)
    assert out[:n].tobytes() == ref_coder.title_tok(data)
    assert roundtrip(CODEC_ID["title-tok"], 0, data, np.zeros(0, np.int64)) == data


@pytest.mark.parametrize("codec", [CODEC_ID["dna-cm"], CODEC_ID["qual-cm"], CODEC_ID["title-tok"]])
def test_decoders_survive_garbage(codec):
    rng = np.random.default_rng(3)
    for n in (0, 1, 3, 50, 400):
        src = rng.integers(0, 256, n).astype(np.uint8)
        out = np.zeros(300, np.uint8)
        assert decode_stream(codec, src, np.array([100, 200], np.int64), out) in (0, 1)
