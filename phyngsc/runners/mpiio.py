"""Files behind the communicator: plain POSIX files for one process, MPI-IO files under
MPI, with the same methods. Every write completes in full or raises
:class:`~phyngsc.errors.OutputError` naming the user's output and the operating system's
reason; MPI's error stacks never reach the user."""

from __future__ import annotations

import errno
import os
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from ..destinations import preallocate
from ..errors import OutputError


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
    user's output, not the temporary file) and the operating system's reason.
    :meth:`iwrite_at` is non-blocking, as MPI's is, once :meth:`reserve` has reserved the
    space: one writer thread (``os.pwrite`` releases the GIL) writes while the caller
    decodes the next batch."""

    def __init__(self, path: str, name: str | None = None) -> None:
        self.name = name or path
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as exc:
            raise OutputError.from_os(self.name, exc) from None
        self._shared = 0
        self.reserved = False
        self._writer: ThreadPoolExecutor | None = None

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

    def iwrite_at(self, offset: int, data: np.ndarray) -> Future | None:
        """Write ``data`` at ``offset``: in the writer thread when the space is reserved
        (a full disk cannot then fail it midway), the returned request for
        :meth:`wait_all`, and ``data`` must stay alive and unchanged until then; at once
        otherwise (None)."""
        if not self.reserved:
            self.write_at(offset, data)
            return None
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="phyngsc-write")
        return self._writer.submit(self.write_at, offset, data)

    def wait_all(self, requests: list[Any]) -> None:
        """Wait for the requests of :meth:`iwrite_at` (of any plain file); raise the first
        failed write's :class:`OutputError` once all are done."""
        failed = None
        for r in requests:
            if r is None:
                continue
            try:
                r.result()
            except OutputError as exc:
                failed = failed or exc
        if failed is not None:
            raise failed

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
        """Close after every write has finished (waited or not)."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None
        try:
            os.close(self._fd)
        except OSError as exc:   # NFS reports delayed write errors here
            raise OutputError.from_os(self.name, exc) from None


def mpi_info(MPI: Any, hints: dict[str, str]) -> Any:
    info = MPI.Info.Create()
    for k, v in hints.items():
        info.Set(k, str(v))
    return info


#: Largest single MPI-IO transfer (counts are C ints).
MAX_IO = 1 << 30


class MPIReadFile:
    def __init__(self, comm: Any, path: str) -> None:
        MPI = comm.mpi
        self._fh = MPI.File.Open(comm.comm, path, MPI.MODE_RDONLY)
        self.size = self._fh.Get_size()

    def read_at(self, offset: int, n: int) -> np.ndarray:
        n = max(0, min(n, self.size - offset))
        buf = np.empty(n, np.uint8)
        for a in range(0, n, MAX_IO):
            self._fh.Read_at(offset + a, buf[a:a + MAX_IO])
        return buf

    def close(self) -> None:
        self._fh.Close()


#: MPI error classes and the reason a user should read for each.
MPI_REASONS = {"ERR_NO_SPACE": errno.ENOSPC, "ERR_QUOTA": errno.EDQUOT,
                "ERR_READ_ONLY": errno.EROFS, "ERR_ACCESS": errno.EACCES,
                "ERR_NO_SUCH_FILE": errno.ENOENT, "ERR_FILE_EXISTS": errno.EEXIST}


def mpi_output_error(MPI: Any, name: str, exc: Any) -> OutputError:
    """An :class:`OutputError` from an ``MPI.Exception`` raised by MPI-IO: the operating
    system's reason found in the error class or in MPI's error stack, without the stack."""
    try:
        cls = exc.Get_error_class()
    except Exception:  # noqa: BLE001 - not an MPI exception after all
        return OutputError.from_os(name, exc)
    for attr, code in MPI_REASONS.items():
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

    def __init__(self, comm: Any, path: str, hints: dict[str, str],
                 name: str | None = None) -> None:
        MPI = comm.mpi
        self._MPI = MPI
        self._comm = comm
        self._path = path
        self.name = name or path
        self.reserved = False
        info = mpi_info(MPI, hints)
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
        if len(buf) > MAX_IO:
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
        for a in range(0, len(buf), MAX_IO):
            piece = buf[a:a + MAX_IO]
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
            return [(self._fh.Iwrite_at(offset + a, data[a:a + MAX_IO]),
                     len(data[a:a + MAX_IO]), offset + a)
                    for a in range(0, len(data), MAX_IO)]
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
