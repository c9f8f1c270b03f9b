"""The job templates in slurm/ run to completion under a real (single-node) Slurm."""

import json
import sys
from pathlib import Path

import pytest

from .cluster import SlurmCluster, unavailable

ROOT = Path(__file__).resolve().parents[2]
REASON = unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")
# two tasks of one CPU each; memory small enough for any test machine
RESOURCES = ["--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=1", "--mem-per-cpu=200M"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = SlurmCluster(tmp_path_factory.mktemp("slurm")).start()
    c.env["PHYNGSC_PYTHON"] = sys.executable
    yield c
    c.stop()


def submit(cluster, template, *args, log, env=None):
    extra = [f"--export=ALL,{','.join(f'{k}={v}' for k, v in env.items())}"] if env else []
    r = cluster.sbatch(*RESOURCES, *extra, f"--output={log}", str(ROOT / "slurm" / template),
                       *map(str, args))
    text = Path(log).read_text() if Path(log).exists() else ""
    assert r.returncode == 0, f"{r.stderr}\n{text}"
    return text


def test_compress_then_decompress(cluster, shared_fastq, tmp_path):
    src = shared_fastq["ERR127302_2"]
    arc, out = tmp_path / "r.ngsc", tmp_path / "r.fastq"
    log = submit(cluster, "compress.sbatch", src, arc, log=tmp_path / "c.log")
    assert "with 2 tasks" in log and "2 rank(s) x 1 thread(s)" in log
    assert "striping skipped: no 'lfs' command" in log
    log = submit(cluster, "decompress.sbatch", arc, out, log=tmp_path / "d.log",
                 env={"VERIFY": "1"})
    assert "OK (" in log
    assert out.read_bytes() == src.read_bytes()


def test_pipeline(cluster, shared_fastq, tmp_path):
    src = shared_fastq["sim_reads_1"]
    outdir = tmp_path / "pipe"
    log = submit(cluster, "pipeline.sbatch", src, outdir, log=tmp_path / "p.log",
                 env={"PARTS": "3", "ALIGNER_CMD": "wc -l"})
    assert "10000 records -> 3 partitions" in log and "pipeline done" in log
    stats = json.loads((outdir / "stats.json").read_text())
    assert stats["records"] == 10_000
    assert (outdir / "stats.h5").stat().st_size > 0
    parts = sorted(outdir.glob("part.*.fastq"))
    assert [p.name for p in parts] == ["part.000.fastq", "part.001.fastq", "part.002.fastq"]
    assert b"".join(p.read_bytes() for p in parts) == src.read_bytes()
    counts = [int(p.with_name(p.name + ".out").read_text().split()[0]) for p in parts]
    assert sum(counts) == src.read_bytes().count(b"\n")


def test_srun_without_mpi_plugin_is_refused(cluster, tmp_path):
    script = tmp_path / "none.sbatch"
    script.write_text(f"#!/bin/bash\nsrun --mpi=none {sys.executable} -m phyngsc count "
                      f"{ROOT / 'tests/data/golden/v0.1-err127302_1_200.ngsc'}\n")
    r = cluster.sbatch(*RESOURCES, f"--output={tmp_path / 'n.log'}", str(script))
    log = (tmp_path / "n.log").read_text()
    assert r.returncode != 0
    assert "sees an MPI world of 1 rank" in log and "--mpi=pmi2" in log


def test_paired_and_gzip_inputs(cluster, shared_fastq, tmp_path):
    import gzip
    r1, r2 = shared_fastq["sim_reads_1"], shared_fastq["sim_reads_2"]
    arc = tmp_path / "pe.ngsc"
    log = submit(cluster, "compress.sbatch", r1, r2, arc, log=tmp_path / "c.log")
    assert "paired" in log
    submit(cluster, "decompress.sbatch", arc, tmp_path / "o1.fastq.gz", tmp_path / "o2.fastq",
           log=tmp_path / "d.log")
    assert gzip.decompress((tmp_path / "o1.fastq.gz").read_bytes()) == r1.read_bytes()
    assert (tmp_path / "o2.fastq").read_bytes() == r2.read_bytes()
    gz = tmp_path / "in.fastq.gz"
    gz.write_bytes(gzip.compress(r1.read_bytes()))
    submit(cluster, "compress.sbatch", gz, tmp_path / "gz.ngsc", log=tmp_path / "g.log")
    submit(cluster, "decompress.sbatch", tmp_path / "gz.ngsc", tmp_path / "gz.fastq",
           log=tmp_path / "g2.log")
    assert (tmp_path / "gz.fastq").read_bytes() == r1.read_bytes()
