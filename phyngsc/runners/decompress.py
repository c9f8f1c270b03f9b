"""Parallel decompression and verification of NGSC archives (SPMD).

Every rank reads the footer, takes a contiguous share of sub-blocks balanced
by original bytes (any rank count, unrelated to the one that compressed),
decodes a batch at a time with Numba threads and writes each sub-block at its
original offset with non-blocking ``MPI_File_iwrite_at`` into a pre-sized
output, overlapping the writes of one batch with the decoding of the next.
"""

from __future__ import annotations

import os
import sys
import zlib
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from ..bgzf import EOF_BLOCK, compress_blocks, wants_bgzf
from ..errors import ArchiveError, PhyngscError, UsageError
from ..reader import Archive
from ..subblocks import SubBlockCorrupt, decode_subblocks
from .common import Progress, agree, finish_output, register_output, temp_name
from .plan import batches, even_share, weighted_share
from .selection import SubBlockText

#: Most original bytes decoded per batch and thread.
_BATCH_BYTES = 32 << 20


@dataclass
class DecompressOptions:
    threads: int = 1
    hints: dict[str, str] = field(default_factory=dict)
    progress: bool = False
    bgzf: bool = False      # BGZF output whatever the file names


def _to_ordered(comm: Any, arch: Archive, dsts: list[str], opts: DecompressOptions,
                interleaved: bool) -> int:
    """Outputs whose pieces are not at known offsets (BGZF, interleaved): every rank writes
    its share in order through :class:`OrderedOutput`; BGZF blocks are made per rank,
    independently, and the last rank adds the EOF block."""
    from .output import OrderedOutput
    outs = [OrderedOutput(comm, d) for d in dsts]
    bgzf = [opts.bgzf or wants_bgzf(d) for d in dsts]

    def put(k: int, data) -> None:
        outs[k].write(compress_blocks(data) if bgzf[k] else data)

    try:
        i0, i1 = weighted_share(comm.rank, comm.size, arch.index.raw_length)
        for a, b in _batches(arch, i0, i1, opts.threads):
            headers, text, starts = _decode_range(arch, a, b)
            if len(dsts) == 1:
                put(0, text)
                continue
            for k, h in enumerate(headers):
                sb = SubBlockText(arch, a + k, text[starts[k]:starts[k + 1]], h.n_records,
                                  h.raw_length1)
                put(0, sb.one)
                put(1, sb.two)
        if comm.rank == comm.size - 1:
            for k in range(len(outs)):
                if bgzf[k]:
                    outs[k].write(EOF_BLOCK)
    except BaseException:
        for out in outs:
            out.discard()
        raise
    return sum(out.close() for out in outs)


def _open_everywhere(comm: Any, path: str) -> Archive:
    arch: Archive | None = None
    error = None
    try:
        arch = Archive(path)
    except PhyngscError as exc:
        error = exc
    agree(comm, error)
    assert arch is not None
    return arch


def _batches(arch: Archive, i0: int, i1: int, threads: int) -> list[tuple[int, int]]:
    """Consecutive runs of sub-blocks of at most ~threads × 32 MiB of original text."""
    out, start, acc = [], i0, 0
    limit = max(1, threads) * _BATCH_BYTES
    for i in range(i0, i1):
        acc += int(arch.index.raw_length[i])
        if acc >= limit or i - start + 1 >= 4 * max(1, threads):
            out.append((start, i + 1))
            start, acc = i + 1, 0
    if start < i1:
        out.append((start, i1))
    return out


def _decode_range(arch: Archive, a: int, b: int):
    """Decode sub-blocks ``[a, b)``; raise ArchiveError naming the first bad one."""
    ix = arch.index
    encoded = [arch.subblock_bytes(i) for i in range(a, b)]
    try:
        headers, text, starts = decode_subblocks(encoded)
    except SubBlockCorrupt as exc:
        i = a + exc.index
        raise ArchiveError(arch.path, exc.reason, block=int(ix.block[i]), subblock=i,
                           offset=int(ix.offset[i])) from None
    for k, h in enumerate(headers):
        i = a + k
        if h.sof != ix.sof[i] or h.raw_length != ix.raw_length[i] or \
                h.n_records != ix.n_records[i] or (ix.paired and (
                    h.sof2 != ix.sof2[i] or h.raw_length1 != ix.raw_length1[i])):
            raise ArchiveError(arch.path, "sub-block header disagrees with the footer",
                               block=int(ix.block[i]), subblock=i, offset=int(ix.offset[i]))
    return headers, text, starts


def decompress_file(comm: Any, src: str, dst: str | None, opts: DecompressOptions,
                    stdout: BinaryIO | None = None, mate: str | None = None,
                    interleaved: bool = False) -> int:
    """Decompress archive ``src`` to ``dst`` (``None``: to ``stdout`` via rank 0).

    Collective. Returns the number of bytes written. The output is written to a
    temporary name and renamed after every sub-block decoded and passed its
    CRC-32; on error no output is left.
    """
    arch = _open_everywhere(comm, src)
    try:
        paired = arch.index.paired or len(arch.footer.files) == 2
        if not paired and (mate is not None or interleaved):
            raise UsageError(f"{src}: not a paired archive (-p/--interleaved need one)")
        if paired and not interleaved and mate is None:
            raise UsageError(f"{src}: paired archive: give -p FILE for R2 (cutadapt's -o/-p) "
                             "or --interleaved")
        if paired and interleaved and mate is not None:
            raise UsageError("give either -p or --interleaved, not both")
        if dst is None:
            if paired and not interleaved:
                raise UsageError("R1 and R2 cannot both go to standard output: use "
                                 "--interleaved -o -")
            return _to_stream(comm, arch, opts, stdout or sys.stdout.buffer)
        dsts = [dst] if mate is None else [dst, mate]
        if interleaved or opts.bgzf or any(wants_bgzf(d) for d in dsts):
            return _to_ordered(comm, arch, dsts, opts, interleaved)
        return _to_file(comm, arch, dsts, opts)
    finally:
        arch.close()


def _to_file(comm: Any, arch: Archive, dsts: list[str], opts: DecompressOptions) -> int:
    sizes = [f.size for f in arch.footer.files]
    setup: Any = None
    if comm.rank == 0:
        setup = []
        for dst in dsts:
            d = os.path.dirname(os.path.abspath(dst))
            if not os.path.isdir(d):
                setup = UsageError(f"{dst}: output directory {d} does not exist")
                break
            setup.append(temp_name(dst))
    setup = comm.bcast(setup, root=0)
    if isinstance(setup, BaseException):
        raise setup
    tmps = setup
    outs = []
    for tmp, size in zip(tmps, sizes):
        register_output(tmp)
        outs.append(comm.open_write(tmp, opts.hints))
        outs[-1].set_size(size)  # collective: pre-size the output
    total = sum(sizes)
    progress = Progress(comm, total, "decompress", opts.progress)
    i0, i1 = weighted_share(comm.rank, comm.size, arch.index.raw_length)
    error: BaseException | None = None
    key = 0
    pending: list[Any] = []
    in_flight = None
    try:
        for a, b in _batches(arch, i0, i1, opts.threads):
            headers, text, starts = _decode_range(arch, a, b)
            reqs, keep = [], [text]
            for k, h in enumerate(headers):
                part = text[starts[k]:starts[k + 1]]
                if len(outs) == 1:
                    reqs.append(outs[0].iwrite_at(h.sof, part))
                    continue
                sb = SubBlockText(arch, a + k, part, h.n_records, h.raw_length1)
                keep += [sb.one, sb.two]
                reqs.append(outs[0].iwrite_at(h.sof, sb.one))
                reqs.append(outs[1].iwrite_at(h.sof2, sb.two))
            outs[0].wait_all(pending)        # the previous batch's writes are done:
            pending, in_flight = reqs, keep  # its buffers may go; keep these alive
            progress.add(int(starts[-1]))
    except ArchiveError as exc:
        error, key = exc, exc.offset or 0
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error, key = exc, 1 << 62
    finally:
        outs[0].wait_all(pending)
        del in_flight
    progress.close()
    try:
        agree(comm, error, key)
    except BaseException:
        for out, tmp in zip(outs, tmps):
            out.close()
            finish_output(tmp, None, comm.rank)
        comm.barrier()
        raise
    for out, tmp, dst in zip(outs, tmps, dsts):
        out.close()
        finish_output(tmp, dst, comm.rank)
    comm.barrier()
    return total


def _to_stream(comm: Any, arch: Archive, opts: DecompressOptions, stream: BinaryIO) -> int:
    """Rounds: rank r decodes the r-th run of sub-blocks of each round, rank 0 writes in order."""
    n = arch.n_subblocks
    per = max(1, 2 * opts.threads)
    runs = batches(0, n, per)
    written = 0
    for first in range(0, len(runs), comm.size):
        mine = first + comm.rank
        payload: Any = None
        if mine < len(runs):
            try:
                _h, text, _s = _decode_range(arch, *runs[mine])
                payload = text
            except ArchiveError as exc:
                payload = exc
        gathered = comm.gather(payload, root=0)
        failure = None
        if comm.rank == 0:
            failure = next((g for g in gathered if isinstance(g, BaseException)), None)
            if failure is None:
                for g in gathered:
                    if g is not None:
                        stream.write(memoryview(g))
                        written += len(g)
        failure = comm.bcast(failure, root=0)
        if failure is not None:
            raise failure
    if comm.rank == 0:
        stream.flush()
    return written


@dataclass
class VerifyReport:
    blocks: int
    subblocks: int
    bytes_checked: int


def verify_archive(comm: Any, src: str, opts: DecompressOptions) -> VerifyReport:
    """Collective: check every block header and payload CRC and decode every sub-block.

    Raises :class:`ArchiveError` naming the damage nearest the start of the file.
    """
    arch = _open_everywhere(comm, src)
    error: BaseException | None = None
    key = 0
    checked = 0
    try:
        fb = arch.footer.blocks
        b0, b1 = even_share(comm.rank, comm.size, len(fb))
        for b in range(b0, b1):
            h = arch.block_header(b)
            e = fb[b]
            off = int(arch.index.block_start[b])
            if (h.rank, h.seq, h.payload_length, h.n_subblocks) != \
                    (e.rank, e.seq, e.payload_length, e.n_subblocks):
                raise ArchiveError(src, "block header disagrees with the footer", block=b,
                                   offset=off)
            payload = arch._read(off + 32, h.payload_length)
            if len(payload) != h.payload_length or zlib.crc32(payload) != h.payload_crc:
                raise ArchiveError(src, "block payload fails its checksum", block=b, offset=off)
        i0, i1 = weighted_share(comm.rank, comm.size, arch.index.raw_length)
        for a, b in _batches(arch, i0, i1, opts.threads):
            _h, text, _s = _decode_range(arch, a, b)
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
