"""Collective steps every archive-reading command shares: open the archive on every rank
(one error, agreed), take this rank's share of sub-blocks, run a local phase and agree
on its errors."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..archive.reader import Archive
from ..core.jit import thread_count
from ..errors import PhyngscError
from .common import agree
from .plan import decode_weights, weighted_share

#: Sub-blocks per batch and Numba thread when ranks work through their share: the
#: decoders run a batch's sub-blocks in parallel, and a batch's decoded streams are
#: allocated together. 16 a batch whatever the threads made ``fasta`` of a 1 GiB archive
#: allocate ~70 MB of fresh pages a batch (numpy maps arrays that large anew each time):
#: 15.3-17.6 s and 572 MiB, against 14.0-15.0 s and 388 MiB with 4 (one thread).
BATCH_PER_THREAD = 4


def open_everywhere(comm: Any, path: str) -> Archive:
    """Collective: open ``path`` on every rank; any rank's failure is raised on all."""
    arch, error = None, None
    try:
        arch = Archive(path)
    except PhyngscError as exc:
        error = exc
    try:
        agree(comm, error)
    except BaseException:
        if arch is not None:
            arch.close()
        raise
    return arch  # type: ignore[return-value]


def my_batches(comm: Any, arch: Archive, subset: np.ndarray | None = None,
               growing: bool = False, bases: bool = False) -> list[np.ndarray]:
    """This rank's sub-block indices (input order) of ``subset`` (default: all), a
    contiguous share balanced by original bytes, in batches of :data:`BATCH_PER_THREAD`
    sub-blocks per Numba thread; with ``growing``, batches of 1, 2, 4, ... up to that, so
    that an early answer costs little. ``bases``:
    the command decodes bases, so a rank with seeded sub-blocks walks the seed first; the
    share is then balanced by decoding work (:func:`~.plan.decode_weights`)."""
    idx = np.arange(arch.n_subblocks) if subset is None else subset
    weights = arch.index.raw_length
    seed = arch.footer.seed
    if bases and seed is not None:
        weights = decode_weights(weights, seed.n_subblocks)
    a, b = weighted_share(comm.rank, comm.size, weights[idx])
    mine = idx[a:b]
    most = BATCH_PER_THREAD * thread_count()
    out, k, size = [], 0, 1 if growing else most
    while k < len(mine):
        out.append(mine[k:k + size])
        k += size
        size = min(2 * size, most)
    return out


def run_collective(comm: Any, fn: Callable[..., Any], *args: Any) -> Any:
    """Run the local phase ``fn(*args)`` on every rank, agree on errors (the first in
    file order wins), return this rank's value."""
    value, error = None, None
    try:
        value = fn(*args)
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error = exc
    agree(comm, error, getattr(error, "offset", None) or 0)
    return value
