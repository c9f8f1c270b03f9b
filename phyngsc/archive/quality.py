"""The quality encoding of an archive, from the quality alphabets its sub-block headers
record (no decoding). One place for what ``stats``, ``filter`` and the viewer report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


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


@dataclass(frozen=True)
class QualityEncoding:
    """Attributes: ``alphabet`` (the quality bytes that occur, as text), ``name``,
    ``offset`` (33 or 64) and ``evidence`` (why)."""

    alphabet: str
    name: str
    offset: int
    evidence: str


def encoding_of_masks(masks: Iterable[int]) -> QualityEncoding:
    """The encoding for sub-block quality masks (bit k: byte 33 + k occurs)."""
    mask = 0
    for m in masks:
        mask |= m
    alphabet = "".join(chr(33 + k) for k in range(94) if mask >> k & 1)
    name, offset, evidence = guess_encoding(ord(alphabet[0]) if alphabet else None,
                                            ord(alphabet[-1]) if alphabet else None)
    return QualityEncoding(alphabet, name, offset, evidence)


def quality_encoding(arch: Any) -> QualityEncoding:
    """The encoding of archive ``arch`` (reads every sub-block header)."""
    return encoding_of_masks(arch.subblock_header(i).quality_mask
                             for i in range(arch.n_subblocks))
