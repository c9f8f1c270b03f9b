"""Lustre striping and MPI-IO hints, with a fake ``lfs`` that records its arguments."""

import os
import subprocess
import sys
from pathlib import Path

from phyngsc.cluster import mpi_hints, stripe_directory

FAKE_LFS = """#!/bin/sh
echo "$@" >> "{log}"
case "$1" in
  getstripe) exit {getstripe} ;;
  setstripe) exit 0 ;;
esac
"""


def fake_lfs(tmp_path: Path, on_lustre: bool) -> tuple[Path, Path]:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "lfs.log"
    lfs = bindir / "lfs"
    lfs.write_text(FAKE_LFS.format(log=log, getstripe=0 if on_lustre else 1))
    lfs.chmod(0o755)
    return bindir, log


def test_hints():
    assert mpi_hints(8 << 20, -1) == {"striping_unit": "8388608"}
    assert mpi_hints(1 << 20, 16) == {"striping_unit": "1048576", "striping_factor": "16"}


def test_stripes_a_lustre_directory(tmp_path):
    bindir, log = fake_lfs(tmp_path, on_lustre=True)
    res = stripe_directory(str(tmp_path), 16, 8 << 20, lfs=str(bindir / "lfs"))
    assert res.applied and "setstripe" in res.message
    assert log.read_text().splitlines() == [f"getstripe -d {tmp_path}",
                                            f"setstripe -S 8388608 -c 16 {tmp_path}"]


def test_skips_when_not_on_lustre(tmp_path):
    bindir, log = fake_lfs(tmp_path, on_lustre=False)
    res = stripe_directory(str(tmp_path), -1, lfs=str(bindir / "lfs"))
    assert not res.applied and "not on Lustre" in res.message
    assert "setstripe" not in log.read_text()


def test_cli_with_fake_lfs_on_path(tmp_path):
    bindir, log = fake_lfs(tmp_path, on_lustre=True)
    env = dict(os.environ, PATH=f"{bindir}:{os.environ['PATH']}")
    r = subprocess.run([sys.executable, "-m", "phyngsc", "stripe", str(tmp_path), "--count", "4"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0
    assert r.stdout.strip() == "--mpi-hint striping_unit=8388608 --mpi-hint striping_factor=4"
    assert "striped" in r.stderr
    assert f"setstripe -S 8388608 -c 4 {tmp_path}" in log.read_text()


def test_cli_without_lfs(tmp_path):
    env = dict(os.environ, PATH="/usr/bin:/bin")
    r = subprocess.run([sys.executable, "-m", "phyngsc", "stripe", str(tmp_path)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0 and "no 'lfs' command" in r.stderr
    assert r.stdout.strip() == "--mpi-hint striping_unit=8388608"
