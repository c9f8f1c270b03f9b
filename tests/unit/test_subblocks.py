"""Sub-block engine (pure): encode spans, decode, detect corruption; block packing."""

import zlib

import numpy as np
import pytest

from phyngsc.format.footer import SubBlockEntry
from phyngsc.runners.writer import BlockPacker
from phyngsc.subblock_decode import SubBlockCorrupt, decode_subblocks
from phyngsc.subblocks import SpanError, encode_spans

from ..conftest import DATA, small_files


def spans_of(data: bytes, k: int):
    """Cut ``data`` into k spans on record boundaries (4-line files)."""
    starts = [0]
    lines = data.split(b"\n")
    pos, recs = 0, []
    for i in range(0, len(lines) - 1, 4):
        recs.append(pos)
        pos += sum(len(x) + 1 for x in lines[i:i + 4])
    step = max(1, len(recs) // k)
    starts = recs[::step]
    ends = starts[1:] + [len(data)]
    return np.array(starts), np.array(ends)


@pytest.mark.parametrize("level", [1, 5, 9])
@pytest.mark.parametrize("path", small_files(), ids=lambda p: p.name)
def test_single_span_roundtrip(path, level):
    data = path.read_bytes()
    buf = np.frombuffer(data, np.uint8)
    sbs = encode_spans(buf, np.array([0]), np.array([len(buf)]), base=0, file_index=0,
                       level=level)
    headers, text, starts = decode_subblocks([s.data for s in sbs])
    assert text.tobytes() == data
    assert headers[0].raw_crc == zlib.crc32(data)


def test_many_spans_and_header_statistics():
    data = (DATA / "err127302_1_200.fastq").read_bytes()
    s, e = spans_of(data, 7)
    sbs = encode_spans(np.frombuffer(data, np.uint8), s, e, base=1000, file_index=0, level=1)
    assert [h.header.sof for h in sbs] == [1000 + x for x in s]
    assert sum(h.header.n_records for h in sbs) == 200
    headers, text, starts = decode_subblocks([x.data for x in sbs])
    assert text.tobytes() == data
    seqs = b"".join(data.split(b"\n")[1::4])
    nf = [sum(h.nucleotides[k] for h in headers) for k in range(6)]
    assert nf[:5] == [seqs.count(c) for c in b"ACGTN"] and sum(nf) == len(seqs)
    assert max(h.max_seq for h in headers) == 72


def test_invalid_span_reports_first_error():
    data = b"@a\nACGT\n+\nIIII\n@b\nAC\n+\nI\n@c\nA\n+\nI\n"
    buf = np.frombuffer(data, np.uint8)
    with pytest.raises(SpanError) as exc:
        encode_spans(buf, np.array([0, 15]), np.array([15, len(buf)]), base=0, file_index=0,
                     level=1)
    assert (exc.value.status, exc.value.offset) == (5, 15 + 8)  # quality too short


def test_corruption_is_detected_not_crashed():
    data = (DATA / "sim_reads_1_200.fastq").read_bytes()
    sb = encode_spans(np.frombuffer(data, np.uint8), np.array([0]), np.array([len(data)]),
                      base=0, file_index=0, level=1)[0].data
    hsize = len(sb) - sum(s.encoded_length for s in
                          __import__("phyngsc").format.subblock.SubBlockHeader.unpack(sb)[0].streams)
    for pos in (5, 20, hsize + 3, len(sb) // 2, len(sb) - 1):
        bad = bytearray(sb)
        bad[pos] ^= 0x5A
        with pytest.raises(SubBlockCorrupt):
            decode_subblocks([bytes(bad)])
    with pytest.raises(SubBlockCorrupt):
        decode_subblocks([sb[:-3]])


def test_packer_groups_whole_subblocks():
    p = BlockPacker(rank=2, target=100)
    e = SubBlockEntry(40, 1, 1, 0, 0)
    out = []
    for k in range(5):
        out += p.add(bytes([k]) * 40, e)
    out += p.add(b"x" * 250, SubBlockEntry(250, 1, 1, 0, 0))   # larger than the target
    out += p.flush()
    infos = [i for _, i in out]
    assert [len(i.subblocks) for i in infos] == [2, 2, 1, 1]
    assert [i.seq for i in infos] == [0, 1, 2, 3] and {i.rank for i in infos} == {2}
    assert [i.payload_length for i in infos] == [80, 80, 40, 250]
    assert all(len(d) == 32 + i.payload_length for d, i in out)
