"""What a codec is: :class:`CodecSpec`, one per module in :mod:`phyngsc.codecs.defs`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

#: Stream names a codec may carry (``None`` in :attr:`CodecSpec.streams`: any).
STREAMS = ("titles", "dna", "qual", "lengths", "layout")


@dataclass(frozen=True)
class CodecSpec:
    """One stream codec.

    ``encode(src, aux, out, param) -> n`` writes at most ``out.size`` bytes and returns
    how many, or -1 if ``out`` is too small or ``param`` is invalid; ``aux`` holds the
    sub-block's read lengths (int64). ``decode(src, aux, out) -> status`` fills ``out``
    (the decoded length, or any prefix of it) and returns 0, or 1 for input that does
    not decode; it never reads or writes outside its arrays. Both are Numba kernels.
    ``worst_case(n)`` bounds the encoded size of ``n`` input bytes (for any ``param``).
    Ids are stored in archives and never reused.

    A codec with ``uses_model`` takes one more argument, last in both signatures: the
    archive's seed model (uint8; empty when the archive has none, which such a codec
    refuses: -1 encoding, 1 decoding). One with ``uses_quality_model`` takes instead the
    five arrays of the archive quality model (:func:`.qual_model.tables`; empty ones
    when there is none, refused the same way).
    """

    id: int
    name: str
    streams: frozenset[str] | None
    encode: Any
    decode: Any
    worst_case: Callable[[int], int]
    params: str = "unused (0)"
    since: str = "1.0"
    summary: str = ""
    uses_model: bool = False
    uses_quality_model: bool = False

    def carries(self, stream: str) -> bool:
        """Whether this codec may carry ``stream``."""
        return self.streams is None or stream in self.streams
