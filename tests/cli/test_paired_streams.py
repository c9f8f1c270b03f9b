"""Paired-end input from streams: two gzip/BGZF mates, two named pipes, an interleaved
stream. The archive must hold exactly what compressing the plain files gives (same
content digest) at any rank count, and bad mates are refused as for plain files."""

from __future__ import annotations

import gzip
import json
import os
import threading

import pytest

from .test_cli import MPIEXEC, run

needs_mpiexec = pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")


def digest(arc) -> str:
    return json.loads(run("info", arc, "--json").stdout)["digest"]


@pytest.fixture(scope="module")
def mates(tmp_path_factory, shared_fastq):
    """R1/R2 (6,000 records each) as plain, gzip and BGZF-like multi-member gzip, an
    interleaved file, and the digest of the plain paired archive."""
    d = tmp_path_factory.mktemp("pe")
    recs = []
    for k in (1, 2):
        with open(shared_fastq[f"ERR127302_{k}"], "rb") as f:
            lines = [f.readline() for _ in range(24000)]
        (d / f"r{k}.fq").write_bytes(b"".join(lines))
        (d / f"r{k}.fq.gz").write_bytes(gzip.compress(b"".join(lines), 1))
        members = [gzip.compress(b"".join(lines[i:i + 4000])) for i in range(0, 24000, 4000)]
        (d / f"r{k}.bgz.gz").write_bytes(b"".join(members))   # several members, like BGZF
        recs.append([b"".join(lines[i:i + 4]) for i in range(0, 24000, 4)])
    (d / "inter.fq").write_bytes(b"".join(a + b for a, b in zip(*recs)))
    arc = d / "plain.ngsc"
    r = run("compress", d / "r1.fq", d / "r2.fq", "-o", arc, "--window", "64K", "-q")
    assert r.returncode == 0, r.stderr
    return d, digest(arc)


def _feed(path, data):
    def go():
        with open(path, "wb") as f:
            f.write(data)
    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t


@needs_mpiexec
@pytest.mark.parametrize("ranks", [1, 2, 3])
@pytest.mark.parametrize("kind", ["gz", "bgz", "mixed", "fifo"])
def test_paired_streams_same_archive_content(mates, tmp_path, ranks, kind):
    d, want = mates
    feeders = []
    if kind == "fifo":
        inputs = [tmp_path / "f1", tmp_path / "f2"]
        for k, p in enumerate(inputs, 1):
            os.mkfifo(p)
            feeders.append(_feed(p, (d / f"r{k}.fq").read_bytes()))
    else:
        ext = {"gz": ("fq.gz", "fq.gz"), "bgz": ("bgz.gz", "bgz.gz"), "mixed": ("fq", "fq.gz")}
        inputs = [d / f"r{k}.{e}" for k, e in zip((1, 2), ext[kind])]
    arc = tmp_path / "pe.ngsc"
    r = run("compress", *inputs, "-o", arc, "--window", "64K", "-t", "1", "-q", mpi=ranks)
    assert r.returncode == 0, r.stderr
    for t in feeders:
        t.join(10)
    assert digest(arc) == want
    r = run("decompress", arc, "-o", tmp_path / "o1.fq", "-p", tmp_path / "o2.fq", "-t", "1",
            mpi=ranks)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o1.fq").read_bytes() == (d / "r1.fq").read_bytes()
    assert (tmp_path / "o2.fq").read_bytes() == (d / "r2.fq").read_bytes()


def test_interleaved_standard_input(mates, tmp_path):
    d, want = mates
    arc = tmp_path / "pe.ngsc"
    r = run("compress", "--interleaved", "-", "-o", arc, "--window", "64K", "-q",
            stdin=(d / "inter.fq").read_bytes())
    assert r.returncode == 0, r.stderr
    assert digest(arc) == want
    r = run("decompress", arc, "--interleaved", "-o", "-")
    assert r.stdout == (d / "inter.fq").read_bytes()


@needs_mpiexec
@pytest.mark.parametrize("ranks", [2, 3])
def test_interleaved_named_pipe(mates, tmp_path, ranks):
    d, want = mates
    fifo = tmp_path / "in"
    os.mkfifo(fifo)
    t = _feed(fifo, gzip.compress((d / "inter.fq").read_bytes(), 1))   # gzip through a pipe
    arc = tmp_path / "pe.ngsc"
    r = run("compress", "--interleaved", fifo, "-o", arc, "--window", "64K", "-t", "1", "-q",
            mpi=ranks)
    t.join(10)
    assert r.returncode == 0, r.stderr
    assert digest(arc) == want


@needs_mpiexec
@pytest.mark.parametrize("ranks", [1, 2])
def test_mismatched_compressed_mates_as_for_plain_files(mates, tmp_path, ranks):
    d, _ = mates
    lines = (d / "r2.fq").read_bytes().splitlines(keepends=True)
    (tmp_path / "s2.fq").write_bytes(b"".join(lines[:-4]))
    (tmp_path / "s2.fq.gz").write_bytes(gzip.compress(b"".join(lines[:-4])))
    out = tmp_path / "out"
    out.mkdir()
    for a, b in ((d / "r1.fq", tmp_path / "s2.fq"), (d / "r1.fq.gz", tmp_path / "s2.fq.gz")):
        for x, y in ((a, b), (b, a)):
            r = run("compress", x, y, "-o", out / "x.ngsc", "-t", "1", mpi=ranks)
            short, long_ = (y, x) if x == a else (x, y)
            n1, n2 = (6000, 5999) if x == a else (5999, 6000)
            assert r.returncode == 1
            assert r.stderr.decode() == (f"phyngsc: error: {x} has {n1} records but {y} has "
                                         f"{n2}: {short} ends after record 5999, {long_} goes on\n")
            assert list(out.iterdir()) == []


def test_broken_gzip_mate_one_line_nothing_left(mates, tmp_path):
    d, _ = mates
    data = (d / "r2.fq.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[:len(data) // 2])
    bad = bytearray(data)
    bad[len(data) // 2] ^= 0xFF
    (tmp_path / "flip.gz").write_bytes(bytes(bad))
    out = tmp_path / "out"
    out.mkdir()
    for mate in ("cut.gz", "flip.gz"):
        r = run("compress", d / "r1.fq.gz", tmp_path / mate, "-o", out / "x.ngsc")
        lines = r.stderr.decode().splitlines()
        assert r.returncode == 1 and len(lines) == 1, r.stderr
        assert lines[0].startswith(f"phyngsc: error: {tmp_path / mate}: "), lines
        assert list(out.iterdir()) == []


def test_bad_records_in_streams_are_located(mates, tmp_path):
    d, _ = mates
    r1 = (d / "r1.fq").read_bytes()
    bad = r1.replace(b"\n+\n", b"\n-\n", 1)
    (tmp_path / "bad1.fq").write_bytes(bad)
    (tmp_path / "bad1.fq.gz").write_bytes(gzip.compress(bad))
    plain = run("compress", tmp_path / "bad1.fq", d / "r2.fq", "-o", tmp_path / "x.ngsc")
    r = run("compress", tmp_path / "bad1.fq.gz", d / "r2.fq.gz", "-o", tmp_path / "x.ngsc")
    assert r.returncode == plain.returncode == 1
    assert plain.stderr.decode().startswith(f"phyngsc: error: {tmp_path / 'bad1.fq'}: line 4, ")
    assert r.stderr.decode() == plain.stderr.decode().replace("bad1.fq:", "bad1.fq.gz:")
    inter = (d / "inter.fq").read_bytes()
    (tmp_path / "odd.fq").write_bytes(inter[:inter.index(b"\n@", 200) + 1])
    r = run("compress", "--interleaved", tmp_path / "odd.fq", "-o", tmp_path / "x.ngsc")
    assert r.returncode == 1
    assert r.stderr.decode() == (f"phyngsc: error: {tmp_path / 'odd.fq'}: interleaved input "
                                 "has an odd number of records (1): the last one has no mate\n")
    (tmp_path / "cut.fq").write_bytes(inter[:1000])
    r = run("compress", "--interleaved", tmp_path / "cut.fq", "-o", tmp_path / "x.ngsc")
    assert r.returncode == 1 and b"truncated record at end of file" in r.stderr
    assert not (tmp_path / "x.ngsc").exists()


def test_interleaved_takes_one_input(mates, tmp_path):
    d, _ = mates
    r = run("compress", "--interleaved", d / "r1.fq", d / "r2.fq", "-o", tmp_path / "x.ngsc")
    assert r.returncode == 2 and b"--interleaved takes one input" in r.stderr

