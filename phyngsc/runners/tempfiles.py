"""Temporary outputs: registered while written, renamed into place or removed, and
removed by a watchdog process if this process dies first.

Every output file is written under a hidden temporary name
(:func:`phyngsc.destinations.temp_name`) and renamed into place only when complete.
Three layers make sure no temporary file outlives its job:

1. error paths remove it (:func:`finish_output` with ``final=None``, agreed by all ranks);
2. a watchdog process (``phyngsc/_watchdog.py``), started once per process, removes
   every registered name still present when this process ends, whatever ended it:
   SIGTERM from Slurm or ``mpiexec``, SIGKILL, ``MPI_Abort``, the OOM killer;
3. a file that no process could remove (the node itself died) carries its host and
   process id in its name: the next run writing the same output removes it
   (:func:`sweep_stale`).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
from typing import Any

from ..destinations import stale_temps

#: Temporary outputs of this process not yet renamed into place (removed on abort).
IN_PROGRESS: set[str] = set()

_guard: Any = None
_WATCHDOG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                         "_watchdog.py")


def start_watchdog() -> None:
    """Start this process's watchdog (once). The CLI calls it before MPI starts, so the
    fork happens before any MPI resources exist; library calls start it lazily."""
    global _guard
    if _guard is not None:
        return
    try:
        _guard = subprocess.Popen(
            [sys.executable, "-I", "-S", _WATCHDOG], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True)
    except OSError:   # no watchdog: the error paths and the stale sweep still clean up
        _guard = False


def _tell(sign: str, path: str) -> None:
    if not _guard:
        return
    try:
        _guard.stdin.write(f"{sign}{os.fsencode(path).hex()}\n".encode("ascii"))
        _guard.stdin.flush()
    except (OSError, ValueError):
        pass


def register_output(tmp: str) -> None:
    """Note ``tmp`` as an output being written (every rank calls this)."""
    start_watchdog()
    IN_PROGRESS.add(tmp)
    _tell("+", tmp)


def forget_output(tmp: str) -> None:
    """``tmp`` is gone (renamed into place or removed): stop watching it."""
    IN_PROGRESS.discard(tmp)
    _tell("-", tmp)


def finish_output(tmp: str, final: str | None, rank: int) -> None:
    """Rank 0 renames ``tmp`` to ``final`` (or removes it if ``final`` is None)."""
    try:
        if rank == 0:
            if final is None:
                remove_outputs(tmp)
            else:
                os.replace(tmp, final)
    finally:
        forget_output(tmp)


def cleanup_in_progress() -> None:
    """Remove every unfinished output (called before an abort; harmless twice)."""
    for tmp in list(IN_PROGRESS):
        remove_outputs(tmp)
        forget_output(tmp)


def remove_outputs(path: str) -> None:
    """Remove a temporary output and ROMIO's hidden shared-file-pointer files for it."""
    d, base = os.path.split(os.path.abspath(path))
    for p in [path, *glob.glob(os.path.join(glob.escape(d), f".{glob.escape(base)}.shfp.*"))]:
        try:
            os.unlink(p)
        except OSError:   # gone already, or a read-only file system where it never was
            pass


def sweep_stale(final: str) -> list[str]:
    """Remove leftovers of earlier, killed runs that wrote ``final``; return them."""
    gone = []
    for p in stale_temps(final):
        try:
            os.unlink(p)
            gone.append(p)
        except OSError:
            pass
    return gone
