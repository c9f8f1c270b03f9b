"""split_records against the plain-Python reference; assemble_records inverts it."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from phyngsc.core.bytecopy import copy_bytes
from phyngsc.fastq.assemble import assemble_records
from phyngsc.fastq.scan import OK, scan_record
from phyngsc.fastq.streams import (N_STATS, ST_LEN_LAYOUT, ST_LEN_LENGTHS, ST_LEN_TITLES,
                                   ST_MINSL, ST_MSL, ST_MTL, ST_NB, ST_NF, ST_NR,
                                   byte_histogram, layout_capacity,
                                   split_records)
from tests.reference import ref_fastq

from ..conftest import small_files


def kernel_split(data: bytes):
    buf = np.frombuffer(data, np.uint8)
    n = len(buf)
    titles, dna, qual = (np.empty(n + 1, np.uint8) for _ in range(3))
    lens = np.empty(n + 16, np.uint8)
    layout = np.empty(layout_capacity(n), np.uint8)
    stats = np.zeros(N_STATS, np.int64)
    qseen = np.zeros(256, np.bool_)
    st_, *_ = split_records(buf, 0, n, True, titles, dna, qual, lens, layout, stats, qseen)
    assert st_ == OK
    streams = (titles[:stats[ST_LEN_TITLES]], dna[:stats[ST_NB]], qual[:stats[ST_NB]],
               lens[:stats[ST_LEN_LENGTHS]], layout[:stats[ST_LEN_LAYOUT]])
    return [s.tobytes() for s in streams], stats, qseen


def assemble(streams, n_records, size):
    out = np.empty(size, np.uint8)
    arrs = [np.frombuffer(s, np.uint8) for s in streams]
    assert assemble_records(*arrs, n_records, out) == 0
    return out.tobytes()


@pytest.mark.parametrize("path", small_files(), ids=lambda p: p.name)
def test_split_matches_reference_and_inverts(path):
    data = path.read_bytes()
    streams, stats, qseen = kernel_split(data)
    assert tuple(streams) == ref_fastq.split(data)
    recs = ref_fastq.parse(data)
    assert stats[ST_NR] == len(recs)
    seqs = [b"".join(t for t, _ in r["seq"]) for r in recs]
    quals = b"".join(b"".join(t for t, _ in r["qual"]) for r in recs)
    if recs:
        assert stats[ST_MSL] == max(map(len, seqs)) and stats[ST_MINSL] == min(map(len, seqs))
        assert stats[ST_MTL] == max(len(r["title"][0]) for r in recs)
    allseq = b"".join(seqs)
    assert [int(stats[ST_NF + k]) for k in range(5)] == [allseq.count(c) for c in b"ACGTN"]
    assert set(np.nonzero(qseen)[0].tolist()) == set(quals)
    assert assemble(streams, int(stats[ST_NR]), len(data)) == data


def test_assemble_rejects_inconsistent_streams():
    data = b"@r1\nACGT\n+\nIIII\n"
    streams, stats, _ = kernel_split(data)
    out = np.empty(len(data), np.uint8)
    short_dna = [np.frombuffer(s, np.uint8) for s in streams]
    short_dna[1] = short_dna[1][:2]
    assert assemble_records(*short_dna, 1, out) == 1
    assert assemble_records(*[np.frombuffer(s, np.uint8) for s in streams], 2, out) == 1


title = st.binary(max_size=30).filter(lambda b: all(c == 9 or 32 <= c < 127 or c >= 128 for c in b))


@st.composite
def fastq(draw):
    eol = draw(st.sampled_from([b"\n", b"\r\n"]))
    n = draw(st.integers(0, 12))
    wrap = draw(st.one_of(st.none(), st.integers(1, 9)))
    parts = []
    for _ in range(n):
        t = draw(title)
        seq = draw(st.text(alphabet="ACGTNacgtRYKM.-*", max_size=40)).encode()
        qual = bytes(draw(st.lists(st.integers(33, 126), min_size=len(seq), max_size=len(seq))))
        plus = draw(st.sampled_from([b"", t]))
        if wrap and seq:
            sl = [seq[i:i + wrap] for i in range(0, len(seq), wrap)]
            ql = [qual[i:i + wrap] for i in range(0, len(qual), wrap)]
        else:
            sl, ql = [seq], [qual]
        rec = b"@" + t + eol + b"".join(x + eol for x in sl) + b"+" + plus + eol + \
            b"".join(x + eol for x in ql)
        parts.append(rec)
    data = b"".join(parts)
    if data and draw(st.booleans()):
        data = data[:-len(eol)]   # no final line end
    return data


@settings(max_examples=200, deadline=None)
@given(fastq())
def test_generated_fastq_roundtrips_through_streams(data):
    try:
        ref_fastq.parse(data)
    except ref_fastq.Bad:
        return  # e.g. a wrapped quality line that starts with '@' and reads as a title
    streams, stats, _ = kernel_split(data)
    assert tuple(streams) == ref_fastq.split(data)
    assert assemble(streams, int(stats[ST_NR]), len(data)) == data


def _first_error(buf: np.ndarray) -> tuple:
    """The reference: scan_record (which checks every byte) record by record."""
    lines = np.empty((64, 3), np.int64)
    p = 0
    while p < buf.size:
        st_, a, b, c = scan_record(buf, p, buf.size, True, lines)
        if st_ != OK:
            return st_, a, b, c
        p = a
    return OK, 0, 0, 0


def _split_status(buf: np.ndarray) -> tuple:
    n = buf.size
    titles, dna, qual = (np.empty(n + 1, np.uint8) for _ in range(3))
    stats = np.zeros(N_STATS, np.int64)
    qseen = np.zeros(256, np.bool_)
    return tuple(int(v) for v in split_records(buf, 0, n, True, titles, dna, qual,
                                                 np.empty(n + 16, np.uint8),
                                                 np.empty(layout_capacity(n), np.uint8),
                                                 stats, qseen))


@pytest.mark.parametrize("bad", [0x00, 0x09, 0x20, ord("1"), 0x7F, 0xFF, ord("@"), 13])
def test_split_reports_the_first_bad_byte_exactly(bad):
    # split_records copies sequence and quality lines unchecked and checks their bytes
    # afterwards; a bad byte anywhere must give scan_record's error, byte for byte
    text = b"@r1 x\nACGTN\n+\nIIII#\n@r2\nAC\nGT\n+r2\nI5\n+#I\n@r3\nA\n+\n!\n"
    for i in range(len(text)):
        data = bytearray(text)
        data[i] = bad
        buf = np.frombuffer(bytes(data), np.uint8)
        assert _split_status(buf) == tuple(int(v) for v in _first_error(buf)), (i, bad)


def test_copy_bytes_copies_in_range_and_refuses_out_of_range():
    """In range (the callers' case) the unsigned copy loop; anything else the slice
    assignment, which raises instead of writing outside the arrays."""
    src = np.arange(100, dtype=np.uint8)
    for at, a, b in ((0, 0, 100), (5, 10, 60), (99, 0, 1), (50, 50, 50), (3, 7, 2)):
        dst = np.zeros(100, np.uint8)
        assert copy_bytes(dst, at, src, a, b) == at + (b - a)
        want = np.zeros(100, np.uint8)
        if b > a:
            want[at:at + b - a] = src[a:b]
        assert dst.tolist() == want.tolist()
    for at, a, b in ((60, 0, 50), (0, 90, 110)):
        with pytest.raises(ValueError):
            copy_bytes(np.zeros(100, np.uint8), at, src, a, b)


def test_byte_histogram_matches_bincount():
    rng = np.random.default_rng(7)
    for n in (0, 1, 3, 4, 5, 1000, 4099):
        a = rng.integers(0, 256, n).astype(np.uint8)
        a[: n // 2] = 71                      # a long run of one value
        assert byte_histogram(a).tolist() == np.bincount(a, minlength=256).tolist()


@pytest.mark.parametrize("data", [b"@r1\nACGT\n+\nIIII\n@r2\nAC\n+\nII\n",
                                  b"@r1\r\nACGT\r\n+r1\r\nIIII\r\n@r2\r\nAC\r\n+r2\r\nII\r\n",
                                  b"@r1\nACGT\n+r1\nIIII\n@r2\n\n+r2\n\n"])
def test_plain_records_fill_exactly_their_output(data):
    """The plain-record path (default line ends and '+' line): exact text, and every
    output one byte short of the text, or streams one byte short, refused."""
    streams, stats, _ = kernel_split(data)
    assert assemble(streams, int(stats[ST_NR]), len(data)) == data
    arrs = [np.frombuffer(s, np.uint8) for s in streams]
    for size in range(len(data)):
        assert assemble_records(*arrs, int(stats[ST_NR]), np.empty(size, np.uint8)) == 1
    for sid in (0, 1, 2):
        if arrs[sid].size:
            cut = list(arrs)
            cut[sid] = arrs[sid][:-1]
            assert assemble_records(*cut, int(stats[ST_NR]), np.empty(len(data), np.uint8)) == 1
