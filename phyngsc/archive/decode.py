"""Decoding an archive's sub-blocks for any reader: whole text, chosen streams, records
and mates, with every failure an :class:`~phyngsc.errors.ArchiveError` naming the block,
sub-block and byte offset. No MPI: the parallel commands, ``split``/``partition`` and
the viewer all decode through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ArchiveError
from ..partitions import mate_offsets
from .reader import Archive


def subblock_error(arch: Archive, i: int, reason: str) -> ArchiveError:
    """The error for sub-block ``i`` (input order) of ``arch``."""
    return arch.subblock_error(i, reason)


def decode_streams_of(arch: Archive, batch: np.ndarray, wanted: tuple[int, ...],
                      data: list[bytes] | None = None):
    """``(headers, streams)``: the ``wanted`` streams (stream ids) of sub-blocks ``batch``,
    one dict per sub-block; ``data``: their bytes when the caller read them already."""
    from ..subblock_decode import SubBlockCorrupt, decode_streams
    if data is None:
        data = [arch.subblock_bytes(int(i)) for i in batch]
    data, model = arch.prepared(batch, data)
    try:
        return decode_streams(data, wanted, model)
    except SubBlockCorrupt as exc:
        raise subblock_error(arch, int(batch[exc.index]), exc.reason) from None


def decode_text(arch: Archive, batch: np.ndarray, data: list[bytes] | None = None,
                bases: Mapping[int, Any] | None = None):
    """``(headers, text, starts)``: the original text of sub-blocks ``batch``, end to end
    (sub-block k is ``text[starts[k]:starts[k + 1]]``), each checked against its CRC-32.
    ``data``: their bytes when the caller read them already (checked against the footer;
    streams may be swapped for their decoded form, as ``seed.replace_stream`` does);
    ``bases``: seed sub-blocks' bases walked already (:func:`with_walked_bases`)."""
    from ..subblock_decode import SubBlockCorrupt, decode_subblocks
    if data is None:
        data = [arch.subblock_bytes(int(i)) for i in batch]
    if bases:
        data = with_walked_bases(arch, batch, data, bases)
    data, model = arch.prepared(batch, data)
    try:
        return decode_subblocks(data, model)
    except SubBlockCorrupt as exc:
        raise subblock_error(arch, int(batch[exc.index]), exc.reason) from None


def with_walked_bases(arch: Archive, batch: np.ndarray, data: list[bytes],
                      bases: Mapping[int, Any]) -> list[bytes]:
    """``data`` (the bytes of sub-blocks ``batch``) with the bases of each seed sub-block
    coded from the chain taken from ``bases`` (by sub-block: what a walk of the chain
    decoded, as uint8 text or packed ``(DNA2 stream, bases)``), stored in place of its
    DNA stream as ``Archive.prepared`` stores the bases of its own walk; the others as
    they are (and a packed entry whose base count is not the sub-block's: the walk of
    ``Archive.prepared`` then serves it, and its damage is reported as in line)."""
    from .seed_chain import chained_indices, from_index, with_bases
    found = chained_indices(arch.footer.seed, batch, data)
    if not any(i in bases for i in found):
        return data
    data = list(data)
    for i, k in found.items():
        got = bases.get(i)
        if isinstance(got, tuple):
            data[k] = from_index(data[k], *got) or data[k]
        elif got is not None:
            data[k] = with_bases(data[k], got)
    return data


def decode_checked(arch: Archive, a: int, b: int, data: list[bytes] | None = None,
                   bases: Mapping[int, Any] | None = None):
    """:func:`decode_text` of sub-blocks ``[a, b)`` whose headers must also agree with the
    footer (original offsets, lengths, record counts): what ``decompress`` writes.
    ``data``, ``bases``: as for :func:`decode_text`."""
    ix = arch.index
    headers, text, starts = decode_text(arch, np.arange(a, b), data, bases)
    for k, h in enumerate(headers):
        i = a + k
        if h.sof != ix.sof[i] or h.raw_length != ix.raw_length[i] or \
                h.n_records != ix.n_records[i] or (ix.paired and (
                    h.sof2 != ix.sof2[i] or h.raw_length1 != ix.raw_length1[i])):
            raise subblock_error(arch, i, "sub-block header disagrees with the footer")
    return headers, text, starts


def record_starts_of(arch: Archive, i: int, text: np.ndarray, n_records: int) -> np.ndarray:
    """Offsets of the ``n_records`` records of sub-block ``i``'s decoded ``text`` and its end."""
    from ..records.kernels import record_starts
    starts = record_starts(text, n_records)
    if n_records and starts[0] < 0:
        raise subblock_error(arch, i, "decoded text does not split into its records")
    return starts


class SubBlockText:
    """The decoded text of one sub-block, sliced by local record numbers (and, in a
    paired archive, split into its R1 and R2 text)."""

    def __init__(self, arch: Archive, i: int, text: np.ndarray, n_records: int,
                 raw_length1: int) -> None:
        self.text = text
        self.starts = record_starts_of(arch, i, text, n_records)
        self.paired = bool(arch.index.paired)
        if self.paired:
            from ..fastq.pairs import deinterleave
            one, two, ok = deinterleave(text, self.starts, raw_length1)
            if not ok or n_records % 2:
                raise subblock_error(arch, i, "paired sub-block does not split into its mates")
            self.one, self.two = one, two
            self.off1, self.off2 = mate_offsets(self.starts)

    def records(self, a: int, b: int) -> np.ndarray:
        """Records ``a``..``b``-1 as stored (interleaved mates in a paired archive)."""
        return self.text[self.starts[a]:self.starts[b]]

    def mates(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """R1 and R2 text of the pairs in records ``a``..``b``-1 (both even)."""
        p, q = a // 2, b // 2
        return self.one[self.off1[p]:self.off1[q]], self.two[self.off2[p]:self.off2[q]]
