"""Cluster helpers: Lustre striping of an output directory and the matching MPI-IO hints.

``phyngsc stripe DIR`` runs ``lfs setstripe -S SIZE -c COUNT DIR`` when ``lfs`` exists
and DIR is on Lustre (``lfs getstripe -d DIR`` succeeds), and says what it did or why it
did nothing; it prints the ``--mpi-hint`` options that pass the same values to MPI-IO.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

DEFAULT_STRIPE_SIZE = 8 << 20


@dataclass(frozen=True)
class StripeResult:
    applied: bool
    message: str
    hints: dict[str, str]


def mpi_hints(size: int, count: int) -> dict[str, str]:
    """ROMIO hints for a stripe size in bytes and a count (-1: all OSTs, no factor hint)."""
    hints = {"striping_unit": str(size)}
    if count > 0:
        hints["striping_factor"] = str(count)
    return hints


def stripe_directory(directory: str, count: int = -1, size: int = DEFAULT_STRIPE_SIZE,
                     lfs: str | None = None) -> StripeResult:
    """Stripe ``directory`` for new files; never fails the job (returns what happened)."""
    hints = mpi_hints(size, count)
    lfs = lfs or shutil.which("lfs")
    if lfs is None:
        return StripeResult(False, "striping skipped: no 'lfs' command (not a Lustre client)",
                            hints)
    probe = subprocess.run([lfs, "getstripe", "-d", directory], capture_output=True, text=True)
    if probe.returncode != 0:
        return StripeResult(False, f"striping skipped: {directory} is not on Lustre "
                                   f"({(probe.stderr or probe.stdout).strip()[:200]})", hints)
    cmd = [lfs, "setstripe", "-S", str(size), "-c", str(count), directory]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return StripeResult(False, f"striping failed: {' '.join(cmd)}: "
                                   f"{(done.stderr or done.stdout).strip()[:200]}", hints)
    return StripeResult(True, f"striped {directory}: {' '.join(cmd)}", hints)
