"""Batches cut by structure (phyngsc.fastq.cut, runners.batches.cut_batch): the cuts of
the record-by-record scan on valid FASTQ, a batch the split rejects cut again, and bad
input named exactly as the scan names it."""

import numpy as np
import pytest

import phyngsc
from phyngsc.fastq.cut import cut_span
from phyngsc.fastq.scan import NEED_MORE, OK, scan_span
from phyngsc.runners import compress as compress_mod

from ..conftest import DATA, small_files


def reference_cut(starts: list[int], base: int, stop: int, window: int,
                  end: int) -> tuple[list[int], int]:
    """Plain Python, from the true record starts (buffer offsets, ``starts[0] == 0``):
    the first record of each window met before ``stop``, and the first record at or
    after ``stop`` (``end`` if none)."""
    bounds, last = [], -1
    for s in starts:
        if s >= stop:
            return bounds, s
        if (base + s) // window != last:
            bounds.append(s)
            last = (base + s) // window
    return bounds, end


def true_starts(data: bytes) -> list[int]:
    buf = np.frombuffer(data, np.uint8)
    bounds = np.empty(len(data) + 1, np.int64)
    st, *_rest, nb, _nxt = scan_span(buf, 0, len(buf), True, len(buf), 1, bounds)
    assert st == OK
    return bounds[:nb].tolist()


def cases() -> list:
    files = small_files() + [DATA / "edge" / "mixed.fq"]
    return sorted(set(files))


@pytest.mark.parametrize("path", cases(), ids=lambda p: p.name)
@pytest.mark.parametrize("window", [257, 1024, 4099])
def test_cut_is_the_scan_on_valid_fastq(path, window):
    data = path.read_bytes()[:200_000]
    data = data[:true_starts(data)[-1]] if len(data) == 200_000 else data
    if not data:
        pytest.skip("empty file")
    starts = true_starts(data)
    checked = 0
    for first in starts[:: max(1, len(starts) // 40)]:
        sub = np.frombuffer(data, np.uint8)[first:]
        rel = [s - first for s in starts if s >= first]
        base = first + 7 * window                   # file offset of the buffer: shifted
        for per_batch in (1, 2, 5):
            stop = (base // window + per_batch) * window - base
            want_b, want_n = reference_cut(rel, base, stop, window, len(sub))
            b = np.empty(per_batch + 2, np.int64)
            st, nb, nxt = cut_span(sub, base, len(sub), True, stop, window, 3, b)
            assert (st, b[:nb].tolist(), nxt) == (OK, want_b, want_n)
            sb = np.empty(per_batch + 2, np.int64)
            st2, *_r, nb2, nxt2 = scan_span(sub, base, len(sub), True, stop, window, sb)
            assert (st2, sb[:nb2].tolist(), nxt2) == (OK, want_b, want_n)
            # a view that ends early: the same cuts or a request for more
            cut = min(len(sub), stop + 40)
            st3, nb3, nxt3 = cut_span(sub, base, cut, False, stop, window, 3, b)
            assert st3 == NEED_MORE or (b[:nb3].tolist(), nxt3) == (want_b, want_n)
            checked += 1
    assert checked > 0


def test_nothing_before_stop_and_an_empty_view():
    b = np.empty(3, np.int64)
    buf = np.frombuffer(b"@r\nA\n+\nI\n", np.uint8)
    assert cut_span(buf, 0, buf.size, True, 0, 4, 3, b) == (OK, 0, 0)
    assert cut_span(buf[:0], 0, 0, True, 10, 4, 3, b) == (OK, 0, 0)
    assert cut_span(buf[:0], 0, 0, False, 10, 4, 3, b)[0] == NEED_MORE


WRAPPED = b"@r{}\nACGT\nACGT\nACGT\n+\n@III\nIIII\n+III\n@bcd\nACGT\n+\nIIII\n"


def wrapped(n: int = 300) -> bytes:
    """Records whose wrapped quality line starts '@' and reads as a record with the lines
    after it: a false start unless three records must scan from it."""
    return b"".join(WRAPPED.replace(b"{}", str(i).encode()) for i in range(n))


def false_window(data: bytes) -> int:
    """A window size whose second window's first line starting '@' is a quality line."""
    for w in range(1024, 8192):
        j = data.index(b"\n@", w - 1) + 1
        if data.startswith(b"@III", j):
            return w
    raise AssertionError("no window size meets a false start")


def test_a_false_structural_cut_is_cut_again(tmp_path, monkeypatch):
    data = wrapped()
    src = tmp_path / "wrapped.fastq"
    src.write_bytes(data)
    window = false_window(data)
    exact_arc, arc = tmp_path / "exact.ngsc", tmp_path / "weak.ngsc"
    phyngsc.compress(str(src), str(exact_arc), threads=1, window=window, level=1)
    recut = []
    exact = compress_mod._encode_exact

    def counted(*args, **kwargs):
        recut.append(args[3])
        return exact(*args, **kwargs)

    monkeypatch.setattr(compress_mod, "RESYNC_CONFIRM", 1)
    monkeypatch.setattr(compress_mod, "_encode_exact", counted)
    phyngsc.compress(str(src), str(arc), threads=1, window=window, level=1)
    assert recut                              # the split rejected a false cut
    assert arc.read_bytes() == exact_arc.read_bytes()
    out = tmp_path / "out.fastq"
    phyngsc.decompress(str(arc), str(out), threads=1)
    assert out.read_bytes() == data


@pytest.mark.parametrize("level", [1, 5])
def test_bad_records_are_named_as_the_scan_names_them(tmp_path, level):
    data = (DATA / "err127302_1_200.fastq").read_bytes()
    starts = true_starts(data)
    src = tmp_path / "bad.fastq"
    for at, byte in ((starts[150] + 2, b"\x01"), (starts[97] - 3, b" "),
                     (starts[40], b"x"), (len(data) - 5, b"\n")):
        bad = bytearray(data)
        bad[at:at + 1] = byte
        src.write_bytes(bytes(bad))
        buf = np.frombuffer(bytes(bad), np.uint8)
        st, a, *_rest = scan_span(buf, 0, len(buf), True, len(buf), 1 << 40,
                                  np.empty(1, np.int64))
        assert st > 0
        with pytest.raises(phyngsc.FastqFormatError) as exc:
            phyngsc.compress(str(src), str(tmp_path / "bad.ngsc"), threads=1, window=2048,
                             level=level)
        assert exc.value.offset == a, at
        assert not (tmp_path / "bad.ngsc").exists()
