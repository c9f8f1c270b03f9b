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

from ..errors import ArchiveError, OutputError, PhyngscError, UsageError
from ..format.constants import SID_DNA, SID_LENGTHS, SID_QUAL, SID_TITLES
from ..reader import Archive
from .common import agree
from .output import OrderedOutput
from .targets import check_outputs, staged, write_file
from .plan import weighted_share

_BATCH = 16


def _open(comm: Any, path: str) -> Archive:
    arch, error = None, None
    try:
        arch = Archive(path)
    except PhyngscError as exc:
        error = exc
    agree(comm, error)
    return arch  # type: ignore[return-value]


def _my_batches(comm: Any, arch: Archive, subset: np.ndarray | None = None,
                growing: bool = False) -> list[np.ndarray]:
    """This rank's sub-block indices (input order) in batches of ``_BATCH``; with
    ``growing``, batches of 1, 2, 4, ... so that an early answer costs little."""
    idx = np.arange(arch.n_subblocks) if subset is None else subset
    a, b = weighted_share(comm.rank, comm.size, arch.index.raw_length[idx])
    mine = idx[a:b]
    out, k, size = [], 0, 1 if growing else _BATCH
    while k < len(mine):
        out.append(mine[k:k + size])
        k += size
        size = min(2 * size, _BATCH)
    return out


def _fail(arch: Archive, i: int, reason: str) -> ArchiveError:
    ix = arch.index
    return ArchiveError(arch.path, reason, block=int(ix.block[i]), subblock=int(i),
                        offset=int(ix.offset[i]))


def _decode(arch: Archive, batch: np.ndarray, wanted: tuple[int, ...],
            data: list[bytes] | None = None):
    """Decode the ``wanted`` streams of the sub-blocks in ``batch`` (whose bytes are
    ``data`` when the caller has read them already)."""
    from ..subblocks import SubBlockCorrupt, decode_streams
    if data is None:
        data = [arch.subblock_bytes(int(i)) for i in batch]
    try:
        return decode_streams(data, wanted)
    except SubBlockCorrupt as exc:
        raise _fail(arch, int(batch[exc.index]), exc.reason) from None


def _decode_text(arch: Archive, batch: np.ndarray):
    from ..subblocks import SubBlockCorrupt, decode_subblocks
    try:
        return decode_subblocks([arch.subblock_bytes(int(i)) for i in batch])
    except SubBlockCorrupt as exc:
        raise _fail(arch, int(batch[exc.index]), exc.reason) from None


def _records_of(arch: Archive, i: int, text: np.ndarray, n_records: int) -> np.ndarray:
    from ..compresso.kernels import record_starts
    starts = record_starts(text, n_records)
    if n_records and starts[0] < 0:
        raise _fail(arch, i, "decoded text does not split into its records")
    return starts


def _collective(comm: Any, fn, *args):
    """Run the local part ``fn``; agree on errors; return its value."""
    value, error = None, None
    try:
        value = fn(*args)
    except Exception as exc:  # noqa: BLE001 - agreed on below
        error = exc
    agree(comm, error, getattr(error, "offset", None) or 0)
    return value


# -- count ----------------------------------------------------------------------------
def count(comm: Any, path: str) -> int:
    """Number of records, from the footer alone (no Numba, no decoding)."""
    arch = _open(comm, path)
    try:
        return arch.count()
    finally:
        arch.close()


# -- stats ----------------------------------------------------------------------------
def guess_encoding(lowest: int | None, highest: int | None) -> tuple[str, int, str]:
    """(encoding name, Phred offset, evidence) from the lowest and highest quality bytes."""
    if lowest is None or highest is None:
        return "unknown", 33, "no quality values"
    lo, hi = chr(lowest), chr(highest)
    span = f"quality bytes range from {lo!r} ({lowest}) to {hi!r} ({highest})"
    if lowest < 59:
        return "Sanger/Phred+33", 33, f"{span}; bytes below ';' (59) occur only in Phred+33"
    if lowest < 64:
        return "Solexa+64", 64, f"{span}; ';'..'?' (59-63) occur only in Solexa+64 scores"
    return "Illumina 1.3+/Phred+64", 64, (
        f"{span}; nothing below '@' (64): Phred+64 (Phred+33 would need Q >= 31 on every "
        "base)" + ("; 'B' is the lowest, as Illumina 1.5+ uses it to mark ends" if lowest == 66
                   else ""))


@dataclass
class _Partial:
    hist: dict[int, int]
    qsum: np.ndarray
    qcount: np.ndarray
    per_sb_qsum: list[np.ndarray]
    per_sb_qcount: list[np.ndarray]


def stats(comm: Any, path: str, *, headers_only: bool = False,
          hdf5: str | None = None) -> dict:
    """Statistics of an archive (collective; the same dict on every rank); with
    ``hdf5``, per-sub-block arrays are also written there (rank 0 writes)."""
    dest = None
    if hdf5 is not None:
        dest = check_outputs(comm, [path], [hdf5])[0]
        import importlib.util
        if importlib.util.find_spec("h5py") is None:   # checked before any work
            raise UsageError("--hdf5 needs h5py (pip install h5py)")
    arch = _open(comm, path)
    try:
        batches = _my_batches(comm, arch)

        def headers():
            rows = []
            for batch in batches:
                for i in batch:
                    h = arch.subblock_header(int(i))
                    rows.append({"index": int(i), "records": h.n_records, "bases": h.n_bases,
                                 "nucleotides": h.nucleotides, "min_seq": h.min_seq,
                                 "max_seq": h.max_seq, "max_title": h.max_title,
                                 "quality_mask": h.quality_mask, "sof": h.sof,
                                 "raw_length": h.raw_length, "file_index": h.file_index})
            return rows

        rows = _collective(comm, headers)
        all_rows = [r for part in comm.allgather(rows) for r in part]
        width = max((r["max_seq"] for r in all_rows if r["records"]), default=0)
        part = None
        if not headers_only:
            part = _collective(comm, _quality_pass, arch, batches, width)
        result = _combine(comm, arch, all_rows, part, width, headers_only)
        if dest is not None:
            gathered = comm.gather((part.per_sb_qsum, part.per_sb_qcount) if part else None,
                                   root=0)

            def produce(target: str) -> None:
                _collective(comm, lambda: _write_hdf5(comm.rank, arch, all_rows, gathered,
                                                      width, target, dest.name, result))

            if dest.is_file:
                write_file(comm, dest, produce)
            else:
                staged(comm, dest, produce, "stats.h5")
        return result
    finally:
        arch.close()


def _quality_pass(arch: Archive, batches: list[np.ndarray], width: int) -> _Partial:
    from ..compresso.kernels import quality_by_position, read_lengths
    hist: dict[int, int] = {}
    qsum = np.zeros(width, np.int64)
    qcount = np.zeros(width, np.int64)
    per_sum, per_count = [], []
    for batch in batches:
        headers, streams = _decode(arch, batch, (SID_LENGTHS, SID_QUAL))
        for h, s in zip(headers, streams):
            lengths = read_lengths(s[SID_LENGTHS], h.n_records)
            values, counts = np.unique(lengths, return_counts=True)
            for v, c in zip(values.tolist(), counts.tolist()):
                hist[v] = hist.get(v, 0) + c
            sums, cnts = quality_by_position(s[SID_QUAL], lengths, width)
            qsum += sums
            qcount += cnts
            per_sum.append(sums)
            per_count.append(cnts)
    return _Partial(hist, qsum, qcount, per_sum, per_count)


def _combine(comm: Any, arch: Archive, rows: list[dict], part: _Partial | None, width: int,
             headers_only: bool) -> dict:
    nf = [sum(r["nucleotides"][k] for r in rows) for k in range(6)]
    records = sum(r["records"] for r in rows)
    bases = sum(r["bases"] for r in rows)
    mask = 0
    for r in rows:
        mask |= r["quality_mask"]
    alphabet = "".join(chr(33 + i) for i in range(94) if mask >> i & 1)
    lo = ord(alphabet[0]) if alphabet else None
    hi = ord(alphabet[-1]) if alphabet else None
    encoding, offset, evidence = guess_encoding(lo, hi)
    acgt = sum(nf[:4])
    with_reads = [r for r in rows if r["records"]]
    result = {
        "archive": arch.path, "records": records, "bases": bases,
        "nucleotides": dict(zip(("A", "C", "G", "T", "N", "other"), nf)),
        "gc_fraction": (nf[1] + nf[2]) / acgt if acgt else 0.0,
        "read_length": {"min": min((r["min_seq"] for r in with_reads), default=0),
                        "max": width, "mean": bases / records if records else 0.0},
        "quality": {"alphabet": alphabet, "encoding": encoding, "offset": offset,
                    "evidence": evidence},
        "subblocks": arch.n_subblocks,
    }
    if not headers_only:
        parts = comm.allgather((part.hist, part.qsum, part.qcount))
        hist: dict[int, int] = {}
        qsum = np.zeros(width, np.int64)
        qcount = np.zeros(width, np.int64)
        for h, s, c in parts:
            for k, v in h.items():
                hist[k] = hist.get(k, 0) + v
            qsum += s
            qcount += c
        result["read_length"]["histogram"] = [[k, hist[k]] for k in sorted(hist)]
        mean = (qsum - offset * qcount) / np.maximum(qcount, 1)   # exact integer numerator
        result["quality"]["mean_per_position"] = [round(float(x), 4) for x in mean]
    return result


def _write_hdf5(rank: int, arch: Archive, rows: list[dict], gathered: list | None, width: int,
                path: str, name: str, result: dict) -> None:
    """Per-sub-block arrays (input order) for notebooks: counts, offsets, record ranges,
    per-position quality sums. Rank 0 writes ``path``; a failure is an OutputError
    naming ``name``. The file is built in memory (a few arrays per sub-block), then
    written with checked writes."""
    if rank != 0:
        return
    import io
    buf = io.BytesIO()   # built in memory: HDF5 itself crashes on some disk-full paths
    _hdf5_file(arch, rows, gathered, width, buf, result)
    try:
        with open(path, "wb") as f:
            f.write(buf.getbuffer())
    except OSError as exc:
        raise OutputError.from_os(name, exc) from None


def _hdf5_file(arch: Archive, rows: list[dict], gathered: list | None, width: int,
               path: Any, result: dict) -> None:
    import h5py
    ix = arch.index
    rows = sorted(rows, key=lambda r: r["index"])
    with h5py.File(path, "w") as f:
        g = f.create_group("subblocks")
        g["records"] = np.array([r["records"] for r in rows], np.int64)
        g["first_record"] = ix.first_record
        g["bases"] = np.array([r["bases"] for r in rows], np.int64)
        g["nucleotides"] = np.array([r["nucleotides"] for r in rows], np.int64).reshape(-1, 6)
        g["nucleotides"].attrs["columns"] = "A,C,G,T,N,other"
        g["min_length"] = np.array([r["min_seq"] for r in rows], np.int64)
        g["max_length"] = np.array([r["max_seq"] for r in rows], np.int64)
        g["input_offset"] = ix.sof
        g["input_length"] = ix.raw_length
        g["archive_offset"] = ix.offset
        g["archive_length"] = ix.length
        g["file_index"] = ix.file_index
        g["quality_mask"] = np.array([[r["quality_mask"] >> k & 1 for k in range(94)]
                                      for r in rows], np.uint8).reshape(-1, 94)
        if gathered and gathered[0] is not None:
            sums = [s for p in gathered for s in p[0]]
            cnts = [c for p in gathered for c in p[1]]
            g["quality_sum"] = np.array(sums, np.int64).reshape(len(sums), width)
            g["quality_count"] = np.array(cnts, np.int64).reshape(len(cnts), width)
        for k in ("records", "bases", "gc_fraction", "subblocks"):
            f.attrs[k] = result[k]
        f.attrs["archive"] = arch.path
        f.attrs["quality_encoding"] = result["quality"]["encoding"]
        f.attrs["quality_offset"] = result["quality"]["offset"]


# -- grep -----------------------------------------------------------------------------
def grep(comm: Any, path: str, pattern: str, *, first: bool = False, revcomp: bool = False,
         max_records: int | None = None, stdout: BinaryIO | None = None,
         dst: str | None = None) -> int:
    """Print records whose sequence contains ``pattern`` (IUPAC), in file order.

    Returns the number printed. With ``first``, ranks stop as soon as the
    earliest match in file order is certain.
    """
    from ..compresso.kernels import pattern_masks, reverse_complement_masks
    try:
        fwd = pattern_masks(pattern)
    except ValueError as exc:
        raise UsageError(f"pattern {pattern!r}: {exc}") from None
    rev = reverse_complement_masks(fwd)
    if max_records is not None and max_records < 1:
        raise UsageError(f"--max must be at least 1 (got {max_records})")
    limit = 1 if first else max_records
    dest = check_outputs(comm, [path], [dst])[0]
    arch = _open(comm, path)
    out = OrderedOutput(comm, dest, stdout)
    try:
        settled, found = (_first_look(arch, fwd, rev, revcomp) if first else (False, []))
        if settled:   # every rank saw the same: rank 0 prints it
            found = found if comm.rank == 0 else []
        else:
            batches = _my_batches(comm, arch, growing=first)
            found = _collective(comm, _grep_local, comm, arch, batches, fwd, rev, revcomp,
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
    from ..compresso.head import first_match
    if arch.n_subblocks == 0:
        return True, []
    try:   # sub-blocks are indexed in file order
        settled, text = first_match(arch.subblock_bytes(0), fwd, rev, revcomp)
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
    from ..compresso.kernels import grep_records, read_lengths
    data = [arch.subblock_bytes(int(i)) for i in batch]
    headers, streams = _decode(arch, batch, (SID_DNA, SID_LENGTHS), data)
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
        from ..compresso.head import head_of_decoded, record_text
        j, recs = hit_blocks[0]
        s = streams[j]
        head = head_of_decoded(data[j], s[SID_LENGTHS], lengths, s[SID_DNA])
        text = None if head is None else record_text(head, int(recs[0]), interpret=False)
        if text is not None:
            found.append(text)
            return int(batch[j])
    sel = np.array([batch[j] for j, _ in hit_blocks])
    th, text, starts = _decode_text(arch, sel)
    for (j, recs), h, a, b in zip(hit_blocks, th, starts[:-1], starts[1:]):
        t = text[a:b]
        rs = _records_of(arch, int(batch[j]), t, h.n_records)
        for r in recs.tolist():
            if limit is not None and len(found) >= limit:
                break
            found.append(t[rs[r]:rs[r + 1]].tobytes())
    return int(batch[hit_blocks[0][0]])


# -- fasta, filter --------------------------------------------------------------------
def fasta(comm: Any, path: str, dst: str | None, stdout: BinaryIO | None = None) -> int:
    """Write ``>title`` + one-line sequence for every record; never decodes qualities."""
    from ..compresso.kernels import fasta_text, read_lengths

    def local(out: OrderedOutput, arch: Archive) -> int:
        n = 0
        for batch in _my_batches(comm, arch):
            headers, streams = _decode(arch, batch, (SID_TITLES, SID_DNA, SID_LENGTHS))
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
    from ..compresso import kernels

    def local(out: OrderedOutput, arch: Archive) -> tuple[int, int]:
        offset = _phred_offset(arch)
        kept = total = 0
        for batch in _my_batches(comm, arch):
            headers, streams = _decode(arch, batch, (SID_TITLES, SID_DNA, SID_QUAL, SID_LENGTHS))
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


def _phred_offset(arch: Archive) -> int:
    mask = 0
    for i in range(arch.n_subblocks):
        mask |= arch.subblock_header(i).quality_mask
    alphabet = [33 + i for i in range(94) if mask >> i & 1]
    return guess_encoding(alphabet[0] if alphabet else None,
                          alphabet[-1] if alphabet else None)[1]


def _finish(comm: Any, arch: Archive, out: Any, local) -> Any:
    """Run ``local()`` collectively, then close ``arch`` and ``out``; on an agreed error
    drop the output (``out``: an OrderedOutput or a SelectionWriter)."""
    try:
        value = _collective(comm, local)
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
    arch = _open(comm, path)
    out = OrderedOutput(comm, dest, stdout)
    value = _finish(comm, arch, out, lambda: local(out, arch))
    if reduce:
        return tuple(sum(v) for v in zip(*comm.allgather(value)))
    return comm.allreduce_sum(value)


# -- extract --------------------------------------------------------------------------
def extract(comm: Any, path: str, dst: str | None, *, start: int | None = None,
            stop: int | None = None, names: set[bytes] | None = None,
            stdout: BinaryIO | None = None, mate: str | None = None,
            inputs: tuple[str, ...] = (), missing: list[bytes] | None = None) -> int:
    """Write records ``start``..``stop``-1 (0-based, file order; ``None``: from the
    first, to the last), or the records whose name (title up to the first space) or
    whole title is in ``names``; exact original text. Decodes only the sub-blocks that
    hold them. Returns the records written; the names that matched nothing are added
    to ``missing`` when given. ``inputs``: other files the command read (a names
    file), which the outputs must not overwrite.

    Paired archives work by pairs: numbers count pairs, a name matching either mate
    selects the pair, and both mates are written: R1 to ``dst`` and R2 to ``mate``, or
    interleaved (R1, R2, ...) to ``dst`` when ``mate`` is None."""
    from .selection import SelectionWriter, range_selection
    dests = check_outputs(comm, [path, *inputs], [dst] if mate is None else [dst, mate])
    arch = _open(comm, path)
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
    return written


def _find_names(comm: Any, arch: Archive, names: set[bytes], step: int,
                found_names: set[bytes]) -> dict:
    """Selection of the named records (whole pairs when ``step`` is 2), gathered on
    every rank: only titles are decoded. The names that matched go into
    ``found_names`` (every rank gets all of them)."""
    mine: dict[int, list[tuple[int, int]]] = {}
    hit: set[bytes] = set()
    for batch in _my_batches(comm, arch):
        headers, streams = _decode(arch, batch, (SID_TITLES,))
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
