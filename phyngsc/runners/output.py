"""Ordered parallel output: every rank produces its part, parts land in rank order.

Rank 0's part comes first whatever the sizes of the others, so rank 0 writes it in
place as it is produced: into the output file (created under a temporary name beside
the destination when the output opens) or into the stream (standard output, a device,
a FIFO). Every other rank spools its part (memory up to 64 MiB, then an anonymous
temporary file beside the output, gone with the process whatever ends it), so memory
stays bounded whatever the output size. At close the part sizes are exchanged; the
file gets its whole size reserved, each other rank writes its part at its offset with
MPI-IO, every rank agrees on the outcome, and the file is renamed into place (on an
agreed error it is removed). A stream gets the other parts from rank 0, which receives
them in rank order; what rank 0 wrote before an error stays written, as with any stream.

With one process nothing is spooled: the part goes straight to the output. (Spooling
it cost ``fasta`` of a 1 GiB archive 5-8 s of system time: a copy of its 600 MB of
text into a temporary file, read back at the end; docs/performance.md.)

Rank 0 writes its part in place on a writer thread of its own when that needs no MPI
(a plain file, or a stream): the caller decodes the next piece while the last one is
written, as ``decompress`` does. At most :data:`_IN_FLIGHT` pieces wait at once (each
kept alive until written; callers hand over pieces they no longer change), and a write
error is raised by the next :meth:`OrderedOutput.write`, by ``sync`` or by ``close``,
so the output is removed as after any other error.
"""

from __future__ import annotations

import os
import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

import numpy as np

from ..bgzf import EOF_BLOCK, compress_blocks, wants_bgzf
from ..destinations import Destination
from ..errors import OutputError
from .common import agree
from .mpiio import PlainWriteFile
from .targets import FileOutput, close_stream, open_stream, rename_all, write_stream

_SPOOL = 64 << 20
_CHUNK = 16 << 20
#: Rank 0 gathers pieces smaller than this before writing them in place.
_GATHER = 1 << 20
#: Rank 0: most pieces handed to the writer thread and not yet written.
_IN_FLIGHT = 2


class OrderedOutput:
    def __init__(self, comm: Any, dest: Destination, stdout: BinaryIO | None = None) -> None:
        """Collective: opens the output (a file under its temporary name, or rank 0's
        stream). ``dest`` from :func:`~phyngsc.runners.targets.check_outputs`;
        ``stdout`` replaces standard output for ``-`` (API callers pass a buffer)."""
        self.comm = comm
        self.dest = dest
        self.stdout = stdout
        self.file: FileOutput | None = None
        self.stream: BinaryIO | None = None
        self.spool: Any = None
        self._written = 0                       # rank 0: bytes of its part written
        self._pending: list[Any] = []           # rank 0: small pieces not written yet
        self._pending_size = 0
        self._writer: ThreadPoolExecutor | None = None
        self._in_flight: deque[Future] = deque()
        if dest.is_file:
            self.file = FileOutput(comm, dest)
        else:
            self.stream = open_stream(comm, dest, stdout)
        if comm.rank != 0:
            spool_dir = os.path.dirname(os.path.abspath(dest.path)) if dest.is_file else None
            self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL, dir=spool_dir)

    def write(self, data: bytes | np.ndarray) -> None:
        """Append to this rank's part (local): rank 0 writes it in place (pieces under
        :data:`_GATHER` bytes are gathered first), the others spool it. A write error, or a
        full spool disk, raises OutputError."""
        view = memoryview(data).cast("B") if isinstance(data, np.ndarray) else data
        if self.spool is not None:
            try:
                self.spool.write(view)
            except OSError as exc:
                raise OutputError.from_os(self.dest.name, exc) from None
        elif len(view) >= _GATHER and not self._pending:
            self._put(view)
        elif len(view):
            self._pending.append(bytes(view))
            self._pending_size += len(view)
            if self._pending_size >= _GATHER:
                self._flush()

    def _flush(self) -> None:
        """Rank 0: write the gathered pieces."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending, self._pending_size = [], 0
            self._put(data)

    def _put(self, view: Any) -> None:
        """Rank 0: write ``view`` at the end of its part: on the writer thread when the
        output needs no MPI (raising a failed earlier write's OutputError), else at once."""
        at = self._written
        self._written += len(view)
        if self.file is not None and not isinstance(self.file.fh, PlainWriteFile):
            self.file.fh.write_at(at, view)
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="phyngsc-output")
        self._in_flight.append(self._writer.submit(self._write_now, at, view))
        while len(self._in_flight) > _IN_FLIGHT:
            self._in_flight.popleft().result()

    def _write_now(self, at: int, view: Any) -> None:
        """Rank 0's writer thread: one piece, at offset ``at`` of a file or to the stream."""
        if self.file is not None:
            self.file.fh.write_at(at, view)
        else:
            write_stream(self.stream, self.dest, view)

    def sync(self) -> None:
        """Local: wait until every piece this rank handed over is written where it goes
        (rank 0's in place; gathered pieces under :data:`_GATHER` bytes stay gathered);
        raise the first failed write's OutputError."""
        self._drain()

    def _drain(self, raising: bool = True) -> None:
        """Rank 0: wait for every piece on the writer thread and stop it; raise the first
        failed write's error (an OutputError; with ``raising``) once all are done."""
        failed = None
        while self._in_flight:
            try:
                self._in_flight.popleft().result()
            except Exception as exc:  # noqa: BLE001 - the first is raised once all are done
                failed = failed or exc
        if self._writer is not None:
            self._writer.shutdown()
            self._writer = None
        if failed is not None and raising:
            raise failed

    def _chunks(self):
        self.spool.seek(0)
        while True:
            chunk = self.spool.read(_CHUNK)
            if not chunk:
                return
            yield chunk

    def close(self, rename: bool = True) -> int:
        """Collective: write every part in rank order; return the total size.

        ``rename=False`` leaves a file output under its temporary name until
        :meth:`commit` (or :meth:`abandon`), so that a command writing several
        files can publish all of them or none. Any rank's write error is raised on
        every rank, and the output is removed."""
        comm = self.comm
        error = None
        try:
            try:
                self._flush()
            finally:
                self._drain()
        except OutputError as exc:      # agreed on (and the file removed) below
            error = exc
        sizes = comm.allgather(self.spool.tell() if self.spool is not None else self._written)
        try:
            if self.file is not None:
                self._to_file(sizes, rename, error)
            else:
                self._to_stream(error)
        finally:
            if self.spool is not None:
                self.spool.close()
        comm.barrier()
        return sum(sizes)

    def _to_file(self, sizes: list[int], rename: bool, error: BaseException | None) -> None:
        comm = self.comm
        try:
            self.file.fh.set_size(sum(sizes))
            if comm.size > 1:      # rank 0's part is written already
                self.file.fh.reserve(sum(sizes))
            if comm.rank:
                pos = sum(sizes[:comm.rank])
                for chunk in self._chunks():
                    self.file.fh.write_at(pos, chunk)
                    pos += len(chunk)
        except Exception as exc:  # noqa: BLE001 - agreed on in publish
            error = error or exc
        self.file.publish(error, rename=rename)

    def _to_stream(self, error: BaseException | None) -> None:
        comm = self.comm
        stream = self.stream
        if comm.rank == 0:
            def put(chunk: bytes) -> None:
                nonlocal error
                if error is None:
                    try:
                        write_stream(stream, self.dest, chunk)
                    except OutputError as exc:
                        error = exc
            for r in range(1, comm.size):       # drain every part even after an error
                while (chunk := comm.recv(r)) is not None:
                    put(chunk)
            if error is None:
                try:
                    close_stream(stream, self.dest)
                except OutputError as exc:
                    error = exc
        else:
            for chunk in self._chunks():
                comm.send(chunk, 0)
            comm.send(None, 0)
        agree(comm, error)

    def abandon(self) -> None:
        """Collective: remove an output closed with ``rename=False``."""
        if self.file is not None:
            self.file.discard()

    def discard(self) -> None:
        """Collective: drop the output (after an agreed error); a stream keeps what rank 0
        wrote to it."""
        if self.spool is not None:
            self.spool.close()
        self._pending = []
        self._drain(raising=False)
        if self.file is not None:
            self.file.discard()
        elif self.stream is not None:
            try:
                close_stream(self.stream, self.dest)
            except OutputError:
                pass
        self.comm.barrier()


class OutputGroup:
    """Ordered outputs written and published together (collective): all renamed into
    place, or none left. BGZF outputs (``bgzf``, or a ``.gz``/``.bgz`` name) get BGZF
    blocks made by each rank independently, and the last rank adds the EOF block."""

    def __init__(self, comm: Any, dests: list[Destination], *, bgzf: bool = False,
                 stdout: BinaryIO | None = None) -> None:
        self.comm = comm
        self.outs = [OrderedOutput(comm, d, stdout) for d in dests]
        self.bgzf = [bgzf or wants_bgzf(d.name) for d in dests]

    def put(self, k: int, data: np.ndarray) -> None:
        """Append ``data`` to this rank's part of output ``k`` (local)."""
        if len(data):
            self.outs[k].write(compress_blocks(data) if self.bgzf[k] else data)

    def close(self, rename: bool = True) -> list[int]:
        """Collective: finish every output; sizes in bytes. Outputs are renamed into
        place together, only when all were written (or left for :meth:`commit` with
        ``rename=False``); on any error none is left."""
        error = None
        if self.comm.rank == self.comm.size - 1:
            try:
                for k, out in enumerate(self.outs):
                    if self.bgzf[k]:
                        out.write(EOF_BLOCK)
            except Exception as exc:  # noqa: BLE001 - agreed on below
                error = exc
        try:
            agree(self.comm, error)
            sizes = [out.close(rename=False) for out in self.outs]
        except BaseException:
            self.abandon()
            raise
        if rename:
            self.commit()
        return sizes

    def commit(self) -> None:
        """Collective: rename outputs closed with ``rename=False`` into place."""
        commit_all(self.comm, self.outs)

    def abandon(self) -> None:
        """Collective: remove outputs closed with ``rename=False``."""
        for out in self.outs:
            out.abandon()

    def discard(self) -> None:
        """Collective: drop the outputs after an agreed error."""
        for out in self.outs:
            out.discard()


def commit_all(comm: Any, outputs: list[OrderedOutput]) -> None:
    """Collective: rename every output closed with ``rename=False`` into place, together."""
    rename_all(comm, [(o.file.tmp, o.dest) for o in outputs if o.file is not None])
