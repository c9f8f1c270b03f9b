"""A minimal BGZF writer for tests: gzip members of <= 64 KiB with the 'BC' extra field."""

import struct
import zlib

EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def bgzf(data: bytes, block: int = 60000) -> bytes:
    out = bytearray()
    for a in range(0, len(data), block):
        chunk = data[a:a + block]
        comp = zlib.compressobj(6, zlib.DEFLATED, -15)
        body = comp.compress(chunk) + comp.flush()
        bsize = len(body) + 25   # total block size - 1
        out += b"\x1f\x8b\x08\x04" + b"\x00" * 4 + b"\x00\xff" + struct.pack("<H", 6)
        out += b"BC" + struct.pack("<HH", 2, bsize)
        out += body + struct.pack("<II", zlib.crc32(chunk), len(chunk))
    return bytes(out + EOF_BLOCK)
