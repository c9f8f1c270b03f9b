"""The archive quality model (NGSC 1.12): one static model of the quality values, trained
once on the start of the input and stored in the footer; QUAL_SHARED
(:mod:`.defs.qual_shared`) codes a sub-block's qualities with it and nothing of its own.

Levels 5 and 9 coded qualities with QUAL_SORTED, an adaptive model each 8 MiB sub-block
learns from scratch and decodes at about 14 ns a value (a division a value); a static
model decodes with rANS table lookups, and one trained on 32 MiB of a run codes its
later sub-blocks as small as the adaptive one learns them (1.827 against 1.846 bits a
value on the MiSeq benchmark set, docs/performance.md). A table of its own in every
sub-block cost more than that (QUAL_RANS variant 2: 1.937), so the model is stored once.

The model: a context variant of :func:`.rans_qual_context.qual_context`, 3 (the
previous value of the read and ``min(position // 5, 63)``) or 4 (the previous value and
``min(position, 255)``, for alphabets of at most 16 values, where its table stays under
18 MB), whichever codes the last quarter of the training reads smaller when trained on
the rest; an alphabet of 2 to 94 quality bytes (33-126); per context, frequencies
summing to ``rans.M``. Every count of the training is taken plus one, so that any value
of the alphabet codes in any context.
Stored form (docs/format.md, *Quality model*): ``u8 variant, u8 n, n alphabet bytes``
in increasing order, then a zlib stream of ``nctx x n`` frequencies as u16 little
endian, context by context.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from ..core.jit import kernel
from .rans import M, normalise
from .rans_qual_context import (EXACT_POSITIONS, EXACT_VARIANT, SHARED_BANDS, SHARED_VARIANT,
                                qual_context)

#: Input bytes (whole records from the start of the seed) a model is trained on: 32 MiB
#: coded the MiSeq set's later windows within 0.2 % of 192 MiB's model.
TRAIN_BYTES = 32 << 20
#: Quality bytes a model may hold: FASTQ qualities are 33-126.
LOW, HIGH = 33, 126
#: Widest alphabet variant 4 (exact positions) is tried for.
EXACT_MAX_ALPHABET = 16
#: Size of the kernels' tables: ``(info, freqs, cums, lut, fc)`` with ``info`` int64
#: ``[variant, n, alphabet...]`` (:func:`tables`).
N_TABLES = 5


def contexts(variant: int, n: int) -> int:
    """Contexts of ``variant`` (3 or 4) for ``n`` values (``n`` + 1 previous values: none
    at a read's start); plain Python, so that reading a footer loads no kernel."""
    return (n + 1) * (SHARED_BANDS if variant == SHARED_VARIANT else EXACT_POSITIONS)


class QualityModelError(ValueError):
    """A stored quality model that is not one (damaged footer)."""


@dataclass(frozen=True)
class QualityModel:
    """A trained model: ``freqs`` (contexts x alphabet, int32) rows each sum to ``M``."""

    variant: int
    alphabet: bytes
    freqs: np.ndarray

    def pack(self) -> bytes:
        """The stored form (module docstring)."""
        body = zlib.compress(self.freqs.astype("<u2").tobytes(), 9)
        return bytes([self.variant, len(self.alphabet)]) + self.alphabet + body

    @classmethod
    def unpack(cls, blob: bytes) -> "QualityModel":
        """The model stored as ``blob``; :class:`QualityModelError` for anything that is
        not exactly one (unknown variant, alphabet out of order or range, frequencies cut
        short, too long, or a row not summing to ``M``)."""
        if len(blob) < 2 or blob[0] not in (SHARED_VARIANT, EXACT_VARIANT):
            raise QualityModelError("quality model: unknown context variant")
        variant, n = blob[0], blob[1]
        alphabet = bytes(blob[2:2 + n])
        if not 2 <= n <= HIGH - LOW + 1 or len(alphabet) != n or \
                any(not LOW <= b <= HIGH for b in alphabet) or \
                any(a >= b for a, b in zip(alphabet, alphabet[1:])) or \
                (variant == EXACT_VARIANT and n > EXACT_MAX_ALPHABET):
            raise QualityModelError("quality model: alphabet out of range or order")
        nctx = contexts(variant, n)
        want = 2 * nctx * n
        z = zlib.decompressobj()
        try:
            raw = z.decompress(bytes(blob[2 + n:]), want + 1)
        except zlib.error:
            raise QualityModelError("quality model: frequencies do not inflate") from None
        if len(raw) != want or not z.eof or z.unused_data:
            raise QualityModelError("quality model: frequencies cut short or too long")
        freqs = np.frombuffer(raw, "<u2").astype(np.int32).reshape(nctx, n)
        if np.any(freqs.sum(axis=1) != M):
            raise QualityModelError(f"quality model: a context's frequencies do not sum "
                                    f"to {M}")
        return cls(variant, alphabet, freqs)


@kernel
def _count(qual: np.ndarray, lengths: np.ndarray, index: np.ndarray, n: int,
           variant: int, counts: np.ndarray) -> None:
    """Add the (context, symbol) pairs of reads ``lengths`` of ``qual`` into ``counts``
    (``index``: byte -> symbol)."""
    p = 0
    for r in range(lengths.size):
        q1, q2, q3 = n, n, n
        for at in range(lengths[r]):
            s = index[qual[p]]
            counts[qual_context(variant, q1, q2, q3, n, at), s] += 1
            q3, q2, q1 = q2, q1, s
            p += 1


@kernel
def _normalise_rows(counts: np.ndarray, freqs: np.ndarray) -> None:
    for c in range(counts.shape[0]):
        normalise(counts[c], freqs[c])


def _fit(qual: np.ndarray, lengths: np.ndarray, index: np.ndarray, n: int,
         variant: int) -> np.ndarray:
    """Frequencies (contexts x n) of every count of ``qual`` plus one."""
    counts = np.ones((contexts(variant, n), n), np.int64)
    _count(qual, lengths, index, n, variant, counts)
    freqs = np.zeros(counts.shape, np.int32)
    _normalise_rows(counts, freqs)
    return freqs


def _held_out_bits(qual: np.ndarray, lengths: np.ndarray, index: np.ndarray, n: int,
                   variant: int) -> float:
    """Bits to code the last quarter of the reads with a model of the others."""
    cut = lengths.size - lengths.size // 4
    at = int(np.sum(lengths[:cut]))
    freqs = _fit(qual[:at], lengths[:cut], index, n, variant)
    test = np.zeros(freqs.shape, np.int64)
    _count(qual[at:], lengths[cut:], index, n, variant, test)
    return float(-(test * np.log2(freqs / M)).sum())


def train(qual: np.ndarray, lengths: np.ndarray, variant: int | None = None
          ) -> QualityModel | None:
    """The model of quality stream ``qual`` (uint8) cut into reads of ``lengths``
    (int64, adding up to ``qual.size``); None when its values number under 2 or fall
    outside 33-126 (nothing a shared model would save). ``variant``: its context (3 or
    4; None: chosen on held-out reads, see the module docstring)."""
    lengths = np.ascontiguousarray(lengths, np.int64)
    qual = np.ascontiguousarray(qual)
    if int(np.sum(lengths)) != qual.size or qual.size == 0:
        return None
    seen = np.flatnonzero(np.bincount(qual, minlength=256))
    if seen.size < 2 or seen[0] < LOW or seen[-1] > HIGH:
        return None
    n = int(seen.size)
    index = np.zeros(256, np.int64)
    index[seen] = np.arange(n)
    if variant is not None:
        if variant not in (SHARED_VARIANT, EXACT_VARIANT) or \
                (variant == EXACT_VARIANT and n > EXACT_MAX_ALPHABET):
            raise ValueError(f"no quality model variant {variant} for {n} values")
    elif n <= EXACT_MAX_ALPHABET and lengths.size >= 4 and \
            _held_out_bits(qual, lengths, index, n, EXACT_VARIANT) < \
            _held_out_bits(qual, lengths, index, n, SHARED_VARIANT):
        variant = EXACT_VARIANT
    else:
        variant = SHARED_VARIANT
    return QualityModel(variant, bytes(seen.astype(np.uint8)),
                        _fit(qual, lengths, index, n, variant))


def tables(model: QualityModel) -> tuple:
    """The kernels' form of ``model`` (:data:`N_TABLES` arrays): ``info`` (int64:
    variant, n, the alphabet), ``freqs``, ``cums`` (int32, contexts x n), ``lut``
    (uint8, contexts x M: every context's slot row, built once: 8.9 MB for 33 values)
    and ``fc`` (as :func:`.rans.packed_rows`: ``f | cum << 16``). Plain numpy, so that a
    reader that never loads Numba (``grep --first``) builds them as fast."""
    n = len(model.alphabet)
    info = np.array([model.variant, n, *model.alphabet], np.int64)
    freqs = np.ascontiguousarray(model.freqs, np.int32)
    cums = (np.cumsum(freqs, axis=1) - freqs).astype(np.int32)
    # every row sums to M: symbol s repeated freqs[c, s] times fills row c exactly
    lut = np.repeat(np.tile(np.arange(n, dtype=np.uint8), freqs.shape[0]),
                    freqs.ravel()).reshape(freqs.shape[0], M)
    fc = (freqs.astype(np.int64) | (cums.astype(np.int64) << 16)).ravel()
    return info, freqs, cums, lut, fc


def no_tables() -> tuple:
    """:func:`tables` of no model (QUAL_SHARED refuses to code or decode with them)."""
    return (np.zeros(0, np.int64), np.zeros((0, 0), np.int32), np.zeros((0, 0), np.int32),
            np.zeros((0, 0), np.uint8), np.zeros(0, np.int64))


_CACHE: dict[bytes, tuple] = {}


def tables_of(blob: bytes) -> tuple:
    """:func:`tables` of the stored model ``blob`` (kept: an archive's readers and
    encoders ask for it batch after batch). Raises :class:`QualityModelError`."""
    found = _CACHE.get(blob)
    if found is None:
        if len(_CACHE) >= 4:
            _CACHE.clear()
        found = _CACHE[blob] = tables(QualityModel.unpack(blob))
    return found


__all__ = ["QualityModel", "QualityModelError", "TRAIN_BYTES", "N_TABLES", "train", "tables",
           "no_tables", "tables_of"]
