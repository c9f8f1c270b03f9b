"""The compression skeleton: the output side every compression shares.

A :class:`CompressionJob` checks the options and the output against the inputs before
any work, has rank 0 check the inputs, opens a temporary archive with its file header
and a block writer, and at the end proves the block order, writes the footer and
renames the archive into place; on any agreed error everything is removed. The three
*sources* differ only in how they cut the input into batches and feed
:attr:`CompressionJob.writer`:

- ``compress.py``: a plain file, cut by byte offset by every rank (resync, redo if the
  ranges do not tile);
- ``paired.py``: two plain files, R1 cut by offset, R2 followed by record number;
- ``stream.py``: anything that cannot be cut (pipes, FIFOs, gzip/BGZF, standard input;
  one input, two mates, or interleaved), read by rank 0 and dealt to encoder ranks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..destinations import Destination, temp_name
from ..errors import OutputError, UsageError
from ..format.constants import DEFAULT_WINDOW, MIN_WINDOW, TRAILER_SIZE
from ..format.container import pack_file_header, pack_trailer
from ..format.footer import BlockEntry, Footer, InputFile, SeedInfo
from .common import InternalError, agree
from .targets import check_outputs, rename_all, require_files
from .tempfiles import finish_output, forget_output, register_output, remove_outputs
from .writer import WRITERS, OrderError


@dataclass
class CompressOptions:
    """Options of a compression; all ranks must pass the same values."""

    threads: int = 1
    level: int = 5
    window: int = DEFAULT_WINDOW
    writer: str = "ticket"
    hints: dict[str, str] = field(default_factory=dict)
    progress: bool = False
    batch_windows: int = 0   # 0: 2 per thread
    seed_bytes: int | None = None   # None: the level's preset; 0: no seed model
    index: bool = False   # also write the seed index (ARCHIVE.ngsi) of a seeded archive


@dataclass
class CompressResult:
    """Returned on every rank; ``footer`` and ``archive_size`` are set on rank 0 only."""

    footer: Footer | None
    archive_size: int
    input_size: int
    redone: bool = False
    #: the seed index written beside the archive (rank 0; None when none was)
    index: str | None = None


def validate(opts: CompressOptions) -> None:
    """Refuse options that cannot work, before any work (UsageError, exit 2)."""
    from ..codecs.registry import LEVELS
    if opts.level not in LEVELS:
        raise UsageError(f"level {opts.level} is not one of {', '.join(map(str, sorted(LEVELS)))}")
    if opts.window < MIN_WINDOW:
        raise UsageError(f"window must be at least {MIN_WINDOW} bytes (got {opts.window})")
    if opts.writer not in WRITERS:
        raise UsageError(f"unknown writer {opts.writer!r} (shared or ticket)")
    if opts.threads < 1:
        raise UsageError("--threads must be at least 1")
    if opts.seed_bytes is not None and opts.seed_bytes < 0:
        raise UsageError(f"--seed must be 0 or more bytes (got {opts.seed_bytes})")


def prepare(comm: Any, inputs: list[str], dst: str, opts: CompressOptions) -> Destination:
    """Collective: options and the output checked before any work; the archive must be a
    regular file (the caller stages it for a stream destination)."""
    validate(opts)
    dest = check_outputs(comm, inputs, [dst])[0]
    require_files([dest], "an archive is written at many offsets by every rank")
    return dest


def finish_archive(comm: Any, out: Any, writer: Any, tmp: str, opts: CompressOptions,
                   files: tuple[InputFile, ...], seed: SeedInfo | None = None
                   ) -> tuple[Footer | None, int]:
    """Collective: establish and verify the block order, write footer and trailer, trim
    and close the output. Returns the footer (rank 0) and the archive size."""
    outcome: Any = None
    try:
        closed = writer.close()
        if comm.rank == 0:
            order, content_end = closed
            footer = Footer(
                ranks=comm.size, threads=opts.threads, level=opts.level,
                writer=writer.mode, window=opts.window,
                files=files,
                blocks=tuple(BlockEntry(b.rank, b.seq, b.payload_length, len(b.subblocks))
                             for b in order),
                subblocks=tuple(e for b in order for e in b.subblocks), seed=seed)
            packed = footer.pack()
            out.write_at(content_end, packed + pack_trailer(packed))
            outcome = (footer, content_end + len(packed) + TRAILER_SIZE)
    except OrderError as exc:
        outcome = InternalError(f"block order could not be verified: {exc}")
    except OutputError as exc:
        outcome = exc
    outcome = comm.bcast(outcome if comm.rank == 0 else None, root=0)
    error = outcome if isinstance(outcome, BaseException) else None
    if error is None:
        try:
            out.set_size(outcome[1])   # collective; trims leftovers of an earlier pass
        except OutputError as exc:
            error = exc
    try:
        out.close()
    except OutputError as exc:
        error = error or exc
    try:
        agree(comm, error)
    except BaseException:
        finish_output(tmp, None, comm.rank)
        comm.barrier()
        raise
    return outcome


class CompressionJob:
    """Collective: one archive being written (see the module docstring).

    Attributes: ``dest`` (the checked destination), ``sizes`` (what ``check`` returned
    for each input on rank 0, broadcast), ``out`` and ``writer`` (the open archive and
    its block writer for the current pass)."""

    def __init__(self, comm: Any, inputs: list[str], dst: str, opts: CompressOptions,
                 check: Callable[[str], Any] | None = None) -> None:
        self.comm = comm
        self.opts = opts
        self.dest = prepare(comm, inputs, dst, opts)
        setup: Any = None
        if comm.rank == 0:
            try:
                setup = ([check(p) for p in inputs] if check else [],
                         temp_name(self.dest.path))
            except Exception as exc:  # noqa: BLE001 - reported on every rank below
                setup = exc
        setup = comm.bcast(setup, root=0)
        if isinstance(setup, BaseException):
            raise setup
        self.sizes, self.tmp = setup
        self.out: Any = None
        self.writer: Any = None
        #: the seed model's footer entry, set by a source that builds one
        self.seed: SeedInfo | None = None
        self.seeding: Any = None
        self.begin_pass()

    def begin_pass(self) -> None:
        """Collective: open the temporary archive, write its file header (rank 0) and
        start the block writer; called again to redo a pass."""
        register_output(self.tmp)
        try:
            self.out = self.comm.open_write(self.tmp, self.opts.hints, name=self.dest.name)
        except OutputError:
            finish_output(self.tmp, None, self.comm.rank)
            raise
        self.writer = WRITERS[self.opts.writer](self.comm, self.out)
        error = None
        if self.comm.rank == 0:
            try:
                self.out.write_at(0, pack_file_header())
            except OutputError as exc:
                error = exc
        self.settle(error)

    def settle(self, error: BaseException | None, key: int = 0) -> None:
        """Collective: agree on this rank's ``error``; if any rank had one, abandon the
        archive and raise the agreed error on every rank."""
        try:
            agree(self.comm, error, key)
        except BaseException:
            self.abandon()
            raise

    def abandon(self) -> None:
        """Collective: close everything of the current pass and remove its archive."""
        try:
            if hasattr(self.writer, "counter"):
                self.writer.counter.free()
        finally:
            try:
                self.out.close()
            except OutputError:
                pass
            finish_output(self.tmp, None, self.comm.rank)
            self.comm.barrier()

    def finish(self, files: tuple[InputFile, ...]) -> CompressResult:
        """Collective: block order, footer, trailer, rename into place."""
        footer, size = finish_archive(self.comm, self.out, self.writer, self.tmp, self.opts,
                                      files, self.seed)
        index = self._write_index() if self.opts.index else None
        if index is not None:   # first: if it cannot go into place, neither does the archive
            try:
                rename_all(self.comm, [index])
            except BaseException:
                finish_output(self.tmp, None, self.comm.rank)
                raise
        try:
            rename_all(self.comm, [(self.tmp, self.dest)])
        except BaseException:
            if index is not None and self.comm.rank == 0:
                remove_outputs(index[1].path)     # no index of an archive that is not there
            raise
        self.comm.barrier()
        result = CompressResult(footer if self.comm.rank == 0 else None, size,
                                sum(f.size for f in files))
        if index is not None and self.comm.rank == 0:
            result.index = index[1].path
        return result

    def _write_index(self) -> tuple[str, Destination] | None:
        """Collective, after the footer: rank 0 writes the finished archive's seed index
        under a temporary name (:func:`stage_seed_index`: the walk also proves the seed
        decodes); returns (temporary name, destination) to rename with the archive, or
        None if it has no seed. On a failure both are removed and the agreed error
        raised on every rank."""
        outcome: Any = None
        if self.comm.rank == 0:
            from ..archive.seed_index import index_path
            name, final = index_path(self.dest.name), index_path(self.dest.path)
            try:
                tmp = stage_seed_index(self.tmp, final, name)
                outcome = None if tmp is None else (tmp, Destination(name, final, "file"))
            except Exception as exc:  # noqa: BLE001 - agreed on below
                outcome = exc if isinstance(exc, OutputError) else InternalError(
                    f"seed index: {type(exc).__name__}: {exc}")
        outcome = self.comm.bcast(outcome, root=0)
        if isinstance(outcome, BaseException):
            finish_output(self.tmp, None, self.comm.rank)
            self.comm.barrier()
            raise outcome
        return outcome


def stage_seed_index(archive: str, final: str, name: str) -> str | None:
    """One process: walk the seed of the finished ``archive`` once and write its seed
    index under a temporary name beside ``final`` (registered, so that a killed process
    leaves none); returns that name for the caller to rename into place, or None when
    the archive has no seed model (nothing written). Raises OutputError naming ``name``
    if the index cannot be written, the ArchiveError of a damaged seed sub-block; on any
    failure the temporary file is removed."""
    from ..archive.reader import Archive
    with Archive(archive, use_index=False) as a:
        if a.footer.seed is None:
            return None
        tmp = temp_name(final)
        register_output(tmp)
        try:
            a.write_seed_index(tmp)
        except BaseException as exc:
            remove_outputs(tmp)
            forget_output(tmp)
            if isinstance(exc, OSError):
                raise OutputError.from_os(name, exc) from None
            raise
    return tmp
