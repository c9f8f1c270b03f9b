"""Paired-end compression: R1 and R2 into one archive, mates in the same sub-block.

Sub-block k holds the R1 records whose first byte lies in R1 window k and the R2
records with the same numbers, interleaved (R1, R2, R1, ...); it depends only on
the input and the window, not on the rank count. The files differ in size, so
ranks split R1 by windows and find their place in R2 by record number: every
rank counts the records of its share of R1 and of an even byte share of R2 (in
parallel), the counts are exchanged, and each rank scans R2 from the share that
holds its first record number. Mismatched record counts are an error naming both
files.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

import numpy as np

from ..core.checksums import crc32
from ..errors import DataError, FastqFormatError, PhyngscError, UsageError
from ..fastq.pairs import interleave, record_starts
from ..fastq.scan import NEED_MORE, OK, error_text, scan_span
from ..format.footer import InputFile, SeedInfo, SubBlockEntry
from ..format.subblock import PAIRED
from ..seed import (Seeding, SeedText, encode_seeded, plan_seed, prepare, prime_trials,
                    quality_windows, with_quality_model)
from ..subblocks import SpanError, seed_bases
from ..trials import Trials
from .common import InternalError, agree, locate
from .batches import READ_AHEAD, scan_batch
from .compress import anchor_before, check_input, resync
from .job import CompressionJob, CompressOptions, CompressResult
from .plan import even_share, n_windows
from .writer import BlockPacker


def _at_eof(infile: Any, size: int, end: int) -> bool:
    """Whether the data ends at ``end`` (``size`` < 0: a stream that knows)."""
    return infile.ends_at(end) if size < 0 else end >= size


def _count(infile: Any, src: str, size: int, pos: int, stop: int) -> tuple[int, int]:
    """Records starting in ``[pos, stop)`` from record start ``pos``, and where the first
    record at or after ``stop`` begins. A stream (``size`` < 0) is released as it goes."""
    n = 0
    chunk = 64 << 20
    tiny = np.empty(1, np.int64)
    while pos < stop:
        part = min(stop, pos + chunk)
        want = part - pos + READ_AHEAD
        while True:
            buf = infile.read_at(pos, want)
            at_eof = _at_eof(infile, size, pos + len(buf))
            st, a, b, c, nb, nxt = scan_span(buf, pos, len(buf), at_eof, part - pos, 1, tiny)
            if st == OK:
                break
            if st != NEED_MORE:
                raise FastqFormatError(src, pos + a, error_text(st, b, c))
            want *= 2
        n += nb
        pos += nxt
        if size < 0:
            infile.release(pos)
        if nxt == 0:
            break
    return n, pos


def _starts(infile: Any, src: str, size: int, pos: int, n: int) -> np.ndarray:
    """Offsets (relative to ``pos``) of the next ``n`` records and the end of the last."""
    want = (1 << 20) + 256 * n
    while True:
        buf = infile.read_at(pos, want)
        at_eof = _at_eof(infile, size, pos + len(buf))
        st, a, b, c, starts = record_starts(buf, len(buf), at_eof, n)
        if st == OK:
            return buf, starts
        if st != NEED_MORE:
            raise FastqFormatError(src, pos + a, error_text(st, b, c))
        want *= 2


def _require_final_newline(r1: str, size: int) -> None:
    """R1 records are followed by R2 records in a sub-block, so R1 must end in a newline
    (R2 may not). Raises FastqFormatError naming the last line otherwise."""
    if size == 0:
        return
    with open(r1, "rb") as f:
        f.seek(size - 1)
        if f.read(1) == b"\n":
            return
        f.seek(0)
        lines = 1 + sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
    raise FastqFormatError(r1, size, _NO_NEWLINE, line=lines)


_NO_NEWLINE = ("R1 ends without a final newline; a paired-end archive needs one there (R2 "
               "may lack it): append one, e.g. `echo >> R1.fastq`")


#: The error of mates whose record starts their structure cannot tell.
UNSPLITTABLE = ("could not split the inputs by structure (wrapped FASTQ with ambiguous "
                "record starts?): run with one rank")


def compress_pair(comm: Any, r1: str, r2: str, dst: str, opts: CompressOptions) -> CompressResult:
    """Compress mates ``r1`` and ``r2`` into ``dst`` (collective)."""
    r1, r2, dst = comm.bcast((r1, r2, dst), root=0)   # one view of the paths everywhere

    def check(path: str) -> int:
        if path == r1:
            if os.path.exists(r1) and os.path.exists(r2) and os.path.samefile(r1, r2):
                raise UsageError(f"{r1} and {r2} are the same file")
            size = check_input(r1)
            _require_final_newline(r1, size)
            return size
        return check_input(path)

    job = CompressionJob(comm, [r1, r2], dst, opts, check)
    size1, size2 = job.sizes
    f1, f2 = comm.open_read(r1), comm.open_read(r2)
    W = opts.window
    error: BaseException | None = None
    try:
        # 1. count records: R1 by windows, R2 by an even byte share
        w0, w1 = even_share(comm.rank, comm.size, n_windows(size1, W))
        begin1 = 0 if w0 == 0 else resync(f1, size1, w0 * W)
        n1, end1 = _count(f1, r1, size1, begin1, min(w1 * W, size1))
        x = size2 * comm.rank // comm.size
        begin2 = 0 if x == 0 else resync(f2, size2, x)
        n2, end2 = _count(f2, r2, size2, begin2, size2 * (comm.rank + 1) // comm.size)
        counts = (begin1, end1, n1, begin2, end2, n2)
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error, counts = exc, None
    try:
        agree(comm, error, getattr(error, "offset", None) or 0)
        table = comm.allgather(counts)
        for k in range(comm.size - 1):
            if table[k][1] != table[k + 1][0] or table[k][4] != table[k + 1][3]:
                raise InternalError(UNSPLITTABLE)
        total1, total2 = sum(t[2] for t in table), sum(t[5] for t in table)
        if total1 != total2:
            raise mismatch(r1, r2, total1, total2)
    except FastqFormatError as exc:   # agreed on every rank: give it its line number
        located = locate(comm, f1 if exc.path == r1 else f2, exc)
        job.abandon()
        raise located from None
    except PhyngscError:
        job.abandon()
        raise
    # 2. encode: my R1 windows and the R2 records with the same numbers
    try:
        seeding = None
        plan = plan_seed(opts.level, size1, W, opts.seed_bytes)
        if plan is not None:
            job.seed, end, text = pair_seed(f1, f2, r1, r2, size1, size2, plan, opts, size1)
            seeding = prepare(text, job.seed, end, (begin1, min(w1 * W, size1)))
        first = sum(t[2] for t in table[:comm.rank])
        pos2 = _r2_offset(f2, r2, size2, table, first)
        trials = Trials(opts.level, W, 0 if seeding is None else seeding.end)
        if begin1 < min(w1 * W, size1):
            _prime_first_group(f1, f2, r1, r2, size1, size2, begin1, first, table, opts,
                               trials, seeding)
        _encode_pairs(f1, f2, r1, r2, size1, size2, begin1, min(w1 * W, size1), pos2, opts,
                      comm.rank, job.writer, seeding, trials)
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error = exc
    try:
        agree(comm, error, getattr(error, "offset", None) or 0)
    except FastqFormatError as exc:
        located = locate(comm, f1 if exc.path == r1 else f2, exc)
        job.abandon()
        raise located from None
    except BaseException:
        job.abandon()
        raise
    f1.close()
    f2.close()
    return job.finish((InputFile(size1, os.path.basename(r1)),
                       InputFile(size2, os.path.basename(r2))))


def _r2_offset(f2: Any, r2: str, size2: int, table: list, record: int) -> int:
    """The R2 offset of record number ``record`` (0-based), from the ranks' counts
    ``table`` (``begin2`` and ``n2`` of each at columns 3 and 5)."""
    q = max(k for k in range(len(table)) if sum(t[5] for t in table[:k]) <= record)
    skip = record - sum(t[5] for t in table[:q])
    pos2 = table[q][3]
    if skip:
        _buf, st = _starts(f2, r2, size2, pos2, skip)
        pos2 += int(st[-1])
    return pos2


def _prime_first_group(f1: Any, f2: Any, r1: str, r2: str, size1: int, size2: int,
                       begin1: int, first: int, table: list, opts: CompressOptions,
                       trials: Trials, seeding: Seeding | None) -> None:
    """As :func:`~.compress.prime_first_group` for a paired share starting at R1 offset
    ``begin1`` (record number ``first``): the anchor's R1 records and their mates."""
    W = opts.window
    _start, anchor = anchor_before(f1, size1, begin1, trials, seeding)
    if anchor is None:
        return
    try:       # an anchor found by structure must parse through to begin1, as shares do
        before, end = _count(f1, r1, size1, anchor, begin1)
        if end != begin1:
            raise FastqFormatError(r1, anchor, "not a record start")
        pos2 = _r2_offset(f2, r2, size2, table, first - before)
        batches = pair_batches(f1, f2, r1, r2, size1, size2, anchor, (anchor // W + 1) * W,
                               pos2, replace(opts, batch_windows=1))
        joined, spans, meta, _u1, _u2 = next(batches)
        batches.close()
    except FastqFormatError:
        raise InternalError(UNSPLITTABLE) from None
    prime_trials(trials, meta[0][0], joined[spans[0]:spans[1]], seeding)


def mismatch(r1: str, r2: str, total1: int, total2: int) -> DataError:
    """The error for mates with different record counts (any input kind)."""
    short, long_ = (r2, r1) if total2 < total1 else (r1, r2)
    return DataError(f"{r1} has {total1} records but {r2} has {total2}: {short} ends "
                     f"after record {min(total1, total2)}, {long_} goes on")


def pair_batches(f1: Any, f2: Any, r1: str, r2: str, size1: int, size2: int, pos1: int,
                 limit: int, pos2: int, opts: CompressOptions, until: int | None = None):
    """Batches of paired sub-blocks from R1 record start ``pos1`` (records starting before
    ``limit``) and R2 record start ``pos2``: yields ``(joined, spans, meta, used1,
    used2)``: the interleaved text, its sub-block starts and end, per sub-block (R1
    offset, R2 offset, R1 bytes), and the R1 and R2 bytes the batch consumed.

    ``size1``/``size2`` < 0: the inputs are streams (``read_at``/``ends_at``/
    ``release``, :class:`~phyngsc.runners.stream.StreamSource`), read to their end;
    then mismatched record counts and an R1 without a final newline are found here,
    with the same errors as for files. ``until``: a stream's batches end there too (the
    first batch of a seed)."""
    W = opts.window
    per_batch = opts.batch_windows or 2 * max(1, opts.threads)
    stream = size1 < 0
    seen1 = seen2 = 0
    while (not f1.ends_at(pos1)) if stream else pos1 < limit:
        stop = (pos1 // W + per_batch) * W if stream else min(limit, (pos1 // W + per_batch) * W)
        if until is not None:
            stop = min(stop, until)
        buf1, bounds, nxt = scan_batch(f1, r1, size1, pos1, stop, W, per_batch + 2)
        ends = np.append(bounds[1:], nxt)
        # every record start of R1 in this batch, and as many R2 records
        _st, _a, _b, _c, starts1 = record_starts(buf1, nxt, True, _count_in(buf1, nxt))
        n = len(starts1) - 1
        buf2, starts2 = _starts(f2, r2, size2, pos2, n)
        if len(starts2) - 1 < n:
            if not stream:
                raise DataError(f"{r2} ends before {r1}: fewer mates than records")
            rest1, _e = _count(f1, r1, -1, pos1 + nxt, 1 << 62)
            raise mismatch(r1, r2, seen1 + n + rest1, seen2 + len(starts2) - 1)
        if stream and nxt and buf1[nxt - 1] != 10 and f1.ends_at(pos1 + nxt):
            raise FastqFormatError(r1, pos1 + nxt, _NO_NEWLINE, line=f1.line_of(pos1 + nxt - 1))
        texts, spans, meta = [], [0], []
        k = 0
        for a, b in zip(bounds.tolist(), ends.tolist()):
            i0 = k
            while k < n and starts1[k] < b:
                k += 1
            s1, s2 = starts1[i0:k + 1], starts2[i0:k + 1]
            text = interleave(buf1, s1, buf2, s2)
            texts.append(text)
            spans.append(spans[-1] + len(text))
            meta.append((pos1 + a, pos2 + int(s2[0]), b - a))
        joined = np.concatenate(texts) if texts else np.zeros(0, np.uint8)
        used2 = int(starts2[n])
        yield joined, np.array(spans), meta, nxt, used2
        pos1 += nxt
        pos2 += used2
        seen1 += n
        seen2 += n
        if stream:
            f1.release(pos1)
            f2.release(pos2)
    if stream and not f2.ends_at(pos2):
        rest2, _e = _count(f2, r2, -1, pos2, 1 << 62)
        raise mismatch(r1, r2, seen1, seen2 + rest2)


def pair_seed(f1: Any, f2: Any, r1: str, r2: str, size1: int, size2: int, plan: SeedInfo,
              opts: CompressOptions, model_size: int = -1
              ) -> tuple[SeedInfo, int, SeedText]:
    """The seed of a paired archive: the paired sub-blocks of the first
    ``plan.n_subblocks`` R1 windows (their records and mates, interleaved, as the
    sub-blocks hold them). Returns the footer entry (with the quality model trained on
    the first :func:`~phyngsc.seed.quality_windows` of them; ``model_size``: the R1 input
    size its rule weighs, -1 for no model), the R1 offset of the first
    record after the seed, and the seed's text (keyed by R1 offsets). Streams are not
    released."""
    W = opts.window
    seed_opts = CompressOptions(window=W, batch_windows=plan.n_subblocks)
    limit = plan.n_subblocks * W if size1 >= 0 else -1
    batches = pair_batches(f1, f2, r1, r2, size1, size2, 0, limit, 0, seed_opts,
                           until=plan.n_subblocks * W)
    joined, spans, meta, used1, _used2 = next(batches)
    batches.close()
    try:
        dna, lengths, reads = seed_bases(joined, spans[:-1], spans[1:])
    except SpanError as exc:  # pragma: no cover - pair_batches validated these records
        raise FastqFormatError(r1, exc.offset, error_text(exc.status, exc.b, exc.c))
    seed = replace(plan, n_subblocks=len(spans) - 1)
    if model_size != -1:
        trained = min(quality_windows(plan, W), len(spans) - 1)
        seed = with_quality_model(seed, joined[:spans[trained]], model_size)
    keys = np.array([m[0] for m in meta], np.int64)
    return seed, used1, SeedText(dna, lengths, reads, keys)


def encode_pair_batch(joined: np.ndarray, spans: np.ndarray, meta: list, opts: CompressOptions,
                      packer: BlockPacker, writer: Any,
                      seeding: Seeding | None = None, trials: Trials | None = None) -> None:
    """Encode one batch of paired sub-blocks (``meta``: R1 offset, R2 offset and R1 bytes
    of each) and hand full blocks to ``writer``. ``seeding``: the archive's seed (its
    ``end`` an R1 offset: sub-blocks starting before it are seed sub-blocks)."""
    keys = np.array([m[0] for m in meta], np.int64)
    encoded = encode_seeded(joined, spans[:-1], spans[1:], keys, seeding, trials, base=0,
                            file_index=PAIRED, level=opts.level, mates=meta)
    for sb, (_sof1, _sof2, len1) in zip(encoded, meta):
        entry = SubBlockEntry(len(sb.data), sb.header.raw_length, sb.header.n_records, PAIRED,
                              crc32(sb.data), len1)
        for block, info in packer.add(sb.data, entry):
            writer.write(block, info)


def _encode_pairs(f1: Any, f2: Any, r1: str, r2: str, size1: int, size2: int, pos1: int,
                  limit: int, pos2: int, opts: CompressOptions, rank: int, writer: Any,
                  seeding: Seeding | None, trials: Trials) -> None:
    packer = BlockPacker(rank)
    for joined, spans, meta, _u1, _u2 in pair_batches(f1, f2, r1, r2, size1, size2, pos1,
                                                       limit, pos2, opts):
        encode_pair_batch(joined, spans, meta, opts, packer, writer, seeding, trials)
    for block, info in packer.flush():
        writer.write(block, info)


def _count_in(buf: np.ndarray, end: int) -> int:
    tiny = np.empty(1, np.int64)
    st, _a, _b, _c, nb, _n = scan_span(buf, 0, end, True, end, 1, tiny)
    return nb
