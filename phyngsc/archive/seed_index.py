"""Seed index files (``ARCHIVE.ngsi``): the seed model of an archive, saved beside it.

A reader of an archive with a seed model must learn the model before it decodes any
seeded sub-block: for a chained seed that is decoding every seed sub-block's bases in
turn (8 s for the 192 MiB seed of level 5 on a 1 GiB input, docs/performance.md).
Random access (``extract``, the viewer) and the ranks of a ``decompress`` that own no
seed sub-block need only the final table. ``phyngsc index ARCHIVE`` (or ``compress
--index``, from the table the encoder already holds) writes that table to
``ARCHIVE.ngsi``; readers then load it instead of walking the seed.

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
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np

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
                      seed.n_subblocks, table.size, zlib.crc32(table))
    return head + struct.pack("<I", zlib.crc32(head))


def write_index(path: str, ident: Identity, seed: SeedInfo, table: np.ndarray) -> None:
    """Write the index of ``table`` to ``path`` (the callers write a temporary name and
    rename it into place). Raises OSError."""
    table = np.ascontiguousarray(table, np.uint8)
    if table.size != 4 << (2 * seed.k):
        raise ValueError(f"a seed model of order {seed.k} has {4 << (2 * seed.k)} counters, "
                         f"not {table.size}")
    with open(path, "wb") as f:
        f.write(pack_header(ident, seed, table))
        f.write(memoryview(table))


def read_index(path: str, ident: Identity, seed: SeedInfo) -> np.ndarray:
    """The table in the index at ``path`` if it was made for the archive ``ident`` names
    and its seed ``seed``; raises IndexMismatch (saying why) otherwise, OSError if it
    cannot be read."""
    want = 4 << (2 * seed.k)
    with open(path, "rb") as f:
        head = f.read(HEADER_SIZE)
        if len(head) < HEADER_SIZE or head[:4] != MAGIC:
            raise IndexMismatch("not a phyngsc seed index")
        if struct.unpack_from("<I", head, _HEAD.size)[0] != zlib.crc32(head[:_HEAD.size]):
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
        table = np.empty(want, np.uint8)
        got = f.readinto(memoryview(table))
        if got != want or f.read(1):
            raise IndexMismatch("its table is truncated or has trailing bytes")
    if zlib.crc32(table) != tcrc:
        raise IndexMismatch("its table is damaged (CRC-32 mismatch)")
    return table


__all__ = ["Identity", "IndexMismatch", "index_path", "write_index", "read_index",
           "pack_header", "SUFFIX", "HEADER_SIZE"]
