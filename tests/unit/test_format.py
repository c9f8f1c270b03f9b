"""Headers, footer and the index derived from it."""

import random

import pytest

from phyngsc.format.constants import BLOCK_HEADER_SIZE, FILE_HEADER_SIZE
from phyngsc.format.container import (BlockHeader, FormatViolation, pack_file_header,
                                      pack_trailer, unpack_file_header, unpack_trailer)
from phyngsc.format.footer import (ArchiveIndex, BlockEntry, Footer, InputFile,
                                   SubBlockEntry)
from phyngsc.format.subblock import StreamInfo, SubBlockHeader


def test_file_header_and_trailer():
    assert unpack_file_header(pack_file_header()) == (1, 12)  # NGSC 1.12: the archive quality model (0.24)
    t = pack_trailer(b"footer")
    assert len(t) == 24 and unpack_trailer(t)[0] == 6
    with pytest.raises(FormatViolation):
        unpack_file_header(b"PK\x03\x04" + bytes(12))
    with pytest.raises(FormatViolation):
        unpack_trailer(t[:-1] + b"?")


def test_block_header_checksums():
    h = BlockHeader(rank=70000, seq=3, n_subblocks=2, payload_length=2**40, payload_crc=7)
    data = h.pack()
    assert len(data) == BLOCK_HEADER_SIZE and BlockHeader.unpack(data) == h
    with pytest.raises(FormatViolation):
        BlockHeader.unpack(data[:5] + b"\x00" + data[6:])


def test_subblock_header_has_no_paper_limits():
    h = SubBlockHeader(file_index=1, sof=2**50, raw_length=2**33, raw_crc=0xDEADBEEF,
                       n_records=2**40, max_title=70000, min_seq=0, max_seq=2**32,
                       n_bases=2**45, nucleotides=(1, 2, 3, 4, 5, 2**40),
                       quality_mask=(1 << 94) - 1,
                       streams=(StreamInfo(0, 4, 10, 20), StreamInfo(4, 0, 0, 0)))
    data = h.pack()
    back, size = SubBlockHeader.unpack(data + b"streams...")
    assert back == h and size == len(data)
    assert back.quality_alphabet() == bytes(range(33, 127))
    corrupt = bytearray(data)
    corrupt[-1] ^= 1
    with pytest.raises(FormatViolation):
        SubBlockHeader.unpack(bytes(corrupt))


def make_footer(order):
    # three ranks; rank r wrote blocks (r, 0..k); order = file order of (rank, seq)
    subs = {}
    for r, q in order:
        subs[(r, q)] = [SubBlockEntry(100 + 10 * r + q, 1000 + r * 10 + q, 5, 0,
                                      (r << 8) | q) for _ in range(2)]
    blocks = tuple(BlockEntry(r, q, sum(e.encoded_length for e in subs[(r, q)]), 2)
                   for r, q in order)
    total = sum(e.raw_length for v in subs.values() for e in v)
    return Footer(ranks=3, threads=2, level=1, writer=1, window=4096,
                  files=(InputFile(total, "reads.fastq"),), blocks=blocks,
                  subblocks=tuple(e for r, q in order for e in subs[(r, q)]))


def test_footer_roundtrip_and_index():
    order = [(1, 0), (0, 0), (2, 0), (0, 1), (1, 1)]
    f = make_footer(order)
    back = Footer.unpack(f.pack())
    assert back == f
    ix = ArchiveIndex(back)
    # input order: (0,0) (0,1) (1,0) (1,1) (2,0), two sub-blocks each
    assert [int(c) >> 8 for c in ix.crc] == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    assert ix.sof[0] == 0 and all(ix.sof[1:] == (ix.sof + ix.raw_length)[:-1])
    # block 0 in the file is (1, 0): its first sub-block follows the file and block headers
    first_of_rank1 = 4
    assert ix.offset[first_of_rank1] == FILE_HEADER_SIZE + BLOCK_HEADER_SIZE
    assert ix.content_end == FILE_HEADER_SIZE + sum(BLOCK_HEADER_SIZE + b.payload_length
                                                    for b in f.blocks)
    assert ix.first_record.tolist() == list(range(0, 50, 5))


def test_digest_ignores_block_order():
    a = make_footer([(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)])
    b = make_footer([(2, 0), (1, 0), (0, 0), (1, 1), (0, 1)])
    assert ArchiveIndex(a).digest() == ArchiveIndex(b).digest()


def test_large_footer_is_fast_and_exact():
    rng = random.Random(3)
    subs = tuple(SubBlockEntry(rng.randrange(1, 1 << 23), rng.randrange(1, 1 << 22),
                               rng.randrange(1 << 15), 0, rng.randrange(1 << 32))
                 for _ in range(40_000))
    blocks = tuple(BlockEntry(i % 300, i // 300, sum(e.encoded_length for e in subs[4 * i:4 * i + 4]), 4)
                   for i in range(10_000))
    f = Footer(300, 1, 1, 0, 1 << 22, (InputFile(sum(e.raw_length for e in subs), "x"),),
               blocks, subs)
    data = f.pack()
    assert len(data) > 65536          # beyond the paper's 2-byte footer length
    assert Footer.unpack(data) == f


def test_index_rejects_inconsistent_footer():
    f = make_footer([(0, 0), (1, 0)])
    bad = Footer(f.ranks, f.threads, f.level, f.writer, f.window,
                 (InputFile(f.files[0].size + 1, "x"),), f.blocks, f.subblocks)
    with pytest.raises(FormatViolation):
        ArchiveIndex(bad)
