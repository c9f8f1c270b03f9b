"""In compresso commands over an archive, on any number of ranks (same output as one).

Each command stops as early on the decode path as its answer allows: ``count``
reads the footer; header-only ``stats`` reads sub-block headers; full ``stats``
decodes LENGTHS and QUAL; ``grep`` decodes DNA and LENGTHS and fully decodes
only sub-blocks with a match; ``fasta`` decodes TITLES, DNA and LENGTHS.
Ranks take contiguous shares of sub-blocks balanced by original bytes, so
concatenating their outputs in rank order gives file order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np

from ..archive.decode import decode_streams_of, decode_text, record_starts_of
from ..archive.quality import guess_encoding, quality_encoding
from ..archive.reader import Archive
from ..archive.seed_chain import with_bases
from ..errors import UsageError
from ..format.constants import SID_DNA, SID_LENGTHS, SID_QUAL, SID_TITLES
from .collective import my_batches, open_everywhere, run_collective
from .common import agree
from .output import OrderedOutput
from .stats import stats
from .targets import check_outputs

# -- count ----------------------------------------------------------------------------
def count(comm: Any, path: str) -> int:
    """Number of records, from the footer alone (no Numba, no decoding)."""
    arch = open_everywhere(comm, path)
    try:
        return arch.count()
    finally:
        arch.close()


# -- grep -----------------------------------------------------------------------------
def grep(comm: Any, path: str, pattern: str, *, first: bool = False, revcomp: bool = False,
         max_records: int | None = None, stdout: BinaryIO | None = None,
         dst: str | None = None) -> int:
    """Print records whose sequence contains ``pattern`` (IUPAC), in file order.

    Returns the number printed. With ``first``, ranks stop as soon as the
    earliest match in file order is certain.
    """
    from ..records.kernels import pattern_masks, reverse_complement_masks
    try:
        fwd = pattern_masks(pattern)
    except ValueError as exc:
        raise UsageError(f"pattern {pattern!r}: {exc}") from None
    rev = reverse_complement_masks(fwd)
    if max_records is not None and max_records < 1:
        raise UsageError(f"--max must be at least 1 (got {max_records})")
    limit = 1 if first else max_records
    dest = check_outputs(comm, [path], [dst])[0]
    arch = open_everywhere(comm, path)
    out = OrderedOutput(comm, dest, stdout)
    try:
        settled, found = (_first_look(arch, fwd, rev, revcomp) if first else (False, []))
        if settled:   # every rank saw the same: rank 0 prints it
            found = found if comm.rank == 0 else []
        else:
            batches = my_batches(comm, arch, growing=first, bases=True)
            found = run_collective(comm, _grep_local, comm, arch, batches, fwd, rev, revcomp,
                                limit, first)
        n_before = sum(comm.allgather(len(found))[:comm.rank])
        take = len(found) if limit is None else max(0, min(len(found), limit - n_before))
        for rec in found[:take]:
            out.write(rec)
        total = comm.allreduce_sum(take)
    except BaseException:
        out.discard()
        raise
    finally:
        arch.close()
    out.close()
    return total


def _first_look(arch: Archive, fwd: np.ndarray, rev: np.ndarray,
                revcomp: bool) -> tuple[bool, list[bytes]]:
    """``grep --first`` on the first reads of the archive, without Numba: ``(True,
    [record])`` or ``(True, [])`` (no sub-block holds a match) when that settles it,
    else ``(False, [])``. Every rank computes the same answer from the same bytes; any
    error leaves the question to the full path, which reports it."""
    from ..records.head import first_match
    if arch.n_subblocks == 0:
        return True, []
    seed = arch.footer.seed
    chain = seed if seed is not None and seed.chained else None
    try:   # sub-blocks are indexed in file order
        settled, text = first_match(arch.subblock_bytes(0), fwd, rev, revcomp, chain=chain)
    except Exception:  # noqa: BLE001 - the full path decides and reports
        return False, []
    if text is not None:
        return True, [text]
    return settled and arch.n_subblocks == 1, []


def _grep_local(comm: Any, arch: Archive, batches: list[np.ndarray], fwd: np.ndarray,
                rev: np.ndarray, revcomp: bool, limit: int | None, first: bool) -> list[bytes]:
    """This rank's matching records, in order (at most ``limit``).

    With ``first`` the ranks work in rounds: after each round they agree on errors
    and on the earliest sub-block with a match; a rank stops when it has a match
    or its next sub-block lies after the earliest match, so nothing it could
    still find would come first.
    """
    found: list[bytes] = []
    found_at = 1 << 62
    k = 0
    while True:
        if first:
            best = comm.allreduce_min(found_at)
            active = not found and k < len(batches) and int(batches[k][0]) < best
            if comm.allreduce_sum(int(active)) == 0:
                break
            error = None
            if active:
                try:
                    hit_at = _grep_batch(arch, batches[k], fwd, rev, revcomp, 1, found)
                    found_at = hit_at if found else found_at
                except Exception as exc:  # noqa: BLE001 - agreed on in this round
                    error = exc
                k += 1
            agree(comm, error, getattr(error, "offset", None) or 0)
            continue
        if k >= len(batches) or (limit is not None and len(found) >= limit):
            break
        _grep_batch(arch, batches[k], fwd, rev, revcomp, limit, found)
        k += 1
    return found


def _grep_batch(arch: Archive, batch: np.ndarray, fwd: np.ndarray, rev: np.ndarray,
                revcomp: bool, limit: int | None, found: list[bytes]) -> int:
    """Append the matching records of one batch to ``found``; return the sub-block index
    of the first match in this batch (or a huge number)."""
    from ..records.kernels import grep_records, read_lengths
    data = [arch.subblock_bytes(int(i)) for i in batch]
    headers, streams = decode_streams_of(arch, batch, (SID_DNA, SID_LENGTHS), data)
    hit_blocks = []
    for j, (h, s) in enumerate(zip(headers, streams)):
        lengths = read_lengths(s[SID_LENGTHS], h.n_records)
        hits = grep_records(s[SID_DNA], lengths, fwd, rev, revcomp)
        if hits.any():
            hit_blocks.append((j, np.nonzero(hits)[0]))
            if limit == 1:
                break
    if not hit_blocks:
        return 1 << 62
    if limit == 1:   # one record: decode the other streams only as far as it
        from ..records.head import head_of_decoded, record_text
        j, recs = hit_blocks[0]
        s = streams[j]
        head = head_of_decoded(data[j], s[SID_LENGTHS], lengths, s[SID_DNA],
                               arch.quality_model)
        text = None if head is None else record_text(head, int(recs[0]), interpret=False)
        if text is not None:
            found.append(text)
            return int(batch[j])
    # the matching sub-blocks' text, their bases as already decoded (stored in place of
    # their DNA streams, so the DNA model does not run twice; the text CRC still checks)
    sel = np.array([batch[j] for j, _ in hit_blocks])
    th, text, starts = decode_text(arch, sel, [with_bases(data[j], streams[j][SID_DNA])
                                               for j, _ in hit_blocks])
    for (j, recs), h, a, b in zip(hit_blocks, th, starts[:-1], starts[1:]):
        t = text[a:b]
        rs = record_starts_of(arch, int(batch[j]), t, h.n_records)
        for r in recs.tolist():
            if limit is not None and len(found) >= limit:
                break
            found.append(t[rs[r]:rs[r + 1]].tobytes())
    return int(batch[hit_blocks[0][0]])


# -- fasta, filter --------------------------------------------------------------------
def fasta(comm: Any, path: str, dst: str | None, stdout: BinaryIO | None = None) -> int:
    """Write ``>title`` + one-line sequence for every record; never decodes qualities."""
    from ..records.kernels import fasta_text, read_lengths

    def local(out: OrderedOutput, arch: Archive) -> int:
        n = 0
        for batch in my_batches(comm, arch, bases=True):
            headers, streams = decode_streams_of(arch, batch, (SID_TITLES, SID_DNA, SID_LENGTHS))
            for h, s in zip(headers, streams):
                out.write(fasta_text(s[SID_TITLES], s[SID_DNA],
                                     read_lengths(s[SID_LENGTHS], h.n_records)))
                n += h.n_records
        return n

    return _write_command(comm, path, dst, stdout, local)


@dataclass
class FilterOptions:
    min_mean_quality: float = 0.0
    max_n: int = -1
    min_length: int = 0
    trim_quality: int = -1


def filter_records(comm: Any, path: str, dst: str | None, opts: FilterOptions,
                   stdout: BinaryIO | None = None) -> tuple[int, int]:
    """Trim and filter; write kept records as 4-line FASTQ. Returns (kept, dropped)."""
    from ..records import kernels

    def local(out: OrderedOutput, arch: Archive) -> tuple[int, int]:
        offset = quality_encoding(arch).offset
        kept = total = 0
        for batch in my_batches(comm, arch, bases=True):
            headers, streams = decode_streams_of(arch, batch,
                                                 (SID_TITLES, SID_DNA, SID_QUAL, SID_LENGTHS))
            for h, s in zip(headers, streams):
                lengths = kernels.read_lengths(s[SID_LENGTHS], h.n_records)
                text, k = kernels.filter_records(s[SID_TITLES], s[SID_DNA], s[SID_QUAL], lengths,
                                                 offset, opts.trim_quality,
                                                 float(opts.min_mean_quality), opts.max_n,
                                                 opts.min_length)
                out.write(text)
                kept += int(k)
                total += h.n_records
        return kept, total

    kept, total = _write_command(comm, path, dst, stdout, local, reduce=True)
    return kept, total - kept


def _finish(comm: Any, arch: Archive, out: Any, local) -> Any:
    """Run ``local()`` collectively, then close ``arch`` and ``out``; on an agreed error
    drop the output (``out``: an OrderedOutput or a SelectionWriter)."""
    try:
        value = run_collective(comm, local)
    except BaseException:
        out.discard()
        arch.close()
        raise
    arch.close()
    out.close()
    return value


def _write_command(comm: Any, path: str, dst: str | None, stdout: BinaryIO | None, local,
                   reduce: bool = False):
    dest = check_outputs(comm, [path], [dst])[0]
    arch = open_everywhere(comm, path)
    out = OrderedOutput(comm, dest, stdout)
    value = _finish(comm, arch, out, lambda: local(out, arch))
    if reduce:
        return tuple(sum(v) for v in zip(*comm.allgather(value)))
    return comm.allreduce_sum(value)


# -- extract --------------------------------------------------------------------------
def extract(comm: Any, path: str, dst: str | None, *, start: int | None = None,
            stop: int | None = None, names: set[bytes] | None = None,
            stdout: BinaryIO | None = None, mate: str | None = None,
            inputs: tuple[str, ...] = (), missing: list[bytes] | None = None,
            walked: list[float] | None = None) -> int:
    """Write records ``start``..``stop``-1 (0-based, file order; ``None``: from the
    first, to the last), or the records whose name (title up to the first space) or
    whole title is in ``names``; exact original text. Decodes only the sub-blocks that
    hold them. Returns the records written; the names that matched nothing are added
    to ``missing`` when given. ``inputs``: other files the command read (a names
    file), which the outputs must not overwrite. ``walked``: when given, the longest
    time (wall seconds) any rank spent walking the archive's chained seed is appended
    (collective): what a seed index beside the archive would have spared.

    Paired archives work by pairs: numbers count pairs, a name matching either mate
    selects the pair, and both mates are written: R1 to ``dst`` and R2 to ``mate``, or
    interleaved (R1, R2, ...) to ``dst`` when ``mate`` is None."""
    from .selection import SelectionWriter, range_selection
    dests = check_outputs(comm, [path, *inputs], [dst] if mate is None else [dst, mate])
    arch = open_everywhere(comm, path)
    paired = arch.index.paired
    total = arch.count() // 2 if paired else arch.count()
    unit = "pairs" if paired else "records"
    start = 0 if start is None else start
    stop = total if stop is None else stop
    problem = None
    if mate is not None and not paired:
        problem = UsageError(f"{path}: not a paired archive (-p needs one)")
    elif names is None and not 0 <= start < stop <= total:
        problem = UsageError(f"{path}: record range {start}:{stop} is outside the archive's "
                             f"{total} {unit} (valid: 0 <= A < B <= {total})")
    if problem is not None:
        arch.close()
        raise problem
    step = 2 if paired else 1
    out = SelectionWriter(comm, dests, stdout=stdout)
    found: set[bytes] = set()

    def local() -> int:
        if names is None:
            selection = range_selection(arch, start * step, stop * step)
        else:
            selection = _find_names(comm, arch, names, step, found)
        out.write(arch, selection)
        return out.records // step

    written = comm.allreduce_sum(_finish(comm, arch, out, local))
    if names is not None and missing is not None:
        missing.extend(sorted(names - found))
    if walked is not None:
        walked.append(max(comm.allgather(arch.seed_walk_seconds)))
    return written


def _find_names(comm: Any, arch: Archive, names: set[bytes], step: int,
                found_names: set[bytes]) -> dict:
    """Selection of the named records (whole pairs when ``step`` is 2), gathered on
    every rank: only titles are decoded. The names that matched go into
    ``found_names`` (every rank gets all of them)."""
    mine: dict[int, list[tuple[int, int]]] = {}
    hit: set[bytes] = set()
    for batch in my_batches(comm, arch):
        headers, streams = decode_streams_of(arch, batch, (SID_TITLES,))
        for i, s in zip(batch, streams):
            picked: list[int] = []
            for r, title in enumerate(s[SID_TITLES].tobytes().split(b"\n")[:-1]):
                name = title.split(None, 1)[0] if title.strip() else b""
                if title in names or name in names:
                    hit.update(x for x in (title, name) if x in names)
                    first = r - r % step
                    if not picked or picked[-1] != first:
                        picked.append(first)
            if picked:
                mine[int(i)] = [(r, r + step) for r in picked]
    found: dict[int, list[tuple[int, int]]] = {}
    for part, names_hit in comm.allgather((mine, hit)):
        found.update(part)
        found_names.update(names_hit)
    return found


__all__ = ["count", "stats", "grep", "fasta", "FilterOptions", "filter_records", "extract",
           "guess_encoding"]
