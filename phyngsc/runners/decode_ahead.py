"""A rank's decoded batches, the seed walked beside the first ones (``decompress`` and
``verify`` with two or more threads a rank).

A reader of an archive with a chained seed and no seed index walks the whole seed before
its first seeded sub-block (:mod:`phyngsc.archive.seed_chain`): one table, one sub-block
after another, on one thread (2.1 s of a 13.8 s ``decompress -t 2`` of the 1 GiB ART
set at level 5, phyngsc 0.19.1), while the other threads wait. Yet a sub-block's
qualities, most of its work besides its bases, need no seed. So when the rank's share
holds a seeded sub-block, :func:`decoded_batches` walks the seed on a thread of its own
(:class:`SeedAhead`, keeping the bases of the rank's seed sub-blocks) and meanwhile, one
thread fewer, decodes the qualities of the first sub-blocks of the share, each put back
in its sub-block as a stored stream (``seed.replace_stream``, as the walk's bases are),
until the walk is through; then every batch decodes as in line, those streams at memory
speed. The text is the same and still checked against each sub-block's CRC-32. Whatever
fails on the way (a damaged sub-block, a damaged seed) is left to the in-line path,
which reports it exactly as without this: the first failing sub-block of the share, the
walk starting again.

With two or more ranks the walk may be another rank's (:mod:`.seed_share`): a receiver
decodes qualities ahead with all its threads until its node's provider says the walk is
through (at most :func:`receiver_budget`), then adopts the broadcast model; the provider
walks as above (or in line, with one thread) and publishes the model whatever the
outcome, so that no receiver waits for ever. Walks ahead keep the seed sub-blocks' bases
packed as DNA2 until their batch comes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..archive.decode import decode_checked
from ..archive.reader import Archive
from ..codecs.models import Models
from ..codecs.registry import CODEC_ID
from ..core.jit import concurrent_launches_safe, set_threads, thread_count
from ..errors import ArchiveError
from ..format.constants import SID_QUAL
from ..format.footer import SeedInfo
from ..seed import model_bytes, replace_stream

STORED = CODEC_ID["stored"]

#: Most original bytes of sub-blocks whose qualities are decoded ahead (their decoded
#: qualities wait in memory for their batch), at least: see :func:`ahead_budget`.
AHEAD_BYTES = 256 << 20


#: Original bytes a receiver of a shared walk (:mod:`.seed_share`) decodes ahead per
#: thread: it holds no walk's workspace, and on the 1.12 GB MiSeq set at level 5 (2 ranks
#: x 1 thread) 64 MiB took rank 1 to 398 MiB and 256 MiB to 509, in the same time.
RECEIVER_AHEAD_BYTES = 64 << 20


def receiver_budget(seed: SeedInfo, threads: int) -> int:
    """Original bytes whose qualities a receiver decodes ahead while its node's provider
    walks ``seed``: :data:`RECEIVER_AHEAD_BYTES` a thread, or the seed model's size when
    that is larger (the memory of the walk's table a receiver does not hold)."""
    return max(RECEIVER_AHEAD_BYTES * max(1, threads), model_bytes(seed))


def ahead_budget(seed: SeedInfo) -> int:
    """Original bytes of sub-blocks whose qualities may be decoded ahead while ``seed`` is
    walked: :data:`AHEAD_BYTES`, or the seed model's size when that is larger. The walk
    takes longer the larger its table (order 14's 1 GiB is slower to set up and to
    learn in than order 12's 64 MiB: about 6 s for level 9's seed on a 1 GiB MiSeq set
    against 2 s for level 5's), so more qualities are decoded meanwhile; the memory
    they hold (about half their original bytes) stays below the model's own."""
    return max(AHEAD_BYTES, model_bytes(seed))


class SeedAhead:
    """The walk of ``arch``'s chained seed through its last sub-block on a thread of its
    own, started at once, keeping the bases of seed sub-blocks ``keep``; its kernels run
    with ``threads`` Numba threads (the size of the workspace it learns in)."""

    def __init__(self, arch: Archive, keep: list[int], threads: int) -> None:
        self.arch = arch
        self.bases: dict[int, Any] | None = None
        self._thread = threading.Thread(target=self._run, args=(keep, threads), daemon=True,
                                        name="phyngsc-seed-walk")
        self._thread.start()

    def _run(self, keep: list[int], threads: int) -> None:
        set_threads(threads)
        self.bases = _walk_kept(self.arch, keep)

    def running(self) -> bool:
        """Whether the walk is still under way."""
        return self._thread.is_alive()

    def result(self) -> dict[int, Any] | None:
        """Wait for the walk: the kept bases by sub-block, or None if it failed (the
        chain then starts again on its next use)."""
        self._thread.join()
        return self.bases


def with_qualities_decoded(arch: Archive, indices: list[int]) -> list[bytes] | None:
    """The bytes of sub-blocks ``indices`` (checked against the footer) with each one's
    quality stream decoded and stored in its place; None when any of them does not read
    or decode (left to the in-line path to report)."""
    from ..subblock_decode import SubBlockCorrupt, decode_streams
    try:
        data = [arch.subblock_bytes(i) for i in indices]
        _headers, streams = decode_streams(data, (SID_QUAL,), Models(None, arch.quality_model))
        return [replace_stream(d, SID_QUAL, STORED, s[SID_QUAL].tobytes())[1]
                for d, s in zip(data, streams)]
    except (ArchiveError, SubBlockCorrupt, ValueError):
        return None


def _seed_ahead(arch: Archive, runs: list[tuple[int, int]], threads: int) -> SeedAhead | None:
    """A :class:`SeedAhead` when it pays: two or more threads, a chained seed that is not
    walked yet and no seed index, and a seeded sub-block among ``runs``."""
    seed = arch.footer.seed
    if threads < 2 or not runs or seed is None or not seed.chained:
        return None
    if runs[-1][1] <= seed.n_subblocks or arch.seed_index() is not None:
        return None
    if not concurrent_launches_safe():    # the walk and the decoders launch kernels
        return None
    chain = arch.chain()
    if chain.table is not None and chain.next == seed.n_subblocks:
        return None
    return SeedAhead(arch, _seed_kept(arch, runs), threads)


def _walk_kept(arch: Archive, keep: list[int]) -> dict[int, Any] | None:
    """Walk ``arch``'s whole chained seed, keeping the bases of seed sub-blocks ``keep``
    packed (they may all wait for their batches); None if the walk failed (the in-line
    path then walks again and reports it)."""
    try:
        return arch.chain().walk(arch.footer.seed.n_subblocks, keep, packed=True)
    except Exception:  # noqa: BLE001 - the in-line walk starts again and reports it
        return None


def _published(arch: Archive, share: Any, walk: Callable[[], dict[int, Any] | None]
               ) -> dict[int, Any] | None:
    """The provider's ``walk()`` (its kept bases, or None when it failed), published to
    the node's receivers whatever happens (:meth:`.seed_share.SeedShare.publish`), so
    that none waits for ever."""
    bases = None
    try:
        bases = walk()
    finally:
        share.publish(arch, bases is not None)
    return bases


def _seed_kept(arch: Archive, runs: list[tuple[int, int]]) -> list[int]:
    """The seed sub-blocks among ``runs`` (the walk keeps their bases)."""
    n = arch.footer.seed.n_subblocks
    return [i for a, b in runs for i in range(a, min(b, n))]


class _Published:
    """The provider's walk beside its decoders (:class:`SeedAhead`), whose result is
    published to the node's receivers (:func:`_published`)."""

    def __init__(self, arch: Archive, walk: SeedAhead, share: Any) -> None:
        self.arch, self.walk, self.share = arch, walk, share

    def running(self) -> bool:
        return self.walk.running()

    def result(self) -> dict[int, Any] | None:
        return _published(self.arch, self.share, self.walk.result)


def _ahead(arch: Archive, runs: list[tuple[int, int]], threads: int, share: Any
           ) -> tuple[Any, int, dict[int, Any] | None, int]:
    """``(walk, threads for decoding ahead, bases walked already, bytes to decode ahead
    at most)``: what decodes beside the seed's walk. ``share``: this rank's
    :class:`~.seed_share.SeedShare` (or None): a receiver decodes ahead with every thread
    while the provider walks; the provider walks beside its decoders (or in line first)
    and publishes the model."""
    budget = ahead_budget(arch.footer.seed)
    if share is None:
        return _seed_ahead(arch, runs, threads), threads - 1, None, budget
    from .seed_share import ReceivedSeed
    if not share.provider:
        return ReceivedSeed(arch, share), threads, None, \
            receiver_budget(arch.footer.seed, threads)
    keep = _seed_kept(arch, runs)
    try:        # beside the decoders; in line with one thread, or one launcher at a time
        walk = SeedAhead(arch, keep, threads) \
            if threads >= 2 and concurrent_launches_safe() else None
    except BaseException:
        share.publish(arch, False)      # the receivers walk, and report, for themselves
        raise
    if walk is not None:
        return _Published(arch, walk, share), threads - 1, None, budget
    return None, threads, _published(arch, share, lambda: _walk_kept(arch, keep)), budget


def decoded_batches(arch: Archive, runs: list[tuple[int, int]], share: Any = None
                    ) -> Iterator[tuple[int, int, Any, np.ndarray, np.ndarray]]:
    """``(a, b, headers, text, starts)``: :func:`~phyngsc.archive.decode.decode_checked`
    of each run ``[a, b)`` of ``runs``, in order, with this thread's Numba threads; the
    seed walked beside the first ones when that pays (see the module docstring), or by
    another rank of the node (``share``, :mod:`.seed_share`: its exchange happens in the
    first step, before any batch is given)."""
    threads = thread_count()
    ahead, step, bases, budget = _ahead(arch, runs, threads, share)
    ready: dict[int, bytes] = {}
    if ahead is not None:
        try:
            set_threads(step)
            todo = [i for a, b in runs for i in range(a, b)]
            for at in range(0, len(todo), step):
                piece = todo[at:at + step]
                budget -= int(arch.index.raw_length[piece].sum())
                if not ahead.running() or budget < 0:
                    break
                done = with_qualities_decoded(arch, piece)
                if done is None:
                    break
                ready.update(zip(piece, done))
        finally:
            set_threads(threads)
            bases = ahead.result()
    for a, b in runs:
        data = None
        if ready and a in ready:
            data = [ready.pop(i) if i in ready else arch.subblock_bytes(i) for i in range(a, b)]
        decoded = decode_checked(arch, a, b, data, bases)
        if bases:
            for i in range(a, b):
                bases.pop(i, None)      # used: its memory may go
        yield (a, b) + tuple(decoded)


__all__ = ["decoded_batches", "SeedAhead", "with_qualities_decoded", "AHEAD_BYTES",
           "ahead_budget", "RECEIVER_AHEAD_BYTES", "receiver_budget"]
