"""Fixed-size byte structures: file header, trailer and block header."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..core.checksums import crc32
from .constants import (BLOCK_HEADER_SIZE, BLOCK_MAGIC, FILE_HEADER_SIZE, FILE_MAGIC,
                        MAJOR_VERSION, MINOR_VERSION, TRAILER_MAGIC, TRAILER_SIZE)

_FILE_HEADER = struct.Struct("<8sHHI")
_TRAILER = struct.Struct("<QIHH8s")
_BLOCK_HEADER = struct.Struct("<4sIIIQI")


class FormatViolation(ValueError):
    """A structure does not decode; the caller adds file/block context."""


def pack_file_header() -> bytes:
    """The 16-byte file header of this format version."""
    return _FILE_HEADER.pack(FILE_MAGIC, MAJOR_VERSION, MINOR_VERSION, 0)


def unpack_file_header(data: bytes) -> tuple[int, int]:
    """Check magic and version; return ``(major, minor)``."""
    if len(data) < FILE_HEADER_SIZE:
        raise FormatViolation("file is shorter than an NGSC header: not an NGSC archive")
    magic, major, minor, _flags = _FILE_HEADER.unpack_from(data)
    if magic != FILE_MAGIC:
        raise FormatViolation("not an NGSC archive (bad file magic)")
    if major != MAJOR_VERSION:
        raise FormatViolation(f"NGSC major version {major} is not supported "
                              f"(this phyngsc reads version {MAJOR_VERSION})")
    return major, minor


def pack_trailer(footer: bytes) -> bytes:
    """The 24-byte trailer that ends a file whose footer is ``footer``."""
    return _TRAILER.pack(len(footer), crc32(footer), MAJOR_VERSION, MINOR_VERSION,
                         TRAILER_MAGIC)


def unpack_trailer(data: bytes) -> tuple[int, int]:
    """Return ``(footer_length, footer_crc32)`` from the last 24 bytes of a file."""
    if len(data) != TRAILER_SIZE:
        raise FormatViolation("archive too short for a trailer (truncated?)")
    flen, fcrc, major, _minor, magic = _TRAILER.unpack(data)
    if magic != TRAILER_MAGIC:
        raise FormatViolation("no NGSC trailer at the end of the file (truncated archive?)")
    if major != MAJOR_VERSION:
        raise FormatViolation(f"NGSC major version {major} is not supported")
    return flen, fcrc


@dataclass(frozen=True)
class BlockHeader:
    """The 32-byte header in front of every block (docs/format.md, *Block*)."""

    rank: int
    seq: int
    n_subblocks: int
    payload_length: int
    payload_crc: int

    def pack(self) -> bytes:
        head = _BLOCK_HEADER.pack(BLOCK_MAGIC, self.rank, self.seq, self.n_subblocks,
                                  self.payload_length, self.payload_crc)
        return head + struct.pack("<I", crc32(head))

    @classmethod
    def unpack(cls, data: bytes) -> "BlockHeader":
        if len(data) < BLOCK_HEADER_SIZE:
            raise FormatViolation("block header cut short")
        magic, rank, seq, nsub, plen, pcrc = _BLOCK_HEADER.unpack_from(data)
        if magic != BLOCK_MAGIC:
            raise FormatViolation("bad block magic")
        (hcrc,) = struct.unpack_from("<I", data, 28)
        if crc32(data[:28]) != hcrc:
            raise FormatViolation("block header checksum mismatch")
        return cls(rank, seq, nsub, plen, pcrc)
