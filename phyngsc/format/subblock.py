"""Sub-block header: 12-byte prefix plus bit-packed fields (docs/format.md, *Sub-block*)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Collection

from ..core.checksums import crc32
from .bitpack import BitReader, BitWriter
from .constants import N_STREAMS, SUBBLOCK_MAGIC, SUBBLOCK_PREFIX_SIZE
from .container import FormatViolation

_PREFIX = struct.Struct("<4sII")
QSC_BITS = 94  # one bit per quality byte '!' (33) .. '~' (126)
#: file_index of a sub-block holding mates of both input files, interleaved
PAIRED = 2


@dataclass(frozen=True)
class StreamInfo:
    """One stream of a sub-block: id, codec, encoded and decoded length (bytes)."""

    sid: int
    codec: int
    encoded_length: int
    decoded_length: int


@dataclass(frozen=True)
class SubBlockHeader:
    """Metadata of one sub-block; every count is exact for the records it holds."""

    file_index: int
    sof: int                 # offset of the first byte in the input file
    raw_length: int          # bytes of original FASTQ text
    raw_crc: int             # CRC-32 of those bytes
    n_records: int
    max_title: int
    min_seq: int
    max_seq: int
    n_bases: int
    nucleotides: tuple[int, int, int, int, int, int]  # A C G T N other
    quality_mask: int        # bit i (LSB = '!') set if chr(33+i) occurs
    streams: tuple[StreamInfo, ...] = field(default_factory=tuple)
    # paired sub-blocks (file_index == PAIRED): records alternate R1, R2, R1, ...;
    # sof is the R1 offset, sof2 the R2 offset, raw_length1 the R1 bytes of raw_length
    sof2: int = 0
    raw_length1: int = 0

    def pack(self) -> bytes:
        """Prefix + bit-packed header bytes (the streams follow)."""
        w = BitWriter()
        for value in (self.file_index, self.sof, self.raw_length):
            w.v(value)
        w.u(self.raw_crc, 32)
        for value in (self.n_records, self.max_title, self.min_seq, self.max_seq,
                      self.n_bases, *self.nucleotides):
            w.v(value)
        # QSC is written '!' first: reverse the LSB-first mask into MSB-first order.
        w.u(int(format(self.quality_mask, f"0{QSC_BITS}b")[::-1], 2), QSC_BITS)
        w.v(len(self.streams))
        for s in self.streams:
            w.u(s.sid, 4)
            w.u(s.codec, 8)
            w.v(s.encoded_length)
            w.v(s.decoded_length)
        if self.file_index == PAIRED:
            w.v(self.sof2)
            w.v(self.raw_length1)
        body = w.getvalue()
        return _PREFIX.pack(SUBBLOCK_MAGIC, len(body), crc32(body)) + body

    @property
    def encoded_streams_length(self) -> int:
        return sum(s.encoded_length for s in self.streams)

    @classmethod
    def unpack(cls, data: bytes | memoryview) -> tuple["SubBlockHeader", int]:
        """Decode a header at the start of ``data``; return it and its size in bytes."""
        if len(data) < SUBBLOCK_PREFIX_SIZE:
            raise FormatViolation("sub-block header cut short")
        magic, hlen, hcrc = _PREFIX.unpack_from(data)
        if magic != SUBBLOCK_MAGIC:
            raise FormatViolation("bad sub-block magic")
        body = bytes(data[SUBBLOCK_PREFIX_SIZE:SUBBLOCK_PREFIX_SIZE + hlen])
        if len(body) != hlen or crc32(body) != hcrc:
            raise FormatViolation("sub-block header checksum mismatch")
        r = BitReader(body)
        try:
            fi, sof, rl = r.v(), r.v(), r.v()
            rcrc = r.u(32)
            nr, mtl, minsl, msl, nb = (r.v() for _ in range(5))
            nf = tuple(r.v() for _ in range(6))
            qsc = int(format(r.u(QSC_BITS), f"0{QSC_BITS}b")[::-1], 2)
            ns = r.v()
            streams = tuple(StreamInfo(r.u(4), r.u(8), r.v(), r.v()) for _ in range(ns))
            sof2, rl1 = (r.v(), r.v()) if fi == PAIRED else (0, 0)
        except EOFError as exc:
            raise FormatViolation("sub-block header fields cut short") from exc
        hdr = cls(fi, sof, rl, rcrc, nr, mtl, minsl, msl, nb, nf, qsc, streams,  # type: ignore[arg-type]
                  sof2, rl1)
        return hdr, SUBBLOCK_PREFIX_SIZE + hlen

    @classmethod
    def unpack_checked(cls, data: bytes | memoryview, known_codecs: Collection[int],
                       wanted: Collection[int] | None = None) -> tuple["SubBlockHeader", int]:
        """:meth:`unpack` a whole sub-block's header and check it against the sub-block:
        the five streams in id order, their encoded lengths adding up to the bytes after
        the header, and the codec of each ``wanted`` stream (default: all) among
        ``known_codecs``. Raises :class:`FormatViolation` saying what is wrong."""
        hdr, size = cls.unpack(data)
        if size + hdr.encoded_streams_length != len(data):
            raise FormatViolation("stream lengths do not match the sub-block size")
        if [s.sid for s in hdr.streams] != list(range(N_STREAMS)):
            raise FormatViolation("unexpected stream list")
        for s in hdr.streams:
            if (wanted is None or s.sid in wanted) and s.codec not in known_codecs:
                raise FormatViolation(f"unknown codec id {s.codec} (archive written by a "
                                      "newer phyngsc?)")
        return hdr, size

    def quality_alphabet(self) -> bytes:
        """The quality bytes that occur, ascending."""
        return bytes(33 + i for i in range(QSC_BITS) if self.quality_mask >> i & 1)
