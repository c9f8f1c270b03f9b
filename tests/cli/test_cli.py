"""End-to-end commands, as a user runs them (subprocesses, serial and under mpiexec)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from ..conftest import DATA

MPIEXEC = shutil.which("mpiexec", path=os.path.dirname(sys.executable)) or shutil.which("mpiexec")


def run(*args, mpi=0, env=None, cwd=None, timeout=300, stdin=None):
    cmd = [sys.executable, "-m", "phyngsc", *map(str, args)]
    if mpi:
        cmd = [MPIEXEC, "-n", str(mpi), *cmd]
    e = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "SLURM_", "PMIX_"))}
    e.update(env or {})
    return subprocess.run(cmd, capture_output=True, env=e, cwd=cwd, timeout=timeout, input=stdin)


@pytest.fixture()
def reads(tmp_path):
    src = tmp_path / "reads.fastq"
    shutil.copy(DATA / "err127302_1_200.fastq", src)
    return src


def test_compress_decompress_info_verify(reads, tmp_path):
    arc = tmp_path / "reads.ngsc"
    r = run("compress", reads, "-o", arc, "--window", "8K", "-t", "1")
    assert r.returncode == 0, r.stderr
    assert b"ratio" in r.stderr
    out = tmp_path / "back.fastq"
    assert run("decompress", arc, "-o", out).returncode == 0
    assert out.read_bytes() == reads.read_bytes()
    r = run("decompress", arc, "-o", "-")
    assert r.returncode == 0 and r.stdout == reads.read_bytes()
    info = json.loads(run("info", arc, "--json").stdout)
    assert info["records"] == 200 and info["input_size"] == reads.stat().st_size
    assert info["subblocks"] > 1 and info["ranks"] == 1 and info["threads"] == 1
    assert info["streams"]["qual"]["decoded"] == 200 * 72
    assert info["seed"] is None                  # 8 KiB windows get no seed by default
    table = run("info", arc).stdout.decode()
    assert "ratio" in table and "content digest" in table and "qual" in table
    assert "seed model           none" in table
    r = run("verify", arc)
    assert r.returncode == 0 and b"OK" in r.stdout


def test_input_is_never_altered(reads, tmp_path):
    before = reads.read_bytes()
    run("compress", reads, "-o", tmp_path / "a.ngsc")
    assert reads.read_bytes() == before
    r = run("compress", reads, "-o", reads)
    assert r.returncode == 2 and reads.read_bytes() == before


BAD = [
    (b"@r1\nACGT\n+\nIII\n@r2\nAC\n+\nII\n",
     "line 4, byte offset 11: quality length 3 does not match sequence length 4"),
    (b"@r1\nACGT\n+\nIIII\n@r2\nAC\n+\n", "line 8, byte offset 25: truncated record at end of file"),
    (b"@r1\nACGT\n+\nIIII\nr2\nAC\n+\nII\n",
     "line 5, byte offset 16: expected '@' at the start of a record, found 'r'"),
    (b"\x7fELF\x02\x01binary", "line 1, byte offset 0: expected '@' at the start of a record, "
                              "found 0x7f"),
    (b"@r1\nACGT\n+\nIIII\n@r2\nAC\x00T\n+\nIIII\n",
     "line 6, byte offset 22: invalid byte 0x00 in sequence line"),
]


@pytest.mark.parametrize("data,message", BAD)
def test_bad_fastq_one_line_exit_1_no_output(tmp_path, data, message):
    src = tmp_path / "bad.fastq"
    src.write_bytes(data)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run("compress", src, "-o", out_dir / "bad.ngsc")
    assert r.returncode == 1
    assert r.stderr.decode() == f"phyngsc: error: {src}: {message}\n"
    assert list(out_dir.iterdir()) == []


def test_broken_gzip_input(tmp_path):
    src = tmp_path / "bad.fastq.gz"
    src.write_bytes(b"\x1f\x8b\x08\x00binary")   # gzip magic, then nothing valid
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    r = run("compress", src, "-o", out_dir / "bad.ngsc")
    assert r.returncode == 1
    assert r.stderr.decode().startswith(f"phyngsc: error: {src}: cannot read the compressed "
                                        "input: ")
    assert len(r.stderr.decode().splitlines()) == 1 and list(out_dir.iterdir()) == []


def test_missing_file(tmp_path):
    r = run("compress", tmp_path / "nope.fastq", "-o", tmp_path / "x.ngsc")
    assert r.returncode == 1
    assert r.stderr.decode() == f"phyngsc: error: {tmp_path / 'nope.fastq'}: no such file\n"
    r = run("decompress", tmp_path / "nope.ngsc", "-o", tmp_path / "x")
    assert r.returncode == 1 and b"no such file" in r.stderr


@pytest.mark.parametrize("args", [["compress"], ["compress", "x", "-o", "y", "--bogus"],
                                  ["compress", "x", "-o", "y", "--window", "12"],
                                  ["compress", "x", "-o", "y", "--threads", "0"],
                                  ["frobnicate"]])
def test_usage_errors_exit_2(args, reads, tmp_path):
    args = [str(reads) if a == "x" else str(tmp_path / "y") if a == "y" else a for a in args]
    r = run(*args)
    assert r.returncode == 2 and b"Traceback" not in r.stderr


def test_refuses_srun_without_mpi_plugin(reads, tmp_path):
    r = run("compress", reads, "-o", tmp_path / "a.ngsc",
            env={"SLURM_NTASKS": "4", "SLURM_STEP_NUM_TASKS": "4", "SLURM_STEP_ID": "0"})
    assert r.returncode == 2 and b"--mpi=pmi2" in r.stderr
    assert not (tmp_path / "a.ngsc").exists()


def test_truncated_and_corrupted_archives(reads, tmp_path):
    arc = tmp_path / "a.ngsc"
    assert run("compress", reads, "-o", arc, "--window", "4K").returncode == 0
    data = arc.read_bytes()
    cut = tmp_path / "cut.ngsc"
    cut.write_bytes(data[:len(data) // 2])
    r = run("verify", cut)
    assert r.returncode == 1
    assert b"block 0" in r.stderr and b"truncated" in r.stderr and b"sub-block" in r.stderr
    r = run("decompress", cut, "-o", tmp_path / "cut.fastq")
    assert r.returncode == 1 and not (tmp_path / "cut.fastq").exists()
    flip = tmp_path / "flip.ngsc"
    corrupt = bytearray(data)
    corrupt[len(data) // 3] ^= 0x20
    flip.write_bytes(bytes(corrupt))
    r = run("decompress", flip, "-o", tmp_path / "flip.fastq")
    assert r.returncode == 1 and b"sub-block" in r.stderr and b"checksum" in r.stderr
    assert not (tmp_path / "flip.fastq").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    r = run("info", reads)
    assert r.returncode == 1 and b"not an NGSC archive" in r.stderr


def test_empty_file(tmp_path):
    src = tmp_path / "empty.fastq"
    src.write_bytes(b"")
    assert run("compress", src, "-o", tmp_path / "e.ngsc").returncode == 0
    assert run("decompress", tmp_path / "e.ngsc", "-o", tmp_path / "e.out").returncode == 0
    assert (tmp_path / "e.out").read_bytes() == b""
    assert json.loads(run("info", tmp_path / "e.ngsc", "--json").stdout)["records"] == 0


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
@pytest.mark.parametrize("cp,dp,writer", [(3, 2, "shared"), (2, 3, "ticket"), (4, 1, "ticket")])
def test_mpiexec_commands(shared_fastq, tmp_path, cp, dp, writer):
    src = shared_fastq["ERR127302_2"]
    arc = tmp_path / "a.ngsc"
    r = run("compress", src, "-o", arc, "--window", "128K", "--writer", writer, "-t", "1",
            "--mpi-hint", "striping_unit=8388608", "--mpi-hint", "romio_cb_write=enable", mpi=cp)
    assert r.returncode == 0, r.stderr
    assert json.loads(run("info", arc, "--json").stdout)["ranks"] == cp
    r = run("decompress", arc, "-o", tmp_path / "out.fastq", "-t", "1", mpi=dp)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out.fastq").read_bytes() == src.read_bytes()
    r = run("decompress", arc, "-o", "-", "-t", "1", mpi=dp)
    assert r.stdout == src.read_bytes()


FAULT = """
import sys
from mpi4py import MPI
import phyngsc.runners.{module} as m
orig = m.{target}
def boom(*a, **k):
    if MPI.COMM_WORLD.rank == 1:
        raise RuntimeError("injected fault")
    return orig(*a, **k)
m.{target} = boom
from phyngsc.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
@pytest.mark.parametrize("module,target,status,writer", [
    ("compress", "_encode_range", 3, "ticket"),         # local phase: agreed, clean exit 3
    ("writer", "TicketWriter.close", None, "ticket"),   # in a collective: rank 1 aborts all
    ("writer", "SharedPointerWriter.close", None, "shared"),  # ... and .shfp files go too
])
def test_a_failing_rank_never_hangs(reads, tmp_path, module, target, status, writer):
    script = tmp_path / "fault.py"
    owner, _, attr = target.rpartition(".")
    if owner:
        code = FAULT.format(module=module, target=target).replace(
            f"m.{target} = boom", f"setattr(m.{owner}, '{attr}', boom)")
    else:
        code = FAULT.format(module=module, target=target)
    script.write_text(code)
    out = tmp_path / "out"
    out.mkdir()
    cmd = [MPIEXEC, "-n", "3", sys.executable, str(script), "compress", str(reads), "-o",
           str(out / "a.ngsc"), "--window", "4K", "-t", "1", "--writer", writer]
    r = subprocess.run(cmd, capture_output=True, timeout=120)
    assert r.returncode != 0
    if status is not None:
        assert r.returncode == status
    assert b"injected fault" in r.stderr
    assert list(out.iterdir()) == []


def test_paired_end_commands(shared_fastq, tmp_path):
    r1, r2 = shared_fastq["sim_reads_1"], shared_fastq["sim_reads_2"]
    arc = tmp_path / "pe.ngsc"
    assert run("compress", r1, r2, "-o", arc, "--window", "64K").returncode == 0
    r = run("decompress", arc, "-o", tmp_path / "o1.fq")
    assert r.returncode == 2 and b"give -p FILE" in r.stderr
    assert run("decompress", arc, "-o", tmp_path / "o1.fq", "-p", tmp_path / "o2.fq").returncode == 0
    assert (tmp_path / "o1.fq").read_bytes() == r1.read_bytes()
    assert (tmp_path / "o2.fq").read_bytes() == r2.read_bytes()
    out = run("decompress", arc, "--interleaved", "-o", "-").stdout
    assert len(out) == r1.stat().st_size + r2.stat().st_size
    lines = run("count", arc).stdout.decode().splitlines()
    assert lines == ["sim_reads_1.fastq: 10000", "sim_reads_2.fastq: 10000", "20000"]
    assert b"paired" in run("info", arc).stdout
    r = run("compress", r1, r1, "-o", tmp_path / "same.ngsc")
    assert r.returncode == 2 and b"are the same file" in r.stderr


@pytest.mark.parametrize("mpi", [0, 3])
def test_bgzf_output(shared_fastq, tmp_path, mpi):
    import gzip
    if mpi and MPIEXEC is None:
        pytest.skip("mpiexec not found")
    r1, r2 = shared_fastq["ERR127302_1"], shared_fastq["ERR127302_2"]
    arc = tmp_path / "pe.ngsc"
    assert run("compress", r1, r2, "-o", arc, "--window", "256K").returncode == 0
    extra = ["-t", "1"] if mpi else []
    r = run("decompress", arc, "-o", tmp_path / "o1.fastq.gz", "-p", tmp_path / "o2.fastq.gz",
            *extra, mpi=mpi)
    assert r.returncode == 0, r.stderr
    assert gzip.decompress((tmp_path / "o1.fastq.gz").read_bytes()) == r1.read_bytes()
    assert gzip.decompress((tmp_path / "o2.fastq.gz").read_bytes()) == r2.read_bytes()
    if shutil.which("samtools"):   # htslib reads it as BGZF
        s = subprocess.run(["samtools", "import", "-0", str(tmp_path / "o1.fastq.gz"), "-o",
                            str(tmp_path / "x.bam")], capture_output=True)
        assert s.returncode == 0, s.stderr


def test_the_program_exits_with_mains_status_after_freezing_the_heap(monkeypatch, tmp_path):
    """``phyngsc.cli.run`` (the console script and ``python -m phyngsc``) exits with the
    command's status, and freezes the objects alive first so that the interpreter's
    last garbage collection does not walk Numba's and LLVM's objects."""
    import gc
    import phyngsc.cli as cli
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    for argv, status in ((["phyngsc", "count", str(tmp_path / "missing.ngsc")], 1),
                         (["phyngsc", "--version"], 0)):
        monkeypatch.setattr(sys, "argv", argv)
        frozen.clear()
        with pytest.raises(SystemExit) as exc:
            cli.run()
        assert exc.value.code == status and frozen == ([True] if argv[1] != "--version" else [])
