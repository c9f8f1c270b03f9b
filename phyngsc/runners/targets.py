"""Collective handling of a command's outputs: checks before work, files written under
temporary names and published together, streams written in place by rank 0.

The rule every runner follows: write errors are *local* (any rank, any write) and are
caught, then agreed on by every rank (:func:`phyngsc.runners.common.agree`); only
then is an output renamed into place or removed. So a full disk on one rank makes
every rank exit with the same one-line :class:`~phyngsc.errors.OutputError`, and no
temporary file is left behind.
"""

from __future__ import annotations

import os
import sys
from typing import Any, BinaryIO

from ..destinations import Destination, plan_outputs, temp_name
from ..errors import OutputError, PhyngscError, UsageError
from .common import agree
from .tempfiles import (finish_output, forget_output, register_output, remove_outputs,
                        sweep_stale)


def check_outputs(comm: Any, inputs: list[str], outputs: list[str | None]) -> list[Destination]:
    """Collective: rank 0 checks ``outputs`` against ``inputs`` and each other
    (:func:`phyngsc.destinations.plan_outputs`) and removes leftovers of killed runs
    that wrote the same outputs; every rank gets the destinations or raises the same
    :class:`UsageError`, before any work. ``None`` stands for standard output."""
    result: Any = None
    if comm.rank == 0:
        try:
            result = plan_outputs(list(inputs), ["-" if o is None else o for o in outputs])
            for d in result:
                if d.is_file:
                    sweep_stale(d.path)
        except PhyngscError as exc:
            result = exc
    result = comm.bcast(result, root=0)
    if isinstance(result, BaseException):
        raise result
    return result


def require_files(dests: list[Destination], why: str) -> None:
    """Refuse stream destinations where a command needs a regular file (``why`` says why)."""
    for d in dests:
        if not d.is_file:
            raise UsageError(f"{d.name}: not a regular file; {why}")


class FileOutput:
    """A regular-file destination written by every rank through MPI-IO (collective).

    The file is created under a temporary name beside the destination; with ``size``
    it is sized and its disk space reserved at once, so a full disk fails before any
    work. :meth:`publish` renames it into place or removes it, on an agreed outcome.
    """

    def __init__(self, comm: Any, dest: Destination, hints: dict[str, str] | None = None,
                 size: int | None = None) -> None:
        self.comm = comm
        self.dest = dest
        self.tmp = comm.bcast(temp_name(dest.path) if comm.rank == 0 else None, root=0)
        register_output(self.tmp)
        self.fh: Any = None
        try:
            self.fh = comm.open_write(self.tmp, hints or {}, name=dest.name)
            if size is not None:
                self.fh.set_size(size)
                self.fh.reserve(size)
        except BaseException:
            if self.fh is not None:
                self.fh.close()
            finish_output(self.tmp, None, comm.rank)
            raise

    def publish(self, error: BaseException | None = None, key: int = 0,
                rename: bool = True) -> None:
        """Collective: :func:`publish_all` of this output alone."""
        publish_all(self.comm, [self], error, key, rename)

    def discard(self) -> None:
        """Collective: close (if open) and remove, after an agreed error."""
        if self.fh is not None:
            try:
                self.fh.close()
            except OutputError:
                pass
            self.fh = None
        finish_output(self.tmp, None, self.comm.rank)
        self.comm.barrier()


def publish_all(comm: Any, outs: list[FileOutput], error: BaseException | None = None,
                key: int = 0, rename: bool = True) -> None:
    """Collective: close every output; if no rank had an error (``error``: this
    rank's, ``key`` its position for :func:`agree`), rename them all into place
    (``rename=False``: leave that to a later :func:`rename_all`); else remove them
    all and raise the agreed error on every rank."""
    for o in outs:
        try:
            if o.fh is not None:
                o.fh.close()
        except OutputError as exc:
            error = error or exc
        o.fh = None
    try:
        agree(comm, error, key)
    except BaseException:
        for o in outs:
            finish_output(o.tmp, None, comm.rank)
        comm.barrier()
        raise
    if rename:
        rename_all(comm, [(o.tmp, o.dest) for o in outs])


def rename_all(comm: Any, pairs: list[tuple[str, Destination]]) -> None:
    """Collective: rank 0 renames each temporary file into place (all or none: on a
    failure the renamed ones cannot be un-renamed, but the rest are removed and the
    error is reported on every rank)."""
    failure: Any = None
    if comm.rank == 0:
        for tmp, dest in pairs:
            if failure is None:
                try:
                    os.replace(tmp, dest.path)
                except OSError as exc:
                    failure = OutputError.from_os(dest.name, exc)
            if failure is not None:
                remove_outputs(tmp)
    for tmp, _d in pairs:
        forget_output(tmp)
    failure = comm.bcast(failure, root=0)
    if failure is not None:
        raise failure


def open_stream(comm: Any, dest: Destination, stdout: BinaryIO | None = None) -> BinaryIO | None:
    """Collective: rank 0 opens a stream destination for writing in place (standard
    output, a device, a FIFO: waits for its reader); other ranks get ``None``."""
    stream: Any = None
    error = None
    if comm.rank == 0:
        try:
            if dest.name == "-":
                stream = stdout or sys.stdout.buffer
            else:
                stream = open(dest.path, "wb", buffering=0)  # noqa: SIM115 - closed by caller
        except OSError as exc:
            error = OutputError.from_os(dest.name, exc)
    agree(comm, error)
    return stream


def write_stream(stream: BinaryIO, dest: Destination, data: Any) -> None:
    """Write all of ``data`` to a stream destination (rank 0) or raise OutputError."""
    view = memoryview(data).cast("B")
    try:
        done = 0
        while done < len(view):
            n = stream.write(view[done:])
            if n is None:     # buffered streams write everything or raise
                break
            if n <= 0:
                raise OutputError(dest.name, f"short write ({done} of {len(view)} bytes)")
            done += n
    except OSError as exc:
        raise OutputError.from_os(dest.name, exc) from None


def close_stream(stream: BinaryIO | None, dest: Destination) -> None:
    """Flush (standard output) or close (anything rank 0 opened); errors as OutputError."""
    if stream is None:
        return
    try:
        if dest.name == "-":
            stream.flush()
        else:
            stream.close()
    except OSError as exc:
        raise OutputError.from_os(dest.name, exc) from None


def staged(comm: Any, dest: Destination, produce: Any, what: str) -> Any:
    """Run ``produce(path)`` to write a file that needs random access (an archive, an
    HDF5 file) into a private temporary directory, then copy it into the stream
    destination ``dest`` on rank 0. Only rank 0 may write it (``produce`` runs on every
    rank: collective). Returns what ``produce`` returns."""
    import shutil
    import tempfile
    work = comm.bcast(tempfile.mkdtemp(prefix="phyngsc-") if comm.rank == 0 else None, root=0)
    inner = os.path.join(work, what)
    register_output(inner)
    try:
        value = produce(inner)
        stream = open_stream(comm, dest)
        error = None
        if comm.rank == 0:
            try:
                with open(inner, "rb") as f:
                    while chunk := f.read(1 << 22):
                        write_stream(stream, dest, chunk)
                close_stream(stream, dest)
            except OutputError as exc:
                error = exc
        agree(comm, error)
        return value
    finally:
        if comm.rank == 0:
            shutil.rmtree(work, ignore_errors=True)
        forget_output(inner)


def write_file(comm: Any, dest: Destination, produce: Any) -> Any:
    """Run ``produce(tmp)`` (collective; it writes the temporary file ``tmp``, e.g. rank 0
    with h5py), then rename ``tmp`` to ``dest``; on any error remove it and re-raise."""
    tmp = comm.bcast(temp_name(dest.path) if comm.rank == 0 else None, root=0)
    register_output(tmp)
    try:
        value = produce(tmp)
    except BaseException:
        finish_output(tmp, None, comm.rank)
        raise
    rename_all(comm, [(tmp, dest)])
    return value
