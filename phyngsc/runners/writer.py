"""Block packing and the two block writers (shared file pointer, atomic ticket).

A rank hands encoded sub-blocks to :class:`BlockPacker`; each full block goes
out at once through a writer, without waiting for other ranks. At close the
writers establish the exact order the blocks landed in (the CBO) and prove it
(docs/format.md, *Block order*).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.checksums import crc32
from ..format.constants import (BLOCK_HEADER_SIZE, BLOCK_TARGET, FILE_HEADER_SIZE,
                                WRITER_SHARED, WRITER_TICKET)
from ..format.container import BlockHeader, FormatViolation
from ..format.footer import SubBlockEntry


@dataclass(frozen=True)
class WrittenBlock:
    """What a rank knows about a block it wrote."""

    rank: int
    seq: int
    payload_length: int
    payload_crc: int
    subblocks: tuple[SubBlockEntry, ...]
    offset: int = -1  # known with the ticket writer only


class BlockPacker:
    """Groups a rank's sub-blocks (in input order) into blocks of at most ``target`` bytes.

    A sub-block larger than ``target`` forms a block by itself. Pure: it
    returns finished blocks, it does not write them.
    """

    def __init__(self, rank: int, target: int = BLOCK_TARGET) -> None:
        self.rank = rank
        self.target = target
        self._seq = 0
        self._parts: list[bytes] = []
        self._entries: list[SubBlockEntry] = []
        self._size = 0

    def add(self, data: bytes, entry: SubBlockEntry) -> list[tuple[bytes, WrittenBlock]]:
        """Add one encoded sub-block; return the blocks completed by it (0 or 1)."""
        done = []
        if self._parts and self._size + len(data) > self.target:
            done.append(self._finish())
        self._parts.append(data)
        self._entries.append(entry)
        self._size += len(data)
        return done

    def flush(self) -> list[tuple[bytes, WrittenBlock]]:
        """The last, partly filled block, if any."""
        return [self._finish()] if self._parts else []

    def _finish(self) -> tuple[bytes, WrittenBlock]:
        payload = b"".join(self._parts)
        crc = crc32(payload)
        header = BlockHeader(self.rank, self._seq, len(self._parts), len(payload), crc)
        info = WrittenBlock(self.rank, self._seq, len(payload), crc, tuple(self._entries))
        self._seq += 1
        self._parts, self._entries, self._size = [], [], 0
        return header.pack() + payload, info


class OrderError(Exception):
    """The blocks found in the file do not match what the ranks wrote."""


class SharedPointerWriter:
    """``MPI_File_write_shared``: each block lands atomically at the shared pointer."""

    mode = WRITER_SHARED

    def __init__(self, comm: Any, fh: Any) -> None:
        self.comm = comm
        self.fh = fh
        fh.seek_shared(FILE_HEADER_SIZE)   # collective
        self.written: list[WrittenBlock] = []

    def write(self, data: bytes, info: WrittenBlock) -> None:
        self.fh.write_shared(data)
        self.written.append(info)

    def close(self) -> tuple[list[WrittenBlock], int] | None:
        """Collective. On rank 0: blocks in file order and the end of the content region."""
        self.comm.barrier()
        end = self.fh.position_shared()
        reports = self.comm.gather(self.written, root=0)
        if self.comm.rank != 0:
            return None
        expected = {(b.rank, b.seq): b for group in reports for b in group}
        order = []
        pos = FILE_HEADER_SIZE
        while pos < end:
            try:
                h = BlockHeader.unpack(self.fh.read_at(pos, BLOCK_HEADER_SIZE))
            except FormatViolation as exc:
                raise OrderError(f"at offset {pos}: {exc}") from None
            b = expected.pop((h.rank, h.seq), None)
            if b is None or b.payload_length != h.payload_length or b.payload_crc != h.payload_crc:
                raise OrderError(f"block at offset {pos} (rank {h.rank}, seq {h.seq}) "
                                 "was not reported by its writer")
            order.append(b)
            pos += BLOCK_HEADER_SIZE + h.payload_length
        if pos != end or expected:
            raise OrderError(f"{len(expected)} reported blocks not found before offset {end}")
        return order, end


class TicketWriter:
    """An atomic counter hands out offsets; blocks go out with ``MPI_File_write_at``."""

    mode = WRITER_TICKET

    def __init__(self, comm: Any, fh: Any) -> None:
        self.comm = comm
        self.fh = fh
        self.counter = comm.counter(FILE_HEADER_SIZE)   # collective
        self.written: list[WrittenBlock] = []

    def write(self, data: bytes, info: WrittenBlock) -> None:
        offset = self.counter.fetch_add(len(data))
        self.fh.write_at(offset, data)
        self.written.append(WrittenBlock(info.rank, info.seq, info.payload_length,
                                         info.payload_crc, info.subblocks, offset))

    def close(self) -> tuple[list[WrittenBlock], int] | None:
        """Collective. On rank 0: blocks in file order and the end of the content region."""
        self.comm.barrier()
        end = self.counter.read() if self.comm.rank == 0 else 0
        self.counter.free()
        reports = self.comm.gather(self.written, root=0)
        if self.comm.rank != 0:
            return None
        order = sorted((b for group in reports for b in group), key=lambda b: b.offset)
        pos = FILE_HEADER_SIZE
        for b in order:
            if b.offset != pos:
                raise OrderError(f"gap or overlap at offset {pos}: next block starts at {b.offset}")
            try:
                h = BlockHeader.unpack(self.fh.read_at(pos, BLOCK_HEADER_SIZE))
            except FormatViolation as exc:
                raise OrderError(f"at offset {pos}: {exc}") from None
            if (h.rank, h.seq, h.payload_length, h.payload_crc) != \
                    (b.rank, b.seq, b.payload_length, b.payload_crc):
                raise OrderError(f"block header at offset {pos} does not match its writer's report")
            pos += BLOCK_HEADER_SIZE + b.payload_length
        if pos != end:
            raise OrderError(f"blocks end at {pos}, counter says {end}")
        return order, end


WRITERS = {"shared": SharedPointerWriter, "ticket": TicketWriter}
