"""Reading NGSC archives: footer, sub-block index, random access to sub-blocks.

:func:`open_archive` (``phyngsc.open``) reads only the trailer and footer;
sub-block headers and data are read on demand. No MPI here: the runners use
this on every rank.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ..core.checksums import crc32
from ..codecs.defs.dna_seeded import static_stream
from ..codecs.models import Models
from ..codecs.qual_model import QualityModel, QualityModelError
from ..codecs.registry import BY_ID, CODEC_NAMES
from ..errors import ArchiveError, UsageError, open_input
from ..format.constants import (BLOCK_HEADER_SIZE, FILE_HEADER_SIZE,
                               STREAM_NAMES, TRAILER_SIZE, WRITER_NAMES)
from ..format.container import BlockHeader, FormatViolation, unpack_file_header, unpack_trailer
from ..format.footer import ArchiveIndex, Footer
from ..format.subblock import SubBlockHeader

_HEADER_PEEK = 4096


class Record(NamedTuple):
    """One FASTQ record: title (without ``@``), sequence and quality string."""

    title: str
    sequence: str
    quality: str


@dataclass(frozen=True)
class ArchiveSummary:
    """Figures of an archive for ``info``."""

    path: str
    archive_size: int
    input_size: int
    ratio: float
    ranks: int
    threads: int
    level: int
    writer: str
    window: int
    blocks: int
    subblocks: int
    records: int
    footer_size: int
    digest: str


class Archive:
    """An open NGSC archive. Cheap to create: reads the trailer and footer only."""

    def __init__(self, path: str, use_index: bool = True) -> None:
        self.path = path
        #: load the seed model from a matching seed index beside the archive, if any
        self.use_index = use_index
        self._seed_model: np.ndarray | None = None
        self._indexed = False   # the seed model came from a seed index
        self._index = None      # the seed index: None not tried yet, False none usable
        self._chain = None   # the walk of a chained seed (seed_chain.SeedChain)
        self._workspace: np.ndarray | None = None   # seed_workspace.workspace of the model
        self._ws_base: np.ndarray | None = None     # its allocation (rows filled on demand)
        self._workspace_owner = 0   # the Python thread that made it (the only one to use it)
        self._f = open_input(path)
        try:
            self.size = os.fstat(self._f.fileno()).st_size
            self._load()
        except BaseException:
            self._f.close()
            raise

    def read(self, offset: int, n: int) -> bytes:
        """``n`` bytes of the archive file from ``offset`` (fewer at its end)."""
        return self._read(offset, n)

    def _read(self, offset: int, n: int) -> bytes:
        """``n`` bytes at ``offset`` (fewer at the end); safe to call from several threads."""
        return os.pread(self._f.fileno(), n, offset)

    def _load(self) -> None:
        try:
            unpack_file_header(self._read(0, FILE_HEADER_SIZE))
            if self.size < FILE_HEADER_SIZE + TRAILER_SIZE:
                raise FormatViolation("archive is truncated (no room for a trailer)")
            flen, fcrc = unpack_trailer(self._read(self.size - TRAILER_SIZE, TRAILER_SIZE))
            fstart = self.size - TRAILER_SIZE - flen
            if fstart < FILE_HEADER_SIZE:
                raise FormatViolation("footer length points before the content region")
            data = self._read(fstart, flen)
            if crc32(data) != fcrc:
                raise FormatViolation("footer checksum mismatch")
            self.footer = Footer.unpack(data)
            self.index = ArchiveIndex(self.footer)
            if self.quality_model:
                try:    # NGSC 1.12: checked here, so that no decoder meets a bad one
                    QualityModel.unpack(self.quality_model)
                except QualityModelError as exc:
                    raise FormatViolation(f"footer {exc}") from None
        except FormatViolation as exc:
            if "trailer" in str(exc) or "truncated" in str(exc):
                raise self._describe_truncation(str(exc)) from None
            raise ArchiveError(self.path, str(exc)) from None
        if self.index.content_end != fstart:
            raise ArchiveError(self.path, f"blocks end at {self.index.content_end} but the "
                               f"footer starts at {fstart} (truncated or damaged archive)")
        self.footer_size = flen
        from .seed_index import Identity
        #: what a seed index must name to serve this archive
        self.identity = Identity(self.size, flen, fcrc)

    def _describe_truncation(self, reason: str) -> ArchiveError:
        """Walk the block headers from the start to say where a footer-less archive is cut."""
        pos, b = FILE_HEADER_SIZE, 0
        while pos + BLOCK_HEADER_SIZE <= self.size:
            try:
                h = BlockHeader.unpack(self._read(pos, BLOCK_HEADER_SIZE))
            except FormatViolation:
                break
            end = pos + BLOCK_HEADER_SIZE + h.payload_length
            if end > self.size:
                sb, p = 0, pos + BLOCK_HEADER_SIZE
                while True:
                    try:
                        sh, hs = SubBlockHeader.unpack(self._read(p, _HEADER_PEEK))
                    except FormatViolation:
                        break
                    if p + hs + sh.encoded_streams_length > self.size:
                        break
                    p += hs + sh.encoded_streams_length
                    sb += 1
                return ArchiveError(
                    self.path, f"archive is truncated: block {b} needs {end - pos} bytes, "
                    f"{self.size - pos} present; its sub-block {sb} (of {h.n_subblocks}) "
                    f"is cut at byte offset {p}", block=b, offset=pos)
            pos, b = end, b + 1
        where = f"after block {b - 1}" if b else "before its first block is complete"
        return ArchiveError(self.path, f"archive is truncated or damaged {where} ({reason})",
                            block=b, offset=pos)

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- index ------------------------------------------------------------------------
    @property
    def quality_model(self) -> bytes:
        """The footer's quality model, its stored form (NGSC 1.12; empty: none)."""
        return self.footer.seed.quality if self.footer.seed is not None else b""

    @property
    def n_subblocks(self) -> int:
        return self.index.n_subblocks

    def count(self) -> int:
        """Number of records (from the footer alone)."""
        return self.index.total_records()

    def _check_index(self, i: int, n: int, what: str) -> None:
        if not 0 <= i < n:
            raise UsageError(f"{self.path}: {what} {i} is outside 0..{n - 1}")

    def subblock_bytes(self, i: int, check: bool = True) -> bytes:
        """The encoded sub-block ``i`` (input order), checked against its footer CRC."""
        self._check_index(i, self.n_subblocks, "sub-block")
        ix = self.index
        data = self._read(int(ix.offset[i]), int(ix.length[i]))
        if check and (len(data) != ix.length[i] or crc32(data) != ix.crc[i]):
            raise ArchiveError(self.path, "sub-block fails its checksum",
                               block=int(ix.block[i]), subblock=i, offset=int(ix.offset[i]))
        return data

    def subblock_header(self, i: int) -> SubBlockHeader:
        """Header of sub-block ``i`` (reads a few bytes, no stream data)."""
        self._check_index(i, self.n_subblocks, "sub-block")
        ix = self.index
        data = self._read(int(ix.offset[i]), min(_HEADER_PEEK, int(ix.length[i])))
        try:
            hdr, size = SubBlockHeader.unpack(data)
        except FormatViolation:
            data = self.subblock_bytes(i)
            try:
                hdr, size = SubBlockHeader.unpack(data)
            except FormatViolation as exc:
                raise ArchiveError(self.path, str(exc), block=int(ix.block[i]), subblock=i,
                                   offset=int(ix.offset[i])) from None
        return hdr

    def block_header(self, b: int) -> BlockHeader:
        """Header of block ``b`` (file order)."""
        self._check_index(b, len(self.footer.blocks), "block")
        off = int(self.index.block_start[b])
        try:
            return BlockHeader.unpack(self._read(off, BLOCK_HEADER_SIZE))
        except FormatViolation as exc:
            raise ArchiveError(self.path, str(exc), block=b, offset=off) from None

    def summary(self) -> ArchiveSummary:
        f = self.footer
        insize = sum(x.size for x in f.files)
        return ArchiveSummary(
            path=self.path, archive_size=self.size, input_size=insize,
            ratio=insize / self.size if self.size else 0.0, ranks=f.ranks, threads=f.threads,
            level=f.level, writer=WRITER_NAMES.get(f.writer, str(f.writer)), window=f.window,
            blocks=len(f.blocks), subblocks=self.n_subblocks, records=self.count(),
            footer_size=self.footer_size, digest=self.index.digest())

    def stream_sizes(self) -> dict[str, dict[str, int]]:
        """Encoded and decoded bytes per stream, summed over sub-blocks (reads every header)."""
        sizes = {name: {"encoded": 0, "decoded": 0, "codecs": {}} for name in
                 STREAM_NAMES.values()}
        headers = 0
        for i in range(self.n_subblocks):
            h = self.subblock_header(i)
            headers += int(self.index.length[i]) - h.encoded_streams_length
            for s in h.streams:
                d = sizes[STREAM_NAMES.get(s.sid, str(s.sid))]
                d["encoded"] += s.encoded_length
                d["decoded"] += s.decoded_length
                name = CODEC_NAMES.get(s.codec, str(s.codec))
                d["codecs"][name] = d["codecs"].get(name, 0) + 1  # type: ignore[index]
        sizes["headers"] = {"encoded": headers + len(self.footer.blocks) * BLOCK_HEADER_SIZE,
                            "decoded": 0, "codecs": {}}
        return sizes

    def seed_model(self) -> np.ndarray | None:
        """The archive's seed model (None if it has none; docs/format.md, *Seed model*),
        on first use the table of a chain walked through already, else a matching seed
        index's, else learned from the archive (:meth:`_learned_model`), and kept:
        ``4 ** (k + 1)`` bytes. A damaged seed sub-block raises its ArchiveError."""
        seed = self.footer.seed
        if seed is None or self._seed_model is not None:
            return self._seed_model
        chain = self._chain
        if chain is not None and chain.table is not None and chain.next == seed.n_subblocks:
            self._seed_model = chain.table      # walked already: no second table
        elif (index := self.seed_index()) is not None:
            self._seed_model, self._indexed = index.table, True
        else:
            self._seed_model = self._learned_model()
        return self._seed_model

    def seed_workspace(self, count: int | None = None) -> np.ndarray | None:
        """The seed model with one working copy per Numba thread, at most ``count`` (the
        sub-blocks about to be decoded; None: no limit), made once and grown on demand
        (:func:`~phyngsc.codecs.seed_workspace.fill_rows`): what decoders get, so that no
        sub-block copies the model. A walked chain and a seed index put the model in the
        first row of one; a joined seed's table is copied (one table more while kept)."""
        if (table := self.seed_model()) is None:
            return None
        from ..core.jit import thread_count
        from ..codecs.seed_workspace import allocation_for, fill_rows, rows_for
        if self._workspace is None:
            self._workspace_owner = threading.get_ident()
            self._ws_base = allocation_for(table, (self._chain, self._index or None),
                                           thread_count())
            self._seed_model = self._ws_base[:table.size]
        threads = thread_count() if count is None else max(1, min(count, thread_count()))
        filled = 1 if self._workspace is None else self._workspace.size // table.size
        if self._workspace is None or rows_for(threads) > filled:
            self._workspace = fill_rows(self._ws_base, table.size, rows_for(threads), filled)
        return self._workspace

    def _learned_model(self) -> np.ndarray:
        """The seed model learned from the seed sub-blocks' DNA and LENGTHS streams (never
        from an index): a chained seed's walk, or a joined seed trained on its bases."""
        seed = self.footer.seed
        if seed.chained:
            return self.chain().model()
        from .joined_seed import joined_model
        return joined_model(self)

    def seed_index(self):
        """The seed index beside the archive (:class:`.seed_index.SeedIndex`), loaded on
        first use, or None when there is none or :attr:`use_index` is off; one made for
        another archive, or damaged, is ignored with a warning on stderr (readers then
        walk the seed as without it)."""
        if not self.use_index:
            return None
        if self._index is None:
            self._index = False
            from .seed_index import IndexMismatch, index_path, read_index
            path = index_path(self.path)
            if self.footer.seed is not None and os.path.isfile(path):
                try:
                    from ..core.jit import thread_count
                    self._index = read_index(path, self.identity, self.footer.seed,
                                             thread_count())
                except (IndexMismatch, OSError) as exc:
                    why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                    sys.stderr.write(f"phyngsc: warning: ignoring seed index {path}: {why}\n")
        return self._index or None

    def write_seed_index(self, path: str) -> bool:
        """Walk the seed once and write this archive's seed index to ``path``
        (:mod:`.seed_index`; :func:`phyngsc.runners.job.stage_seed_index` picks a
        temporary name): the seed model and, for a chained seed, each seed sub-block's
        bases as DNA2. False, writing nothing, when the archive has no seed model. Never
        reads an index. Raises the ArchiveError of a damaged seed sub-block, OSError if
        the file cannot be written."""
        from .seed_chain import SeedChain
        from .seed_index import write_index
        seed = self.footer.seed
        if seed is None:
            return False
        bases: list[tuple[bytes, int]] = []
        if seed.chained:
            chain = SeedChain(self)
            for i in range(seed.n_subblocks):
                stream, n = chain.walk(i + 1, (i,), packed=True)[i]
                bases.append((stream.tobytes(), n))
            model = chain.table
        else:   # joined (0.7-0.9): its seed sub-blocks are DNA2 already
            model = self._learned_model()
        write_index(path, self.identity, seed, model, bases)
        return True

    @property
    def seed_walk_seconds(self) -> float:
        """Wall seconds this reader spent walking its chained seed (0.0 if it never did)."""
        return self._chain.seconds if self._chain is not None else 0.0

    def chain(self):
        """The walk of the archive's chained seed (:class:`.seed_chain.SeedChain`)."""
        if self._chain is None:
            from .seed_chain import SeedChain
            self._chain = SeedChain(self)
        return self._chain

    def prepared(self, indices: list[int] | np.ndarray, data: list[bytes]
                 ) -> tuple[list[bytes], Models | np.ndarray | None]:
        """``(data, model)`` to decode sub-blocks ``indices`` (their bytes ``data``) with:
        seed sub-blocks whose bases are coded from a chained seed get them from the walk
        (stored in the returned bytes), and ``model`` is :meth:`seed_model_for` of the
        rest, with the footer's quality model (NGSC 1.12) in a
        :class:`~phyngsc.codecs.models.Models` when there is one."""
        from .seed_chain import chained_indices, from_index, with_bases
        found = chained_indices(self.footer.seed, indices, data)
        index = self.seed_index() if found else None
        if index is not None and index.bases:   # the index's bases: no walk
            data = list(data)
            for i, k in list(found.items()):
                swapped = from_index(data[k], *index.bases[i])
                if swapped is not None:
                    data[k] = swapped
                    del found[i]
        if found:
            n_seed = self.footer.seed.n_subblocks
            have = {int(i): data[k] for k, i in enumerate(indices) if int(i) < n_seed}
            bases = self.chain().walk(max(found) + 1, found, have)
            data = list(data)
            for i, k in found.items():
                data[k] = with_bases(data[k], bases[i])
        model = self.seed_model_for(indices, data)
        return data, Models(model, self.quality_model) if self.quality_model else model

    def seed_model_for(self, indices: Iterable[int],
                       data: list[bytes] | None = None) -> np.ndarray | None:
        """What decoders of sub-blocks ``indices`` need of the seed: None when no stream
        uses it (DNA_SEEDED; reading only sub-blocks that do not never trains the model),
        :meth:`seed_model` when every such stream is static (NGSC 1.11: decoders only read
        it, all threads at once), else :meth:`seed_workspace` (to the Python thread that
        made it; any other gets :meth:`seed_model`, which its decoders copy, as rows go by
        Numba thread id). ``data``: the sub-blocks' bytes when the caller read them (a
        header that does not parse is left to their decoding to report); otherwise the
        headers are read up to the first stream that uses the model (taken to learn)."""
        if self.footer.seed is None:
            return None
        used = False
        for k, i in enumerate(indices):
            if data is None:
                hdr, at = self.subblock_header(int(i)), 0   # no bytes: taken to learn
            else:
                try:
                    hdr, at = SubBlockHeader.unpack(data[k])   # the first stream's offset
                except FormatViolation:
                    continue
            for s in hdr.streams:
                spec = BY_ID.get(s.codec)
                if spec is not None and spec.uses_model:
                    used = True
                    if data is None or not static_stream(data[k], at, s.encoded_length):
                        ws = self.seed_workspace(len(indices) if data is not None else None)
                        if threading.get_ident() == self._workspace_owner:
                            return ws
                        return self.seed_model()    # another thread: copies, shares nothing
                at += s.encoded_length
        # every stream that uses it is static (NGSC 1.11): the model alone, read by all
        return self.seed_model() if used else None

    def subblock_error(self, i: int, reason: str) -> ArchiveError:
        """The error for sub-block ``i`` (input order)."""
        ix = self.index
        return ArchiveError(self.path, reason, block=int(ix.block[i]), subblock=int(i),
                            offset=int(ix.offset[i]))

    def records(self, start: int = 0, stop: int | None = None) -> Iterator[Record]:
        """Records ``start``..``stop``-1 (0-based, file order); decodes only the sub-blocks
        that hold them, one at a time."""
        from ..records.kernels import read_lengths
        from ..format.constants import SID_DNA, SID_LENGTHS, SID_QUAL, SID_TITLES
        from ..subblock_decode import decode_streams
        total = self.count()
        stop = total if stop is None else stop
        if not 0 <= start <= stop <= total:
            raise UsageError(f"{self.path}: record range {start}:{stop} is outside 0:{total}")
        ix = self.index
        for i in range(self.n_subblocks):
            first, n = int(ix.first_record[i]), int(ix.n_records[i])
            if first + n <= start or first >= stop:
                continue
            data, model = self.prepared([i], [self.subblock_bytes(i)])
            _h, (s,) = decode_streams(data, (SID_TITLES, SID_DNA, SID_QUAL, SID_LENGTHS), model)
            titles = s[SID_TITLES].tobytes().split(b"\n")
            lengths = read_lengths(s[SID_LENGTHS], n)
            ends = np.cumsum(lengths)
            dna, qual = s[SID_DNA].tobytes(), s[SID_QUAL].tobytes()
            for r in range(max(start - first, 0), min(stop - first, n)):
                a = int(ends[r] - lengths[r])
                yield Record(titles[r].decode("utf-8", "replace"),
                             dna[a:int(ends[r])].decode("ascii"),
                             qual[a:int(ends[r])].decode("ascii"))

def open_archive(path: str) -> Archive:
    """Open an NGSC archive for reading (footer only; no MPI)."""
    return Archive(path)
