"""Seed index files (``ARCHIVE.ngsi``): the seed model of an archive, saved beside it.

A reader of an archive with a seed model must learn the model before it decodes any
seeded sub-block: for a chained seed that is decoding every seed sub-block's bases in
turn (8 s for the 192 MiB seed of level 5 on a 1 GiB input, docs/performance.md).
``phyngsc index ARCHIVE`` (or ``compress --index``) walks the seed once and writes
to ``ARCHIVE.ngsi`` what the walk yields: the final table, which every seeded
sub-block starts from, and the bases of each chained seed sub-block as a DNA2 stream
(2 bits a base), which a reader swaps in for the sub-block's chained stream so that it
decodes on its own. With the index no reader walks the seed: random access to any
sub-block, and every ``decompress`` rank, start at once.

The index is a cache, never needed: it names the archive it was made for (size, footer
length and footer CRC-32, which change with any other content) and carries its own
CRC-32, and a reader ignores one that does not match, with a warning, and walks the
seed as without it. Layout (little-endian; docs/format.md, *Seed index*)::

    0   4  magic b"NGSI"
    4   1  major version (1), 5 1 minor version (0), 6 2 reserved (0)
    8   8  archive size in bytes
    16  8  footer length in bytes (the archive trailer's)
    24  4  footer CRC-32 (the archive trailer's)
    28  1  k, 29 1 flags (bit 0: reverse complement), 30 1 inc, 31 1 seed form
    32  4  seed sub-blocks
    36  8  table length T in bytes (4 ** (k + 1))
    44  4  CRC-32 of the table
    48  4  CRC-32 of bytes 0 .. 47
    52  T  the table (uint8 counters, as DNA_K8 lays them out)
    then the seed bases: u32 S (the seed sub-blocks for a chained seed, else 0), S
    pairs (u64 DNA2 stream length, u64 bases), u32 CRC-32 of those S pairs and the
    streams, then the S DNA2 streams in sub-block order; nothing after them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..core.checksums import crc32
from ..codecs.seed_workspace import empty_workspace
from ..format.footer import SeedInfo

SUFFIX = ".ngsi"
MAGIC = b"NGSI"
MAJOR, MINOR = 1, 0
_HEAD = struct.Struct("<4sBBHQQIBBBBIQI")
HEADER_SIZE = _HEAD.size + 4


@dataclass(frozen=True)
class Identity:
    """What names an archive: its size and its trailer's footer length and CRC-32 (the
    footer lists every sub-block's offset, size and text CRC-32)."""

    archive_size: int
    footer_length: int
    footer_crc: int


@dataclass
class SeedIndex:
    """A loaded index: the seed model (``table``) and, for a chained seed, each seed
    sub-block's bases as (DNA2 stream, number of bases); ``bases`` is empty otherwise."""

    table: np.ndarray
    bases: list[tuple[np.ndarray, int]]
    #: the allocation whose first row ``table`` is (``seed_workspace.empty_workspace``),
    #: its other rows untouched until a reader fills them
    workspace: np.ndarray | None = None


class IndexMismatch(Exception):
    """A seed index that cannot serve this archive; the message says why."""


def index_path(archive: str) -> str:
    """The seed index of ``archive``: the same path with ``.ngsi`` appended."""
    return archive + SUFFIX


def pack_header(ident: Identity, seed: SeedInfo, table: np.ndarray) -> bytes:
    """The 52-byte header of the index of ``table`` (the seed model of the archive
    ``ident`` names)."""
    head = _HEAD.pack(MAGIC, MAJOR, MINOR, 0, ident.archive_size, ident.footer_length,
                      ident.footer_crc, seed.k, int(seed.revcomp), seed.inc, seed.form,
                      seed.n_subblocks, table.size, crc32(table))
    return head + struct.pack("<I", crc32(head))


def write_index(path: str, ident: Identity, seed: SeedInfo, table: np.ndarray,
                bases: list[tuple[bytes, int]]) -> None:
    """Write the index of ``table`` and of the seed sub-blocks' bases, ``bases`` = one
    (DNA2 stream, number of bases) per seed sub-block of a chained seed, or empty, to
    ``path`` (the callers write a temporary name and rename it into place). Raises
    OSError."""
    table = np.ascontiguousarray(table, np.uint8)
    if table.size != 4 << (2 * seed.k):
        raise ValueError(f"a seed model of order {seed.k} has {4 << (2 * seed.k)} counters, "
                         f"not {table.size}")
    if bases and len(bases) != seed.n_subblocks:
        raise ValueError(f"bases of {len(bases)} sub-blocks for a seed of {seed.n_subblocks}")
    entries = b"".join(struct.pack("<QQ", len(b), n) for b, n in bases)
    crc = crc32(entries)
    for b, _n in bases:
        crc = crc32(b, crc)
    with open(path, "wb") as f:
        f.write(pack_header(ident, seed, table))
        f.write(memoryview(table))
        f.write(struct.pack("<I", len(bases)) + entries + struct.pack("<I", crc))
        for b, _n in bases:
            f.write(b)


def read_index(path: str, ident: Identity, seed: SeedInfo, threads: int = 1) -> SeedIndex:
    """The index at ``path`` if it was made for the archive ``ident`` names and its seed
    ``seed``; raises IndexMismatch (saying why) otherwise, OSError if it cannot be read.
    The table is read into the first row of a workspace for ``threads`` threads, so that
    the decoders' working rows need no second copy of it."""
    want = 4 << (2 * seed.k)
    with open(path, "rb") as f:
        head = f.read(HEADER_SIZE)
        if len(head) < HEADER_SIZE or head[:4] != MAGIC:
            raise IndexMismatch("not a phyngsc seed index")
        if struct.unpack_from("<I", head, _HEAD.size)[0] != crc32(head[:_HEAD.size]):
            raise IndexMismatch("its header is damaged")
        (_m, major, _minor, _r, size, flen, fcrc, k, flags, inc, form, n, tlen,
         tcrc) = _HEAD.unpack_from(head)
        if major != MAJOR:
            raise IndexMismatch(f"index version {major} is not supported")
        if Identity(size, flen, fcrc) != ident:
            raise IndexMismatch("it was made for another archive (or an earlier one at "
                                "this path)")
        if (k, bool(flags & 1), inc, form, n, tlen) != (seed.k, seed.revcomp, seed.inc,
                                                        seed.form, seed.n_subblocks, want):
            raise IndexMismatch("its seed settings differ from the archive's")
        ws = empty_workspace(want, threads)
        table = ws[:want]
        if f.readinto(memoryview(table)) != want:
            raise IndexMismatch("it is truncated")
        if crc32(table) != tcrc:
            raise IndexMismatch("its table is damaged (CRC-32 mismatch)")
        rest = f.read()
    if len(rest) < 8:
        raise IndexMismatch("it is truncated")
    (s,) = struct.unpack_from("<I", rest)
    if s not in (0, seed.n_subblocks) or len(rest) < 8 + 16 * s:
        raise IndexMismatch("its seed bases section is damaged")
    pairs = [struct.unpack_from("<QQ", rest, 4 + 16 * i) for i in range(s)]
    at = 8 + 16 * s
    if len(rest) != at + sum(length for length, _n in pairs):
        raise IndexMismatch("it is truncated or has trailing bytes")
    if crc32(rest[at:], crc32(rest[4:4 + 16 * s])) != \
            struct.unpack_from("<I", rest, 4 + 16 * s)[0]:
        raise IndexMismatch("its seed bases are damaged (CRC-32 mismatch)")
    data = np.frombuffer(rest, np.uint8)
    bases = []
    for length, count in pairs:
        bases.append((data[at:at + length], count))
        at += length
    return SeedIndex(table, bases, ws)


__all__ = ["Identity", "IndexMismatch", "SeedIndex", "index_path", "write_index", "read_index",
           "pack_header", "SUFFIX", "HEADER_SIZE"]
