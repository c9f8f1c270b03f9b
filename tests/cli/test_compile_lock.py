"""Kernel start-up: on a cold cache ranks sharing it compile a kernel once, not once each;
a call leaving out a defaulted argument; the command line skipping Numba's BLAS probe."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ..conftest import DATA
from .test_cli import MPIEXEC

PROBE = """
from phyngsc.core.jit import kernel


@kernel
def total(a):
    s = 0
    for x in a:
        s += x
    return s
"""

RUN = """
import sys
import numpy as np
sys.path.insert(0, {here!r})
from mpi4py import MPI
import probe
r = probe.total(np.arange(10, dtype=np.int64))
st = probe.total.dispatcher().stats
row = (MPI.COMM_WORLD.rank, r, sum(st.cache_misses.values()), sum(st.cache_hits.values()))
rows = MPI.COMM_WORLD.gather(row, root=0)   # one process prints: lines cannot interleave
if rows:
    for row in rows:
        print(*row)
"""


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not found")
def test_one_rank_compiles_the_others_load(tmp_path):
    (tmp_path / "probe.py").write_text(PROBE)
    script = tmp_path / "run.py"
    script.write_text(RUN.format(here=str(tmp_path)))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PMI_", "SLURM_", "PMIX_"))}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "cache")

    def ranks():
        r = subprocess.run([MPIEXEC, "-n", "3", sys.executable, str(script)], env=env,
                           capture_output=True, timeout=300)
        assert r.returncode == 0, r.stderr
        rows = sorted(tuple(map(int, line.split())) for line in r.stdout.decode().splitlines())
        assert [row[:2] for row in rows] == [(0, 45), (1, 45), (2, 45)]
        return [row[2:] for row in rows]

    first = ranks()             # (misses, hits) per rank: one compiled, two loaded
    assert sorted(first) == [(0, 1), (0, 1), (1, 0)]
    assert ranks() == [(0, 1)] * 3   # warm: everyone loads


DEFAULTS = """
import sys
import numpy as np
sys.path.insert(0, {here!r})
from phyngsc.core.jit import kernel


@kernel
def scaled(a, by=3):
    s = 0
    for x in a:
        s += x * by
    return s


a = np.arange(10, dtype=np.int64)
print(scaled(a), scaled(a, 3), scaled(a, 2), len(scaled.dispatcher().signatures))
"""


def test_a_cold_kernel_called_without_its_default_compiles_one_specialisation(tmp_path):
    """On a cold cache the first call compiles for its argument types under the lock: a
    call leaving out a defaulted argument once failed there (7 types for 8 parameters)
    and now runs the specialisation a call giving it runs."""
    script = tmp_path / "defaults.py"
    script.write_text(DEFAULTS.format(here=str(tmp_path)))
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    for _ in range(2):     # cold, then warm
        r = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                           timeout=300)
        assert r.returncode == 0, r.stderr
        assert r.stdout.decode().split() == ["135", "135", "90", "1"]


STARTUP = """
import sys
from phyngsc.cli import main
status = main(["decompress", {archive!r}, "-o", {out!r}, "-q"])
hidden = "scipy.linalg" not in sys.modules
import numba.np.arraymath as am
print(status, hidden, am._HAVE_BLAS)
try:
    import scipy.linalg      # still importable afterwards
    print(scipy.linalg.__name__)
except ImportError:
    print("no scipy")
"""


def test_the_command_line_skips_numbas_blas_probe(tmp_path):
    """Numba's start-up imports scipy.linalg to probe for BLAS (0.12-0.17 s of a short
    command); the command-line tool's kernels need none, so its process skips the probe,
    and leaves scipy.linalg importable."""
    import phyngsc
    archive, out = tmp_path / "a.ngsc", tmp_path / "o.fq"
    phyngsc.compress(str(DATA / "err127302_1_200.fastq"), str(archive), threads=1)
    script = tmp_path / "startup.py"
    script.write_text(STARTUP.format(archive=str(archive), out=str(out)))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().split("\n")
    assert lines[0] == "0 True False" and lines[1] in ("scipy.linalg", "no scipy")
    assert out.read_bytes() == (DATA / "err127302_1_200.fastq").read_bytes()
