"""Fixtures of the MPI tests: the world communicator and a directory every rank shares."""

import shutil
import tempfile
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def world():
    from mpi4py import MPI
    return MPI.COMM_WORLD


@pytest.fixture(scope="module")
def comm(world):
    """The world as phyngsc's runners take it (MPIComm)."""
    from phyngsc.runners.comm import get_comm
    return get_comm(world)


@pytest.fixture()
def shared_tmp(world):
    """A fresh directory, the same path on every rank, removed afterwards."""
    path = tempfile.mkdtemp(prefix="phyngsc-mpi-") if world.rank == 0 else None
    path = Path(world.bcast(path, root=0))
    yield path
    world.Barrier()
    if world.rank == 0:
        shutil.rmtree(path, ignore_errors=True)
