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
and, once they hold all their budget allows, gives each run of seed sub-blocks, whole,
as soon as the walk is past it (the walk goes one seed sub-block at a time and shows the
bases it kept: :meth:`SeedAhead.progress`; a node's provider gives none, below); a run
given frees its qualities' share of the budget. When the walk is through, every other
batch decodes as in line, the streams decoded ahead at memory speed. The text is
the same and still checked against each sub-block's CRC-32. Whatever fails on the way
(a damaged sub-block, a damaged seed) is left to the in-line path, which reports it
exactly as without this: the first failing sub-block of the share, the walk starting
again (a damaged run given beside the walk fails there, as it would in line).

With two or more ranks the walk may be another rank's (:mod:`.seed_share`): a receiver
decodes qualities ahead with all its threads until its node's provider says the walk is
through (at most :func:`receiver_budget`), then adopts the broadcast model; the provider
walks as above (or in line, with one thread), giving no run before the walk's end, and
publishes the model whatever the outcome, so that no receiver waits for ever. Walks
ahead keep the seed sub-blocks' bases packed as DNA2 until their batch comes.
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
    with ``threads`` Numba threads (the size of the workspace it learns in). It walks one
    seed sub-block at a time, so the bases kept so far can be seen (:meth:`progress`)
    while it goes on."""

    def __init__(self, arch: Archive, keep: list[int], threads: int) -> None:
        self.arch = arch
        self.bases: dict[int, Any] | None = {}
        self.walked = 0                       # seed sub-blocks walked so far
        self.over = False
        self._step = threading.Condition()
        self._thread = threading.Thread(target=self._run, args=(keep, threads), daemon=True,
                                        name="phyngsc-seed-walk")
        self._thread.start()

    def _run(self, keep: list[int], threads: int) -> None:
        set_threads(threads)
        walked = None
        try:
            walked = _walk_kept(self.arch, keep, self._passed)
        finally:
            with self._step:
                self.bases = walked
                self.over = True
                self._step.notify_all()

    def _passed(self, i: int, got: dict[int, Any]) -> None:
        """The walk is past seed sub-block ``i``, whose bases are ``got`` if kept."""
        with self._step:
            self.bases.update(got)
            self.walked = i + 1
            self._step.notify_all()

    def running(self) -> bool:
        """Whether the walk is still under way."""
        return self._thread.is_alive()

    def progress(self) -> tuple[int, dict[int, Any]]:
        """``(seed sub-blocks walked so far, the kept bases among them)``; ``(0, {})`` once
        the walk failed."""
        with self._step:
            if self.bases is None:
                return 0, {}
            return self.walked, dict(self.bases)

    def wait_step(self, walked: int, timeout: float = 1.0) -> None:
        """Wait until the walk is past ``walked`` seed sub-blocks or over (or ``timeout``
        seconds went by)."""
        with self._step:
            self._step.wait_for(lambda: self.walked > walked or self.over, timeout)

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


def _walk_kept(arch: Archive, keep: list[int],
               passed: Callable[[int, dict[int, Any]], None] | None = None
               ) -> dict[int, Any] | None:
    """Walk ``arch``'s whole chained seed, keeping the bases of seed sub-blocks ``keep``
    packed (they may all wait for their batches); None if the walk failed (the in-line
    path then walks again and reports it). With ``passed``, the walk goes one seed
    sub-block at a time and calls ``passed(i, bases kept at i)`` after each."""
    try:
        chain, n = arch.chain(), arch.footer.seed.n_subblocks
        if passed is None:
            return chain.walk(n, keep, packed=True)
        kept, got = set(keep), {}
        for i in range(n):
            step = chain.walk(i + 1, (i,) if i in kept else (), packed=True)
            got.update(step)
            passed(i, step)
        return got
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
    published to the node's receivers (:func:`_published`). It shows no progress: its
    decoders give no run beside the walk, as one would see the walk's end only after the
    run (a batch of seed sub-blocks takes up to a few tenths of a second) while every
    receiver waits for the model; MPI is called from this thread alone."""

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
    r = 0                   # runs given so far
    if ahead is not None:
        try:
            set_threads(step)
            for got in _beside_walk(arch, runs, ahead, step, budget, ready):
                r += 1
                yield got
        finally:
            set_threads(threads)
            bases = ahead.result()
        for a, b in runs[:r] if bases else ():
            for i in range(a, b):
                bases.pop(i, None)      # given already
    for a, b in runs[r:]:
        data = None
        if ready and a in ready:
            data = [ready.pop(i) if i in ready else arch.subblock_bytes(i) for i in range(a, b)]
        decoded = decode_checked(arch, a, b, data, bases)
        if bases:
            for i in range(a, b):
                bases.pop(i, None)      # used: its memory may go
        yield (a, b) + tuple(decoded)


def _beside_walk(arch: Archive, runs: list[tuple[int, int]], ahead: Any, step: int,
                 budget: int, ready: dict[int, bytes]
                 ) -> Iterator[tuple[int, int, Any, np.ndarray, np.ndarray]]:
    """What this thread does while the seed is walked (``ahead``): it decodes the
    qualities of the next sub-blocks into ``ready`` while their original bytes stay
    within ``budget``; when the budget is spent, it gives the first runs, in order, as
    soon as the walk is past them (seed sub-blocks only: their bases come from the walk,
    :meth:`SeedAhead.progress`), each giving its bytes back to the budget. Stops when the
    walk is over, or at anything it cannot do here, which the in-line path then does
    (and reports). Qualities come first: a run given is written meanwhile, and on two
    cores those writes slowed the walk where the budget outlasts it (level 9: 1 x 2
    16.25 s against 15.55 without runs given beside the walk, docs/performance.md)."""
    raw = arch.index.raw_length
    progress = getattr(ahead, "progress", None)    # a receiver walks nothing
    todo = [i for a, b in runs for i in range(a, b)]
    ends = np.cumsum([b - a for a, b in runs])      # where each run ends in todo
    at = r = 0
    while ahead.running():
        piece = todo[at:at + step]
        if piece and int(raw[piece].sum()) <= budget:
            done = with_qualities_decoded(arch, piece)
            if done is None:
                return
            budget -= int(raw[piece].sum())
            ready.update(zip(piece, done))
            at += step
            continue
        if progress is None:
            return          # nothing to do but wait for the model
        walked, kept = progress()
        if r < len(runs) and runs[r][1] <= walked:
            a, b = runs[r]
            freed = sum(int(raw[i]) for i in range(a, b) if i in ready)
            data = _walked_run(arch, a, b, ready, kept)
            if data is None:
                return
            budget += freed
            at = max(at, int(ends[r]))
            r += 1
            yield (a, b) + tuple(decode_checked(arch, a, b, data))
        else:
            ahead.wait_step(walked)


def _walked_run(arch: Archive, a: int, b: int, ready: dict[int, bytes],
                kept: dict[int, Any]) -> list[bytes] | None:
    """The bytes of seed sub-blocks ``[a, b)`` with the walk's bases in place of every
    DNA stream coded from the chain (and the qualities of ``ready``, taken out of it), so
    that decoding them needs no walk (none may start here while the walk goes on); None
    when one of them lacks its bases: the run is left to the in-line path, its bytes as
    far as they got (qualities decoded, bases swapped in) put in ``ready`` for it."""
    from ..archive.decode import with_walked_bases
    from ..archive.seed_chain import chained_indices
    batch = list(range(a, b))
    data = [ready.pop(i) if i in ready else arch.subblock_bytes(i) for i in batch]
    data = with_walked_bases(arch, np.array(batch), data, kept)
    if chained_indices(arch.footer.seed, batch, data):
        ready.update(zip(batch, data))
        return None
    return data


__all__ = ["decoded_batches", "SeedAhead", "with_qualities_decoded", "AHEAD_BYTES",
           "ahead_budget", "RECEIVER_AHEAD_BYTES", "receiver_budget"]
