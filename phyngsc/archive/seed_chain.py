"""A reader's walk along a chained seed (NGSC 1.5, in lanes since 1.8; docs/format.md,
*Seed model*).

Seed sub-block i of a chained seed may code its bases with DNA_SEEDED from the table
learned on seed sub-blocks 0 .. i-1, so decoding it needs that walk: one table, each
seed sub-block's bases decoded from it (or, coded another way, decoded and learned),
in input order. The walk keeps its place, so a reader going forward through the seed
(``decompress``, ``fasta``) walks it once; one going back starts again from sub-block 0.
At the end the table is the seed model that every seeded sub-block starts from.
Only the DNA and LENGTHS streams of the seed sub-blocks are read.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np

from ..codecs.registry import CODEC_ID, KNOWN_CODECS
from ..codecs.seed_workspace import empty_workspace
from ..core.jit import thread_count
from ..core.varint import varints_to_array
from ..errors import ArchiveError
from ..format.constants import SID_DNA, SID_LENGTHS
from ..format.container import FormatViolation
from ..format.footer import SeedInfo
from ..format.subblock import SubBlockHeader
from ..seed import chain_decode, chain_learn, chain_table, replace_stream

DNA_SEEDED = CODEC_ID["dna-seeded"]
STORED = CODEC_ID["stored"]
DNA2 = CODEC_ID["dna2"]


class SeedChain:
    """The walk of one archive's chained seed. ``arch``: the :class:`~.reader.Archive`."""

    def __init__(self, arch) -> None:
        seed = arch.footer.seed
        if seed is None or not seed.chained:
            raise ValueError("the archive has no chained seed")
        self.arch = arch
        self.seed: SeedInfo = seed
        self.next = 0                          # seed sub-blocks walked so far
        self.table: np.ndarray | None = None
        #: the workspace whose first row ``table`` is (``seed_workspace.empty_workspace``:
        #: its other rows untouched until ``Archive.seed_workspace`` fills them)
        self.workspace: np.ndarray | None = None
        #: wall seconds spent in :meth:`walk` so far, every walk of this reader counted
        #: (what a seed index would have spared it: ``extract`` says so)
        self.seconds = 0.0

    def model(self) -> np.ndarray:
        """The seed model: the table at the end of the walk (``4 ** (k + 1)`` bytes)."""
        self.walk(self.seed.n_subblocks, ())
        assert self.table is not None
        return self.table

    def adopt(self, table: np.ndarray) -> None:
        """Take ``table`` (``4 ** (k + 1)`` bytes) as the table at the end of the walk, walked
        elsewhere (another rank's, broadcast: :mod:`phyngsc.runners.seed_share`): seeded
        sub-blocks decode from it; a walk that needs a seed sub-block's bases later starts
        again from sub-block 0, as after any walk through the chain."""
        if table.size != 4 << (2 * self.seed.k):
            raise ValueError("the adopted table is not the seed model's size")
        self.workspace = None
        self.table, self.next = table, self.seed.n_subblocks

    def walk(self, upto: int, keep: Collection[int],
             have: Mapping[int, bytes] | None = None, packed: bool = False
             ) -> dict[int, Any]:
        """Walk through seed sub-block ``upto - 1``; returns the bases (uint8 text) of the
        seed sub-blocks ``keep`` (each below ``upto``). Starts again from sub-block 0
        when one of them was passed already. ``have``: bytes of seed sub-blocks the
        caller read already (not read again). ``packed``: each kept sub-block's bases as
        ``(DNA2 stream, bases)`` instead (:func:`packed_bases`: a quarter of the memory
        for a caller that keeps many until their turn). A damaged seed sub-block raises
        its :class:`~phyngsc.errors.ArchiveError` and the next call starts again."""
        have = have or {}
        began = time.perf_counter()
        if self.table is None or self.next > min(keep, default=upto):
            self.workspace = empty_workspace(4 << (2 * self.seed.k), thread_count())
            self.table, self.next = chain_table(self.seed, self.workspace), 0
        got: dict[int, np.ndarray] = {}
        try:
            while self.next < upto:
                i = self.next
                dna = self._step(i, have.get(i))
                if i in keep:
                    got[i] = packed_bases(dna) if packed else dna
                self.next = i + 1
        except BaseException:
            self.table = self.workspace = None   # part-learned: never use it
            raise
        finally:
            self.seconds += time.perf_counter() - began
        return got

    def _step(self, i: int, data: bytes | None = None) -> np.ndarray:
        """Decode seed sub-block ``i``'s bases (``data``: its bytes, if read already), the
        table learning them."""
        from ..subblock_decode import SubBlockCorrupt, decode_streams
        if data is None:
            data = self.arch.subblock_bytes(i)
        try:
            hdr, size = SubBlockHeader.unpack_checked(data, KNOWN_CODECS)
        except FormatViolation as exc:
            raise self.arch.subblock_error(i, str(exc)) from None
        info = hdr.streams[SID_DNA]
        chained = info.codec == DNA_SEEDED
        try:
            _h, (streams,) = decode_streams([data], (SID_LENGTHS,) if chained else
                                            (SID_DNA, SID_LENGTHS))
        except SubBlockCorrupt as exc:
            raise self.arch.subblock_error(i, exc.reason) from None
        lengths = varints_to_array(streams[SID_LENGTHS], hdr.n_records)
        if int(lengths.sum()) != info.decoded_length:
            raise self.arch.subblock_error(i, "seed read lengths do not match its bases")
        if not chained:
            dna = np.array(streams[SID_DNA])
            chain_learn(self.table, dna, lengths, self.seed)
            return dna
        a = size + sum(s.encoded_length for s in hdr.streams[:SID_DNA])
        # a writable copy (a few MB): the decoders then see the array type every other
        # caller gives them, so a cache warmed on small archives holds their code (a
        # read-only view of ``data`` compiled new variants, 4-5 s, in a first walk)
        stream = np.frombuffer(data, np.uint8)[a:a + info.encoded_length].copy()
        dna = chain_decode(self.table, stream, lengths, info.decoded_length, self.seed)
        if dna is None:
            raise self.arch.subblock_error(i, "chained seed bases do not decode")
        return dna


def packed_bases(dna: np.ndarray) -> tuple[np.ndarray, int]:
    """``(DNA2 stream, number of bases)`` of bases ``dna`` (uint8 text), as the seed index
    keeps them: what :func:`from_index` puts back in place of a sub-block's DNA stream.
    Four bases a byte plus the exceptions (N and other bytes)."""
    from ..codecs.dna import dna2_encode
    out = np.empty(12 * dna.size + 16, np.uint8)
    n = dna2_encode(dna, out)
    if n < 0:           # pragma: no cover - 12 bytes a base hold any exception
        raise ValueError("DNA2 output too small")
    return out[:n].copy(), int(dna.size)


def chained_indices(seed: SeedInfo | None, indices, data: list) -> dict[int, int]:
    """``{sub-block: position in data}`` of the seed sub-blocks among ``indices`` (their
    bytes ``data``) that code their bases from the chain; a header that does not parse
    is left to their decoding to report."""
    if seed is None or not seed.chained:
        return {}
    found = {}
    for k, i in enumerate(indices):
        if int(i) < seed.n_subblocks:
            try:
                hdr, _size = SubBlockHeader.unpack(data[k])
            except FormatViolation:
                continue
            if len(hdr.streams) > SID_DNA and hdr.streams[SID_DNA].codec == DNA_SEEDED:
                found[int(i)] = k
    return found


def from_index(data: bytes, stream: np.ndarray, n_bases: int) -> bytes | None:
    """Encoded seed sub-block ``data`` with its DNA stream replaced by ``stream``, its
    bases as DNA2 from the seed index, so that it decodes without the chain; None if
    the index's base count is not the sub-block's (the walk then serves it). Its text
    CRC-32 is checked after decoding as always."""
    try:
        hdr, _size = SubBlockHeader.unpack(data)
    except FormatViolation:
        return None
    if hdr.streams[SID_DNA].decoded_length != n_bases:
        return None
    return replace_stream(data, SID_DNA, DNA2, stream.tobytes())[1]


def with_bases(data: bytes, dna: np.ndarray) -> bytes:
    """Encoded sub-block ``data`` with its DNA stream replaced by ``dna`` stored as is
    (what the walk decoded), so that it decodes without the chain."""
    return replace_stream(data, SID_DNA, STORED, dna.tobytes())[1]


__all__ = ["SeedChain", "chained_indices", "from_index", "with_bases", "packed_bases",
           "ArchiveError"]
