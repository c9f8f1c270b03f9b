"""``compress --index`` and ``phyngsc index`` as a user runs them: what they print, what
they refuse, and what they leave behind when the index cannot be written."""

import pytest

from .test_cli import run

SEEDED = ("--level", "5", "--window", "4k", "--seed", "16k")


@pytest.fixture
def deep(tmp_path):
    """A small deep input: 700 reads of 60 bases from one 2 kbp sequence (about 95 KB)."""
    import numpy as np
    rng = np.random.default_rng(9)
    genome = rng.choice(list(b"ACGT"), 2000).astype(np.uint8).tobytes()
    out = []
    for i in range(700):
        at = int(rng.integers(0, 2000 - 60))
        out.append(b"@r%d\n%s\n+\n%s\n" % (i, genome[at:at + 60], b"I" * 60))
    p = tmp_path / "deep.fastq"
    p.write_bytes(b"".join(out))
    return p


def test_compress_index_then_extract(deep, tmp_path):
    arch = tmp_path / "a.ngsc"
    r = run("compress", deep, "-o", arch, "--index", *SEEDED)
    assert r.returncode == 0, r.stderr
    assert f"seed index: {arch}.ngsi\n" in r.stderr.decode()
    assert (tmp_path / "a.ngsc.ngsi").stat().st_size > 4 ** 13
    out = tmp_path / "x.fq"
    r = run("extract", arch, "--records", "600:610", "-o", out)
    assert r.returncode == 0 and b"warning" not in r.stderr
    assert out.read_bytes() == b"".join(deep.read_bytes().splitlines(True)[2400:2440])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ngsc", "a.ngsc.ngsi", "deep.fastq",
                                                          "x.fq"]


def test_index_command(deep, tmp_path):
    arch = tmp_path / "a.ngsc"
    assert run("compress", deep, "-o", arch, *SEEDED).returncode == 0
    r = run("index", arch)
    assert r.returncode == 0 and r.stderr.decode() == \
        f"{arch}: seed index written to {arch}.ngsi\n"
    plain = tmp_path / "p.ngsc"
    assert run("compress", deep, "-o", plain, "--level", "1").returncode == 0
    r = run("index", plain)
    assert r.returncode == 0 and b"no seed model" in r.stderr
    assert not (tmp_path / "p.ngsc.ngsi").exists()


def test_stale_index_warns_once_and_reads_stay_right(deep, tmp_path):
    arch = tmp_path / "a.ngsc"
    assert run("compress", deep, "-o", arch, "--index", *SEEDED).returncode == 0
    assert run("compress", deep, "-o", arch, "--level", "5", "--window", "4k",
               "--seed", "12k").returncode == 0            # rewritten without --index
    out = tmp_path / "x.fq"
    r = run("extract", arch, "--records", "690:700", "-o", out)
    assert r.returncode == 0
    err = r.stderr.decode()
    assert err.count("\n") == 1 and "warning: ignoring seed index" in err and \
        "made for another archive" in err
    assert out.read_bytes() == b"".join(deep.read_bytes().splitlines(True)[2760:2800])


def test_index_that_cannot_be_written_leaves_nothing(deep, tmp_path):
    (tmp_path / "a.ngsc.ngsi").mkdir()             # something else where the index goes
    r = run("compress", deep, "-o", tmp_path / "a.ngsc", "--index", *SEEDED)
    assert r.returncode == 1 and b"Traceback" not in r.stderr
    assert r.stderr.decode().startswith(f"phyngsc: error: {tmp_path / 'a.ngsc'}.ngsi: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ngsc.ngsi", "deep.fastq"]
    arch = tmp_path / "b.ngsc"
    assert run("compress", deep, "-o", arch, *SEEDED).returncode == 0
    before = arch.read_bytes()
    (tmp_path / "b.ngsc.ngsi").mkdir()
    r = run("index", arch)
    assert r.returncode == 1 and r.stderr.count(b"\n") == 1 and b"Traceback" not in r.stderr
    assert arch.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ngsc.ngsi", "b.ngsc", "b.ngsc.ngsi",
                                                          "deep.fastq"]


def test_index_needs_a_file_archive(deep):
    r = run("compress", deep, "-o", "-", "--index", *SEEDED)
    assert r.returncode == 2 and b"--index" in r.stderr and r.stdout == b""


def _extract_noting_any_walk(*args):
    """``phyngsc extract ARGS`` in a subprocess whose note threshold is 0 s: every walk of
    the seed, however short, is reported (a tiny archive walks in milliseconds)."""
    import subprocess
    import sys
    code = ("import sys, phyngsc.commands as c; c.WALK_NOTE_SECONDS = 0.0; "
            "from phyngsc.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, "extract", *map(str, args)],
                          capture_output=True, timeout=300)


def test_extract_that_walks_the_seed_suggests_the_index(deep, tmp_path):
    arch = tmp_path / "a.ngsc"
    assert run("compress", deep, "-o", arch, *SEEDED).returncode == 0
    want = b"".join(deep.read_bytes().splitlines(True)[2400:2440])
    out = tmp_path / "x.fq"
    r = _extract_noting_any_walk(arch, "--records", "600:610", "-o", out)
    assert r.returncode == 0 and out.read_bytes() == want
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("phyngsc: extract: ")
    assert f"learning {arch}'s seed model; `python -m phyngsc index {arch}`" in err
    r = _extract_noting_any_walk(arch, "--records", "600:610", "-o", out, "--quiet")
    assert r.returncode == 0 and r.stderr == b""
    r = run("extract", arch, "--records", "600:610", "-o", out)   # 1 s threshold: quiet
    assert r.returncode == 0 and r.stderr == b""
    assert run("index", arch).returncode == 0      # the model from the index: no walk
    r = _extract_noting_any_walk(arch, "--records", "600:610", "-o", out)
    assert r.returncode == 0 and r.stderr == b"" and out.read_bytes() == want


def test_extract_without_a_walk_says_nothing_of_the_index(deep, tmp_path):
    out = tmp_path / "x.fq"
    arch = tmp_path / "a.ngsc"
    assert run("compress", deep, "-o", arch, *SEEDED).returncode == 0
    r = _extract_noting_any_walk(arch, "--records", "0:10", "-o", out)
    assert r.returncode == 0 and r.stderr == b""   # the chain's first link needs no walk
    assert out.read_bytes() == b"".join(deep.read_bytes().splitlines(True)[:40])
    plain = tmp_path / "p.ngsc"
    assert run("compress", deep, "-o", plain, "--level", "1").returncode == 0
    r = _extract_noting_any_walk(plain, "--records", "600:610", "-o", out)
    assert r.returncode == 0 and r.stderr == b""
    names = tmp_path / "names.txt"
    names.write_text("r650\n")
    r = _extract_noting_any_walk(plain, "--names", names, "-o", out)
    assert r.returncode == 0 and r.stderr.decode() == "phyngsc: extract: 0 of 1 names not found\n"
