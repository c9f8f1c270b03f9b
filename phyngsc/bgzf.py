"""BGZF (blocked gzip, as bgzip and samtools write it): gzip members of at most 64 KiB
of data, each with a 'BC' extra field giving its compressed size. Any gzip reader
reads BGZF; indexers and samtools can seek in it.
"""

from __future__ import annotations

import struct
import zlib

from .core.checksums import crc32

#: The empty block that ends every BGZF file.
EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
#: Data per block: BGZF blocks must stay under 64 KiB compressed too.
BLOCK_DATA = 0xFF00


def compress_blocks(data: bytes | memoryview, level: int = 6) -> bytes:
    """``data`` as BGZF blocks (without the EOF block)."""
    view = memoryview(data).cast("B")
    out = bytearray()
    for a in range(0, len(view), BLOCK_DATA):
        chunk = view[a:a + BLOCK_DATA]
        comp = zlib.compressobj(level, zlib.DEFLATED, -15)
        body = comp.compress(chunk) + comp.flush()
        if len(body) > BLOCK_DATA:     # incompressible: store (deflate level 0)
            comp = zlib.compressobj(0, zlib.DEFLATED, -15)
            body = comp.compress(chunk) + comp.flush()
        out += b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff\x06\x00BC\x02\x00"
        out += struct.pack("<H", len(body) + 25) + body
        out += struct.pack("<II", crc32(chunk), len(chunk))
    return bytes(out)


def wants_bgzf(path: str | None) -> bool:
    """Output paths ending in .gz or .bgz are written as BGZF."""
    return path is not None and path.endswith((".gz", ".bgz"))
