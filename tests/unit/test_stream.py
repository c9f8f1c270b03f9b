"""Streaming input (pipe, gzip, BGZF, named pipe) in one process."""

import gzip
import io
import os
import subprocess
import sys
import threading

import pytest

import phyngsc
from phyngsc.errors import DataError, FastqFormatError
from phyngsc.runners.stream import StreamSource, is_stream_input

from ..bgzf import bgzf
from ..conftest import DATA

SRC = (DATA / "sim_reads_1_200.fastq").read_bytes()


def test_stream_source_sliding_buffer():
    s = StreamSource(io.BytesIO(b"0123456789\nabc\n"), "x")
    assert s.read_at(2, 3).tobytes() == b"234"
    assert not s.ends_at(10)
    s.release(11)
    assert s.line_of(12) == 2
    assert s.read_at(11, 100).tobytes() == b"abc\n"
    assert s.ends_at(15) and s.total == 15
    with pytest.raises(ValueError):
        s.read_at(5, 1)


def test_detection(tmp_path):
    plain, gz, fifo = tmp_path / "a.fq", tmp_path / "a.fq.gz", tmp_path / "f"
    plain.write_bytes(SRC)
    gz.write_bytes(gzip.compress(SRC))
    os.mkfifo(fifo)
    assert not is_stream_input(str(plain))
    assert is_stream_input(str(gz)) and is_stream_input("-") and is_stream_input(str(fifo))


def digest(path) -> str:
    with phyngsc.open(str(path)) as a:
        return a.index.digest()


@pytest.mark.parametrize("kind", ["gzip", "bgzf", "fifo"])
def test_same_archive_content_as_file_input(tmp_path, kind):
    plain = tmp_path / "in.fastq"
    plain.write_bytes(SRC)
    phyngsc.compress(str(plain), str(tmp_path / "ref.ngsc"), threads=1, window=8192)
    if kind == "fifo":
        src = tmp_path / "pipe"
        os.mkfifo(src)
        feeder = threading.Thread(target=lambda: open(src, "wb").write(SRC))
        feeder.start()
    else:
        src = tmp_path / "in.fastq.gz"
        src.write_bytes(gzip.compress(SRC) if kind == "gzip" else bgzf(SRC, 5000))
    res = phyngsc.compress(str(src), str(tmp_path / "s.ngsc"), threads=1, window=8192)
    if kind == "fifo":
        feeder.join()
    assert res.input_size == len(SRC)
    assert digest(tmp_path / "s.ngsc") == digest(tmp_path / "ref.ngsc")
    phyngsc.decompress(str(tmp_path / "s.ngsc"), str(tmp_path / "out"), threads=1)
    assert (tmp_path / "out").read_bytes() == SRC


def test_bgzf_helper_is_real_gzip():
    assert gzip.decompress(bgzf(SRC, 3000)) == SRC


def test_stdin_pipe(tmp_path):
    arc = tmp_path / "p.ngsc"
    r = subprocess.run([sys.executable, "-m", "phyngsc", "compress", "-", "-o", str(arc), "-q"],
                       input=gzip.compress(SRC), capture_output=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([sys.executable, "-m", "phyngsc", "decompress", str(arc), "-o", "-"],
                       capture_output=True)
    assert r.stdout == SRC


def test_bad_fastq_in_gzip_names_line_and_offset(tmp_path):
    bad = SRC.replace(b"\n+\n", b"\n+\nX", 1)  # quality one byte too long in record 1
    src = tmp_path / "bad.fq.gz"
    src.write_bytes(gzip.compress(bad))
    with pytest.raises(FastqFormatError) as exc:
        phyngsc.compress(str(src), str(tmp_path / "b.ngsc"), threads=1)
    assert exc.value.line == 4 and "quality length" in str(exc.value)
    assert list(tmp_path.iterdir()) == [src]


def test_corrupt_gzip(tmp_path):
    data = bytearray(gzip.compress(SRC))
    data[len(data) // 2] ^= 0xFF
    src = tmp_path / "c.fq.gz"
    src.write_bytes(bytes(data))
    with pytest.raises(DataError) as exc:
        phyngsc.compress(str(src), str(tmp_path / "c.ngsc"), threads=1)
    assert "c.fq.gz" in str(exc.value)
    assert list(tmp_path.iterdir()) == [src]
