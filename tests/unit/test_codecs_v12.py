"""NGSC 1.2 codecs against their plain-Python references, their stated worst cases,
prefix decoding, and damaged input (never a crash; the sub-block CRC rejects the rest)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from phyngsc.codecs import rans
from phyngsc.codecs.registry import BY_NAME, CODECS, decode_stream, encode_stream
from phyngsc.codecs.dna_k8 import dna_k8_encode
from phyngsc.codecs.qual_sorted import qual_sorted_encode
from phyngsc.codecs.rans_static import qual_rans_encode, rans_bytes_encode
from phyngsc.codecs.title_rans import title_rans_encode
from phyngsc.codecs.title_tok import put_decimal
from phyngsc.subblock_decode import SubBlockCorrupt, decode_subblocks
from phyngsc.subblocks import encode_spans
from tests.reference import ref_rans

from ..conftest import DATA

SAMPLE = (DATA / "err127302_1_200.fastq").read_bytes()
LINES = SAMPLE.split(b"\n")
SEQS = LINES[1::4][:200]
QUALS = LINES[3::4][:200]
TITLES = b"".join(t[1:] + b"\n" for t in LINES[0::4][:200])
ONT = (DATA / "ont_5.fastq").read_bytes().split(b"\n")
NO_TABLE = np.zeros(0, np.uint8)
SIM_TITLES = b"".join(b"r%d\n" % i for i in range(1, 400))


def arr(b: bytes) -> np.ndarray:
    return np.frombuffer(b, np.uint8)


def lens(parts) -> np.ndarray:
    return np.array([len(p) for p in parts], np.int64)


def roundtrip(name: str, param: int, data: bytes, lengths: np.ndarray) -> bytes:
    spec = BY_NAME[name]
    out = np.zeros(spec.worst_case(len(data)), np.uint8)
    n = encode_stream(spec.id, param, arr(data), lengths, out)
    assert 0 <= n <= spec.worst_case(len(data))
    dec = np.zeros(len(data), np.uint8)
    assert decode_stream(spec.id, out[:n], lengths, dec) == 0
    for cut in sorted({0, 1, len(data) // 3, len(data) - 1}):
        if 0 <= cut <= len(data):
            part = np.zeros(cut, np.uint8)
            assert decode_stream(spec.id, out[:n], lengths, part) == 0
            assert part.tobytes() == data[:cut]
    return dec.tobytes()


# -- rANS coder ----------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 10 ** 9), min_size=1, max_size=256))
def test_normalise_sums_to_m_and_keeps_every_symbol(counts):
    freqs = np.zeros(len(counts), np.int32)
    ok = rans.normalise(np.array(counts, np.int64), freqs)
    assert ok == (sum(counts) > 0)
    assert list(freqs) == ref_rans.normalise(counts)
    if ok:
        assert freqs.sum() == rans.M
        assert all((f >= 1) == (c > 0) for f, c in zip(freqs, counts))


def test_encoder_reciprocals_divide_exactly():
    # every frequency a table can hold, against states at the edges of the range
    # and at multiples of f (where a reciprocal that rounds wrongly shows first)
    freqs = np.arange(1, rans.M + 1, dtype=np.int32).reshape(1, -1)
    tab = rans.encoder_table(freqs, np.zeros_like(freqs))
    rng = np.random.default_rng(3)
    x = np.concatenate([np.array([rans.L, (rans.L << 8) - 1, (1 << 31) - 1], np.int64),
                        rng.integers(0, 1 << 31, 200)])
    for f in range(1, rans.M + 1):
        rcp, sh, xmax, bc = (int(v) for v in tab[f - 1])
        xs = np.concatenate([x, (x // f) * f, (x // f) * f - 1])
        xs = xs[(xs >= 0) & (xs < (1 << 31))].tolist()
        assert all((v * rcp) >> sh == v // f for v in xs), f
        assert rcp * ((1 << 31) - 1) < 1 << 63
        assert xmax == rans.XMAX_UNIT * f and bc == rans.M - f


@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("data", [TITLES, b"".join(SEQS), b"\x00\xff" * 999, b"a", b"",
                                  bytes(range(256)) * 3])
def test_rans_bytes_matches_reference(order, data):
    out = np.zeros(len(data) * 4 + (1 << 20), np.uint8)
    n = rans_bytes_encode(arr(data), out, order)
    assert out[:n].tobytes() == ref_rans.rans_bytes(data, order)
    assert roundtrip("rans-bytes", order, data, np.zeros(0, np.int64)) == data


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=2000), st.integers(0, 1))
def test_rans_bytes_generated(data, order):
    out = np.zeros(len(data) * 4 + (1 << 20), np.uint8)
    n = rans_bytes_encode(arr(data), out, order)
    assert out[:n].tobytes() == ref_rans.rans_bytes(data, order)
    assert roundtrip("rans-bytes", order, data, np.zeros(0, np.int64)) == data


def _binned(reads: list[bytes]) -> list[bytes]:
    """The reads with qualities binned to 8 values, as recent Illumina runs write them."""
    return [bytes(33 + min(max(b - 33, 0), 41) // 6 * 6 for b in r) for r in reads]


@pytest.mark.parametrize("variant", [0, 1, 2, 0x10, 0x11, 0x12])
@pytest.mark.parametrize("reads", [QUALS, ONT[3::4][:5], _binned(QUALS)])
def test_qual_rans_matches_reference(variant, reads):
    data = b"".join(reads)
    out = np.zeros(len(data) * 4 + (1 << 20), np.uint8)
    n = qual_rans_encode(arr(data), lens(reads), out, variant)
    assert out[:n].tobytes() == ref_rans.qual_rans(data, [len(r) for r in reads], variant)
    assert roundtrip("qual-rans", variant, data, lens(reads)) == data


def test_qual_rans_position_variant():
    """Variant 2 (position bands) beats variant 1 where the distribution moves along
    the read, and refuses an alphabet of more than 64 symbols (so does its decoder)."""
    rng = np.random.default_rng(4)
    reads = []
    for _ in range(2000):
        p = np.arange(150)
        hi = rng.random(150) < np.where(p < 75, 0.97, 0.5)
        reads.append(np.where(hi, 70, 40 + 5 * (p % 3)).astype(np.uint8).tobytes())
    data = b"".join(reads)
    sizes = []
    for variant in (1, 2):
        out = np.zeros(2 * len(data) + (1 << 20), np.uint8)
        sizes.append(qual_rans_encode(arr(data), lens(reads), out, variant))
        assert roundtrip("qual-rans", variant, data, lens(reads)) == data
    assert sizes[1] < 0.95 * sizes[0]
    for n_symbols, fits in ((64, True), (65, False)):
        wide = bytes(range(33, 33 + n_symbols)) * 3
        out = np.zeros(4 * len(wide) + (1 << 20), np.uint8)
        n = qual_rans_encode(arr(wide), lens([wide]), out, 2)
        assert (n > 0) == fits
    forged = out[:qual_rans_encode(arr(wide), lens([wide]), out, 1)].copy()
    forged[0] = 2            # a variant-1 stream over 65 symbols relabelled variant 2
    dec = np.zeros(len(wide), np.uint8)
    assert decode_stream(BY_NAME["qual-rans"].id, forged, lens([wide]), dec) == 1


@pytest.mark.parametrize("variant", [0x10, 0x12])
def test_qual_rans_lanes_decode_every_prefix(variant):
    """Two lanes (NGSC 1.10), reads of uneven lengths (an odd count, an empty read): every
    prefix decodes to the text's prefix, the pair of reads where it ends included, and
    the interpreted kernels (``grep --first``) give the same bytes."""
    from phyngsc.core.jit import interpreted
    reads = [q[: 20 + 7 * (i % 5)] for i, q in enumerate(_binned(QUALS[:13]))] + [b""] + \
        [QUALS[20][:33]]
    data = b"".join(reads)
    out = np.zeros(BY_NAME["qual-rans"].worst_case(len(data)), np.uint8)
    n = qual_rans_encode(arr(data), lens(reads), out, variant)
    assert out[:n].tobytes() == ref_rans.qual_rans(data, [len(r) for r in reads], variant)
    for cut in range(len(data) + 1):
        part = np.zeros(cut, np.uint8)
        assert decode_stream(BY_NAME["qual-rans"].id, out[:n], lens(reads), part) == 0
        assert part.tobytes() == data[:cut]
    too_long = np.zeros(len(data) + 1, np.uint8)
    assert decode_stream(BY_NAME["qual-rans"].id, out[:n], lens(reads), too_long) == 1
    with interpreted():
        for cut in (len(data) // 2, len(data)):
            part = np.zeros(cut, np.uint8)
            assert decode_stream(BY_NAME["qual-rans"].id, out[:n], lens(reads), part) == 0
            assert part.tobytes() == data[:cut]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=30), st.sampled_from([0, 1, 2, 0x10, 0x11,
                                                                       0x12]))
def test_qual_rans_generated(reads, variant):
    data = b"".join(reads)
    out = np.zeros(len(data) * 4 + (1 << 20), np.uint8)
    n = qual_rans_encode(arr(data), lens(reads), out, variant)
    want = ref_rans.qual_rans(data, [len(r) for r in reads], variant)
    if want is None:
        assert n == -1
        return
    assert out[:n].tobytes() == want
    assert roundtrip("qual-rans", variant, data, lens(reads)) == data


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("data", [TITLES, SIM_TITLES, b"".join(t[1:] + b"\n" for t in ONT[0::4][:5]),
                                  b"\n\n", b"x", b"a:1\na:2\na:300\na:0301\nb\n",
                                  b"n" * 600 + b"\n" + b"9" * 40 + b"\n",
                                  b"c-9\nc-8\nc-7\nc-300\nc-172\nc-171\nc-44\nc-0\nc-1\n"])
def test_title_rans_matches_reference(mode, data):
    out = np.zeros(len(data) * 4 + (1 << 20), np.uint8)
    n = title_rans_encode(arr(data), out, mode)
    assert out[:n].tobytes() == ref_rans.title_rans(data, mode)
    assert roundtrip("title-rans", mode, data, np.zeros(0, np.int64)) == data


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="ab09:_ -.", max_size=30), max_size=25), st.integers(0, 2))
def test_title_rans_generated(titles, mode):
    data = "".join(t + "\n" for t in titles).encode()
    out = np.zeros(len(data) * 4 + (1 << 20), np.uint8)
    n = title_rans_encode(arr(data), out, mode)
    assert out[:n].tobytes() == ref_rans.title_rans(data, mode)
    assert roundtrip("title-rans", mode, data, np.zeros(0, np.int64)) == data


@pytest.mark.parametrize("mode", [1, 2])
def test_counting_titles_cost_almost_nothing(mode):
    out = np.zeros(1 << 20, np.uint8)
    n = title_rans_encode(arr(SIM_TITLES), out, mode)
    assert 8 * n / SIM_TITLES.count(b"\n") < 8       # under a byte a title, tables included


def test_titles_counting_down_cost_almost_nothing_in_mode_2():
    down = b"".join(b"chr1-%d\n" % i for i in range(1666650, 1666250, -1))
    out = np.zeros(1 << 20, np.uint8)
    n1 = title_rans_encode(arr(down), out, 1)
    n2 = title_rans_encode(arr(down), out, 2)
    assert 8 * n2 / 400 < 8 < 8 * n1 / 400            # mode 1 spells every number out


# -- adaptive models over the local-state range coder --------------------------------
@pytest.mark.parametrize("k,rc,inc", [(11, True, 2), (12, True, 3), (4, False, 3), (1, True, 127),
                                      (13, False, 1)])
def test_dna_k8_matches_reference(k, rc, inc):
    reads = SEQS[:60] + [b"NNACGTRY", b""] + SEQS[60:80]
    data = b"".join(reads)
    out = np.zeros(4 * len(data) + 64, np.uint8)
    n = dna_k8_encode(arr(data), lens(reads), out, k, rc, inc, NO_TABLE)
    assert out[:n].tobytes() == ref_rans.dna_k8(data, [len(r) for r in reads], k, rc, inc)
    assert roundtrip("dna-k8", k | rc << 8 | inc << 16, data, lens(reads)) == data


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ACGTNacgt", max_size=30), max_size=20),
       st.integers(1, 13), st.booleans(), st.integers(1, 127))
def test_dna_k8_generated(reads, k, rc, inc):
    data = "".join(reads).encode()
    lengths = [len(r) for r in reads]
    out = np.zeros(4 * len(data) + 64, np.uint8)
    n = dna_k8_encode(arr(data), np.array(lengths, np.int64), out, k, rc, inc, NO_TABLE)
    assert out[:n].tobytes() == ref_rans.dna_k8(data, lengths, k, rc, inc)
    assert roundtrip("dna-k8", k | rc << 8 | inc << 16, data,
                     np.array(lengths, np.int64)) == data


@pytest.mark.parametrize("variant", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("reads", [QUALS[:80], ONT[3::4][:2], _binned(QUALS[:80])])
def test_qual_sorted_matches_reference(variant, reads):
    data = b"".join(reads)
    out = np.zeros(4 * len(data) + 300, np.uint8)
    n = qual_sorted_encode(arr(data), lens(reads), out, variant)
    want = ref_rans.qual_sorted(data, [len(r) for r in reads], variant)
    if want is None:      # variant 3 over a wide alphabet: refused
        assert n == -1 and len(set(data)) > 24
        return
    assert out[:n].tobytes() == want
    assert roundtrip("qual-sorted", variant, data, lens(reads)) == data


def test_qual_sorted_position_variant_codes_binned_profiles_smaller():
    """Variant 3 (exact position) beats variant 1 (position // 8) where the
    distribution moves along the read, and refuses an alphabet of 25 symbols."""
    rng = np.random.default_rng(5)
    reads = []
    for _ in range(400):    # each position has its own skew, a binned 8-value alphabet
        p = np.arange(100)
        hi = rng.random(100) < 0.9 - 0.5 * ((p % 7) / 7)
        reads.append(np.where(hi, 70, 40 + 5 * (p % 3)).astype(np.uint8).tobytes())
    data = b"".join(reads)
    sizes = []
    for variant in (1, 3):
        out = np.zeros(2 * len(data) + 300, np.uint8)
        sizes.append(qual_sorted_encode(arr(data), lens(reads), out, variant))
        assert roundtrip("qual-sorted", variant, data, lens(reads)) == data
    assert sizes[1] < 0.95 * sizes[0]
    for n_symbols, fits in ((24, True), (25, False)):
        wide = bytes(range(33, 33 + n_symbols)) * 4
        out = np.zeros(4 * len(wide) + 300, np.uint8)
        n = qual_sorted_encode(arr(wide), lens([wide]), out, 3)
        assert (n > 0) == fits
        if fits:
            assert roundtrip("qual-sorted", 3, wide, lens([wide])) == wide
    every = bytes(range(256)) * 2        # variants 0-2 and 4 take any alphabet
    for variant in (0, 1, 2, 4):
        out = np.zeros(4 * len(every) + 300, np.uint8)
        assert qual_sorted_encode(arr(every), lens([every]), out, variant) > 0
        assert roundtrip("qual-sorted", variant, every, lens([every])) == every


def test_qual_sorted_band_variant_codes_unbinned_profiles_smaller():
    """Variant 4 (previous value, five positions a band over 320) codes ART's MiSeq v3
    qualities (33 values, drifting along 250 bases) smaller than variants 0-2, and
    variant 3 refuses their alphabet."""
    reads = (DATA / "deep" / "art_msv3_1000.fastq").read_bytes().split(b"\n")[3::4]
    data = b"".join(reads)
    out = np.zeros(2 * len(data) + 300, np.uint8)
    sizes = [qual_sorted_encode(arr(data), lens(reads), out, v) for v in range(5)]
    assert sizes[3] == -1
    assert sizes[4] < 0.99 * min(sizes[:3]), sizes
    assert roundtrip("qual-sorted", 4, data, lens(reads)) == data


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=30), max_size=20), st.integers(0, 4))
def test_qual_sorted_generated(reads, variant):
    data = b"".join(reads)
    out = np.zeros(4 * len(data) + 300, np.uint8)
    n = qual_sorted_encode(arr(data), lens(reads), out, variant)
    want = ref_rans.qual_sorted(data, [len(r) for r in reads], variant)
    if want is None:
        assert n == -1
        return
    assert out[:n].tobytes() == want
    assert roundtrip("qual-sorted", variant, data, lens(reads)) == data


# -- every codec: worst case, bad parameters, damaged input ----------------------------
def _inputs(rng):
    """(data, read lengths) pairs, adversarial included: random bytes, one long read."""
    out = [(b"".join(QUALS), lens(QUALS)), (b"".join(SEQS), lens(SEQS)), (TITLES, lens([TITLES]))]
    for n in (0, 1, 7, 300, 5000):
        data = rng.integers(0, 256, n).astype(np.uint8).tobytes()
        out.append((data, lens([data])))
    return out


@pytest.mark.parametrize("spec", CODECS, ids=lambda c: c.name)
def test_worst_case_output_size_holds(spec):
    rng = np.random.default_rng(3)
    params = {"dna-cm": [11 | 256 | 4 << 16], "dna-k8": [11 | 256 | 2 << 16, 1 | 127 << 16,
                                                 11 | 256 | 3 << 9 | 2 << 16],
              "qual-cm": [0, 1], "qual-sorted": [0, 1, 2, 3, 4],
              "qual-rans": [0, 1, 2, 0x10, 0x11, 0x12],
              "rans-bytes": [0, 1], "title-rans": [0, 1]}.get(spec.name, [0])
    for data, lengths in _inputs(rng):
        bound = spec.worst_case(len(data))
        for p in params:
            out = np.zeros(bound + 64, np.uint8)
            n = encode_stream(spec.id, p, arr(data), lengths, out)
            assert n <= bound, (spec.name, p, len(data), n, bound)
            if n >= 0:
                dec = np.zeros(len(data), np.uint8)
                assert decode_stream(spec.id, out[:n], lengths, dec) == 0
                assert dec.tobytes() == data


@pytest.mark.parametrize("name,bad", [("dna-k8", 0), ("dna-k8", 15 | 1 << 16), ("dna-k8", 11 | 128 << 16),
                                      ("qual-sorted", 5), ("qual-rans", 3), ("qual-rans", 0x13),
                                      ("qual-rans", 0x20), ("rans-bytes", 2),
                                      ("title-rans", 3)])
def test_bad_parameters_are_refused(name, bad):
    data = b"".join(QUALS[:3])
    out = np.zeros(1 << 16, np.uint8)
    assert encode_stream(BY_NAME[name].id, bad, arr(data), lens(QUALS[:3]), out) == -1


DNA_N = (b"".join(SEQS[:30]) + b"NNRY", SEQS[:30] + [b"NNRY"])
QUAL_30 = (b"".join(QUALS[:30]), QUALS[:30])
TITLE_1500 = (TITLES[:1500], [TITLES[:1500]])
STREAM_OF = {"rc-o1": (*TITLE_1500, 0), "dna2": (*DNA_N, 0), "qual-o2": (*QUAL_30, 0),
             "title-col": (*TITLE_1500, 0), "dna-cm": (*DNA_N, 11 | 256 | 4 << 16),
             "qual-cm": (*QUAL_30, 1), "title-tok": (*TITLE_1500, 0),
             "rans-bytes": (*TITLE_1500, 1), "qual-rans": (*QUAL_30, 1),
             "dna-k8": (*DNA_N, 11 | 256 | 2 << 16), "qual-sorted": (*QUAL_30, 2),
             "dna-k8:lanes": (*DNA_N, 11 | 256 | 3 << 9 | 2 << 16),   # NGSC 1.7: 8 lanes
             "dna-k8:static": (*DNA_N, 11 | 256 | 4 << 9),     # NGSC 1.11: increment 0
             "title-rans": (*TITLE_1500, 1),
             # NGSC 1.4's position variants, over binned qualities (where they apply)
             "qual-sorted:3": (b"".join(_binned(QUALS[:30])), _binned(QUALS[:30]), 3),
             "qual-rans:2": (b"".join(_binned(QUALS[:30])), _binned(QUALS[:30]), 2),
             "qual-sorted:4": (*QUAL_30, 4),    # NGSC 1.9: previous value, position band
             "qual-rans:lanes": (*QUAL_30, 0x11),  # NGSC 1.10: two lanes
             "qual-rans:lanes-odd": (b"".join(QUALS[:29]), QUALS[:29], 0x10)}


@pytest.mark.parametrize("name", sorted(STREAM_OF))
def test_decoders_survive_truncation_and_bit_flips(name):
    """Every codec, old ones included: archives can be damaged anywhere."""
    data, parts, param = STREAM_OF[name]
    spec = BY_NAME[name.split(":")[0]]
    lengths = lens(parts)
    out = np.zeros(spec.worst_case(len(data)), np.uint8)
    n = encode_stream(spec.id, param, arr(data), lengths, out)
    enc = out[:n].copy()
    dec = np.zeros(len(data), np.uint8)
    for cut in range(n):                         # every truncation
        assert decode_stream(spec.id, enc[:cut], lengths, dec) in (0, 1)
    rng = np.random.default_rng(11)
    for at in rng.integers(0, n, 400):           # single bit flips
        bad = enc.copy()
        bad[at] ^= 1 << int(rng.integers(0, 8))
        assert decode_stream(spec.id, bad, lengths, dec) in (0, 1)
    for size in (0, 1, 9, 100, 3000):            # garbage
        junk = rng.integers(0, 256, size).astype(np.uint8)
        assert decode_stream(spec.id, junk, lengths, dec) in (0, 1)


@pytest.mark.parametrize("level,source", [(1, "err"), (5, "err"), (9, "err"), (1, "art"),
                                          (5, "art")])
def test_damaged_sub_blocks_never_decode_to_wrong_text(level, source):
    """Bit flips anywhere in a sub-block's body: an error or the exact text. The ART
    reads (binned qualities) make levels 1 and 5 code with the position variants."""
    if source == "err":
        text = b"\n".join(LINES[:400]) + b"\n"
    else:
        text = (DATA / "deep" / "art_hs25_2000.fastq").read_bytes()
    sb = encode_spans(arr(text), np.array([0]), np.array([len(text)]), base=0, file_index=0,
                      level=level)[0]
    data = bytearray(sb.data)
    rng = np.random.default_rng(level)
    start = len(sb.header.pack())
    for at in rng.integers(start, len(data), 150):
        bad = bytearray(data)
        bad[at] ^= 1 << int(rng.integers(0, 8))
        try:
            _h, out, starts = decode_subblocks([bytes(bad)])
        except SubBlockCorrupt:
            continue
        assert out.tobytes() == text


@pytest.mark.parametrize("source,level,codec,variant", [
    ("art_hs25_2000", 1, "qual-rans", 2 | 0x10), ("art_hs25_2000", 5, "qual-sorted", 3),
    ("art_hs25_2000", 9, "qual-sorted", 3), ("art_msv3_1000", 5, "qual-sorted", 4),
    ("art_msv3_1000", 9, "qual-sorted", 4)])
def test_trial_chooses_the_position_variants(source, level, codec, variant):
    """ART reads, scored on the sample's second half: the position variants win the
    trial, the exact position for HiSeq 2500's binned qualities (2,000 reads), the
    previous value and a band of five positions (NGSC 1.9) for MiSeq v3's unbinned ones
    (1,000 reads of 250 bp). Level 1's QUAL_RANS is in two lanes (0x10, NGSC 1.10)."""
    from phyngsc.format.constants import SID_QUAL
    from phyngsc.format.subblock import SubBlockHeader
    text = (DATA / "deep" / f"{source}.fastq").read_bytes()
    (sb,) = encode_spans(arr(text), np.array([0]), np.array([len(text)]), base=0,
                         file_index=0, level=level)
    hdr, at = SubBlockHeader.unpack(sb.data)
    for s in hdr.streams:
        if s.sid == SID_QUAL:
            assert (s.codec, sb.data[at]) == (BY_NAME[codec].id, variant)
        at += s.encoded_length


@pytest.mark.parametrize("v", [0, 7, 10, 99, 100, 12345, 999_999_999_999_999_999])
def test_put_decimal_writes_the_digits_a_prefix_allows(v):
    text = str(v).encode()
    for room in range(len(text) + 2):
        out = np.full(len(text) + 4, 33, np.uint8)
        end = put_decimal(out, 2, v, room)
        w = min(room, len(text))
        assert end == 2 + w
        assert out.tobytes() == b"!!" + text[:w] + b"!" * (len(text) + 2 - w)
