"""Partitions for downstream tools: ``phyngsc split`` and :func:`phyngsc.partition`.

Both cut the archive with :func:`phyngsc.partitions.plan_cuts` (file order,
balanced by bases, mates together). Ranks read the sub-block headers of an even
share each and exchange the base counts (one allgather); cut k is computed by
rank ``k mod P``, which decodes only the read lengths of the sub-block holding it.
``split`` then writes the parts one after the other, every rank decoding its
share of each part's sub-blocks; all parts are renamed into place at the end,
so a failure leaves none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import UsageError
from ..format.constants import SID_LENGTHS
from ..partitions import part_paths, plan_cuts
from ..archive.decode import SubBlockText, decode_streams_of, decode_text
from ..archive.reader import Archive, Record
from .collective import open_everywhere, run_collective
from .plan import even_share
from .output import commit_all
from .targets import check_outputs


def subblock_bases(comm: Any, arch: Archive) -> np.ndarray:
    """Bases of every sub-block (input order), from their headers; collective."""
    a, b = even_share(comm.rank, comm.size, arch.n_subblocks)
    mine = run_collective(comm, lambda: [arch.subblock_header(i).n_bases for i in range(a, b)])
    return np.array([v for part in comm.allgather(mine) for v in part], np.int64)


def read_lengths_of(arch: Archive, i: int) -> np.ndarray:
    """Read lengths of sub-block ``i`` (decodes its LENGTHS stream only)."""
    from ..records.kernels import read_lengths
    headers, streams = decode_streams_of(arch, np.array([i], np.int64), (SID_LENGTHS,))
    return read_lengths(streams[0][SID_LENGTHS], headers[0].n_records)


def cuts(comm: Any, arch: Archive, parts: int) -> np.ndarray:
    """The ``parts + 1`` record numbers where parts begin (and the end); collective."""
    if parts < 1:
        raise UsageError(f"--parts must be at least 1 (got {parts})")
    bases = subblock_bases(comm, arch)
    step = 2 if arch.index.paired else 1
    mine = [k for k in range(1, parts) if k % comm.size == comm.rank]
    local = run_collective(comm, lambda: plan_cuts(bases, arch.index.n_records, parts,
                                                lambda i: read_lengths_of(arch, i),
                                                step=step, only=mine))
    return np.max(np.array(comm.allgather(local)), axis=0)


@dataclass(frozen=True)
class PartInfo:
    """One written part: its files, records (pairs count once) and bytes per file."""

    paths: list[str]
    records: int
    sizes: list[int]


def split(comm: Any, path: str, prefix: str, parts: int, *, gzip: bool = False) -> list[PartInfo]:
    """Write ``parts`` FASTQ partitions of archive ``path`` named after ``prefix``
    (collective). Concatenating the parts in order gives the original file(s)."""
    from .selection import SelectionWriter, range_selection
    if parts < 1:
        raise UsageError(f"--parts must be at least 1 (got {parts})")
    arch = open_everywhere(comm, path)
    try:
        paired = arch.index.paired
        step = 2 if paired else 1
        names = part_paths(prefix, parts, paired, gzip)
        dests = check_outputs(comm, [path], [p for ps in names for p in ps])
        per = len(names[0]) if names else 1
        plan = cuts(comm, arch, parts)
        done: list[Any] = []
        infos = []
        try:
            for k in range(parts):
                out = SelectionWriter(comm, dests[k * per:(k + 1) * per], bgzf=gzip)
                done.append(out)
                selection = range_selection(arch, int(plan[k]), int(plan[k + 1]))
                try:
                    run_collective(comm, out.write, arch, selection)
                except BaseException:
                    done.pop()
                    out.discard()
                    raise
                sizes = out.close(rename=False)
                infos.append(PartInfo(names[k], int(plan[k + 1] - plan[k]) // step, sizes))
        except BaseException:
            for out in done:
                out.abandon()
            comm.barrier()
            raise
        commit_all(comm, [o for out in done for o in out.outs])   # all parts, or none
        comm.barrier()
        return infos
    finally:
        arch.close()


@dataclass(frozen=True)
class Partition:
    """Part ``part`` of ``parts`` of an archive: records ``[start, stop)`` in archive order
    (in a paired archive R1 and R2 alternate, so both are even). Iterating yields
    :class:`~phyngsc.archive.reader.Record` objects, or ``(R1, R2)`` tuples of them when paired;
    :meth:`fastq` yields the exact original text. Reading is local: no communication."""

    path: str
    part: int
    parts: int
    start: int
    stop: int
    paired: bool

    @property
    def n_records(self) -> int:
        """Records in this part (pairs count once)."""
        return (self.stop - self.start) // (2 if self.paired else 1)

    def __iter__(self) -> Iterator[Record | tuple[Record, Record]]:
        return self.records()

    def records(self) -> Iterator[Record | tuple[Record, Record]]:
        """This part's records, one sub-block decoded at a time."""
        with Archive(self.path) as arch:
            it = arch.records(self.start, self.stop)
            if not self.paired:
                yield from it
                return
            for one in it:
                yield one, next(it)

    def fastq(self, mates: bool = False) -> Iterator[bytes] | Iterator[tuple[bytes, bytes]]:
        """Exact FASTQ text of this part, a sub-block's worth per item: interleaved
        (R1, R2, R1, ...) for a paired archive, or ``(R1 text, R2 text)`` tuples with
        ``mates=True``."""
        from .selection import range_selection
        if mates and not self.paired:
            raise UsageError(f"{self.path}: not a paired archive (mates=True needs one)")
        with Archive(self.path) as arch:
            selection = range_selection(arch, self.start, self.stop)
            for i in sorted(selection):
                headers, text, _s = decode_text(arch, np.array([i], np.int64))
                sb = SubBlockText(arch, i, text, headers[0].n_records, headers[0].raw_length1)
                for a, b in selection[i]:
                    if mates:
                        one, two = sb.mates(a, b)
                        yield one.tobytes(), two.tobytes()
                    else:
                        yield sb.records(a, b).tobytes()


def partition(comm: Any, path: str, part: int | None = None,
              parts: int | None = None) -> Partition:
    """This rank's part (``part`` = rank, ``parts`` = ranks by default); collective over
    ``comm`` (one allgather of base counts, one of cuts)."""
    parts = comm.size if parts is None else parts
    part = comm.rank if part is None else part
    if not 0 <= part < parts:
        raise UsageError(f"part {part} is outside 0..{parts - 1}")
    arch = open_everywhere(comm, path)
    try:
        plan = cuts(comm, arch, parts)
        return Partition(path, part, parts, int(plan[part]), int(plan[part + 1]),
                         bool(arch.index.paired))
    finally:
        arch.close()
