"""The interleaved-input splitter against a plain-Python reference."""

import io

import pytest

from phyngsc.errors import DataError, FastqFormatError
from phyngsc.fastq import interleaved
from phyngsc.fastq.interleaved import Deinterleaver

from ..conftest import small_files
from ..reference.ref_fastq import lines_of, parse


def parse_records(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of every record, from the reference parser's line counts."""
    lines = lines_of(data)
    out, i = [], 0
    for rec in parse(data):
        k = 2 + len(rec["seq"]) + len(rec["qual"])
        start = lines[i][0]
        end = lines[i + k][0] if i + k < len(lines) else len(data)
        out.append((start, end))
        i += k
    return out


def reference_split(data: bytes) -> tuple[bytes, bytes]:
    recs = [data[a:b] for a, b in parse_records(data)]
    return b"".join(recs[0::2]), b"".join(recs[1::2])


def split(data: bytes, chunk: int) -> tuple[bytes, bytes]:
    d = Deinterleaver(io.BytesIO(data), "in.fq")
    one, two = bytearray(), bytearray()
    while True:     # read the mates unevenly, as a compressor may
        a = d.mates[0].read(chunk)
        b = d.mates[1].read(chunk * 3)
        one += a
        two += b
        if not a and not b:
            return bytes(one), bytes(two)


@pytest.mark.parametrize("path", small_files(), ids=lambda p: p.name)
@pytest.mark.parametrize("records_per_call", [1, 3, 4096])
def test_split_equals_reference(path, records_per_call, monkeypatch):
    data = path.read_bytes()
    spans = parse_records(data)
    if len(spans) % 2:             # an even number of records: drop the last one
        data = data[:spans[-1][0]]
    recs = reference_split(data)
    monkeypatch.setattr(interleaved, "_RECORDS", records_per_call)
    monkeypatch.setattr(interleaved, "_CHUNK", 97)
    assert split(data, 50) == recs


def test_errors_name_line_and_offset():
    data = b"@a\nAC\n+\nII\n@b\nAC\n+\nII\n@c\nACG\n+\nII\n@d\nA\n+\nI\n"
    with pytest.raises(FastqFormatError) as e:
        split(data, 10)
    assert str(e.value) == "in.fq: line 12, byte offset 31: quality length 2 does not match " \
                           "sequence length 3"
    with pytest.raises(DataError, match="odd number of records \\(3\\)"):
        split(b"@a\nA\n+\nI\n" * 3, 5)
