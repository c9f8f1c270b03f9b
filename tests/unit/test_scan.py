"""The record scanner against the plain-Python grammar: truncation at every byte,
record-start detection at every offset of the shared data."""

import numpy as np
import pytest

from phyngsc.core.jit import kernel
from phyngsc.fastq import scan
from phyngsc.fastq.scan import OK, find_record_start, scan_span
from tests.reference import ref_fastq

from ..conftest import DATA, small_files


def kernel_parse(data: bytes) -> tuple[int, int, int]:
    """(status, error offset, records) scanning all of ``data`` as one file."""
    buf = np.frombuffer(data, np.uint8)
    bounds = np.empty(1, np.int64)
    st, a, b, c, nb, nxt = scan_span(buf, 0, len(buf), True, len(buf), 1 << 40, bounds)
    return st, (a if st != OK else -1), nb


def ref_parse(data: bytes) -> tuple[int, int]:
    try:
        ref_fastq.parse(data)
        return OK, -1
    except ref_fastq.Bad as e:
        return e.status, e.offset


@pytest.mark.parametrize("path", small_files(), ids=lambda p: p.name)
def test_truncation_at_every_byte(path):
    data = path.read_bytes()
    if len(data) > 30_000:
        data = data[:30_000]
        data = data[:data.rfind(b"\n@") + 1]
    for k in range(len(data) + 1):
        cut = data[:k]
        st, off, _ = kernel_parse(cut)
        assert (st, off) == ref_parse(cut), f"cut at {k}"


def test_truncation_errors_are_exact():
    data = b"@r1\nACGT\n+\nIIII\n@r2\nAC\n+\nII\n"
    boundaries = {0, 15, 16, len(data) - 1, len(data)}  # 15, len-1: no final newline is valid
    for k in range(len(data) + 1):
        st, off, _ = kernel_parse(data[:k])
        if k in boundaries:
            assert st == OK
        else:
            assert (st, off) == (scan.ERR_TRUNCATED, k), k


@pytest.mark.parametrize("bad,status,offset", [
    (b"@r\nACGT\n+\nIII\n@s\nA\n+\nI\n", scan.ERR_QUAL_LENGTH, 10),
    (b"@r\nACGT\n+\nIIIII\n", scan.ERR_QUAL_LENGTH, 10),
    (b"@r\nAC T\n+\nIIII\n", scan.ERR_SEQ_BYTE, 5),
    (b"@r\nACGT\n+\nII I\n", scan.ERR_QUAL_BYTE, 12),
    (b"r\nACGT\n+\nIIII\n", scan.ERR_EXPECT_AT, 0),
    (b"@r\nACGT\n+\nIIII\n\n", scan.ERR_EXPECT_AT, 15),
    (b"@r\x00\nACGT\n+\nIIII\n", scan.ERR_TITLE_BYTE, 2),
    (b"@r\nACGT\n@s\n+\nIIII\n", scan.ERR_EXPECT_PLUS, 8),
    (b"@r\rx\nA\n+\nI\n", scan.ERR_TITLE_BYTE, 2),
])
def test_malformed_records(bad, status, offset):
    assert kernel_parse(bad)[:2] == (status, offset)
    assert ref_parse(bad) == (status, offset)


@kernel
def _resync_all(buf, step, confirm):
    """find_record_start from every offset (stride ``step``): the offsets found."""
    n = buf.size
    out = np.empty((n + step - 1) // step, np.int64)
    for j in range(out.size):
        x = j * step
        st, off = find_record_start(buf, x, n, True, confirm)
        out[j] = off if st == 0 else -2
    return out


def true_starts(data: bytes) -> np.ndarray:
    buf = np.frombuffer(data, np.uint8)
    # every record start, from a sequential scan with one window per byte
    bounds = np.empty(len(data) + 1, np.int64)
    st, a, b, c, nb, nxt = scan_span(buf, 0, len(buf), True, len(buf), 1, bounds)
    assert st == OK
    return bounds[:nb]


def check_every_offset(data: bytes, step: int = 1):
    buf = np.frombuffer(data, np.uint8)
    starts = np.append(true_starts(data), len(data))
    found = _resync_all(buf, step, 3)
    xs = np.arange(0, len(data), step)
    expected = starts[np.searchsorted(starts, xs, side="left")]
    bad = np.nonzero(found != expected)[0]
    assert bad.size == 0, f"offset {xs[bad[0]]}: found {found[bad[0]]}, true {expected[bad[0]]}"


@pytest.mark.parametrize("name", ["ERR127302_1.fastq", "ERR127302_2.fastq",
                                  "sim_reads_1.fastq", "sim_reads_2.fastq"])
def test_record_start_at_every_offset_of_shared_data(shared_fastq, name):
    check_every_offset(shared_fastq[name.replace(".fastq", "")].read_bytes())


def test_record_start_in_nanopore_data(shared_fastq):
    data = shared_fastq["ont_1k"].read_bytes()
    starts = true_starts(data)
    cut = int(starts[np.searchsorted(starts, 200_000)])
    check_every_offset(data[:cut])            # every offset of the first 200 kB
    check_every_offset(data, step=61)         # and a stride through the rest


def test_quality_line_starting_with_at_is_not_a_record_start():
    data = b"@r1\nACGT\n+\n@III\n@r2\nACGT\n+\n@@@@\n@r3\nA\n+\nI\n"
    check_every_offset(data)
    assert find_record_start(np.frombuffer(data, np.uint8), 11, len(data), True, 3) == (OK, 16)


def test_wrapped_records_every_offset():
    check_every_offset((DATA / "edge" / "mixed.fq").read_bytes())


@kernel
def _both_ways(buf, check_bytes):
    """(scan_lines result + its lines, scan_general result + its lines) at offset 0."""
    fast = np.zeros((64, 3), np.int64)
    slow = np.zeros((64, 3), np.int64)
    r1 = scan.scan_lines(buf, 0, buf.size, True, fast, check_bytes)
    r2 = scan.scan_general(buf, 0, buf.size, True, slow, check_bytes)
    return r1, r2, fast, slow


def _mutants(rng: np.random.Generator, n: int):
    """Records near the fast path's edges: each byte class at each place, line ends
    of both kinds, quality lines one byte short or long, wrapped lines."""
    pieces = [b"A", b"c", b"N", b"-", b".", b"*", b"+", b"@", b"I", b"#", b"~", b" ",
              b"\r", b"\n", b"\r\n", b"\x7f", b"\x80", b"\t", b"\x00", b"{", b"[", b"`", b"Z"]
    for _ in range(n):
        ln = int(rng.integers(0, 40))
        seq = bytes(rng.choice(list(b"ACGTN"), ln).astype(np.uint8))
        qual = bytes(rng.integers(33, 127, ln).astype(np.uint8))
        eol = [b"\n", b"\r\n"][int(rng.integers(0, 2))]
        rec = bytearray(b"@r" + eol + seq + eol + b"+" + eol + qual + eol + b"@s\nA\n+\nI\n")
        for _ in range(int(rng.integers(0, 3))):
            at = int(rng.integers(0, len(rec) + 1))
            what = int(rng.integers(0, 3))
            if what == 0 and at < len(rec):
                del rec[at]
            else:
                rec[at:at + (what == 1)] = pieces[int(rng.integers(0, len(pieces)))]
        yield bytes(rec)


def test_fast_path_agrees_with_the_general_scanner():
    rng = np.random.default_rng(7)
    accepted = 0
    for data in _mutants(rng, 4000):
        buf = np.frombuffer(data, np.uint8)
        r1, r2, fast, slow = _both_ways(buf, True)
        assert tuple(r1) == tuple(r2), data
        if r1[0] == OK:
            n = int(r1[3])
            assert (fast[:n] == slow[:n]).all(), data
            accepted += 1
    assert accepted > 1000          # the mutants exercise the fast path's acceptances too


def test_fast_path_mutants_match_the_reference_grammar():
    rng = np.random.default_rng(11)
    for data in _mutants(rng, 1500):
        st, off, _ = kernel_parse(data)
        assert (st, off) == ref_parse(data), data


def test_fast_path_interpreted_gives_the_same_scan():
    from phyngsc.core.jit import interpreted
    rng = np.random.default_rng(5)
    cases = list(_mutants(rng, 300))
    jitted = [_both_ways(np.frombuffer(d, np.uint8), True)[0] for d in cases]
    with interpreted():
        plain = [_both_ways(np.frombuffer(d, np.uint8), True)[0] for d in cases]
    assert [tuple(map(int, r)) for r in jitted] == [tuple(map(int, r)) for r in plain]


def _ref_read_line(data: bytes, p: int, at_eof: bool) -> tuple[int, int, int]:
    q = data.find(b"\n", p)
    if q < 0:
        return (len(data), 0, len(data)) if at_eof else (0, 0, -1)
    if q > p and data[q - 1] == 13:
        return q - 1, 2, q + 1
    return q, 1, q + 1


def test_read_line_finds_every_line_end():
    """The newline search runs 16 bytes at a time and then byte by byte: every line
    length around the block size, LF and CRLF, cut short or not, from every start."""
    for n in range(0, 40):
        for tail in (b"\n", b"\r\n", b"", b"\r"):
            data = bytes(range(65, 65 + n)) + tail + b"@next\n"
            for cut in (len(data), n + len(tail)):
                view = data[:cut]
                buf = np.frombuffer(view, np.uint8)
                for p in range(0, min(cut, n + 1)):
                    for at_eof in (False, True):
                        assert scan.read_line(buf, p, cut, at_eof) == \
                            _ref_read_line(view, p, at_eof), (n, tail, cut, p, at_eof)
