"""The order-k model shared by DNA_K8's coders: four 8-bit counters per context.

Context = the last k bases, newest in the low 2 bits, so a context's four counters
start at ``4 * ctx`` and the 16 contexts two bases on share one 64-byte line. Learning
base ``s`` adds ``inc`` to its counter, halving all four (rounding up) first when it
would pass 255; ``inc`` 0 (NGSC 1.11) is a static model that never learns. The one-lane
coders (:mod:`.dna_k8`) and the ones in lanes (:mod:`.dna_k8_lanes`) learn through these
helpers, so they cannot drift apart.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .arith import dec_unit

#: The encoder and the training pass ask for the line of the context this many bases on.
AHEAD = 12
#: Base letters by 2-bit code.
BASES = np.frombuffer(b"ACGT", np.uint8).copy()


#: Offsets in the unsigned type of the row indices ``j`` that :func:`interval` and
#: :func:`pick` take (an unsigned index spares Numba's wrap-around check on every load).
_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U3 = np.uint64(3)


@kernel(inline=True)
def learn(F: np.ndarray, j: int, s: int, inc: int) -> None:
    """Learn base ``s`` (0-3) in the context whose counters start at ``F[j]``; ``j`` and
    ``s`` of one integer type (both int64, or both uint64). ``inc`` 0 (a static model,
    NGSC 1.11) never writes ``F``: threads may then share one table."""
    if inc > 0:
        if np.int64(F[j + s]) + inc > 255:
            r = np.int64(j)
            for t in range(4):
                F[r + t] = (np.int64(F[r + t]) + 1) >> 1
        F[j + s] = np.int64(F[j + s]) + inc


@kernel(inline=True)
def interval(F: np.ndarray, j: np.uint64, s: int) -> tuple:
    """``(cum, freq, total)`` of base ``s`` in the context whose counters start at
    ``F[j]`` (``j`` unsigned): what a coder codes (the counters are the frequencies,
    total <= 1020). No branch on ``s``: bases are close to random, and a mispredicted
    branch costs the lanes' coders every load they had in flight."""
    f0 = np.int64(F[j])
    f1 = np.int64(F[j + _U1])
    f2 = np.int64(F[j + _U2])
    f3 = np.int64(F[j + _U3])
    cum = f0 * np.int64(s > 0) + f1 * np.int64(s > 1) + f2 * np.int64(s > 2)
    return cum, np.int64(F[j + np.uint64(s)]), f0 + f1 + f2 + f3


@kernel(inline=True)
def pick(F: np.ndarray, j: np.uint64, code: int, rng: int) -> tuple:
    """The base a range decoder in state ``(code, rng)`` reads in the context whose
    counters start at ``F[j]`` (``j`` unsigned): ``(s, cum, freq, unit)``, ``unit`` =
    rng // total (:func:`~.arith.dec_unit`), for :func:`~.arith.dec_take`. ``s`` counts
    the cumulative products ``cum * unit`` at or below ``code`` (they never decrease, so
    that is the first base whose interval ends above it), without branches: the sixteen-lane
    decoder ran at 10.3 ns a base against 16.1 with three branches and signed indices
    (bench_lanes.py; unsigned indices alone: 15.1-15.6, docs/performance.md)."""
    f0 = np.int64(F[j])
    f1 = np.int64(F[j + _U1])
    f2 = np.int64(F[j + _U2])
    f3 = np.int64(F[j + _U3])
    q = dec_unit(rng, f0 + f1 + f2 + f3)
    b1 = np.int64(code >= f0 * q)
    b2 = np.int64(code >= (f0 + f1) * q)
    b3 = np.int64(code >= (f0 + f1 + f2) * q)
    s = b1 + b2 + b3
    return s, b1 * f0 + b2 * f1 + b3 * f2, np.int64(F[j + np.uint64(s)]), q


@kernel
def learn_revcomp(F: np.ndarray, codes: np.ndarray, a: int, n: int, mask: int,
                  inc: int, cx: np.ndarray) -> int:
    """Update the model with the reverse complement of ``codes[a:a+n]`` (``cx``: scratch
    of at least ``n`` entries). The read's contexts are computed first and all loaded
    before the first update, so that their cache misses overlap; returns the sum of
    those loads (to keep them). With ``inc`` 0 (static) it does nothing."""
    if inc == 0:
        return 0
    ctx = 0
    for t in range(n):
        cx[t] = 4 * ctx
        ctx = ((ctx << 2) | (3 - np.int64(codes[a + n - 1 - t]))) & mask
    warm = 0
    for t in range(n):
        warm += np.int64(F[cx[t]])
    for t in range(n):
        learn(F, cx[t], 3 - np.int64(codes[a + n - 1 - t]), inc)
    return warm


@kernel(inline=True)
def read_end(aux: np.ndarray, r: int, a: int, n: int) -> int:
    """End of read ``r`` (starting at base ``a``) within ``n`` bases; read ``aux.size``
    stands for whatever follows the last read."""
    if r >= aux.size:
        return n
    length = aux[r]
    if length < 0 or length > n - a:
        return n
    return a + length


@kernel
def read_scratch(aux: np.ndarray, n: int) -> np.ndarray:
    """Scratch for :func:`learn_revcomp`: one entry per base of the longest read (at most
    ``n``, whatever damaged read lengths say)."""
    longest = 1
    for r in range(aux.size):
        if aux[r] > longest:
            longest = aux[r]
    return np.empty(min(longest, max(n, 1)), np.int64)
