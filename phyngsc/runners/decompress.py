"""Parallel decompression and verification of NGSC archives (SPMD).

Every rank reads the footer, takes a contiguous share of sub-blocks balanced
by decoding work (original bytes, the seed's sub-blocks weighed by what their reader
pays beside the seed's walk: :mod:`.seed_share`, which has the ranks of a node walk it
once; any rank count, unrelated to the one that compressed),
decodes a batch at a time with Numba threads and writes each sub-block at its
original offset with non-blocking ``MPI_File_iwrite_at`` into a pre-sized
output, overlapping the writes of one batch with the decoding of the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..core.checksums import crc32
from ..archive.decode import SubBlockText, decode_checked
from ..archive.reader import Archive
from ..bgzf import wants_bgzf
from ..destinations import Destination
from ..errors import ArchiveError, OutputError, UsageError
from .collective import open_everywhere
from .common import Progress, agree
from .decode_ahead import decoded_batches
from .output import OutputGroup
from .targets import (FileOutput, check_outputs, close_stream, open_stream, publish_all,
                      write_stream)
from .plan import batches, decode_weights, even_share, weighted_share
from .seed_share import SHARED_SEED_WEIGHT, SeedShare, plan_share, sharing_applies

#: Most original bytes decoded per batch and thread.
_BATCH_BYTES = 32 << 20


@dataclass
class DecompressOptions:
    threads: int = 1
    hints: dict[str, str] = field(default_factory=dict)
    progress: bool = False
    bgzf: bool = False      # BGZF output whatever the file names


def _to_ordered(comm: Any, arch: Archive, dests: list[Destination], opts: DecompressOptions,
                stdout: BinaryIO | None) -> int:
    """Outputs whose pieces are not at known offsets (BGZF, interleaved), or streams:
    every rank writes its share in order through an :class:`OutputGroup`."""
    group = OutputGroup(comm, dests, bgzf=opts.bgzf, stdout=stdout)
    error = None
    try:
        i0, i1, share = _planned(comm, arch)
        for a, b, headers, text, starts in decoded_batches(
                arch, _batches(arch, i0, i1, opts.threads), share):
            if len(dests) == 1:
                group.put(0, text)
                continue
            for k, h in enumerate(headers):
                sb = SubBlockText(arch, a + k, text[starts[k]:starts[k + 1]], h.n_records,
                                  h.raw_length1)
                group.put(0, sb.one)
                group.put(1, sb.two)
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error = exc
    try:
        agree(comm, error, getattr(error, "offset", None) or 0)
    except BaseException:
        group.discard()
        raise
    return sum(group.close())


def _share(comm: Any, arch: Archive, shared: bool = False) -> tuple[int, int]:
    """This rank's sub-blocks ``[i0, i1)``: balanced by decoding work
    (:func:`~.plan.decode_weights`), the same on every rank. ``shared``: the seed is
    walked once per node (:mod:`.seed_share`), so a seed sub-block weighs its walk."""
    seed = arch.footer.seed
    weights = decode_weights(arch.index.raw_length, 0 if seed is None else seed.n_subblocks,
                             **({"seed_weight": SHARED_SEED_WEIGHT} if shared else {}))
    return weighted_share(comm.rank, comm.size, weights)


def _planned(comm: Any, arch: Archive) -> tuple[int, int, SeedShare | None]:
    """Collective: this rank's share ``[i0, i1)`` and its part in its node's shared walk
    of the seed (None: none; see :mod:`.seed_share`)."""
    shared = sharing_applies(comm, arch)
    i0, i1 = _share(comm, arch, shared)
    return i0, i1, plan_share(comm, arch, i0, i1) if shared else None


def _batches(arch: Archive, i0: int, i1: int, threads: int) -> list[tuple[int, int]]:
    """Consecutive runs of sub-blocks of at most ~threads × 32 MiB of original text, cut
    where a chained seed ends (a run of seed sub-blocks alone can be decoded as soon as
    a walk beside the decoders is past it: ``decode_ahead``)."""
    out, start, acc = [], i0, 0
    limit = max(1, threads) * _BATCH_BYTES
    seed = arch.footer.seed
    seed_end = seed.n_subblocks if seed is not None and seed.chained else -1
    for i in range(i0, i1):
        acc += int(arch.index.raw_length[i])
        if acc >= limit or i - start + 1 >= 4 * max(1, threads) or i + 1 == seed_end:
            out.append((start, i + 1))
            start, acc = i + 1, 0
    if start < i1:
        out.append((start, i1))
    return out


def decompress_file(comm: Any, src: str, dst: str | None, opts: DecompressOptions,
                    stdout: BinaryIO | None = None, mate: str | None = None,
                    interleaved: bool = False) -> int:
    """Decompress archive ``src`` to ``dst`` (``None`` or ``"-"``: standard output, or
    ``stdout`` when given), R2 of a paired archive to ``mate``.

    Collective. Returns the number of bytes written. Outputs are checked before any
    work (:func:`check_outputs`). A regular file is written under a temporary name,
    its whole size reserved first, and renamed after every sub-block decoded and
    passed its CRC-32 and every write completed; on any error on any rank no output
    is left. Devices, FIFOs and standard output are written in place by rank 0.
    """
    if mate is not None and interleaved:
        raise UsageError("give either -p or --interleaved, not both")
    dests = check_outputs(comm, [src], [dst] if mate is None else [dst, mate])
    arch = open_everywhere(comm, src)
    try:
        paired = arch.index.paired or len(arch.footer.files) == 2
        if not paired and (mate is not None or interleaved):
            raise UsageError(f"{src}: not a paired archive (-p/--interleaved need one)")
        if paired and not interleaved and mate is None:
            raise UsageError(f"{src}: paired archive: give -p FILE for R2 (cutadapt's -o/-p) "
                             "or --interleaved")
        if interleaved or opts.bgzf or any(wants_bgzf(d.name) for d in dests):
            return _to_ordered(comm, arch, dests, opts, stdout)
        if not all(d.is_file for d in dests):
            return _to_streams(comm, arch, opts, dests, stdout)
        return _to_file(comm, arch, dests, opts)
    finally:
        arch.close()


def _to_file(comm: Any, arch: Archive, dests: list[Destination], opts: DecompressOptions) -> int:
    sizes = [f.size for f in arch.footer.files]
    outs: list[FileOutput] = []
    try:
        for dest, size in zip(dests, sizes):
            outs.append(FileOutput(comm, dest, opts.hints, size))   # full disk fails here
    except BaseException:
        for out in outs:
            out.discard()
        raise
    total = sum(sizes)
    progress = Progress(comm, total, "decompress", opts.progress)
    i0, i1, share = _planned(comm, arch)
    error: BaseException | None = None
    key = 0
    pending: list[Any] = []
    in_flight = None
    fh = [out.fh for out in outs]
    try:
        for a, b, headers, text, starts in decoded_batches(
                arch, _batches(arch, i0, i1, opts.threads), share):
            reqs, keep = [], [text]
            for k, h in enumerate(headers):
                part = text[starts[k]:starts[k + 1]]
                if len(fh) == 1:
                    reqs.append(fh[0].iwrite_at(h.sof, part))
                    continue
                sb = SubBlockText(arch, a + k, part, h.n_records, h.raw_length1)
                keep += [sb.one, sb.two]
                reqs.append(fh[0].iwrite_at(h.sof, sb.one))
                reqs.append(fh[1].iwrite_at(h.sof2, sb.two))
            done, pending = pending, []
            fh[0].wait_all(done)             # the previous batch's writes are done:
            pending, in_flight = reqs, keep  # its buffers may go; keep these alive
            progress.add(int(starts[-1]))
    except ArchiveError as exc:
        error, key = exc, exc.offset or 0
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error, key = exc, 1 << 62
    try:
        fh[0].wait_all(pending)
    except Exception as exc:  # noqa: BLE001 - agreed on below
        if error is None:
            error, key = exc, 1 << 62
    del in_flight
    progress.close()
    publish_all(comm, outs, error, key)
    return total


def _to_streams(comm: Any, arch: Archive, opts: DecompressOptions, dests: list[Destination],
                stdout: BinaryIO | None) -> int:
    """Rounds: rank r decodes the r-th run of sub-blocks of each round, rank 0 writes in
    order to the stream destinations (R1 and R2 apart for two of them)."""
    streams = [open_stream(comm, d, stdout) for d in dests]
    n = arch.n_subblocks
    per = max(1, 2 * opts.threads)
    runs = batches(0, n, per)
    written = 0
    failure: Any = None
    for first in range(0, len(runs), comm.size):
        mine = first + comm.rank
        payload: Any = None
        if mine < len(runs):
            try:
                a, b = runs[mine]
                headers, text, starts = decode_checked(arch, a, b)
                if len(dests) == 1:
                    payload = [text]
                else:
                    payload = [[], []]
                    for k, h in enumerate(headers):
                        sb = SubBlockText(arch, a + k, text[starts[k]:starts[k + 1]],
                                          h.n_records, h.raw_length1)
                        payload[0].append(sb.one)
                        payload[1].append(sb.two)
            except ArchiveError as exc:
                payload = exc
        gathered = comm.gather(payload, root=0)
        if comm.rank == 0:
            failure = next((g for g in gathered if isinstance(g, BaseException)), None)
            try:
                for g in gathered if failure is None else []:
                    if g is None:
                        continue
                    if len(dests) == 1:
                        write_stream(streams[0], dests[0], g[0])
                        written += len(g[0])
                        continue
                    for k in range(2):
                        for piece in g[k]:
                            write_stream(streams[k], dests[k], piece)
                            written += len(piece)
            except OutputError as exc:
                failure = exc
        failure = comm.bcast(failure, root=0)
        if failure is not None:
            break
    if comm.rank == 0 and failure is None:
        try:
            for s, d in zip(streams, dests):
                close_stream(s, d)
        except OutputError as exc:
            failure = exc
    failure = comm.bcast(failure, root=0)
    if failure is not None:
        raise failure
    return written


@dataclass
class VerifyReport:
    blocks: int
    subblocks: int
    bytes_checked: int


def _check_blocks(comm: Any, arch: Archive) -> None:
    """This rank's share of the blocks: each header agrees with the footer and each
    payload passes its CRC-32 (else :class:`ArchiveError` naming the first that fails)."""
    fb = arch.footer.blocks
    b0, b1 = even_share(comm.rank, comm.size, len(fb))
    for b in range(b0, b1):
        h = arch.block_header(b)
        e = fb[b]
        off = int(arch.index.block_start[b])
        if (h.rank, h.seq, h.payload_length, h.n_subblocks) != \
                (e.rank, e.seq, e.payload_length, e.n_subblocks):
            raise ArchiveError(arch.path, "block header disagrees with the footer", block=b,
                               offset=off)
        payload = arch.read(off + 32, h.payload_length)
        if len(payload) != h.payload_length or crc32(payload) != h.payload_crc:
            raise ArchiveError(arch.path, "block payload fails its checksum", block=b,
                               offset=off)


def verify_archive(comm: Any, src: str, opts: DecompressOptions) -> VerifyReport:
    """Collective: check every block header and payload CRC and decode every sub-block.

    Raises :class:`ArchiveError` naming the damage nearest the start of the file.
    """
    arch = open_everywhere(comm, src)
    error: BaseException | None = None
    key = 0
    checked = 0
    try:
        i0, i1, share = _planned(comm, arch)
        try:
            _check_blocks(comm, arch)
        except BaseException:
            if share is not None:     # its node's other ranks wait for its part
                share.withdraw(arch)
            raise
        for _a, _b, _h, text, _s in decoded_batches(arch, _batches(arch, i0, i1,
                                                                   opts.threads), share):
            checked += len(text)
    except ArchiveError as exc:
        error, key = exc, exc.offset or 0
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error, key = exc, 1 << 62
    finally:
        arch.close()
    agree(comm, error, key)
    total = comm.allreduce_sum(checked)
    return VerifyReport(len(arch.footer.blocks), arch.n_subblocks, total)
