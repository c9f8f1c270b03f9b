"""Compression of input that cannot be split by offset: a pipe (``-``) or gzip/BGZF.

The Reader → Encoders → Writer topology of seed 000, over MPI: rank 0 reads and
decompresses the stream, cuts it into batches of windows (records belong to the
window of the *uncompressed* stream that holds their first byte, exactly as for
file input, so the sub-blocks and the content digest are the same), and hands
each batch to the next encoder that asks for work. Encoders code the batch with
their Numba threads and write its blocks at once (ticket or shared writer),
labelling them with the batch number: the footer's input order, blocks sorted by
(label, seq), is then the stream order whatever encoder wrote them. With one
process the same loop runs inline.

Memory is bounded: rank 0 holds one batch plus the part of the stream not yet
cut (a sliding buffer), each encoder one batch; a batch is ``2 x threads``
windows (16 MiB with one thread at the default 8 MiB window), read-ahead at most
one record past it.

Standard input under ``mpiexec``: MPICH's hydra forwards it through a pipe and gives
up ("process reading stdin too slowly") as soon as that pipe is full, before any
program could keep up (pmodels/mpich#2336). With more than one rank, give the
input as a named pipe instead (``mkfifo``): rank 0 opens it like a file and the
producer simply waits.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys
import zlib
from typing import Any, BinaryIO

import numpy as np

from ..core.checksums import crc32
from ..errors import DataError, FastqFormatError, InputFileError, PhyngscError, open_input
from ..format.footer import InputFile, SeedInfo, SubBlockEntry
from ..codecs.registry import ROLE_PLAIN
from ..seed import Seeding, SeedText, encode_seeded, plan_seed, prepare, prime_trials, seed_roles
from ..trials import Trials, group_key
from .common import InternalError
from .batches import scan_batch
from .compress import seed_input
from .job import CompressionJob, CompressOptions, CompressResult
from .paired import encode_pair_batch, pair_batches, pair_seed
from .writer import BlockPacker

GZIP_MAGIC = b"\x1f\x8b"
_MAX_READ = 16 << 20
_CHUNK = 4 << 20


def is_stream_input(path: str) -> bool:
    """True for ``-`` (standard input), anything that is not a regular file (a named
    pipe, a character device: never peeked at, that would consume it) and gzip/BGZF
    files (by their magic bytes)."""
    if path == "-":
        return True
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return not os.path.isdir(path)
        with open(path, "rb") as f:
            return f.read(2) == GZIP_MAGIC
    except OSError:
        return False


class StreamSource:
    """Sequential bytes behind ``read_at``: offsets before the last :meth:`release` are gone.

    Counts the lines it releases so errors can name their line without rereading.
    """

    def __init__(self, fileobj: BinaryIO, name: str) -> None:
        self.f = fileobj
        self.name = name
        self.buf = bytearray()
        self.base = 0
        self.eof = False
        self.lines_released = 0

    def _fill(self, end: int) -> None:
        while not self.eof and self.base + len(self.buf) < end:
            try:
                # pieces of at most _MAX_READ: a huge read would hold its bytes twice
                want = end - self.base - len(self.buf)
                data = self.f.read(max(_CHUNK, min(want, _MAX_READ)))
            except (OSError, EOFError, zlib.error) as exc:
                raise DataError(f"{self.name}: cannot read the compressed input: {exc}") from None
            if not data:
                self.eof = True
            else:
                self.buf += data

    def read_at(self, pos: int, n: int) -> np.ndarray:
        if pos < self.base:
            raise ValueError("stream offset already released")
        self._fill(pos + n)
        a = pos - self.base
        return np.frombuffer(bytes(memoryview(self.buf)[a:a + n]), np.uint8)   # one copy

    def available(self, end: int) -> int:
        """Read on up to offset ``end`` (or the end of the data); returns the offset
        reached, without copying anything out."""
        self._fill(end)
        return self.total

    def ends_at(self, offset: int) -> bool:
        self._fill(offset + 1)
        return self.eof and offset >= self.base + len(self.buf)

    def release(self, pos: int) -> None:
        k = pos - self.base
        self.lines_released += self.buf.count(b"\n", 0, k)
        del self.buf[:k]
        self.base = pos

    def line_of(self, offset: int) -> int:
        """1-based line number of a byte not yet released."""
        return self.lines_released + self.buf.count(b"\n", 0, offset - self.base) + 1

    @property
    def total(self) -> int:
        return self.base + len(self.buf)


def open_stream(path: str) -> StreamSource:
    """A :class:`StreamSource` for ``-``, a named pipe or a file, gunzipping gzip/BGZF data."""
    if path == "-":
        raw: Any = sys.stdin.buffer
    else:
        raw = open_input(path)
    if not hasattr(raw, "peek"):
        raw = io.BufferedReader(raw)
    if raw.peek(2)[:2] == GZIP_MAGIC:
        raw = gzip.GzipFile(fileobj=raw, mode="rb")
    return StreamSource(raw, "standard input" if path == "-" else path)


def _batches(source: StreamSource, opts: CompressOptions):
    """(batch number, file offset of its first byte, text, sub-block starts) in order."""
    W = opts.window
    per = opts.batch_windows or 2 * max(1, opts.threads)
    pos, b = 0, 0
    while not source.ends_at(pos):
        stop = (pos // W + per) * W
        try:
            buf, bounds, nxt = scan_batch(source, source.name, -1, pos, stop, W, per + 2)
        except FastqFormatError as exc:
            raise exc.located(source.line_of(exc.offset), None) from None
        yield b, pos, buf[:nxt].copy(), bounds.copy()
        pos += nxt
        source.release(pos)
        b += 1


def stream_seed(sources: list[StreamSource], opts: CompressOptions
                ) -> tuple[SeedInfo, int, SeedText] | None:
    """Rank 0: the seed of a single-end stream (as :func:`~.compress.seed_input` gives it
    for the same data as a file) or of two mates (as :func:`~.paired.pair_seed`), or
    None. The plan depends on the (R1) input size only up to twice the seed (never more
    than half the windows), so reading that far ahead (kept in the stream's buffer, at
    most 2 x 256 MiB at level 9) decides it."""
    source = sources[0]
    W = opts.window
    probe = plan_seed(opts.level, 1 << 62, W, opts.seed_bytes)
    if probe is None:
        return None
    ahead = 2 * probe.n_subblocks * W
    got = min(source.available(ahead), ahead)
    size = got if source.ends_at(got) else ahead   # the real size or a lower bound
    plan = plan_seed(opts.level, size, W, opts.seed_bytes)
    if plan is None:
        return None
    model_size = size      # a lower bound past twice the seed: the model pays long before
    try:
        if len(sources) == 2:
            return pair_seed(source, sources[1], source.name, sources[1].name, -1, -1, plan,
                             opts, model_size)
        return seed_input(source, source.name, -1, W, plan, model_size)
    except FastqFormatError as exc:
        if exc.line is not None:
            raise
        src = source if exc.path == source.name else sources[-1]
        raise exc.located(src.line_of(exc.offset), None) from None


def _encode_batch(label: int, base: int, text: np.ndarray, bounds: np.ndarray,
                  opts: CompressOptions, writer: Any, packer: BlockPacker,
                  seeding: Seeding | None = None, trials: Trials | None = None) -> None:
    """Encode one single-end batch; full blocks go out through ``writer``. ``seeding``:
    the archive's seed, ``trials`` the encoder's trial winners, as for file input."""
    ends = np.append(bounds[1:], len(text))
    encoded = encode_seeded(text, bounds, ends, base + bounds, seeding, trials, base=base,
                            file_index=0, level=opts.level)
    for sb in encoded:
        entry = SubBlockEntry(len(sb.data), sb.header.raw_length, sb.header.n_records, 0,
                              crc32(sb.data))
        for data, info in packer.add(sb.data, entry):
            writer.write(data, info)


def _encode_work(work: tuple, opts: CompressOptions, writer: Any,
                 packer: BlockPacker | None, seeding: Seeding | None,
                 trials: Trials) -> None:
    """Encode one work item: ``("se", label, base, text, bounds, anchor)`` or ``("pe",
    label, joined, spans, meta, anchor)``; ``anchor``: None, or ``(offset, text)`` of the
    anchor of the batch's first trial group when an earlier batch holds it (see
    :func:`_with_anchors`). Without ``packer`` (an encoder rank) a fresh one labels the
    blocks with the batch number and is flushed at once."""
    kind, label, *rest, anchor = work
    if anchor is not None:
        prime_trials(trials, anchor[0], anchor[1], seeding)
    own = packer or BlockPacker(label)
    if kind == "se":
        _encode_batch(label, *rest, opts, writer, own, seeding, trials)
    else:
        encode_pair_batch(*rest, opts, own, writer, seeding, trials)
    if packer is None:
        for data, info in own.flush():
            writer.write(data, info)


def _with_anchors(items, window: int, seed_end: int | None):
    """``items`` (work items without their anchor) with it: for a batch whose first trial
    group began in an earlier batch, that group's anchor (offset and text, a copy), which
    the encoder of this batch may not have seen; else None. ``seed_end``: where seeded
    sub-blocks begin (None: no seed model)."""
    last: tuple | None = None          # (key, offset, text) of the newest group met
    for item in items:
        if item[0] == "se":
            _kind, _label, base, text, bounds = item
            keys = (base + bounds).tolist()
            spans = list(zip(bounds.tolist(), bounds[1:].tolist() + [len(text)]))
        else:
            _kind, _label, text, spans_, meta = item
            keys = [m[0] for m in meta]
            spans = list(zip(spans_[:-1].tolist(), spans_[1:].tolist()))
        roles = [ROLE_PLAIN] * len(keys) if seed_end is None else \
            seed_roles(np.array(keys, np.int64), seed_end).tolist()
        group_keys = [group_key(k, r, window) for k, r in zip(keys, roles)]
        anchor = None
        if group_keys and last is not None and group_keys[0] == last[0]:
            anchor = (last[1], last[2])
        for i, key in enumerate(group_keys):
            if last is None or key != last[0]:
                a, b = spans[i]
                last = (key, keys[i], text[a:b].copy())
        yield item + (anchor,)


def _work(sources: list[StreamSource], opts: CompressOptions, seed_end: int | None):
    """Work items in stream order: single-end batches, or paired batches of R1 windows
    with as many R2 records (errors located in their own stream), each with the anchor
    its encoder may need (:func:`_with_anchors`)."""
    return _with_anchors(_items(sources, opts), opts.window, seed_end)


def _items(sources: list[StreamSource], opts: CompressOptions):
    if len(sources) == 1:
        for b, base, text, bounds in _batches(sources[0], opts):
            yield ("se", b, base, text, bounds)
        return
    s1, s2 = sources
    batches = pair_batches(s1, s2, s1.name, s2.name, -1, -1, 0, 0, 0, opts)
    label = 0
    while True:
        try:
            joined, spans, meta, _u1, _u2 = next(batches)
        except StopIteration:
            return
        except FastqFormatError as exc:
            if exc.line is not None:
                raise
            src = s1 if exc.path == s1.name else s2
            raise exc.located(src.line_of(exc.offset), None) from None
        yield ("pe", label, joined, spans, meta)
        label += 1


def open_sources(inputs: list[str], interleaved: bool) -> list[StreamSource]:
    """The streams rank 0 reads: one input, two mates, or an interleaved input split in two."""
    if not interleaved:
        return [open_stream(p) for p in inputs]
    from ..fastq.interleaved import Deinterleaver
    first = open_stream(inputs[0])
    split = Deinterleaver(first.f, first.name)
    return [StreamSource(split.mates[0], f"{first.name} (R1 records)"),
            StreamSource(split.mates[1], f"{first.name} (R2 records)")]


def _footer_files(inputs: list[str], sources: list[StreamSource],
                  interleaved: bool) -> tuple[InputFile, ...]:
    names = ["-" if p == "-" else os.path.basename(p) for p in inputs]
    if interleaved:
        names = [f"{names[0]}#1", f"{names[0]}#2"]
    return tuple(InputFile(s.total, n) for s, n in zip(sources, names))


def compress_stream(comm: Any, src: str | tuple[str, ...], dst: str, opts: CompressOptions,
                    interleaved: bool = False) -> CompressResult:
    """Compress streams (collective): a pipe, FIFO or gzip/BGZF input; two of them (R1 and
    R2, a paired archive); or, with ``interleaved``, one input whose records alternate
    R1, R2 (a paired archive). Rank 0 reads; with P > 1 ranks the other ranks encode.
    The archive's sub-blocks are those of the same data given as plain files."""
    inputs = [src] if isinstance(src, str) else list(src)

    def check(path: str) -> None:
        if path != "-" and not os.path.exists(path):
            raise InputFileError(path, "no such file")

    job = CompressionJob(comm, inputs, dst, opts, check)
    error: BaseException | None = None
    files = None
    try:
        if comm.rank == 0:
            files = _read_side(comm, inputs, interleaved, opts, job)
        else:
            _encoder_side(comm, opts, job.writer)
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error = exc
    job.settle(error, getattr(error, "offset", None) or 0)
    return job.finish(comm.bcast(files, root=0))


def _read_side(comm: Any, inputs: list[str], interleaved: bool, opts: CompressOptions,
               job: CompressionJob) -> tuple[InputFile, ...]:
    """Rank 0: read the streams and encode them inline (one process) or deal them out
    (the seed's bases first, to every encoder); returns the footer's input files and
    sets ``job.seed``."""
    writer = job.writer
    sources = open_sources(inputs, interleaved)
    try:
        seed = stream_seed(sources, opts)
        if seed is not None:
            job.seed = seed[0]
        if comm.size == 1:
            packer = BlockPacker(0)
            seeding = None if seed is None else prepare(seed[2], seed[0], seed[1])
            trials = Trials(opts.level, opts.window, 0 if seed is None else seed[1])
            for work in _work(sources, opts, None if seed is None else seed[1]):
                _encode_work(work, opts, writer, packer, seeding, trials)
            for data, info in packer.flush():
                writer.write(data, info)
            return _footer_files(inputs, sources, interleaved)
        pending = comm.size - 1          # encoders not yet told to stop
        try:
            if seed is not None:         # every encoder walks the same seed
                for _ in range(comm.size - 1):
                    _ask, who = comm.recv_any()
                    comm.send(("seed",) + seed, who)
            for work in _work(sources, opts, None if seed is None else seed[1]):
                ask, who = comm.recv_any()
                if ask == "failed":      # e.g. a full disk: stop reading, release all
                    comm.send(None, who)
                    pending -= 1
                    break
                comm.send(work, who)
        finally:
            while pending:               # also on error: every encoder must be released
                _ask, who = comm.recv_any()
                comm.send(None, who)
                pending -= 1
        return _footer_files(inputs, sources, interleaved)
    finally:
        for source in sources:
            if source.f is not sys.stdin.buffer:
                source.f.close()


def _encoder_side(comm: Any, opts: CompressOptions, writer: Any) -> None:
    """Ranks > 0: ask for a batch, encode it, repeat until told to stop. An error is kept
    and the protocol goes on (answering without encoding) so the reader never waits."""
    failure: BaseException | None = None
    seeding = None
    trials = Trials(opts.level, opts.window)
    while True:
        comm.send("ready" if failure is None else "failed", 0)
        work = comm.recv(0)
        if work is None:
            break
        if failure is None:
            try:
                if work[0] == "seed":
                    _kind, seed, end, text = work
                    seeding = prepare(text, seed, end)
                    trials = Trials(opts.level, opts.window, end)
                    continue
                _encode_work(work, opts, writer, None, seeding, trials)
            except PhyngscError as exc:
                failure = exc
            except Exception as exc:  # noqa: BLE001 - reported after the protocol ends
                failure = InternalError(f"rank {comm.rank}: {type(exc).__name__}: {exc}")
    if failure is not None:
        raise failure
