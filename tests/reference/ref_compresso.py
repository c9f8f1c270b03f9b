"""Plain-Python references for the in compresso commands, computed on the FASTQ text."""

from __future__ import annotations

from .ref_fastq import parse

IUPAC = {"A": "A", "C": "C", "G": "G", "T": "T", "U": "T", "R": "AG", "Y": "CT", "S": "GC",
         "W": "AT", "K": "GT", "M": "AC", "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG"}
COMPLEMENT = {"A": "T", "C": "G", "G": "C", "T": "A", "U": "A", "R": "Y", "Y": "R", "S": "S",
              "W": "W", "K": "M", "M": "K", "B": "V", "D": "H", "H": "D", "V": "B", "N": "N"}


def records(data: bytes) -> list[dict]:
    """title, seq, qual (bytes) and the exact text of each record."""
    out, pos = [], 0
    recs = parse(data)
    for r in recs:
        lines = [r["title"], *r["seq"], r["plus"], *r["qual"]]
        size = sum(len(t) + len(e) for t, e in lines) + 2   # '@' and '+'
        out.append({"title": r["title"][0], "seq": b"".join(t for t, _ in r["seq"]),
                    "qual": b"".join(t for t, _ in r["qual"]), "text": data[pos:pos + size]})
        pos += size
    assert pos == len(data)
    return out


def stats(data: bytes) -> dict:
    recs = records(data)
    seq = b"".join(r["seq"] for r in recs)
    nf = {k: seq.count(k.encode()) for k in "ACGTN"}
    nf["other"] = len(seq) - sum(nf.values())
    quals = sorted(set(b"".join(r["qual"] for r in recs)))
    hist: dict[int, int] = {}
    for r in recs:
        hist[len(r["seq"])] = hist.get(len(r["seq"]), 0) + 1
    return {"records": len(recs), "bases": len(seq), "nucleotides": nf,
            "alphabet": bytes(quals).decode(), "histogram": sorted(hist.items()),
            "min": min(hist, default=0), "max": max(hist, default=0)}


def mean_quality_per_position(data: bytes, offset: int) -> list[float]:
    recs = records(data)
    width = max((len(r["qual"]) for r in recs), default=0)
    out = []
    for j in range(width):
        vals = [r["qual"][j] - offset for r in recs if len(r["qual"]) > j]
        out.append(round(sum(vals) / len(vals), 4))
    return out


def _matches(seq: str, pattern: str) -> bool:
    m = len(pattern)
    for s in range(len(seq) - m + 1):
        if all(p == "N" or seq[s + k].upper() in IUPAC[p] for k, p in enumerate(pattern)):
            return True
    return False


def grep(data: bytes, pattern: str, revcomp: bool = False) -> list[bytes]:
    pattern = pattern.upper()
    rc = "".join(COMPLEMENT[c] for c in reversed(pattern))
    return [r["text"] for r in records(data)
            if _matches(r["seq"].decode(), pattern) or (revcomp and _matches(r["seq"].decode(), rc))]


def fasta(data: bytes) -> bytes:
    return b"".join(b">" + r["title"] + b"\n" + r["seq"] + b"\n" for r in records(data))


def trim(qual: bytes, cutoff: int, offset: int) -> int:
    """cutadapt's 3' quality trimming, written out: the cut point maximising the sum."""
    best, keep, s = 0, len(qual), 0
    for i in range(len(qual) - 1, -1, -1):
        s += cutoff - (qual[i] - offset)
        if s < 0:
            break
        if s > best:
            best, keep = s, i
    return keep


def filter_fastq(data: bytes, offset: int, trim_q: int = -1, min_mean: float = 0,
                 max_n: int = -1, min_length: int = 0) -> tuple[bytes, int]:
    out, kept = [], 0
    for r in records(data):
        k = len(r["seq"]) if trim_q < 0 else trim(r["qual"], trim_q, offset)
        seq, qual = r["seq"][:k], r["qual"][:k]
        if k < min_length:
            continue
        if max_n >= 0 and seq.upper().count(b"N") > max_n:
            continue
        if min_mean > 0 and (k == 0 or sum(q - offset for q in qual) < min_mean * k):
            continue
        kept += 1
        out.append(b"@" + r["title"] + b"\n" + seq + b"\n+\n" + qual + b"\n")
    return b"".join(out), kept
