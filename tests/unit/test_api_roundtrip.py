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


def test_one_megabase_read_and_progress_bar(tmp_path):
    """A 1 Mbp read spanning many windows round-trips; a terminal gets a progress bar."""
    import os
    import pty
    import random
    import subprocess
    import sys
    rng = random.Random(7)
    seq = "".join(rng.choice("ACGT") for _ in range(1_000_000))
    qual = "".join(rng.choice("!#+5?IJ") for _ in range(1_000_000))
    data = f"@long\n{seq}\n+\n{qual}\n@short\nACGT\n+\nIIII\n".encode()
    src, arc, out = tmp_path / "l.fq", tmp_path / "l.ngsc", tmp_path / "l.out"
    src.write_bytes(data)
    master, slave = pty.openpty()   # stderr is a terminal: the bar is drawn
    r = subprocess.run([sys.executable, "-m", "phyngsc", "compress", str(src), "-o", str(arc),
                        "--window", "64K"], stderr=slave, stdout=subprocess.PIPE)
    os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    assert r.returncode == 0
    assert b"compress [" in shown and b"100.0%" in shown
    with phyngsc.open(str(arc)) as a:
        assert a.count() == 2 and a.summary().window == 65536
    phyngsc.decompress(str(arc), str(out), threads=1)
    assert out.read_bytes() == data
