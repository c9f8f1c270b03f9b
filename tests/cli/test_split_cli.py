"""split, paired extract and the bwa example, as a user runs them (serial and under mpiexec)."""

import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT
from .test_cli import MPIEXEC, run

LAMBDA = Path("/usr/share/doc/bowtie2/examples/reference/lambda_virus.fa.gz")


@pytest.fixture()
def paired(shared_fastq, tmp_path):
    r1, r2 = shared_fastq["sim_reads_1"], shared_fastq["sim_reads_2"]
    arc = tmp_path / "pe.ngsc"
    r = run("compress", r1, r2, "-o", arc, "--window", "64K", "-q")
    assert r.returncode == 0, r.stderr
    return r1, r2, arc


@pytest.mark.parametrize("mpi", [0, 3])
def test_split_command(paired, tmp_path, mpi):
    if mpi and MPIEXEC is None:
        pytest.skip("mpiexec not found")
    r1, r2, arc = paired
    r = run("split", arc, "--parts", "4", "--prefix", tmp_path / "part", "--gzip", "-t", "1",
            mpi=mpi)
    assert r.returncode == 0, r.stderr
    for mate, src in ((1, r1), (2, r2)):
        parts = [tmp_path / f"part.{k:03d}.{mate}.fastq.gz" for k in range(4)]
        assert b"".join(gzip.decompress(p.read_bytes()) for p in parts) == src.read_bytes()
    report = r.stderr.decode().splitlines()
    assert len(report) == 4 and all(" pairs, " in line for line in report)
    pairs = [int(line.split(": ")[1].split()[0].replace(",", "")) for line in report]
    assert sum(pairs) == 10_000 and max(pairs) - min(pairs) < 100   # equal-length reads


def test_split_usage_errors(paired, tmp_path):
    _r1, _r2, arc = paired
    r = run("split", arc, "--parts", "0", "--prefix", tmp_path / "x")
    assert r.returncode == 2
    assert r.stderr.decode().strip().endswith("--parts must be at least 1 (got 0)")
    r = run("split", tmp_path / "missing.ngsc", "--parts", "2", "--prefix", tmp_path / "x")
    assert r.returncode == 1 and b"missing.ngsc: no such file" in r.stderr
    assert b"Traceback" not in r.stderr
    assert not list(tmp_path.glob("x*"))


def test_extract_both_mates(paired, tmp_path):
    r1, r2, arc = paired
    r = run("extract", arc, "--records", "2:4", "-o", tmp_path / "a.fq", "-p", tmp_path / "b.fq")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.fq").read_bytes() == b"".join(r1.read_bytes().splitlines(True)[8:16])
    assert (tmp_path / "b.fq").read_bytes() == b"".join(r2.read_bytes().splitlines(True)[8:16])
    inter = run("extract", arc, "--records", "0:1", "-o", "-").stdout
    assert inter == b"".join(r1.read_bytes().splitlines(True)[:4] +
                             r2.read_bytes().splitlines(True)[:4])


def test_paired_r1_without_final_newline(tmp_path):
    (tmp_path / "1.fq").write_bytes(b"@a/1\nACGT\n+\nIIII\n@b/1\nAC\n+\nII")
    (tmp_path / "2.fq").write_bytes(b"@a/2\nTTTT\n+\nIIII\n@b/2\nGG\n+\nII")
    r = run("compress", tmp_path / "1.fq", tmp_path / "2.fq", "-o", tmp_path / "x.ngsc")
    assert r.returncode == 1 and not (tmp_path / "x.ngsc").exists()
    assert r.stderr.decode().startswith(f"phyngsc: error: {tmp_path / '1.fq'}: line 8, byte "
                                        "offset 29: R1 ends without a final newline")
    (tmp_path / "1.fq").write_bytes(b"@a/1\nACGT\n+\nIIII\n@b/1\nAC\n+\nII\n")
    assert run("compress", tmp_path / "1.fq", tmp_path / "2.fq", "-o",
               tmp_path / "x.ngsc").returncode == 0
    assert run("decompress", tmp_path / "x.ngsc", "-o", tmp_path / "o1", "-p",
               tmp_path / "o2").returncode == 0
    assert (tmp_path / "o2").read_bytes() == (tmp_path / "2.fq").read_bytes()


@pytest.mark.skipif(shutil.which("bwa") is None or not LAMBDA.exists(),
                    reason="needs Debian's bwa and bowtie2-examples (apt install bwa "
                           "bowtie2-examples; .ci/run installs them)")
@pytest.mark.parametrize("mpi", [0, 2])
def test_align_bwa_example(paired, tmp_path, mpi):
    if mpi and MPIEXEC is None:
        pytest.skip("mpiexec not found")
    r1, _r2, arc = paired
    cmd = [sys.executable, str(ROOT / "examples" / "align_bwa.py"), str(arc), str(LAMBDA),
           str(tmp_path / "out")]
    if mpi:
        cmd = [MPIEXEC, "-n", str(mpi), *cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "PMIX_"))}
    r = subprocess.run(cmd, capture_output=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[-1].startswith("total: 20000 reads, ")
    names, mapped = [], 0
    for line in (tmp_path / "out" / "aligned.sam").read_bytes().splitlines():
        if line.startswith(b"@"):
            continue
        f = line.split(b"\t")
        if int(f[1]) & 0x900:
            continue
        names.append(f[0])
        mapped += not int(f[1]) & 4
    # every read once, in the original order (mates adjacent), nearly all on lambda
    titles = [t[1:].split()[0] for t in r1.read_bytes().splitlines()[::4]]
    assert names == [t for t in titles for _ in (0, 1)]
    assert mapped > 0.95 * len(names)
    assert len(list((tmp_path / "out").glob("part.*.sam"))) == max(mpi, 1)
