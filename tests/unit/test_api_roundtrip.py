"""Whole-file round trips through the public API on generated FASTQ (one process)."""

import tempfile
from pathlib import Path

from hypothesis import given, settings

import phyngsc
from tests.reference import ref_fastq

from .test_streams import fastq


@settings(max_examples=40, deadline=None)
@given(fastq(), fastq())
def test_generated_files_roundtrip(a, b):
    data = a + (b"\n" if a and not a.endswith(b"\n") else b"") + b
    try:
        ref_fastq.parse(data)
    except ref_fastq.Bad:
        return
    with tempfile.TemporaryDirectory() as d:
        src, arc, out = Path(d, "in.fq"), Path(d, "a.ngsc"), Path(d, "out.fq")
        src.write_bytes(data)
        phyngsc.compress(str(src), str(arc), threads=1, window=1024)
        phyngsc.decompress(str(arc), str(out), threads=1)
        assert out.read_bytes() == data
        with phyngsc.open(str(arc)) as archive:
            assert archive.count() == len(ref_fastq.parse(data))
