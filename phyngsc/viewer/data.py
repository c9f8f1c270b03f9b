"""What the viewer shows, computed from an archive with numpy (no Dash here).

:class:`ViewerData` opens the archive (footer and sub-block headers only) and
decodes a sub-block when one is shown, keeping the last few decoded, so that
moving a slider within a sub-block costs no decoding. Every method returns plain
Python/numpy values; :mod:`phyngsc.viewer.callbacks` turns them into figures.

Record numbers passed here are local to a sub-block (0 = its first record);
positions are 0-based read positions; ranges are half-open ``[a, b)``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..format.constants import SID_DNA, SID_LENGTHS, SID_QUAL, SID_TITLES
from ..archive.decode import decode_streams_of
from ..archive.quality import encoding_of_masks
from ..archive.reader import Archive

#: Decoded sub-blocks kept in memory.
CACHE = 4
#: Most sub-blocks sampled for the across-sub-blocks heatmap.
SAMPLE = 16
BASES = "ACGTN"
#: byte -> row of the composition: A, C, G, T, N (either case), anything else 5
_BASE_ROW = np.full(256, 5, np.int64)
for _k, _c in enumerate(BASES):
    _BASE_ROW[ord(_c)] = _BASE_ROW[ord(_c.lower())] = _k
#: byte -> 1 for G and C (either case)
_GC = np.zeros(256, np.int64)
_GC[[ord(c) for c in "GCgc"]] = 1


def _positions(lengths: np.ndarray) -> np.ndarray:
    """Position within its read of every base of reads with these lengths, end to end."""
    return np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)


@dataclass
class SubBlockReads:
    """One decoded sub-block: titles, read lengths, and sequence/quality bytes end to end."""

    index: int
    first_record: int
    titles: list[str]
    lengths: np.ndarray      # int64, one per record
    starts: np.ndarray       # int64, n + 1: offsets of each read in dna/qual
    dna: np.ndarray          # uint8
    qual: np.ndarray         # uint8

    @property
    def n(self) -> int:
        return len(self.lengths)


class ViewerData:
    """An archive as the viewer sees it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.arch = Archive(path)
        ix = self.arch.index
        self.headers = [self.arch.subblock_header(i) for i in range(self.arch.n_subblocks)]
        q = encoding_of_masks(h.quality_mask for h in self.headers)
        self.encoding, self.offset, self.evidence = q.name, q.offset, q.evidence
        self.paired = bool(ix.paired)
        self._cache: OrderedDict[int, SubBlockReads] = OrderedDict()
        # the web server runs callbacks in threads: one decodes at a time (Numba's
        # parallel kernels must not be entered from two threads at once)
        self._lock = threading.RLock()
        self._sample: tuple[list[int], np.ndarray] | None = None

    def close(self) -> None:
        self.arch.close()

    # -- archive-wide, from the footer and headers --------------------------------------
    def summary(self) -> dict:
        """Records, bases, ratio, quality encoding, files, sub-blocks."""
        s = self.arch.summary()
        records = self.arch.count()
        return {"archive": self.path, "records": records,
                "pairs": records // 2 if self.paired else None,
                "bases": sum(h.n_bases for h in self.headers), "ratio": s.ratio,
                "archive_size": s.archive_size, "input_size": s.input_size,
                "encoding": self.encoding, "offset": self.offset, "evidence": self.evidence,
                "files": [f.name for f in self.arch.footer.files], "paired": self.paired,
                "subblocks": self.arch.n_subblocks, "level": s.level,
                "max_length": max((h.max_seq for h in self.headers), default=0)}

    def subblock_options(self) -> list[dict]:
        """Drop-down entries: one per sub-block with its record range (archive numbers)."""
        ix = self.arch.index
        return [{"label": f"sub-block {i}: records {int(ix.first_record[i]):,}–"
                          f"{int(ix.first_record[i] + ix.n_records[i]) - 1:,}", "value": i}
                for i in range(self.arch.n_subblocks)]

    def n_records(self, i: int) -> int:
        return int(self.headers[i].n_records)

    def max_length(self, i: int) -> int:
        return int(self.headers[i].max_seq)

    # -- one sub-block ------------------------------------------------------------------
    def reads(self, i: int) -> SubBlockReads:
        """Sub-block ``i`` decoded (titles, DNA, qualities, lengths), from the cache if shown
        recently. Thread-safe."""
        with self._lock:
            return self._reads(i)

    def _reads(self, i: int) -> SubBlockReads:
        if i in self._cache:
            self._cache.move_to_end(i)
            return self._cache[i]
        if not 0 <= i < self.arch.n_subblocks:
            raise ValueError(f"sub-block {i} is outside 0..{self.arch.n_subblocks - 1}")
        from ..records.kernels import read_lengths
        headers, (s,) = decode_streams_of(self.arch, np.array([i], np.int64),
                                (SID_TITLES, SID_DNA, SID_QUAL, SID_LENGTHS))
        n = headers[0].n_records
        lengths = read_lengths(s[SID_LENGTHS], n)
        titles = s[SID_TITLES].tobytes().decode("utf-8", "replace").split("\n")[:n]
        sb = SubBlockReads(i, int(self.arch.index.first_record[i]), titles, lengths,
                           np.concatenate(([0], np.cumsum(lengths))), s[SID_DNA].copy(),
                           s[SID_QUAL].copy())
        self._cache[i] = sb
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)
        return sb

    def _bases(self, sb: SubBlockReads, a: int, b: int, p0: int, p1: int):
        """Flat indices into dna/qual of the bases of reads [a, b) at positions [p0, p1),
        with their positions and read numbers (local to the range)."""
        a, b = max(0, a), min(sb.n, b)
        lens = sb.lengths[a:b]
        if b <= a or not lens.sum():
            z = np.zeros(0, np.int64)
            return z, z, z
        rel = _positions(lens)
        read = np.repeat(np.arange(b - a), lens)
        flat = sb.starts[a] + np.arange(int(lens.sum()))
        keep = (rel >= p0) & (rel < p1)
        return flat[keep], rel[keep], read[keep]

    def quality_distribution(self, i: int, a: int, b: int, p0: int, p1: int) -> tuple[
            np.ndarray, np.ndarray, np.ndarray]:
        """(positions, quality scores, counts[score, position]) of reads [a, b) of sub-block
        ``i`` at positions [p0, p1); scores are Phred values (byte - offset)."""
        sb = self.reads(i)
        flat, pos, _ = self._bases(sb, a, b, p0, p1)
        width = max(0, min(p1, self.max_length(i)) - p0)
        if not len(flat) or width == 0:
            return np.arange(p0, p0 + width), np.zeros(0, np.int64), np.zeros((0, width), np.int64)
        q = sb.qual[flat].astype(np.int64) - self.offset
        lo, hi = int(q.min()), int(q.max())
        counts = np.zeros((hi - lo + 1, width), np.int64)
        np.add.at(counts, (q - lo, pos - p0), 1)
        return np.arange(p0, p0 + width), np.arange(lo, hi + 1), counts

    def read_qualities(self, i: int, a: int, b: int, p0: int, p1: int,
                       max_reads: int = 500) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(positions, record numbers, matrix[read, position]) of Phred scores of the first
        ``max_reads`` reads of [a, b); NaN where a read is shorter."""
        sb = self.reads(i)
        b = min(b, a + max_reads, sb.n)
        flat, pos, read = self._bases(sb, a, b, p0, p1)
        width = max(0, min(p1, self.max_length(i)) - p0)
        m = np.full((max(b - a, 0), width), np.nan)
        if len(flat):
            m[read, pos - p0] = sb.qual[flat].astype(np.int64) - self.offset
        return np.arange(p0, p0 + width), np.arange(a, max(a, b)), m

    def composition(self, i: int, a: int, b: int, p0: int, p1: int) -> tuple[np.ndarray, dict]:
        """(positions, {"A": fractions, ..., "N": ..., "other": ...}) per position."""
        sb = self.reads(i)
        flat, pos, _ = self._bases(sb, a, b, p0, p1)
        width = max(0, min(p1, self.max_length(i)) - p0)
        counts = np.zeros((6, width), np.int64)
        if len(flat):
            np.add.at(counts, (_BASE_ROW[sb.dna[flat]], pos - p0), 1)
        total = np.maximum(counts.sum(axis=0), 1)
        return np.arange(p0, p0 + width), {k: counts[j] / total
                                           for j, k in enumerate([*BASES, "other"])}

    def length_histogram(self, i: int, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """(read lengths, number of reads) over reads [a, b)."""
        values, counts = np.unique(self.reads(i).lengths[a:b], return_counts=True)
        return values, counts

    def table_rows(self, i: int, a: int, b: int, p0: int = 0, p1: int | None = None,
                   limit: int = 2000) -> list[dict]:
        """Rows for the table: record (archive number), mate, title, length, mean quality,
        GC % and the sequence at positions [p0, p1); at most ``limit`` rows."""
        sb = self.reads(i)
        b = min(b, sb.n, a + limit)
        rows = []
        dna, qual = sb.dna, sb.qual
        for r in range(max(a, 0), b):
            s, e = int(sb.starts[r]), int(sb.starts[r + 1])
            n = e - s
            q = qual[s:e].astype(np.int64)
            rows.append({
                "record": sb.first_record + r,
                "mate": 1 + r % 2 if self.paired else None,
                "title": sb.titles[r], "length": n,
                "mean_quality": round(float(q.mean()) - self.offset, 2) if n else None,
                "gc": round(100.0 * float(_GC[dna[s:e]].sum()) / n, 2) if n else None,
                "sequence": dna[s + min(p0, n):s + min(n, n if p1 is None else p1)]
                .tobytes().decode("ascii", "replace")})
        return rows

    def matching(self, i: int, pattern: str, revcomp: bool = True) -> np.ndarray:
        """Local numbers of the reads of sub-block ``i`` that contain ``pattern`` (IUPAC)."""
        from ..records.kernels import grep_records, pattern_masks, reverse_complement_masks
        sb = self.reads(i)
        fwd = pattern_masks(pattern)
        with self._lock:
            hits = grep_records(sb.dna, sb.lengths, fwd, reverse_complement_masks(fwd),
                                revcomp)
        return np.nonzero(hits)[0]

    def alignment_fasta(self, i: int, reads: np.ndarray | list[int], p0: int, p1: int) -> str:
        """FASTA of the given reads cut to positions [p0, p1), padded with '-' to one width
        (what an alignment chart expects); ids are archive record numbers."""
        sb = self.reads(i)
        width = max(0, min(p1, self.max_length(i)) - p0)
        lines = []
        for r in reads:
            s, e = int(sb.starts[r]), int(sb.starts[r + 1])
            seq = sb.dna[s + min(p0, e - s):s + min(p1, e - s)].tobytes().decode("ascii",
                                                                                 "replace")
            lines.append(f">{sb.first_record + int(r)}\n{seq.upper().ljust(width, '-')}")
        return "\n".join(lines) + ("\n" if lines else "")

    def subblock_quality(self, p0: int, p1: int) -> tuple[list[int], np.ndarray]:
        """(sub-blocks, mean Phred score[sub-block, position]) at positions [p0, p1) over up
        to ``SAMPLE`` evenly spaced sub-blocks (all when there are fewer). The full-width
        matrix is computed once (the app starts it in the background) and sliced."""
        with self._lock:
            if self._sample is None:
                self._sample = self._sample_quality()
        picked, m = self._sample
        width = max(0, min(p1, m.shape[1]) - p0)
        return picked, m[:, p0:p0 + width]

    def _sample_quality(self) -> tuple[list[int], np.ndarray]:
        from ..records.kernels import read_lengths
        n = self.arch.n_subblocks
        picked = sorted(set(np.linspace(0, n - 1, min(n, SAMPLE)).round().astype(int)
                            .tolist())) if n else []
        width = max((self.max_length(i) for i in picked), default=0)
        m = np.full((len(picked), width), np.nan)
        # qualities and lengths only, all sampled sub-blocks in one parallel batch
        headers, streams = decode_streams_of(self.arch, np.array(picked, np.int64),
                                   (SID_LENGTHS, SID_QUAL)) if picked else ([], [])
        for row, (h, st) in enumerate(zip(headers, streams)):
            lens = read_lengths(st[SID_LENGTHS], h.n_records)
            total = int(lens.sum())
            if not total:
                continue
            pos = _positions(lens)
            q = st[SID_QUAL][:total].astype(np.int64) - self.offset
            sums = np.bincount(pos, weights=q, minlength=width)
            cnts = np.bincount(pos, minlength=width)
            with np.errstate(invalid="ignore", divide="ignore"):
                m[row] = np.where(cnts > 0, sums / np.maximum(cnts, 1), np.nan)
        return picked, m
