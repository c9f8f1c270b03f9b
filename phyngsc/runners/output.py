"""Ordered parallel output: every rank produces its part, parts land in rank order.

Each rank spools its part (memory up to 64 MiB, then a temporary file beside
the output), so memory stays bounded whatever the output size. At close the
part sizes are exchanged, each rank writes its part at its offset with
MPI-IO (to standard output: rank 0 receives the parts in order), and the file
is renamed into place.
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any, BinaryIO

import numpy as np

from ..errors import UsageError
from .common import finish_output, register_output, temp_name

_SPOOL = 64 << 20
_CHUNK = 16 << 20


class OrderedOutput:
    def __init__(self, comm: Any, dst: str | None, stdout: BinaryIO | None = None) -> None:
        """Collective. ``dst`` None or ``"-"``: standard output (or ``stdout``)."""
        self.comm = comm
        self.dst = None if dst in (None, "-") else dst
        self.stdout = stdout
        self.tmp = None
        spool_dir = None
        if self.dst is not None:
            setup: Any = None
            if comm.rank == 0:
                d = os.path.dirname(os.path.abspath(self.dst))
                setup = temp_name(self.dst) if os.path.isdir(d) else \
                    UsageError(f"{self.dst}: output directory {d} does not exist")
            setup = comm.bcast(setup, root=0)
            if isinstance(setup, BaseException):
                raise setup
            self.tmp = setup
            register_output(self.tmp)
            spool_dir = os.path.dirname(self.tmp)
        self.spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL, dir=spool_dir)

    def write(self, data: bytes | np.ndarray) -> None:
        self.spool.write(memoryview(data).cast("B") if isinstance(data, np.ndarray) else data)

    def _chunks(self):
        self.spool.seek(0)
        while True:
            chunk = self.spool.read(_CHUNK)
            if not chunk:
                return
            yield chunk

    def close(self, rename: bool = True) -> int:
        """Collective: write every part in rank order; return the total size.

        ``rename=False`` leaves the output under its temporary name until
        :meth:`commit` (or :meth:`abandon`), so that a command writing several
        files can publish all of them or none."""
        comm = self.comm
        mine = self.spool.tell()
        sizes = comm.allgather(mine)
        total = sum(sizes)
        if self.dst is None:
            stream = self.stdout or sys.stdout.buffer
            if comm.rank == 0:
                for chunk in self._chunks():
                    stream.write(chunk)
                for r in range(1, comm.size):
                    while (chunk := comm.recv(r)) is not None:
                        stream.write(chunk)
                stream.flush()
            else:
                for chunk in self._chunks():
                    comm.send(chunk, 0)
                comm.send(None, 0)
        else:
            offset = sum(sizes[:comm.rank])
            out = comm.open_write(self.tmp)
            out.set_size(total)
            pos = offset
            for chunk in self._chunks():
                out.write_at(pos, chunk)
                pos += len(chunk)
            out.close()
            if rename:
                finish_output(self.tmp, self.dst, comm.rank)
        self.spool.close()
        comm.barrier()
        return total

    def commit(self) -> None:
        """Rename an output closed with ``rename=False`` into place (rank 0; not collective)."""
        if self.tmp is not None:
            finish_output(self.tmp, self.dst, self.comm.rank)

    def abandon(self) -> None:
        """Remove an output closed with ``rename=False`` (rank 0; not collective)."""
        if self.tmp is not None:
            finish_output(self.tmp, None, self.comm.rank)

    def discard(self) -> None:
        """Collective: drop the output (after an agreed error)."""
        self.spool.close()
        if self.tmp is not None:
            finish_output(self.tmp, None, self.comm.rank)
        self.comm.barrier()
