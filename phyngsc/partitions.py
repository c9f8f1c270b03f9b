"""Pure planning of partitions: N parts of an archive in file order, balanced by bases.

Part k holds the records ``[cuts[k], cuts[k + 1])`` (record numbers in archive
order; in a paired archive R1 and R2 records alternate, so every cut is even and
mates stay together). Cut k is the first record boundary ``r`` allowed by
``step`` at which the bases of records ``[0, r)`` reach ``k/N`` of all bases:
``bases(r) * N >= total * k`` in exact integers. Cuts never decrease, so parts
tile the archive; a part may be empty only when single reads are longer than a
part's share. An archive without bases (empty reads only) is balanced by
records instead.

Nothing here reads files or communicates: callers pass per-sub-block totals and
a function giving one sub-block's read lengths, so every rank can compute any
cut (heat's chunk-planner habit) and the planner is unit-tested directly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np


def cut_in_subblock(weights: np.ndarray, before: int, total: int, k: int, parts: int,
                    step: int) -> int:
    """Local record boundary (a multiple of ``step``, 0..len(weights)) of cut ``k``.

    ``weights``: per-record weights (bases) of the sub-block; ``before``: the
    weight of every record before it. Returns the smallest boundary ``j`` with
    ``(before + weights[:j].sum()) * parts >= total * k``; ``len(weights)`` if the
    sub-block never reaches it (the caller picks sub-blocks that do)."""
    pre = np.concatenate(([0], np.cumsum(weights, dtype=np.int64)))[::step]
    reached = np.nonzero((before + pre) * parts >= total * k)[0]
    return int(reached[0]) * step if len(reached) else len(weights)


def plan_cuts(sub_weights: np.ndarray, sub_records: np.ndarray, parts: int,
              weights_of: Callable[[int], np.ndarray], *, step: int = 1,
              only: Iterable[int] | None = None) -> np.ndarray:
    """Record numbers where the ``parts`` parts begin, plus the total at the end.

    ``sub_weights[i]``/``sub_records[i]``: bases and records of sub-block ``i``
    (input order); ``weights_of(i)``: per-record bases of sub-block ``i`` (called
    only for sub-blocks that hold a cut; at most ``parts - 1`` calls); ``step``:
    2 for paired archives (cuts between pairs); ``only``: compute just these cut
    numbers and leave the others at -1 (for sharing the work among ranks).
    Every sub-block's record count must be a multiple of ``step``.
    """
    if parts < 1:
        raise ValueError("parts must be at least 1")
    w = np.asarray(sub_weights, np.int64)
    n = np.asarray(sub_records, np.int64)
    if np.any(n % step):
        raise ValueError(f"a sub-block's record count is not a multiple of {step}")
    first = np.concatenate(([0], np.cumsum(n)))
    total_records = int(first[-1])
    by_records = int(w.sum()) == 0     # nothing to balance by bases: balance records
    if by_records:
        w = n
    total = int(w.sum())
    end = np.cumsum(w)                 # weight through sub-block i
    cuts = np.full(parts + 1, -1, np.int64)
    cuts[0], cuts[parts] = 0, total_records
    wanted = range(1, parts) if only is None else [k for k in only if 0 < k < parts]
    for k in wanted:
        if total == 0:
            cuts[k] = 0
            continue
        target = -(-total * k // parts)                    # ceil(total * k / parts)
        i = int(np.searchsorted(end, target, side="left"))
        before = int(end[i] - w[i])
        weights = np.ones(int(n[i]), np.int64) if by_records else \
            np.asarray(weights_of(i), np.int64)
        if len(weights) != n[i]:
            raise ValueError(f"sub-block {i}: {len(weights)} read lengths for {n[i]} records")
        cuts[k] = first[i] + cut_in_subblock(weights, before, total, k, parts, step)
    return cuts


def part_paths(prefix: str, parts: int, paired: bool, gzip: bool = False) -> list[list[str]]:
    """Output names of each part: ``P.000.fastq`` (single-end) or ``P.000.1.fastq`` and
    ``P.000.2.fastq`` (paired); three digits at least, more when ``parts`` needs them;
    ``.gz`` appended with ``gzip``."""
    digits = max(3, len(str(parts - 1)))
    ext = ".fastq.gz" if gzip else ".fastq"
    mates = (".1", ".2") if paired else ("",)
    return [[f"{prefix}.{k:0{digits}d}{m}{ext}" for m in mates] for k in range(parts)]


def mate_offsets(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For an interleaved text with record starts ``starts`` (2n + 1 entries): the starts of
    the n R1 records in the R1 text and of the n R2 records in the R2 text (n + 1 each)."""
    s = np.asarray(starts, np.int64)
    one = np.concatenate(([0], np.cumsum(s[1::2] - s[0:-1:2])))
    two = np.concatenate(([0], np.cumsum(s[2::2] - s[1::2])))
    return one, two
