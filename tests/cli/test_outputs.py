"""The output side: full disks, outputs that are inputs, devices and FIFOs, signals.

Every command is run as a user runs it (subprocesses, serial and under mpiexec at
1, 2 and 3 ranks). A full disk is a small tmpfs mounted for the test (root only;
skipped with the reason otherwise). Each run has a timeout: a hang fails the test.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from .test_cli import MPIEXEC, run

needs_mpiexec = pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
RANKS = [1, 2, 3]


def digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def wait_empty(directory, timeout=10.0) -> list[str]:
    """The names left in ``directory`` once the watchdogs had ``timeout`` s to act."""
    end = time.monotonic() + timeout
    while leftovers(directory) and time.monotonic() < end:
        time.sleep(0.05)
    return leftovers(directory)


@pytest.fixture(scope="module")
def work(tmp_path_factory, shared_fastq):
    """A single-end and a paired archive of 40,000 lines of ERR127302 (2 MB each mate)."""
    d = tmp_path_factory.mktemp("outputs")
    for k in (1, 2):
        with open(shared_fastq[f"ERR127302_{k}"], "rb") as f:
            (d / f"r{k}.fq").write_bytes(b"".join(f.readline() for _ in range(40000)))
    assert run("compress", d / "r1.fq", "-o", d / "se.ngsc", "--window", "256K", "-q",
               "-t", "1").returncode == 0
    assert run("compress", d / "r1.fq", d / "r2.fq", "-o", d / "pe.ngsc", "--window", "256K",
               "-q", "-t", "1").returncode == 0
    return d


class Tmpfs:
    def __init__(self, path, size):
        self.path = path
        self.size = size

    def __enter__(self):
        self.path.mkdir(exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size}", "tmpfs",
                            str(self.path)], capture_output=True)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs: {r.stderr.decode().strip()}")
        return self.path

    def __exit__(self, *exc):
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@pytest.fixture()
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a tmpfs mount, which needs root")
    return lambda size="1m": Tmpfs(tmp_path / "disk", size)


def full_disk_commands(w, d):
    """(name, arguments) of every command that writes, its outputs on disk ``d``."""
    return {
        "decompress": ["decompress", w / "se.ngsc", "-o", d / "o.fq"],
        "decompress-paired": ["decompress", w / "pe.ngsc", "-o", d / "o1.fq", "-p", d / "o2.fq"],
        "decompress-paired-bgzf": ["decompress", w / "pe.ngsc", "-o", d / "o1.fq.gz", "-p",
                                   d / "o2.fq.gz"],
        "decompress-interleaved": ["decompress", w / "pe.ngsc", "--interleaved", "-o", d / "i.fq"],
        "split": ["split", w / "se.ngsc", "--parts", "3", "--prefix", d / "part"],
        "split-paired": ["split", w / "pe.ngsc", "--parts", "2", "--prefix", d / "part"],
        "extract": ["extract", w / "se.ngsc", "--records", "0:9000", "-o", d / "x.fq"],
        "extract-paired": ["extract", w / "pe.ngsc", "--records", "0:9000", "-o", d / "x1.fq",
                           "-p", d / "x2.fq"],
        "fasta": ["fasta", w / "se.ngsc", "-o", d / "o.fa"],
        "filter": ["filter", w / "se.ngsc", "-o", d / "f.fq"],
        "grep": ["grep", w / "se.ngsc", "A", "-o", d / "g.fq"],
    }


#: every command with its space reserved up front, and four with reservation off so that
#: the write-by-write checks (the path on file systems without fallocate) run too
FULL_DISK = [(name, "1") for name in full_disk_commands(Path("w"), Path("d"))] + \
    [(name, "0") for name in ("decompress", "decompress-paired", "split", "fasta")]


@needs_mpiexec
@pytest.mark.parametrize("ranks", RANKS)
@pytest.mark.parametrize("name,preallocate", FULL_DISK)
def test_full_disk_exit_1_one_line_nothing_left(work, small_disk, name, ranks, preallocate):
    with small_disk("1m") as d:
        args = full_disk_commands(work, d)[name]
        r = run(*args, "-t", "1", "-q", mpi=ranks, timeout=120,
                env={"PHYNGSC_PREALLOCATE": preallocate})
        lines = r.stderr.decode().splitlines()
        assert r.returncode == 1, r.stderr
        assert len(lines) == 1 and lines[0].startswith("phyngsc: error: " + str(d)), lines
        assert lines[0].endswith(": cannot write: No space left on device"), lines
        assert ".tmp" not in lines[0] and "Traceback" not in lines[0]
        assert wait_empty(d) == []


@needs_mpiexec
@pytest.mark.parametrize("ranks", RANKS)
@pytest.mark.parametrize("writer", ["ticket", "shared"])
@pytest.mark.parametrize("paired", [False, True])
def test_full_disk_during_compress(work, small_disk, ranks, writer, paired):
    with small_disk("128k") as d:
        inputs = [work / "r1.fq", work / "r2.fq"] if paired else [work / "r1.fq"]
        r = run("compress", *inputs, "-o", d / "a.ngsc", "--writer", writer, "--window", "64K",
                "-t", "1", "-q", mpi=ranks, timeout=120)
        assert r.returncode == 1, r.stderr
        assert r.stderr.decode() == f"phyngsc: error: {d / 'a.ngsc'}: cannot write: No space " \
                                    "left on device\n"
        assert wait_empty(d) == []


def test_full_disk_compress_stream_and_hdf5(work, small_disk, tmp_path):
    import gzip
    gz = tmp_path / "r1.fq.gz"
    gz.write_bytes(gzip.compress((work / "r1.fq").read_bytes(), 1))
    with small_disk("128k") as d:
        r = run("compress", gz, "-o", d / "a.ngsc", "--window", "64K", "-q")
        assert r.returncode == 1 and b"No space left on device" in r.stderr
        assert wait_empty(d) == []
    with small_disk("8k") as d:
        r = run("stats", work / "se.ngsc", "--hdf5", d / "s.h5", "-q")
        assert r.returncode == 1, r.stderr
        assert r.stderr.decode().startswith(f"phyngsc: error: {d / 's.h5'}: cannot write: ")
        assert len(r.stderr.decode().splitlines()) == 1
        assert wait_empty(d) == []


def test_read_only_file_system_is_exit_1(work, small_disk):
    with small_disk("1m") as d:
        subprocess.run(["mount", "-o", "remount,ro", str(d)], check=True)
        r = run("decompress", work / "se.ngsc", "-o", d / "o.fq")
        assert r.returncode == 1
        assert r.stderr.decode() == f"phyngsc: error: {d / 'o.fq'}: cannot write: " \
                                    "Read-only file system\n"


# -- outputs that are inputs, or each other -----------------------------------------
SAME_FILE_CASES = [   # (arguments, the input that X spells): every command that writes
    (["compress", "r1.fq", "-o", "X"], "r1.fq"),
    (["compress", "r1.fq", "r2.fq", "-o", "X"], "r2.fq"),
    (["decompress", "se.ngsc", "-o", "X"], "se.ngsc"),
    (["decompress", "pe.ngsc", "-o", "ok1.fq", "-p", "X"], "pe.ngsc"),
    (["extract", "se.ngsc", "--records", "0:10", "-o", "X"], "se.ngsc"),
    (["extract", "pe.ngsc", "--records", "0:10", "-o", "ok1.fq", "-p", "X"], "pe.ngsc"),
    (["grep", "se.ngsc", "ACGT", "-o", "X"], "se.ngsc"),
    (["grep", "se.ngsc", "ACGT", "--first", "-o", "X"], "se.ngsc"),
    (["fasta", "se.ngsc", "-o", "X"], "se.ngsc"),
    (["filter", "se.ngsc", "-o", "X"], "se.ngsc"),
    (["stats", "se.ngsc", "--hdf5", "X"], "se.ngsc"),
]


@pytest.mark.parametrize("spelling", ["same", "dot", "symlink", "hardlink"])
@pytest.mark.parametrize("case", range(len(SAME_FILE_CASES)))
def test_output_equal_to_an_input_is_refused(work, tmp_path, case, spelling):
    args, target = SAME_FILE_CASES[case]
    for name in ("r1.fq", "r2.fq", "se.ngsc", "pe.ngsc"):
        shutil.copy(work / name, tmp_path / name)
    src = tmp_path / target
    if spelling == "same":
        out = str(src)
    elif spelling == "dot":
        (tmp_path / "sub").mkdir()
        out = os.path.join(str(tmp_path), ".", "sub", "..", target)
    elif spelling == "symlink":
        out = str(tmp_path / "link")
        os.symlink(src, out)
    else:
        out = str(tmp_path / "hard")
        os.link(src, out)
    before = {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()}
    argv = [out if a == "X" else str(tmp_path / a) if (tmp_path / a).exists() or
            a.endswith((".fq", ".ngsc")) else a for a in args]
    r = run(*argv)
    assert r.returncode == 2, r.stderr
    line = r.stderr.decode()
    assert line.startswith("phyngsc: error: ") and "same file as the input" in line, line
    assert len(line.splitlines()) == 1
    assert {p.name: digest(p) for p in tmp_path.iterdir() if p.is_file()} == before


def test_two_outputs_that_are_one_file(work, tmp_path):
    out = tmp_path / "o.fq"
    for args in (["decompress", work / "pe.ngsc", "-o", out, "-p", out],
                 ["decompress", work / "pe.ngsc", "-o", out, "-p", tmp_path / "." / "o.fq"],
                 ["extract", work / "pe.ngsc", "--records", "0:5", "-o", out, "-p", out],
                 ["decompress", work / "pe.ngsc", "-o", "-", "-p", "-"]):
        r = run(*args)
        assert r.returncode == 2, r.stderr
        assert b"named for two outputs" in r.stderr and len(r.stderr.splitlines()) == 1
        assert not out.exists()


def test_names_file_is_an_input(work, tmp_path):
    names = tmp_path / "ids.txt"
    names.write_bytes(b"ERR127302.1\n")
    before = digest(names)
    r = run("extract", work / "se.ngsc", "--names", names, "-o", names)
    assert r.returncode == 2 and b"same file as the input" in r.stderr
    assert digest(names) == before


def test_split_part_equal_to_archive(work, tmp_path):
    arch = tmp_path / "p.001.fastq"        # an archive named like a part
    shutil.copy(work / "se.ngsc", arch)
    before = digest(arch)
    r = run("split", arch, "--parts", "3", "--prefix", tmp_path / "p")
    assert r.returncode == 2 and b"same file as the input" in r.stderr
    assert digest(arch) == before and leftovers(tmp_path) == ["p.001.fastq"]


@pytest.mark.parametrize("args", [
    ["decompress", "ARCH", "-o", "DIR"], ["fasta", "ARCH", "-o", "DIR"],
    ["extract", "ARCH", "--records", "0:5", "-o", "DIR"], ["grep", "ARCH", "A", "-o", "DIR"],
    ["filter", "ARCH", "-o", "DIR"], ["stats", "ARCH", "--hdf5", "DIR"],
    ["compress", "FQ", "-o", "DIR"]])
def test_directory_output_refused_before_work(work, tmp_path, args):
    out = tmp_path / "dir"
    out.mkdir()
    subs = {"ARCH": work / "se.ngsc", "DIR": out, "FQ": work / "r1.fq"}
    r = run(*[subs.get(a, a) for a in args])
    assert r.returncode == 2
    assert r.stderr.decode() == f"phyngsc: error: {out}: is a directory (give a file name)\n"
    assert leftovers(out) == [] and [p.name for p in tmp_path.iterdir()] == ["dir"]


def test_api_refuses_the_same_checks(work, tmp_path):
    import phyngsc
    arch = tmp_path / "se.ngsc"
    shutil.copy(work / "se.ngsc", arch)
    before = digest(arch)
    with pytest.raises(phyngsc.UsageError, match="same file as the input"):
        phyngsc.decompress(str(arch), str(arch))
    with pytest.raises(phyngsc.UsageError, match="is a directory"):
        phyngsc.decompress(str(arch), str(tmp_path))
    with pytest.raises(phyngsc.UsageError, match="level 0 is not one of 1, 5, 9"):
        phyngsc.compress(str(work / "r1.fq"), str(tmp_path / "x.ngsc"), level=0)
    with pytest.raises(phyngsc.UsageError, match="window must be at least"):
        phyngsc.compress(str(work / "r1.fq"), str(tmp_path / "x.ngsc"), window=0)
    with pytest.raises(phyngsc.UsageError, match="--parts must be at least 1"):
        phyngsc.split(str(arch), str(tmp_path / "p"), 0)
    with phyngsc.open(str(arch)) as a:
        with pytest.raises(phyngsc.UsageError, match="outside"):
            list(a.records(5, 10 ** 9))
        with pytest.raises(phyngsc.UsageError, match="not an IUPAC"):
            a.grep("XYZ")
        with pytest.raises(phyngsc.UsageError, match="sub-block 99999 is outside"):
            a.subblock_header(99999)
        with pytest.raises(phyngsc.UsageError, match="sub-block -1 is outside"):
            a.subblock_bytes(-1)
        with pytest.raises(phyngsc.UsageError, match="block 99999 is outside"):
            a.block_header(99999)
    assert digest(arch) == before and sorted(p.name for p in tmp_path.iterdir()) == ["se.ngsc"]


# -- devices and FIFOs -----------------------------------------------------------------
def device_cases(w):
    return {
        "decompress": ["decompress", w / "se.ngsc", "-o", "OUT"],
        "decompress-paired": ["decompress", w / "pe.ngsc", "-o", "OUT", "-p", "OUT2"],
        "decompress-bgzf": ["decompress", w / "se.ngsc", "--bgzf", "-o", "OUT"],
        "interleaved": ["decompress", w / "pe.ngsc", "--interleaved", "-o", "OUT"],
        "fasta": ["fasta", w / "se.ngsc", "-o", "OUT"],
        "filter": ["filter", w / "se.ngsc", "-o", "OUT", "--min-length", "50"],
        "grep": ["grep", w / "se.ngsc", "GATC", "-o", "OUT"],
        "grep-first": ["grep", w / "se.ngsc", "GATC", "--first", "-o", "OUT"],
        "extract": ["extract", w / "se.ngsc", "--records", "10:500", "-o", "OUT"],
        "compress": ["compress", w / "r1.fq", "-o", "OUT", "--level", "1"],
        "stats-hdf5": ["stats", w / "se.ngsc", "--hdf5", "OUT"],
    }


def expected_output(w, tmp_path, name):
    """What the command writes to a regular file."""
    args = [str(a) for a in device_cases(w)[name]]
    out = tmp_path / f"expect-{name}"
    argv = [str(out) if a == "OUT" else str(out) + ".2" if a == "OUT2" else a for a in args]
    assert run(*argv, "-q").returncode == 0
    data = [out.read_bytes()]
    if "OUT2" in args:
        data.append((tmp_path / f"expect-{name}.2").read_bytes())
    return data


@needs_mpiexec
@pytest.mark.parametrize("ranks", [1, 2])
@pytest.mark.parametrize("name", list(device_cases(Path("w"))))
def test_character_device_output(work, tmp_path, name, ranks):
    if os.geteuid() != 0:
        pytest.skip("mknod needs root")
    dev = tmp_path / "null"
    try:
        os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError as exc:
        pytest.skip(f"cannot create a device node here: {exc}")
    args = [dev if a == "OUT" else tmp_path / "r2.out" if a == "OUT2" else a
            for a in device_cases(work)[name]]
    r = run(*args, "-t", "1", "-q", mpi=ranks, timeout=120)
    if r.returncode == 2:   # refused cleanly: one line, nothing written, nothing left
        assert ranks > 1 and len(r.stderr.splitlines()) == 1 and b"not a regular file" in r.stderr
    else:
        assert r.returncode in (0, 1) and (r.returncode == 0 or name.startswith("grep")), r.stderr
    assert stat.S_ISCHR(os.stat(dev).st_mode) and os.major(os.stat(dev).st_rdev) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


@needs_mpiexec
@pytest.mark.parametrize("ranks", [1, 2])
@pytest.mark.parametrize("name", list(device_cases(Path("w"))))
def test_fifo_output_read_by_another_process(work, tmp_path, name, ranks):
    want = expected_output(work, tmp_path, name)
    fifos = [tmp_path / "fifo1", tmp_path / "fifo2"]
    for f in fifos:
        os.mkfifo(f)
    got = [b"", b""]

    def reader(k):
        with open(fifos[k], "rb") as f:
            got[k] = f.read()

    n = len(want)
    threads = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(n)]
    for t in threads:
        t.start()
    args = [fifos[0] if a == "OUT" else fifos[1] if a == "OUT2" else a
            for a in device_cases(work)[name]]
    r = run(*args, "-t", "1", "-q", mpi=ranks, timeout=120)
    if r.returncode == 2:
        assert ranks > 1 and b"not a regular file" in r.stderr
        for f in fifos[:n]:        # release the readers
            with open(f, "wb"):
                pass
    else:
        assert r.returncode == 0, r.stderr
    for t in threads:
        t.join(30)
        assert not t.is_alive()
    if r.returncode == 0:
        if name == "stats-hdf5":
            assert got[0][:8] == b"\x89HDF\r\n\x1a\n" and len(got[0]) == len(want[0])
        elif name == "compress":
            back = tmp_path / "back.fq"
            (tmp_path / "got.ngsc").write_bytes(got[0])
            assert run("decompress", tmp_path / "got.ngsc", "-o", back).returncode == 0
            assert back.read_bytes() == (work / "r1.fq").read_bytes()
        elif name == "decompress-bgzf":   # blocks depend on batches: compare the text
            import gzip
            assert gzip.decompress(got[0]) == gzip.decompress(want[0])
        else:
            assert got[:n] == want
    assert all(stat.S_ISFIFO(os.stat(f).st_mode) for f in fifos)


def test_dev_full_and_standard_output(work, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    r = run("decompress", work / "se.ngsc", "-o", "/dev/full")
    assert r.returncode == 1
    assert r.stderr.decode() == "phyngsc: error: /dev/full: cannot write: No space left on device\n"
    r = run("decompress", work / "se.ngsc", "-o", "/dev/stdout")
    assert r.returncode == 0 and r.stdout == (work / "r1.fq").read_bytes()


# -- signals ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def big(work):
    """30 MB of FASTQ (long enough to be interrupted) and its archive."""
    src = work / "big.fq"
    src.write_bytes((work / "r1.fq").read_bytes() * 15)
    assert run("compress", src, "-o", work / "big.ngsc", "--window", "1M", "-q").returncode == 0
    return src


def _descends_from(p: int, parent: int) -> bool:
    """Whether process ``p`` is a descendant of ``parent`` (not another job's rank: two
    test runs on one machine must not kill each other's ranks)."""
    for _ in range(16):
        try:
            stat_line = open(f"/proc/{p}/stat").read()
        except OSError:
            return False
        p = int(stat_line.rsplit(")", 1)[1].split()[1])
        if p == parent:
            return True
        if p <= 1:
            return False
    return False


def _rank_pids(parent: int) -> list[int]:
    pids = []
    for p in (int(n) for n in os.listdir("/proc") if n.isdigit()):
        try:
            cmd = open(f"/proc/{p}/cmdline", "rb").read()
        except OSError:
            continue
        if b"_watchdog" not in cmd and b"mpiexec" not in cmd and p != parent and \
                b"-m\x00phyngsc" in cmd and _descends_from(p, parent):
            pids.append(p)
    return pids


def _start(args, out_dir):
    cmd = [MPIEXEC, "-n", "3", sys.executable, "-m", "phyngsc", *map(str, args), "-t", "1", "-q"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "SLURM_", "PMIX_"))}
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    end = time.monotonic() + 60
    while not any(n.startswith(".") for n in leftovers(out_dir)):   # writing has begun
        assert time.monotonic() < end and p.poll() is None, "the job never started writing"
        time.sleep(0.05)
    return p


@needs_mpiexec
@pytest.mark.parametrize("how", ["sigterm-mpiexec", "sigkill-rank", "sigterm-rank"])
@pytest.mark.parametrize("command", ["compress", "decompress"])
def test_killed_job_leaves_no_temporary_file(work, big, tmp_path, how, command):
    out = tmp_path / "out"
    out.mkdir()
    args = (["compress", big, "-o", out / "a.ngsc", "--window", "1M"] if command == "compress"
            else ["decompress", work / "big.ngsc", "-o", out / "a.fq"])
    p = _start(args, out)
    if how == "sigterm-mpiexec":
        p.send_signal(signal.SIGTERM)
    else:
        victims = _rank_pids(p.pid)
        assert victims
        os.kill(victims[-1], signal.SIGKILL if how == "sigkill-rank" else signal.SIGTERM)
    p.wait(timeout=60)
    assert p.returncode != 0
    assert wait_empty(out) == []


def test_leftover_of_a_killed_run_is_removed_by_the_next(work, tmp_path):
    from phyngsc.destinations import temp_name
    out = tmp_path / "o.fq"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = temp_name(str(out)).replace(f"-{os.getpid()}-", f"-{dead.pid}-")
    open(stale, "wb").write(b"x" * 1000)
    live = temp_name(str(out))            # this process is alive: not stale
    open(live, "wb").write(b"y")
    unrelated = tmp_path / ".o.fq.keep"
    unrelated.write_bytes(b"z")
    assert run("decompress", work / "se.ngsc", "-o", out).returncode == 0
    assert not os.path.exists(stale) and os.path.exists(live) and unrelated.exists()
    assert out.read_bytes() == (work / "r1.fq").read_bytes()


# -- help and small conventions ----------------------------------------------------------
def test_every_option_has_help_and_the_defaults_are_true():
    import argparse

    from phyngsc.cli import build_parser
    from phyngsc.codecs.registry import LEVELS
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sp in subs.choices.items():
        for action in sp._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"
    c = subs.choices["compress"]
    level = next(a for a in c._actions if a.dest == "level")
    assert tuple(level.choices) == tuple(sorted(LEVELS))
    assert "default 8 MiB" in c.format_help()


def test_option_values_are_checked(work, tmp_path):
    for args in (["compress", work / "r1.fq", "-o", tmp_path / "a", "--window", "0"],
                 ["compress", work / "r1.fq", "-o", tmp_path / "a", "--level", "3"],
                 ["grep", work / "se.ngsc", "A", "--max", "0"],
                 ["split", work / "se.ngsc", "--parts", "0", "--prefix", tmp_path / "p"],
                 ["decompress", work / "se.ngsc", "-o", tmp_path / "a", "--progress", "0"]):
        r = run(*args)
        assert r.returncode == 2, (args, r.stderr)
        assert b"Traceback" not in r.stderr and list(tmp_path.iterdir()) == []


def test_grep_exit_status_and_extract_conveniences(work, tmp_path):
    r = run("grep", work / "se.ngsc", "GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG")
    assert r.returncode == 1 and r.stdout == b"" and r.stderr == b""
    assert run("grep", work / "se.ngsc", "GATC", "--max", "1").returncode == 0
    names = tmp_path / "ids.txt"
    names.write_bytes(b"ERR127302.8493430\nnot-a-read\nalso-missing\n")
    r = run("extract", work / "se.ngsc", "--names", names, "-o", "-")
    assert r.returncode == 0 and r.stdout.startswith(b"@ERR127302.8493430 ")
    assert r.stderr.decode() == ("phyngsc: extract: 2 of 3 names not found (also-missing, "
                                 "not-a-read)\n")
    lines = (work / "r1.fq").read_bytes().splitlines(keepends=True)
    r = run("extract", work / "se.ngsc", "--records", "9990:", "-o", "-")
    assert r.returncode == 0 and r.stdout == b"".join(lines[4 * 9990:])
    r = run("extract", work / "se.ngsc", "--records", ":2", "-o", "-")
    assert r.returncode == 0 and r.stdout == b"".join(lines[:8])


def test_progress_lines_when_stderr_is_not_a_terminal(work, tmp_path):
    r = run("decompress", work / "se.ngsc", "-o", tmp_path / "o.fq", "--progress", "0.001",
            "-t", "1")
    lines = r.stderr.decode().splitlines()
    assert r.returncode == 0 and lines and all(ln.startswith("phyngsc: ") for ln in lines)
    done = [ln for ln in lines if "decompress" in ln]
    assert done[-1].startswith("phyngsc: decompress 100.0% (2,038,280 of 2,038,280 bytes)")
    assert done[-1].endswith("(done)")
    r = run("compress", work / "r1.fq", "-o", tmp_path / "a.ngsc", "-t", "1",
            env={"PHYNGSC_PROGRESS": "0.001"})
    assert r.returncode == 0 and b"phyngsc: compress 100.0%" in r.stderr
    r = run("compress", work / "r1.fq", "-o", tmp_path / "b.ngsc", "-t", "1")
    assert b"%" not in r.stderr    # no terminal, no interval: no progress


COLD = """
import sys
sys.path.insert(0, {here!r})
from phyngsc.core import jit
jit.on_cold_compile = lambda: print("COLD")
import probe
print(probe.twice(21))
"""


def test_first_compile_is_announced_once(tmp_path):
    (tmp_path / "probe.py").write_text(
        "from phyngsc.core.jit import kernel\n\n@kernel\ndef twice(x):\n    return 2 * x\n")
    script = tmp_path / "run.py"
    script.write_text(COLD.format(here=str(tmp_path)))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    first = subprocess.run([sys.executable, str(script)], capture_output=True, env=env, timeout=120)
    second = subprocess.run([sys.executable, str(script)], capture_output=True, env=env, timeout=120)
    assert first.stdout.split() == [b"COLD", b"42"], first.stderr
    assert second.stdout.split() == [b"42"], second.stderr


def test_cli_prints_the_compile_note_on_a_cold_cache(work, tmp_path):
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    r = run("stats", work / "se.ngsc", env=env, timeout=600)
    assert r.returncode == 0
    assert r.stderr.decode().startswith("phyngsc: compiling kernels for their first use")
    assert len(r.stderr.splitlines()) == 1
    r = run("stats", work / "se.ngsc", env=env)
    assert r.returncode == 0 and r.stderr == b""



@needs_mpiexec
@pytest.mark.parametrize("ranks", [1, 2])
def test_split_into_fifos(work, tmp_path, ranks):
    parts = [tmp_path / f"p.00{k}.fastq" for k in range(2)]
    got = [b"", b""]
    for p in parts:
        os.mkfifo(p)

    def reader(k):
        with open(parts[k], "rb") as f:
            got[k] = f.read()

    threads = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(2)]
    for t in threads:
        t.start()
    r = run("split", work / "se.ngsc", "--parts", "2", "--prefix", tmp_path / "p", "-t", "1",
            "-q", mpi=ranks, timeout=120)
    assert r.returncode == 0, r.stderr
    for t in threads:
        t.join(30)
    assert got[0] and got[0] + got[1] == (work / "r1.fq").read_bytes()
    assert all(stat.S_ISFIFO(os.stat(p).st_mode) for p in parts)
