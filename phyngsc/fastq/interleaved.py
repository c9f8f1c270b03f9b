"""An interleaved paired-end stream (R1, R2, R1, R2, ... records) split into its mates.

:class:`Deinterleaver` reads the stream in chunks, validates every record, and hands
odd records to mate 1 and even records to mate 2, exactly as they were (so the mates'
bytes equal separate R1 and R2 files). Each mate is a file-like object with ``read``:
the streaming compressor reads it as it would read an R1 or R2 pipe. Memory holds what
one mate has read ahead of the other, which the compressor keeps to about one batch.

A malformed record is a :class:`FastqFormatError` naming the interleaved input with its
line, record and byte offset; an odd number of records is a :class:`DataError`.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np

from ..errors import DataError, FastqFormatError
from .pairs import record_starts
from .scan import NEED_MORE, OK, error_text

_CHUNK = 4 << 20
_RECORDS = 4096


class _Mate:
    """File-like reader of one mate (``read`` only)."""

    def __init__(self, owner: "Deinterleaver", k: int) -> None:
        self.owner = owner
        self.k = k

    def read(self, n: int = -1) -> bytes:
        return self.owner.take(self.k, n)

    def close(self) -> None:
        self.owner.close()


class Deinterleaver:
    """Splits ``raw`` (a binary stream of interleaved records) into two mates."""

    def __init__(self, raw: BinaryIO, name: str) -> None:
        self.raw = raw
        self.name = name
        self.buf = bytearray()       # read, not yet split (starts at a record start)
        self.base = 0                # stream offset of buf[0]
        self.lines = 0               # lines before buf[0]
        self.records = 0             # records split so far
        self.eof = False
        self.out = [bytearray(), bytearray()]
        self.mates = (_Mate(self, 0), _Mate(self, 1))

    def take(self, k: int, n: int) -> bytes:
        """Up to ``n`` bytes of mate ``k`` (all that is left with ``n`` < 0); b"" at its end."""
        want = n if n >= 0 else 1 << 62
        while len(self.out[k]) < want and self._split_more():
            pass
        out = self.out[k]
        chunk = bytes(out[:want])
        del out[:len(chunk)]
        return chunk

    def _split_more(self) -> bool:
        """Split the next records into the mates; False once the stream is exhausted."""
        while True:
            if self.eof and not self.buf:
                if self.records % 2:
                    raise DataError(f"{self.name}: interleaved input has an odd number of "
                                    f"records ({self.records}): the last one has no mate")
                return False
            data = np.frombuffer(bytes(self.buf), np.uint8)
            st, a, b, c, starts = record_starts(data, len(data), self.eof, _RECORDS)
            if st == NEED_MORE:      # long reads: take one pair rather than wait for more
                st2, a2, b2, c2, starts2 = record_starts(data, len(data), False, 2)
                if st2 == OK:
                    st, starts = st2, starts2
                elif st2 != NEED_MORE:
                    st, a, b, c = st2, a2, b2, c2
            if st == OK and len(starts) > 1:
                ends = starts.tolist()
                for j in range(len(ends) - 1):
                    self.out[(self.records + j) % 2] += self.buf[ends[j]:ends[j + 1]]
                used = ends[-1]
                self.records += len(ends) - 1
                self.lines += self.buf.count(b"\n", 0, used)
                del self.buf[:used]
                self.base += used
                return True
            if st == OK or st == NEED_MORE:
                if self.eof:          # nothing complete is left (only whitespace-free end)
                    if st == OK:
                        self.buf.clear()
                        continue
                chunk = self.raw.read(_CHUNK)
                if not chunk:
                    self.eof = True
                self.buf += chunk
                continue
            line = self.lines + self.buf.count(b"\n", 0, a) + 1
            raise FastqFormatError(self.name, self.base + a, error_text(st, b, c), line=line)

    def close(self) -> None:
        import sys
        if self.raw is not sys.stdin.buffer:
            self.raw.close()
