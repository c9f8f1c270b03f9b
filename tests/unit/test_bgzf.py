"""BGZF output blocks: valid gzip, valid BGZF structure, any data."""

import gzip
import os
import struct

import pytest

from phyngsc.bgzf import BLOCK_DATA, EOF_BLOCK, compress_blocks, wants_bgzf

from ..bgzf import bgzf as reference_writer


def blocks(data: bytes):
    p = 0
    while p < len(data):
        assert data[p:p + 4] == b"\x1f\x8b\x08\x04" and data[p + 12:p + 14] == b"BC"
        size = struct.unpack("<H", data[p + 16:p + 18])[0] + 1
        yield data[p:p + size]
        p += size
    assert p == len(data)


@pytest.mark.parametrize("data", [b"", b"@r\nACGT\n+\nIIII\n" * 10_000, os.urandom(200_000)],
                         ids=["empty", "fastq", "random"])
def test_blocks_are_bgzf_and_gzip(data):
    out = compress_blocks(data) + EOF_BLOCK
    assert gzip.decompress(out) == data
    sizes = [len(b) for b in blocks(out)]
    assert all(s <= 65536 for s in sizes)
    assert len(sizes) == -(-len(data) // BLOCK_DATA) + 1


def test_eof_block_matches_the_reference_writer():
    assert reference_writer(b"").endswith(EOF_BLOCK)


def test_names():
    assert wants_bgzf("x.fastq.gz") and wants_bgzf("x.bgz")
    assert not wants_bgzf("x.fastq") and not wants_bgzf(None)
