"""The bit-packed footer and the sub-block index derived from it.

The footer records, for every block in the order the blocks landed in the file
(CBO), who wrote it and how long it is, and for every sub-block its sizes,
record count and checksum. :class:`ArchiveIndex` turns that into absolute
offsets and the input order of sub-blocks without reading anything else.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field

import numpy as np

from .bitpack import BitReader, BitWriter, width
from .constants import BLOCK_HEADER_SIZE, FILE_HEADER_SIZE, MAX_SEED_K
from .container import FormatViolation
from .subblock import PAIRED


@dataclass(frozen=True)
class BlockEntry:
    """One block as listed in the footer (file order)."""

    rank: int
    seq: int
    payload_length: int
    n_subblocks: int


@dataclass(frozen=True)
class SubBlockEntry:
    """One sub-block as listed in the footer (file order)."""

    encoded_length: int
    raw_length: int
    n_records: int
    file_index: int
    crc: int  # CRC-32 of the encoded sub-block (header included)
    raw_length1: int = 0  # paired sub-blocks: bytes of raw_length that belong to file 0


@dataclass(frozen=True)
class SeedInfo:
    """The seed model (NGSC 1.3): sub-blocks ``0 .. n_subblocks - 1`` (input order) hold
    its input bases; it is a DNA_K8 table of order ``k`` trained on them with these
    ``revcomp``/``inc`` settings (docs/format.md, *Seed model*)."""

    n_subblocks: int
    k: int
    revcomp: bool
    inc: int
    #: 0 (NGSC 1.3): the model learns the seed's bases joined, the seed sub-blocks never
    #: use it; 1 (NGSC 1.5, *chained*): it learns them sub-block by sub-block, each from
    #: context 0, and seed sub-block i may code its bases with DNA_SEEDED from the table
    #: learned on seed sub-blocks 0 .. i-1.
    #: 2 (NGSC 1.8, *chained in lanes*): as 1, but every seed sub-block is learned in
    #: the order DNA_K8 in ``lanes`` lanes codes it, whatever its codec.
    form: int = 0
    #: lanes of a form-2 chain (2, 4, 8 or 16; the footer holds log2); 1 for forms 0 and 1
    lanes: int = 1
    #: NGSC 1.12: the archive quality model's stored form (docs/format.md, *Quality
    #: model*; read by :mod:`phyngsc.codecs.qual_model`), trained on the seed's first
    #: records; empty: none
    quality: bytes = b""

    @property
    def chained(self) -> bool:
        """Whether seed sub-blocks may code their bases from the chain (forms 1 and 2)."""
        return self.form in (1, 2)

    def settings_of(self, stream) -> bool:
        """Whether a DNA_K8 / DNA_SEEDED ``stream`` (its first three bytes: k, flags,
        inc) names this seed's order, strands, increment and lane count (one lane before
        form 2), as a chained seed sub-block's stream must: its walk learns the reads in
        the order the seed names."""
        flags = int(self.revcomp) | (self.lanes.bit_length() - 1) << 1
        return len(stream) >= 3 and (int(stream[0]), int(stream[1]), int(stream[2])) == \
            (self.k, flags, self.inc)


@dataclass(frozen=True)
class InputFile:
    size: int
    name: str


@dataclass(frozen=True)
class Footer:
    """Everything the footer holds (docs/format.md, *Footer*)."""

    ranks: int
    threads: int
    level: int
    writer: int
    window: int
    files: tuple[InputFile, ...]
    blocks: tuple[BlockEntry, ...] = field(default_factory=tuple)
    subblocks: tuple[SubBlockEntry, ...] = field(default_factory=tuple)
    seed: SeedInfo | None = None

    def pack(self) -> bytes:
        w = BitWriter()
        for value in (self.ranks, self.threads, self.level, self.writer, self.window,
                      len(self.files)):
            w.v(value)
        for f in self.files:
            name = f.name.encode("utf-8")
            w.v(f.size)
            w.v(len(name))
            w.raw(name)
        w.v(len(self.blocks))
        w.v(len(self.subblocks))
        b, s = self.blocks, self.subblocks
        widths = [
            width(max((e.rank for e in b), default=0)),
            width(max((e.seq for e in b), default=0)),
            width(max((e.payload_length for e in b), default=0)),
            width(max((e.n_subblocks for e in b), default=0)),
            width(max((e.encoded_length for e in s), default=0)),
            width(max((e.raw_length for e in s), default=0)),
            width(max((e.n_records for e in s), default=0)),
            width(max((e.file_index for e in s), default=0)),
        ]
        for wd in widths:
            w.u(wd, 6)
        bep, beq, bebl, besc, besl, berl, benr, befi = widths
        for e in b:
            w.u(e.rank, bep)
            w.u(e.seq, beq)
            w.u(e.payload_length, bebl)
            w.u(e.n_subblocks, besc)
        for e in s:
            w.u(e.encoded_length, besl)
            w.u(e.raw_length, berl)
            w.u(e.n_records, benr)
            w.u(e.file_index, befi)
            w.u(e.crc, 32)
        paired = [e.raw_length1 for e in s if e.file_index == PAIRED]
        if paired:   # NGSC 1.1: R1 share of every paired sub-block, in file order
            w.v(len(paired))
            wd = width(max(paired))
            w.u(wd, 6)
            for v in paired:
                w.u(v, wd)
        if self.seed is None:   # NGSC 1.3: the seed section (n = 0: no seed model)
            w.v(0)
        else:
            for value in (self.seed.n_subblocks, self.seed.k, int(self.seed.revcomp),
                          self.seed.inc):
                w.v(value)
            if self.seed.form or self.seed.quality:  # NGSC 1.5: 8 bits; a 1.3 footer ends
                w.u(self.seed.form, 8)              # (padding < 8 bits) here
            if self.seed.form == 2:     # NGSC 1.8: log2 of the chain's lane count
                w.u(self.seed.lanes.bit_length() - 1, 8)
            if self.seed.quality:       # NGSC 1.12: the quality model (a 1.11 footer ends here)
                w.v(len(self.seed.quality))
                w.raw(self.seed.quality)
        return w.getvalue()

    @classmethod
    def unpack(cls, data: bytes) -> "Footer":
        r = BitReader(data)
        try:
            ranks, threads, level, writer, window, nfiles = (r.v() for _ in range(6))
            files = []
            for _ in range(nfiles):
                size = r.v()
                name = r.raw(r.v()).decode("utf-8", errors="replace")
                files.append(InputFile(size, name))
            nb, ns = r.v(), r.v()
            bep, beq, bebl, besc, besl, berl, benr, befi = (r.u(6) for _ in range(8))
            blocks = tuple(BlockEntry(r.u(bep), r.u(beq), r.u(bebl), r.u(besc))
                           for _ in range(nb))
            subs = tuple(SubBlockEntry(r.u(besl), r.u(berl), r.u(benr), r.u(befi), r.u(32))
                         for _ in range(ns))
            n_paired = sum(1 for e in subs if e.file_index == PAIRED)
            if n_paired:
                if r.v() != n_paired:
                    raise FormatViolation("footer paired section does not match its sub-blocks")
                wd = r.u(6)
                shares = iter([r.u(wd) for _ in range(n_paired)])
                subs = tuple(SubBlockEntry(e.encoded_length, e.raw_length, e.n_records,
                                           e.file_index, e.crc,
                                           next(shares) if e.file_index == PAIRED else 0)
                             for e in subs)
            seed = None
            # 1.2 footers end here (less than a byte of padding); a 1.3 footer without a
            # seed has n = 0, which reads the same whether or not it fits the padding
            if r.bits_left >= 8:
                n_seed = r.v()
                if n_seed:
                    k, rc, inc = r.v(), r.v() == 1, r.v()
                    form = r.u(8) if r.bits_left >= 8 else 0
                    lanes = 1 << r.u(8) if form == 2 else 1
                    quality = r.raw(r.v()) if r.bits_left >= 8 else b""
                    seed = SeedInfo(n_seed, k, rc, inc, form, lanes, quality)
        except EOFError as exc:
            raise FormatViolation("footer fields cut short") from exc
        if sum(e.n_subblocks for e in blocks) != ns:
            raise FormatViolation("footer block sub-block counts do not add up")
        if seed is not None and (seed.n_subblocks >= ns or not 1 <= seed.k <= MAX_SEED_K or
                                 not 1 <= seed.inc <= 127 or seed.form not in (0, 1, 2) or
                                 (seed.form == 2) != (seed.lanes in (2, 4, 8, 16))):
            raise FormatViolation("footer seed section is out of range")
        return cls(ranks, threads, level, writer, window, tuple(files), blocks, subs, seed)


class ArchiveIndex:
    """Offsets and input order of every sub-block, computed from the footer alone.

    Arrays are indexed by sub-block *input order* (0 = first sub-block of the
    first input file): ``offset`` (archive byte offset of the sub-block),
    ``length`` (encoded bytes), ``raw_length``, ``sof`` (offset in its input
    file), ``n_records``, ``first_record`` (record number of its first record in
    its input file), ``file_index``, ``crc``, ``block`` (file-order index of the
    block holding it).
    """

    def __init__(self, footer: Footer) -> None:
        self.footer = footer
        nb = len(footer.blocks)
        block_start = np.empty(nb, np.int64)
        pos = FILE_HEADER_SIZE
        for i, b in enumerate(footer.blocks):
            block_start[i] = pos
            pos += BLOCK_HEADER_SIZE + b.payload_length
        #: End of the content region: the footer starts here.
        self.content_end = pos
        self.block_start = block_start
        # File-order sub-block offsets.
        ns = len(footer.subblocks)
        f_off = np.empty(ns, np.int64)
        f_block = np.empty(ns, np.int64)
        k = 0
        for i, b in enumerate(footer.blocks):
            p = int(block_start[i]) + BLOCK_HEADER_SIZE
            used = 0
            for _ in range(b.n_subblocks):
                e = footer.subblocks[k]
                f_off[k] = p
                f_block[k] = i
                p += e.encoded_length
                used += e.encoded_length
                k += 1
            if used != b.payload_length:
                raise FormatViolation(f"block {i}: sub-block lengths add up to {used}, "
                                      f"payload length is {b.payload_length}")
        # Input order: blocks sorted by (rank, seq), sub-blocks in stored order.
        order_blocks = sorted(range(nb), key=lambda i: (footer.blocks[i].rank,
                                                        footer.blocks[i].seq))
        first_sub = np.zeros(nb + 1, np.int64)
        first_sub[1:] = np.cumsum([b.n_subblocks for b in footer.blocks])
        perm = np.concatenate([np.arange(first_sub[i], first_sub[i + 1])
                               for i in order_blocks]).astype(np.int64) if nb else \
            np.zeros(0, np.int64)
        subs = footer.subblocks
        self.offset = f_off[perm]
        self.block = f_block[perm]
        self.length = np.array([subs[i].encoded_length for i in perm], np.int64)
        self.raw_length = np.array([subs[i].raw_length for i in perm], np.int64)
        self.n_records = np.array([subs[i].n_records for i in perm], np.int64)
        self.file_index = np.array([subs[i].file_index for i in perm], np.int64)
        self.crc = np.array([subs[i].crc for i in perm], np.int64)
        #: paired sub-blocks: bytes of file 0 and file 1 (else raw_length and 0)
        self.raw_length1 = np.array([subs[i].raw_length1 if subs[i].file_index == PAIRED
                                     else subs[i].raw_length for i in perm], np.int64)
        self.raw_length2 = self.raw_length - self.raw_length1
        self.sof = np.zeros(ns, np.int64)
        #: paired sub-blocks: offset of their file-1 part
        self.sof2 = np.zeros(ns, np.int64)
        self.first_record = np.zeros(ns, np.int64)
        self.paired = bool(ns) and bool(np.all(self.file_index == PAIRED))
        if ns and np.any(self.file_index == PAIRED) and not self.paired:
            raise FormatViolation("paired and single-file sub-blocks are mixed")
        if self.paired:
            if len(footer.files) != 2:
                raise FormatViolation("paired sub-blocks need two input files in the footer")
            self.sof = np.concatenate(([0], np.cumsum(self.raw_length1)[:-1]))
            self.sof2 = np.concatenate(([0], np.cumsum(self.raw_length2)[:-1]))
            self.first_record = np.concatenate(([0], np.cumsum(self.n_records)[:-1]))
            for fi, part in ((0, self.raw_length1), (1, self.raw_length2)):
                if int(part.sum()) != footer.files[fi].size:
                    raise FormatViolation(f"sub-blocks cover {int(part.sum())} bytes of input "
                                          f"file {fi}, footer says {footer.files[fi].size}")
            return
        for fi in range(len(footer.files)):
            sel = np.nonzero(self.file_index == fi)[0]
            if len(sel) and np.any(np.diff(sel) != 1):
                raise FormatViolation(f"sub-blocks of input file {fi} are not contiguous")
            rl = self.raw_length[sel]
            self.sof[sel] = np.concatenate(([0], np.cumsum(rl)[:-1])) if len(sel) else rl
            nr = self.n_records[sel]
            self.first_record[sel] = np.concatenate(([0], np.cumsum(nr)[:-1])) if len(sel) \
                else nr
            total = int(rl.sum())
            if total != footer.files[fi].size:
                raise FormatViolation(f"sub-blocks of input file {fi} cover {total} bytes, "
                                      f"footer says {footer.files[fi].size}")

    @property
    def n_subblocks(self) -> int:
        return len(self.offset)

    def total_records(self) -> int:
        return int(self.n_records.sum())

    def digest(self) -> str:
        """Content digest: same for any ranks/threads/writer (docs/format.md)."""
        h = hashlib.sha256()
        for crc, fi, rl in zip(self.crc.tolist(), self.file_index.tolist(),
                               self.raw_length.tolist()):
            h.update(struct.pack("<IIQ", crc, fi, rl))
        return h.hexdigest()
