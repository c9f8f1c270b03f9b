"""Helpers shared by the runners: error agreement, line numbers, progress."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

import numpy as np

from ..errors import FastqFormatError, PhyngscError


def agree(comm: Any, error: BaseException | None, key: int = 0) -> None:
    """Collective: if any rank has an error, raise the same one on every rank.

    Ranks pass the error they caught in their local phase (or ``None``) and a
    sort key (e.g. a byte offset): the error with the smallest key wins, so
    the user sees the first problem in file order whatever the rank count.
    Non-phyngsc exceptions are wrapped so that every rank can re-raise them.
    """
    if error is not None and not isinstance(error, PhyngscError):
        error = InternalError(f"rank {comm.rank}: {type(error).__name__}: {error}")
    reports = comm.allgather(None if error is None else (key, comm.rank, error))
    found = [r for r in reports if r is not None]
    if found:
        found.sort(key=lambda r: (r[0], r[1]))
        raise found[0][2]


class InternalError(PhyngscError):
    """A bug or an environment failure (not the user's data); exit status 3."""

    exit_status = 3


def count_lines_before(comm: Any, infile: Any, offset: int, chunk: int = 1 << 24) -> int:
    """Collective: number of ``\\n`` bytes in ``[0, offset)`` of ``infile``, counted in parallel."""
    from .plan import even_share
    n_chunks = (offset + chunk - 1) // chunk
    a, b = even_share(comm.rank, comm.size, n_chunks)
    count = 0
    for k in range(a, b):
        start = k * chunk
        data = infile.read_at(start, min(chunk, offset - start))
        count += int(np.count_nonzero(data == 10))
    return comm.allreduce_sum(count)


def locate(comm: Any, infile: Any, error: FastqFormatError) -> FastqFormatError:
    """Collective: the error with its 1-based line number filled in."""
    lines = count_lines_before(comm, infile, error.offset)
    return error.located(lines + 1, error.record)


def progress_interval() -> float:
    """Seconds between progress lines when standard error is not a terminal (under
    ``mpiexec``/``srun``, in a batch job): ``PHYNGSC_PROGRESS`` (the CLI's ``--progress``
    sets it); 0 or unset: no lines."""
    try:
        return max(0.0, float(os.environ.get("PHYNGSC_PROGRESS", "0") or 0))
    except ValueError:
        return 0.0


class Progress:
    """Progress on stderr, drawn by rank 0 from a counter all ranks add to: a bar on a
    terminal, or a line every :func:`progress_interval` seconds in a job's log."""

    def __init__(self, comm: Any, total: int, label: str, enabled: bool) -> None:
        mode = None
        if enabled and comm.rank == 0:
            if sys.stderr.isatty():
                mode = "bar"
            elif progress_interval() > 0:
                mode = "lines"
        self.mode = comm.bcast(mode, root=0)
        self.enabled = self.mode is not None
        self.every = 0.2 if self.mode == "bar" else progress_interval()
        self.total = max(1, total)
        self.label = label
        self.comm = comm
        self._start = time.monotonic()
        self._last = self._start
        self.counter = comm.counter(0) if self.enabled else None

    def add(self, n: int) -> None:
        if not self.enabled:
            return
        done = self.counter.fetch_add(n) + n
        if self.comm.rank == 0:
            now = time.monotonic()
            if now - self._last >= self.every:
                self._last = now
                self._draw(done)

    def _draw(self, done: int, final: bool = False) -> None:
        frac = min(1.0, done / self.total)
        elapsed = max(1e-9, time.monotonic() - self._start)
        rate = done / elapsed / 1e6
        if self.mode == "bar":
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\r{self.label} [{bar:<30}] {100 * frac:5.1f}% {rate:8.1f} MB/s")
        else:
            left = (f", about {(1 - frac) * elapsed / frac:.0f} s left"
                    if 0 < frac < 1 else "")
            sys.stderr.write(f"phyngsc: {self.label} {100 * frac:5.1f}% ({done:,} of "
                             f"{self.total:,} bytes) {rate:.1f} MB/s, {elapsed:.0f} s"
                             f"{left}{' (done)' if final else ''}\n")
        sys.stderr.flush()

    def close(self) -> None:
        """Collective."""
        if not self.enabled:
            return
        self.comm.barrier()
        if self.comm.rank == 0:
            self._draw(self.counter.read(), final=True)
            if self.mode == "bar":
                sys.stderr.write("\n")
        self.counter.free()
