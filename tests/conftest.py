"""Shared fixtures; under MPI (pytest --with-mpi) a failing rank aborts every rank.

Only rank 0 reports: the other ranks' terminal output goes to /dev/null, and a
failure on any rank prints its report to stderr, then calls
``COMM_WORLD.Abort(1)`` so that ranks waiting in a collective never hang.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = ROOT.parent / "shared" / "data"


def _mpi_world():
    if "mpi4py.MPI" not in sys.modules:
        return None
    from mpi4py import MPI
    return MPI.COMM_WORLD if MPI.Is_initialized() else None


def pytest_configure(config):
    if config.getoption("--with-mpi", default=False):
        from mpi4py import MPI
        if MPI.COMM_WORLD.Get_rank() != 0:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the run
            config.option.verbose = -2
            reporter = config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter._tw._file = sys.stdout  # noqa: SLF001 - silence non-root ranks


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    world = _mpi_world()
    if report.failed and world is not None and world.Get_size() > 1:
        sys.stderr.write(f"\n[rank {world.Get_rank()}] {item.nodeid} failed:\n"
                         f"{report.longreprtext}\n")
        sys.stderr.flush()
        world.Abort(1)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is missing (the project expects ../shared beside it)")
    return SHARED


@pytest.fixture(scope="session")
def shared_fastq(shared_data, tmp_path_factory) -> dict[str, Path]:
    """The shared .fastq.gz files, decompressed once per session."""
    import gzip
    out = {}
    d = tmp_path_factory.mktemp("shared")
    for gz in sorted(shared_data.glob("*.fastq.gz")):
        p = d / gz.name[:-3]
        with gzip.open(gz, "rb") as f:
            p.write_bytes(f.read())
        out[p.stem] = p
    return out


def small_files() -> list[Path]:
    return sorted(DATA.glob("*.fastq")) + sorted((DATA / "edge").glob("*.fq"))


def count_seed_steps(monkeypatch) -> list[int]:
    """The seed sub-blocks this process walks from now on, in order (every
    ``SeedChain._step`` call, on any thread): shared by the unit and MPI tests of the
    walk shared per node."""
    from phyngsc.archive.seed_chain import SeedChain
    calls: list[int] = []
    step = SeedChain._step

    def counted(self, i, data=None):
        calls.append(i)
        return step(self, i, data)

    monkeypatch.setattr(SeedChain, "_step", counted)
    return calls
