"""``stats``: counts, GC, lengths and quality encoding from sub-block headers alone, or
with read-length histograms and mean quality per position from the LENGTHS and QUAL
streams; per-sub-block arrays into HDF5 for notebooks. Collective; any rank count gives
the same result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..archive.decode import decode_streams_of
from ..archive.quality import encoding_of_masks
from ..archive.reader import Archive
from ..errors import OutputError, UsageError
from ..format.constants import SID_LENGTHS, SID_QUAL
from .collective import my_batches, open_everywhere, run_collective
from .targets import check_outputs, staged, write_file


@dataclass
class Partial:
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
    arch = open_everywhere(comm, path)
    try:
        batches = my_batches(comm, arch)

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

        rows = run_collective(comm, headers)
        all_rows = [r for part in comm.allgather(rows) for r in part]
        width = max((r["max_seq"] for r in all_rows if r["records"]), default=0)
        part = None
        if not headers_only:
            part = run_collective(comm, _quality_pass, arch, batches, width)
        result = _combine(comm, arch, all_rows, part, width, headers_only)
        if dest is not None:
            gathered = comm.gather((part.per_sb_qsum, part.per_sb_qcount) if part else None,
                                   root=0)

            def produce(target: str) -> None:
                run_collective(comm, lambda: _write_hdf5(comm.rank, arch, all_rows, gathered,
                                                      width, target, dest.name, result))

            if dest.is_file:
                write_file(comm, dest, produce)
            else:
                staged(comm, dest, produce, "stats.h5")
        return result
    finally:
        arch.close()


def _quality_pass(arch: Archive, batches: list[np.ndarray], width: int) -> Partial:
    from ..records.kernels import quality_by_position, read_lengths
    hist: dict[int, int] = {}
    qsum = np.zeros(width, np.int64)
    qcount = np.zeros(width, np.int64)
    per_sum, per_count = [], []
    for batch in batches:
        headers, streams = decode_streams_of(arch, batch, (SID_LENGTHS, SID_QUAL))
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
    return Partial(hist, qsum, qcount, per_sum, per_count)


def _combine(comm: Any, arch: Archive, rows: list[dict], part: Partial | None, width: int,
             headers_only: bool) -> dict:
    nf = [sum(r["nucleotides"][k] for r in rows) for k in range(6)]
    records = sum(r["records"] for r in rows)
    bases = sum(r["bases"] for r in rows)
    q = encoding_of_masks(r["quality_mask"] for r in rows)
    encoding, offset, evidence, alphabet = q.name, q.offset, q.evidence, q.alphabet
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
