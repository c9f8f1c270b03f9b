"""A rank's range of a FASTQ file read in batches of input windows, cut into sub-blocks.

Two ways to cut a batch at the first record of each window:

- :func:`scan_batch` walks and validates every record (:func:`~phyngsc.fastq.scan.
  scan_span`), so it names the first bad record exactly;
- :func:`cut_batch` finds each window's first record by structure (:func:`~phyngsc.
  fastq.cut.cut_span`), looking at a few records a window, and leaves validation to the
  encoder's split, which walks every record anyway. Its cuts are exact whenever the
  encoder accepts every sub-block cut (the proof is in :mod:`phyngsc.fastq.cut`); a
  batch it does not accept is cut again with :func:`scan_batch`.

Measured on a 1.12 GB file at level 1, one thread: the scan took 0.61 s of the 6-7 s
compression (docs/performance.md, *Batches cut by structure*).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from ..errors import FastqFormatError
from ..fastq.cut import cut_span
from ..fastq.scan import NEED_MORE, OK, error_text, scan_span
from .mpiio import PlainReadFile

#: Bytes read past a batch's last window, where its last record ends (doubled as needed).
READ_AHEAD = 1 << 20


def batch_stop(pos: int, limit: int, window: int, per_batch: int) -> int:
    """Where the batch of ``per_batch`` windows that starts at record start ``pos`` ends:
    records starting before this offset belong to it."""
    return min(limit, (pos // window + per_batch) * window)


def _read(infile: Any, size: int, pos: int, want: int) -> tuple[np.ndarray, bool]:
    """``want`` bytes from ``pos`` (fewer at the end) and whether the data ends there;
    ``size`` < 0: ``infile`` is a stream whose ``ends_at(offset)`` says so."""
    buf = infile.read_at(pos, want)
    return buf, (infile.ends_at(pos + len(buf)) if size < 0 else pos + len(buf) >= size)


def scan_batch(infile: Any, src: str, size: int, pos: int, stop: int, window: int,
               n_bounds: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Read from record start ``pos`` through the last record starting before ``stop``,
    validating every record (a :class:`~phyngsc.errors.FastqFormatError` names the first
    bad one).

    ``size`` < 0: ``infile`` is a stream whose ``ends_at(offset)`` says whether the data
    ends there.

    Returns the buffer, the window-boundary record starts in it, and the
    buffer offset of the first record at or after ``stop``.
    """
    bounds = np.empty(n_bounds, np.int64)
    want = stop - pos + READ_AHEAD
    while True:
        buf, at_eof = _read(infile, size, pos, want)
        st, a, b, c, nb, nxt = scan_span(buf, pos, len(buf), at_eof, stop - pos, window, bounds)
        if st == OK:
            return buf, bounds[:nb], nxt
        if st != NEED_MORE:
            raise FastqFormatError(src, pos + a, error_text(st, b, c))
        want *= 2


def cut_batch(infile: Any, size: int, pos: int, stop: int, window: int, n_bounds: int,
              confirm: int) -> tuple[np.ndarray, np.ndarray, int]:
    """What :func:`scan_batch` returns for valid FASTQ, found by structure (``confirm``
    records must scan cleanly from a start) without validating the records; never
    raises for bad text: the encoder's split finds it."""
    bounds = np.empty(n_bounds, np.int64)
    want = stop - pos + READ_AHEAD
    while True:
        buf, at_eof = _read(infile, size, pos, want)
        st, nb, nxt = cut_span(buf, pos, len(buf), at_eof, stop - pos, window, confirm,
                               bounds)
        if st == OK:
            return buf, bounds[:nb], nxt
        want *= 2


def scanned_batches(infile: Any, src: str, size: int, begin: int, limit: int, window: int,
                    per_batch: int, ahead: bool, confirm: int | None = None
                    ) -> Iterator[tuple[int, np.ndarray, np.ndarray, int]]:
    """Each batch of ``per_batch`` windows of the records starting in ``[begin, limit)``,
    in order: ``(start offset, text, window-boundary record starts in it, offset in it of
    the next batch)``, cut by :func:`scan_batch` or, given ``confirm``, by
    :func:`cut_batch`. ``ahead``: read and cut the next batch on a thread of its own (a
    descriptor of its own too, ``pread``) while the caller encodes this one, so that the
    encoders' threads do not wait for it (2.1 s of a 1 GiB ``compress -t 2``); its errors
    are raised when its turn comes, as in line."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="phyngsc-read") if ahead else None
    reader = PlainReadFile(src) if ahead else infile

    def cut(at: int) -> tuple[np.ndarray, np.ndarray, int]:
        stop = batch_stop(at, limit, window, per_batch)
        if confirm is None:
            return scan_batch(reader, src, size, at, stop, window, per_batch + 2)
        return cut_batch(reader, size, at, stop, window, per_batch + 2, confirm)

    try:
        pos = begin
        nxt_job = None
        while pos < limit:
            buf, bounds, nxt = cut(pos) if nxt_job is None else nxt_job.result()
            after = pos + nxt
            nxt_job = None
            if pool is not None and nxt > 0 and after < limit:
                nxt_job = pool.submit(cut, after)
            yield pos, buf, bounds, nxt
            pos = after
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
            reader.close()


__all__ = ["READ_AHEAD", "batch_stop", "cut_batch", "scan_batch", "scanned_batches"]
