"""Parallel compression: FASTQ file -> NGSC archive (SPMD; the same code on 1 or P ranks).

Rank r owns the input windows ``even_share(r, P, n_windows)``. It finds the
first record starting in its first window by structure, then reads its range
in batches, cuts one sub-block per window, encodes a batch with Numba
threads, and writes every full 8 MiB block at once. At the end, ranks check
that each rank's range ended exactly where the next one started (which proves
the structural resync right); if not (possible only in pathological
multi-line FASTQ), rank 0 finds every window start by a sequential scan and
the compression is redone with those.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.checksums import crc32_each
from ..core.jit import set_threads, thread_count
from ..errors import FastqFormatError, InputFileError, PhyngscError
from ..fastq.scan import OK, error_text, find_record_start
from ..format.constants import FILE_HEADER_SIZE
from ..format.footer import InputFile, SeedInfo, SubBlockEntry
from ..seed import (Seeding, SeedText, encode_seeded, plan_seed, prime_trials, quality_windows,
                    role_at, walk_chain, with_quality_model)
from ..subblocks import SpanError, bases_and_lengths
from ..trials import Trials
from .batches import READ_AHEAD, batch_stop, scan_batch, scanned_batches
from .common import Progress, locate
from .job import CompressionJob, CompressOptions, CompressResult, validate
from .mpiio import PlainReadFile
from .plan import even_share, n_windows
from .seed_walk import BackgroundWalk, WalkingSeeding
from .writer import BlockPacker

#: Records that must scan cleanly from a candidate start (tests may lower it).
RESYNC_CONFIRM = int(os.environ.get("PHYNGSC_RESYNC_CONFIRM", "3"))


def check_input(src: str) -> int:
    """Size of the FASTQ file ``src``, or a one-line InputFileError."""
    if not os.path.exists(src):
        raise InputFileError(src, "no such file")
    if os.path.isdir(src):
        raise InputFileError(src, "is a directory")
    if not os.access(src, os.R_OK):
        raise InputFileError(src, "permission denied")
    return os.path.getsize(src)


def compress_file(comm: Any, src: str, dst: str, opts: CompressOptions) -> CompressResult:
    """Compress ``src`` into ``dst``. Collective over ``comm``.

    Writes to a temporary name beside ``dst`` and renames it only after the
    block order and footer are verified; on any error every rank raises the
    same exception and no output is left behind.
    """
    job = CompressionJob(comm, [src], dst, opts, check_input)
    size = job.sizes[0]
    infile = comm.open_read(src)
    try:
        starts = None
        redone = False
        while True:
            starts = _compress_pass(comm, job, infile, src, size, starts)
            if starts is None:
                break
            redone = True                  # resync disproved: redo with exact starts
            job.begin_pass()
    except PhyngscError:
        # raised on every rank together (errors are agreed on), so closing is safe;
        # any other exception may be on one rank only: no collective call then.
        infile.close()
        raise
    infile.close()
    result = job.finish((InputFile(size, os.path.basename(src)),))
    result.redone = redone
    return result


def _compress_pass(comm: Any, job: CompressionJob, infile: Any, src: str, size: int,
                   exact: np.ndarray | None) -> np.ndarray | None:
    """One pass over the input; ``None`` when it is done (ready for ``job.finish``), or
    every window's exact first record start (:func:`_exact_starts`) when the structural
    resync was disproved (redo)."""
    opts = job.opts
    W = opts.window
    nwin = n_windows(size, W)
    w0, w1 = even_share(comm.rank, comm.size, nwin)
    progress = Progress(comm, size, "compress", opts.progress)
    error: BaseException | None = None
    begin = end = 0
    claim = None
    keys = np.zeros(0, np.int64)
    walk: BackgroundWalk | None = None
    try:
        if exact is not None:
            begin = int(exact[min(w0, nwin)])
        elif w0 == 0:
            begin = 0
        else:
            begin = resync(infile, size, w0 * W)
        plan = plan_seed(opts.level, size, W, opts.seed_bytes)
        if plan is not None:
            plan = quality_plan(infile, src, size, W, plan)
        own = (begin, min(w1 * W, size))
        if plan is not None and thread_count() >= 2:   # walked beside the encoders
            reader = PlainReadFile(src)
            walk = BackgroundWalk(seed_parts(reader, src, size, W, plan, {}), plan, own, reader)
            job.seeding = walk.seeding(W)
        elif plan is not None:   # each pass: this rank's chained streams leave as used
            job.seed, job.seeding = seed_model(infile, src, size, W, plan, own)
        seeding = job.seeding if plan is not None else None
        trials = Trials(opts.level, W, seeding.end if seeding is not None else 0)
        if begin < min(w1 * W, size):
            claim = prime_first_group(infile, src, size, W, begin, trials, seeding, exact)
        end, keys = _encode_range(infile, src, size, begin, min(w1 * W, size), opts,
                                  comm.rank, job.writer, progress, seeding, trials)
        if walk is not None:
            job.seed = walk.wait()
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error = exc
    finally:
        if walk is not None:
            walk.close()
    progress.close()
    # Internal failures (not the user's data) end the pass on every rank at once.
    job.settle(None if error is None or isinstance(error, FastqFormatError) else error)
    # Prove the ranges tile the input: each range ends where the next begins. A
    # FASTQ error counts only if every range before its rank is proven, since a
    # rank that started from a wrong resync point would see spurious errors.
    reports = comm.allgather((begin, end, error is not None, claim))
    failed = [r for r, rep in enumerate(reports) if rep[2]]
    upto = failed[0] if failed else comm.size - 1
    chain_ok = all(reports[k][1] == reports[k + 1][0] for k in range(upto))
    if not failed:
        chain_ok = chain_ok and reports[-1][1] == size
        claims = [rep[3] for rep in reports if rep[3] is not None]
        if chain_ok and claims and exact is None:    # anchors found by structure too
            chain_ok = anchors_hold(claims, np.concatenate(comm.allgather(keys)))
    if not chain_ok:
        job.abandon()
        if exact is not None:
            raise RuntimeError("exact window starts did not tile the input")
        return _exact_starts(comm, infile, size, W)
    if failed:
        first = comm.bcast(error if comm.rank == failed[0] else None, root=failed[0])
        located = locate(comm, infile, first)
        job.abandon()
        raise located
    return None


def resync(infile: Any, size: int, x: int) -> int:
    """File offset of the first record starting at or after ``x``."""
    if x >= size:
        return size
    want = READ_AHEAD
    while True:
        buf = infile.read_at(x - 1, want)
        at_eof = x - 1 + len(buf) >= size
        st, off = find_record_start(buf, 1, len(buf), at_eof, RESYNC_CONFIRM)
        if st == OK:
            return x - 1 + off
        want *= 2


def quality_plan(infile: Any, src: str, size: int, window: int, plan: SeedInfo) -> SeedInfo:
    """``plan`` with the archive quality model (:func:`phyngsc.seed.with_quality_model`)
    trained on the records of the seed's first :func:`~phyngsc.seed.quality_windows`
    windows: every rank reads and trains alike, so every rank's sub-blocks code with the
    model the footer holds."""
    limit = min(quality_windows(plan, window) * window, size)
    buf, _bounds, nxt = scan_batch(infile, src, size, 0, limit, window, limit // window + 2)
    return with_quality_model(plan, buf[:nxt], size)


def seed_input(infile: Any, src: str, size: int, window: int, plan: SeedInfo,
               model_size: int = -1) -> tuple[SeedInfo, int, SeedText]:
    """Read the seed whole (streamed input, which deals it to every encoder): the records
    starting in the first ``plan.n_subblocks`` windows, read as :func:`seed_parts` reads
    them and joined. Returns the footer entry (its count: the sub-blocks those records
    make, fewer if a window holds no record start; with the quality model trained as
    :func:`quality_plan` trains it, ``model_size`` the input size its rule weighs, -1
    for no model), the offset of the first record after the seed, and the
    seed's text (what :func:`phyngsc.seed.prepare` walks)."""
    cut: dict[str, int] = {}
    texts: list[np.ndarray] = []
    keep = quality_windows(plan, window) if model_size != -1 else 0
    parts = list(seed_parts(infile, src, size, window, plan, cut, (keep, texts)))
    seed = replace(plan, n_subblocks=len(parts))
    if texts:
        seed = with_quality_model(seed, np.concatenate(texts), model_size)
    return seed, cut["end"], SeedText(
        np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.uint8),
        np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int64),
        np.array([p[2].size for p in parts], np.int64),
        np.array([p[0] for p in parts], np.int64))


def seed_parts(infile: Any, src: str, size: int, window: int, plan: SeedInfo,
               cut: dict[str, int], keep: tuple[int, list] = (0, [])
               ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """The seed of a file one window at a time, as :func:`phyngsc.seed.walk_chain` takes
    it: (start offset, bases, read lengths) of each sub-block of the records starting
    in the first ``plan.n_subblocks`` windows, cut at window starts as the encoders cut
    sub-blocks; sets ``cut["end"]``, the offset of the first record after the seed,
    once it is read through. Memory holds one window of text, and ``keep = (m, texts)``:
    the text of the first ``m`` windows' records, appended to ``texts``."""
    pos, limit = 0, plan.n_subblocks * window
    while pos < limit:
        buf, bounds, nxt = scan_batch(infile, src, size, pos,
                                      min(limit, (pos // window + 1) * window), window, 3)
        if pos // window < keep[0]:
            keep[1].append(buf[:nxt].copy())
        for a, b in zip(bounds.tolist(), np.append(bounds[1:], nxt).tolist()):
            try:
                dna, lengths = bases_and_lengths(buf[a:b])
            except SpanError as exc:  # pragma: no cover - scan_batch validated them
                raise FastqFormatError(src, pos + a + exc.offset,
                                       error_text(exc.status, exc.b, exc.c))
            yield pos + a, dna, lengths
        if nxt == 0:
            break
        pos += nxt
    cut["end"] = pos


def seed_model(infile: Any, src: str, size: int, window: int, plan: SeedInfo,
               own: tuple[int, int] | None = None) -> tuple[SeedInfo, Seeding]:
    """The footer entry and the :class:`~phyngsc.seed.Seeding` of a file's chained seed,
    read one window at a time (:func:`seed_parts`). Every rank of a file compression
    runs this; ``own``: the rank's range of start offsets, whose seed sub-blocks it
    codes (:func:`phyngsc.seed.walk_chain`; each pass walks again)."""
    cut: dict[str, int] = {}
    n, ws, streams = walk_chain(seed_parts(infile, src, size, window, plan, cut), plan,
                                own)
    seed = replace(plan, n_subblocks=n)
    return seed, Seeding(cut["end"], ws, streams, seed, filled=1, row_size=4 << (2 * plan.k))


def _encode_range(infile: Any, src: str, size: int, begin: int, limit: int,
                  opts: CompressOptions, rank: int, writer: Any, progress: Progress,
                  seeding: Seeding | None, trials: Trials) -> tuple[int, np.ndarray]:
    """Encode the records starting in ``[begin, limit)``; return where the next range
    begins and the start offsets of the sub-blocks coded. ``seeding``: the archive's seed
    (see :func:`seed_model`); ``trials``: the rank's trial winners.

    Batches are cut by structure (:func:`~phyngsc.runners.batches.cut_batch`) and the
    encoder's split validates their records; a batch it rejects is cut again record by
    record (:func:`_encode_exact`), which names a real error exactly, and should that
    cut end elsewhere (a structural start fooled by multi-line records), reading goes
    on from there."""
    W = opts.window
    per_batch = opts.batch_windows or 2 * max(1, opts.threads)
    packer = BlockPacker(rank)
    keys: list = []
    threads = thread_count()
    walking = isinstance(seeding, WalkingSeeding)
    pos = begin
    while pos < limit:
        batches = scanned_batches(infile, src, size, pos, limit, W, per_batch, threads >= 2,
                                  RESYNC_CONFIRM)
        moved = None
        try:
            for pos, buf, bounds, nxt in batches:
                if walking:    # one thread fewer while the seed walk has one of its own
                    walking = seeding.walking()
                    set_threads(threads - 1 if walking else threads)
                state = trials.state()
                try:
                    _encode_batch(buf, bounds, nxt, pos, opts, seeding, trials, keys,
                                  packer, writer)
                    used = nxt
                except SpanError:
                    trials.restore(state)
                    used = _encode_exact(infile, src, size, pos,
                                         batch_stop(pos, limit, W, per_batch), per_batch,
                                         opts, seeding, trials, keys, packer, writer)
                progress.add(used)
                if used != nxt:
                    moved = pos + used
                    break
                pos += nxt
        finally:
            batches.close()
            set_threads(threads)
        if moved is None:
            break
        pos = moved
    for data, info in packer.flush():
        writer.write(data, info)
    return max(pos, begin), np.concatenate(keys) if keys else np.zeros(0, np.int64)


def _encode_exact(infile: Any, src: str, size: int, pos: int, stop: int, per_batch: int,
                  opts: CompressOptions, seeding: Seeding | None, trials: Trials,
                  keys: list, packer: BlockPacker, writer: Any) -> int:
    """Cut the batch of records starting in ``[pos, stop)`` record by record
    (:func:`~phyngsc.runners.batches.scan_batch`: a FastqFormatError names the first bad
    record) and encode it; return the offset from ``pos`` of the next batch."""
    buf, bounds, nxt = scan_batch(infile, src, size, pos, stop, opts.window, per_batch + 2)
    try:
        _encode_batch(buf, bounds, nxt, pos, opts, seeding, trials, keys, packer, writer)
    except SpanError as exc:  # pragma: no cover - scan_batch validated these records
        raise FastqFormatError(src, pos + exc.offset, error_text(exc.status, exc.b, exc.c))
    return nxt


def _encode_batch(buf: np.ndarray, bounds: np.ndarray, nxt: int, pos: int,
                  opts: CompressOptions, seeding: Seeding | None, trials: Trials,
                  keys: list, packer: BlockPacker, writer: Any) -> None:
    """Encode one cut batch (its records start at ``pos + bounds``) and hand the blocks
    it completes to ``writer``; raises SpanError, with nothing handed on and ``keys``
    untouched, if a sub-block's text is not valid FASTQ (``trials`` may have learned
    winners from the batch's other sub-blocks: the caller puts them back)."""
    ends = np.append(bounds[1:], nxt)
    encoded = encode_seeded(buf, bounds, ends, pos + bounds, seeding, trials, base=pos,
                            file_index=0, level=opts.level)
    keys.append(pos + bounds)
    for sb, crc in zip(encoded, crc32_each([sb.data for sb in encoded])):
        entry = SubBlockEntry(len(sb.data), sb.header.raw_length, sb.header.n_records,
                              0, crc)
        for data, info in packer.add(sb.data, entry):
            writer.write(data, info)


def anchor_before(infile: Any, size: int, begin: int, trials: Trials,
                  seeding: Seeding | None, exact: np.ndarray | None = None
                  ) -> tuple[int, int | None]:
    """``(start, anchor)``: where the trial group of the sub-block starting at ``begin``
    begins (:meth:`~phyngsc.trials.Trials.key_start`) and the (R1) offset of its anchor
    when that starts before ``begin`` (on another rank's share), else None. The anchor is
    found by structure, as a share's start is (:func:`resync`), or looked up in ``exact``,
    every window's first record start (:func:`_exact_starts`)."""
    start = trials.key_start(trials.key(begin, role_at(begin, seeding)))
    if start >= begin:
        return start, None
    if exact is not None:
        anchor = int(exact[np.searchsorted(exact, start)])
    else:
        anchor = resync(infile, size, start) if start > 0 else 0
    return start, anchor if anchor < begin else None


def prime_first_group(infile: Any, src: str, size: int, window: int, begin: int,
                      trials: Trials, seeding: Seeding | None,
                      exact: np.ndarray | None = None) -> tuple[int, int] | None:
    """Teach ``trials`` the winners of the trial group of the sub-block starting at
    ``begin`` when that group's anchor starts before it: read the anchor's records again
    and run its trial. Returns the claim to prove (:func:`anchors_hold`): ``(group start,
    anchor)``, the anchor -1 when its records did not read as FASTQ (a false structural
    start), or None when nothing was read."""
    start, anchor = anchor_before(infile, size, begin, trials, seeding, exact)
    if anchor is None:
        return None
    try:
        buf, bounds, nxt = scan_batch(infile, src, size, anchor,
                                      (anchor // window + 1) * window, window, 3)
        first, end = int(bounds[0]), int(bounds[1]) if len(bounds) > 1 else nxt
        prime_trials(trials, anchor + first, buf[first:end], seeding)
    except (FastqFormatError, SpanError):
        if exact is not None:
            raise
        return start, -1
    return start, anchor + first


def anchors_hold(claims: list[tuple[int, int]], keys: np.ndarray) -> bool:
    """Whether every anchor the ranks found by structure is the first sub-block at or
    after its group's start, given ``keys``, the start of every sub-block of the archive
    (proven once the shares tile the input)."""
    keys = np.sort(keys)
    for start, anchor in claims:
        i = int(np.searchsorted(keys, start))
        if anchor < 0 or i >= keys.size or int(keys[i]) != anchor:
            return False
    return True


def _exact_starts(comm: Any, infile: Any, size: int, W: int) -> np.ndarray:
    """Collective: every window's exact first record start (``size`` for none; a window
    without one takes the next window's), found by rank 0 scanning sequentially, and
    ``size`` once more at the end."""
    window_start = None
    if comm.rank == 0:
        nwin = n_windows(size, W)
        window_start = np.full(nwin + 1, size, np.int64)
        pos = 0
        chunk_windows = 64
        while pos < size:
            stop = min(size, (pos // W + chunk_windows) * W)
            buf, bounds, nxt = scan_batch(infile, "", size, pos, stop, W, chunk_windows + 2)
            for b in bounds.tolist():
                window_start[(pos + b) // W] = pos + b
            pos += nxt
        # a window without a record start: its range begins at the next record start
        for k in range(nwin - 1, -1, -1):
            if window_start[k] == size:
                window_start[k] = window_start[k + 1]
    return comm.bcast(window_start, root=0)


__all__ = ["compress_file", "check_input", "resync", "scan_batch", "seed_input", "quality_plan",
           "anchor_before", "prime_first_group", "anchors_hold",
           "CompressOptions",
           "CompressResult", "validate", "FILE_HEADER_SIZE"]
