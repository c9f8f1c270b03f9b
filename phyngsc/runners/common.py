"""Helpers shared by the runners: error agreement, temporary outputs, line numbers, progress."""

from __future__ import annotations

import glob
import os
import sys
import time
import uuid
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


#: Temporary outputs of this process not yet renamed into place (removed on abort).
IN_PROGRESS: set[str] = set()


def temp_name(final: str) -> str:
    """A hidden temporary name in the directory of ``final`` (same file system, so rename is atomic)."""
    d, base = os.path.split(os.path.abspath(final))
    return os.path.join(d, f".{base}.phyngsc-{uuid.uuid4().hex[:12]}.tmp")


def register_output(tmp: str) -> None:
    """Note ``tmp`` as an output being written (every rank calls this)."""
    IN_PROGRESS.add(tmp)


def finish_output(tmp: str, final: str | None, rank: int) -> None:
    """Rank 0 renames ``tmp`` to ``final`` (or removes it if ``final`` is None)."""
    IN_PROGRESS.discard(tmp)
    if rank == 0:
        if final is None:
            remove_outputs(tmp)
        else:
            os.replace(tmp, final)


def cleanup_in_progress() -> None:
    """Remove every unfinished output (called before an abort; harmless twice)."""
    for tmp in list(IN_PROGRESS):
        remove_outputs(tmp)
        IN_PROGRESS.discard(tmp)


def remove_outputs(path: str) -> None:
    """Remove a temporary output and ROMIO's hidden shared-file-pointer files for it."""
    d, base = os.path.split(os.path.abspath(path))
    for p in [path, *glob.glob(os.path.join(d, f".{base}.shfp.*"))]:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


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


class Progress:
    """Progress bar on stderr, drawn by rank 0 from a counter all ranks add to."""

    def __init__(self, comm: Any, total: int, label: str, enabled: bool) -> None:
        self.enabled = bool(comm.bcast(enabled and sys.stderr.isatty(), root=0))
        self.total = max(1, total)
        self.label = label
        self.comm = comm
        self._last = 0.0
        self._start = time.monotonic()
        self.counter = comm.counter(0) if self.enabled else None

    def add(self, n: int) -> None:
        if not self.enabled:
            return
        done = self.counter.fetch_add(n) + n
        if self.comm.rank == 0:
            now = time.monotonic()
            if now - self._last > 0.2:
                self._last = now
                self._draw(done)

    def _draw(self, done: int) -> None:
        frac = min(1.0, done / self.total)
        rate = done / max(1e-9, time.monotonic() - self._start) / 1e6
        bar = "#" * int(frac * 30)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {100 * frac:5.1f}% {rate:8.1f} MB/s")
        sys.stderr.flush()

    def close(self) -> None:
        """Collective."""
        if not self.enabled:
            return
        self.comm.barrier()
        if self.comm.rank == 0:
            self._draw(self.counter.read())
            sys.stderr.write("\n")
        self.counter.free()
