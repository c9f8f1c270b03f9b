"""DNA_K8: order-k base model with four 8-bit counters per context (codec id 10).

Encoded form (docs/format.md, *DNA_K8*): byte k (1..14; 13 before NGSC 1.6), byte flags
(bit 0: learn each read's reverse complement too; bits 1-3, NGSC 1.7: log2 of the lane
count, :mod:`.dna_k8_lanes`), byte inc (1..127; from NGSC 1.11 also 0: a static model,
the table never changes), then the exception list exactly as DNA_CM writes it (varint E;
if E > 0, varint D, varint L and L bytes of RC_O1-coded gaps and bytes), then the
range-coded bases (:mod:`.arith`): one coder, or the lanes.

Model: the context is the last k bases of the stream, newest in the low 2 bits, so
the four successors of a context are adjacent and the 16 contexts two bases on
share one 64-byte line. Each context holds four uint8 counters starting at 1; the
coded base's counter gains ``inc``; when it would pass 255 all four are halved
(rounding up) first. The frequencies coded are the counters themselves, so the
total is at most 1020. The table is read at random, so the kernels hide its cache
misses with prefetch hints (``core.tables.prefetch``; they never change a result): the
encoder and the training pass ask for the line of the context AHEAD bases on (the
bases are known), the decoder for the line of the 16 grandchildren of the current
context (two bases on: the most it can know). On deep simulated reads at k = 12 the
encoder's hint halved its time per base (docs/performance.md). Both strands: after
each non-empty read (``aux`` = read lengths) the model learns the read's reverse
complement, contexts running from the read's end; the read's contexts are computed
and loaded first, then updated. The context runs on across reads. Bases past the last read
length (never in a valid sub-block) are coded without the reverse-complement step.

The kernels loop read by read, with the reverse-complement update after each read's
loop, rather than a per-base loop that calls the update when a read ends (which
kept Numba from optimising the hot loop); `benchmarks/bench_kernels.py` times them.
Table: ``4**(k+1)`` bytes (16 MiB at k = 11, 64 MiB at k = 12, 256 MiB at k = 13, 1 GiB
at k = 14: NGSC 1.6).

A table may start from a trained state instead of all ones: :func:`dna_k8_train`
runs the same learning over a seed (bases and read lengths) without coding, and the
encoder and decoder then start from a copy of its table (``init``; DNA_SEEDED,
docs/format.md *Seed model*). The ``_into`` kernels code, decode or learn with a table
the caller owns, in place: a chained seed (NGSC 1.5) walks its sub-blocks with one
table, each coded from what the ones before it taught.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.tables import counter_table, prefetch
from .arith import dec_start, dec_take, dec_unit, enc_end, enc_put, enc_start
from .dna_exceptions import apply_exceptions, base_codes, put_exceptions, read_exceptions
from .dna_k8_lanes import (TWO_BYTE_MAX_K, decode_lanes, decode_static, encode_lanes, lanes_log2,
                           learn_lanes, stream_lanes)
from .k8_model import AHEAD, BASES, interval, learn, learn_revcomp, read_end, read_scratch

MAX_K = 14


@kernel(inline=True)
def _ahead_start(codes: np.ndarray, mask: int) -> int:
    """The context of base AHEAD (of the last base when there are fewer)."""
    ahead = 0
    for t in range(min(AHEAD, codes.size)):
        ahead = ((ahead << 2) | np.int64(codes[t])) & mask
    return ahead


@kernel
def start_table(k: int, init: np.ndarray) -> np.ndarray:
    """The model table a coder starts from: all ones, or a copy of ``init`` (which the
    caller has checked holds ``4 << 2k`` counters)."""
    if init.size == 0:
        return counter_table(4 << (2 * k), 1)
    table = counter_table(4 << (2 * k), -1)
    table[:] = init
    return table


@kernel
def dna_k8_train(src: np.ndarray, aux: np.ndarray, k: int, revcomp: bool,
                 inc: int) -> np.ndarray:
    """The table after learning ``src`` (bases; read lengths ``aux`` adding up to its
    size) exactly as :func:`dna_k8_encode` learns while coding it, from all ones."""
    return dna_k8_learn(base_codes(src), aux, k, revcomp, inc)


@kernel
def dna_k8_learn(codes: np.ndarray, aux: np.ndarray, k: int, revcomp: bool,
                 inc: int) -> np.ndarray:
    """:func:`dna_k8_train` of bases already turned into their 2-bit codes (0-3, as
    :func:`~.dna_exceptions.base_codes` gives them)."""
    F = counter_table(4 << (2 * k), 1)
    dna_k8_learn_into(F, codes, aux, k, revcomp, inc)
    return F


@kernel
def dna_k8_learn_into(F: np.ndarray, codes: np.ndarray, aux: np.ndarray, k: int,
                      revcomp: bool, inc: int, lanes: int = 1) -> None:
    """Learn 2-bit codes ``codes`` (read lengths ``aux``) into table ``F`` (``4 << 2k``
    counters) in place, exactly as :func:`dna_k8_encode_into` learns while coding them in
    ``lanes`` lanes (1, 2, 4, 8 or 16); each context starts from 0."""
    if lanes > 1:
        learn_lanes(F, codes, aux, k, revcomp, inc, lanes)
        return
    mask = (1 << (2 * k)) - 1
    n = codes.size
    cx = read_scratch(aux, n)
    base = np.int64(F.ctypes.data)
    ahead = _ahead_start(codes, mask)
    ctx = 0
    rc = 0
    top = 2 * k - 2
    warm = 0
    a = 0
    for r in range(aux.size + 1):
        b = read_end(aux, r, a, n)
        for i in range(a, b):
            prefetch(base + 4 * ahead)
            if i + AHEAD < n:
                ahead = ((ahead << 2) | np.int64(codes[i + AHEAD])) & mask
            s = np.int64(codes[i])
            learn(F, 4 * ctx, s, inc)
            ctx = ((ctx << 2) | s) & mask
            if revcomp:
                rc = (rc >> 2) | ((3 - s) << top)
                if i - a >= k:
                    prefetch(base + 4 * rc)
        if revcomp and r < aux.size and b > a:
            warm += learn_revcomp(F, codes, a, b - a, mask, inc, cx)
        a = b
        if a >= n:
            break
    if warm < 0:    # never true: keeps the loads
        F[0] = 1


@kernel
def dna_k8_encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int,
                  revcomp: bool, inc: int, init: np.ndarray, lanes: int = 1) -> int:
    """Code bases ``src`` (read lengths ``aux``) at ``out``; bytes written or -1. ``init``:
    empty (start from all ones) or a trained table of ``4 << 2k`` counters; ``lanes``:
    1, or 2, 4, 8 or 16 range coders taking turns over the reads (:mod:`.dna_k8_lanes`,
    NGSC 1.7)."""
    if not 1 <= k <= MAX_K or (init.size != 0 and init.size != 4 << (2 * k)):
        return -1
    return dna_k8_encode_into(src, aux, out, k, revcomp, inc, start_table(k, init), lanes)


@kernel
def dna_k8_encode_into(src: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int,
                       revcomp: bool, inc: int, F: np.ndarray, lanes: int = 1) -> int:
    """:func:`dna_k8_encode` from table ``F`` (``4 << 2k`` counters, else -1), which learns
    the bases in place; in one lane exactly as :func:`dna_k8_learn_into` would (the
    chained seed), in lanes in their order."""
    return dna_k8_encode_logged(src, aux, out, k, revcomp, inc, F, lanes,
                                np.empty(0, np.uint32), np.empty(0, np.int64))


@kernel
def dna_k8_encode_logged(src: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int,
                         revcomp: bool, inc: int, F: np.ndarray, lanes: int, log: np.ndarray,
                         logged: np.ndarray) -> int:
    """:func:`dna_k8_encode_into` that also keeps an undo log of the learning where it can,
    as :func:`dna_k8_decode_logged` does (``logged[0]`` past ``log.size // 2``: it
    cannot undo it)."""
    if logged.size > 0:
        logged[0] = 0
    if out.size < 3 or not 1 <= k <= MAX_K or not 0 <= inc <= 127 or F.size != 4 << (2 * k):
        return -1
    lg = lanes_log2(lanes)
    if lg < 0:
        return -1
    out[0] = k
    out[1] = (1 if revcomp else 0) | lg << 1
    out[2] = inc
    pos = put_exceptions(src, out, 3)
    if pos < 0:
        return -1
    if lanes > 1:
        return encode_lanes(base_codes(src), aux, out, k, revcomp, inc, F, pos, lanes, log,
                            logged)
    if logged.size > 0:
        logged[0] = log.size // 2 + 1     # one lane keeps no log
    return _encode_bases(src, aux, out, k, revcomp, inc, F, pos)


@kernel
def _encode_bases(src: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int,
                  revcomp: bool, inc: int, F: np.ndarray, pos: int) -> int:
    """The range-coded bases at ``out[pos:]`` (after header and exceptions); end or -1."""
    codes = base_codes(src)
    mask = (1 << (2 * k)) - 1
    n = codes.size
    cx = read_scratch(aux, n)
    low, rng, pos = enc_start(out, pos)
    base = np.int64(F.ctypes.data)
    ahead = _ahead_start(codes, mask)
    ctx = 0
    rc = 0
    top = 2 * k - 2
    warm = 0
    a = 0
    for r in range(aux.size + 1):
        b = read_end(aux, r, a, n)
        for i in range(a, b):
            prefetch(base + 4 * ahead)
            if i + AHEAD < n:
                ahead = ((ahead << 2) | np.int64(codes[i + AHEAD])) & mask
            s = np.int64(codes[i])
            j = 4 * ctx
            cum, f, total = interval(F, np.uint64(j), s)
            low, rng, pos = enc_put(low, rng, pos, out, cum, f, total)
            learn(F, j, s, inc)
            ctx = ((ctx << 2) | s) & mask
            if revcomp:
                rc = (rc >> 2) | ((3 - s) << top)
                if i - a >= k:
                    prefetch(base + 4 * rc)
        if revcomp and r < aux.size and b > a:
            warm += learn_revcomp(F, codes, a, b - a, mask, inc, cx)
        a = b
        if a >= n:
            break
    end = enc_end(low, pos, out)
    if warm < 0:    # never true: keeps the loads
        return -1
    return end


@kernel
def dna_k8_decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, init: np.ndarray) -> int:
    """Fills ``out`` (any prefix length of the decoded stream); 0 ok, 1 corrupt. ``init``
    as for :func:`dna_k8_encode` (a size that does not fit the stream's k: corrupt)."""
    if src.size < 3:
        return 1 if out.size else 0
    k = np.int64(src[0])
    inc = np.int64(src[2])
    if k < 1 or k > MAX_K or inc < 0 or inc > 127 or stream_lanes(src[1]) == 0:
        return 1
    if init.size != 0 and init.size != 4 << (2 * k):
        return 1
    return dna_k8_decode_into(src, aux, out, start_table(k, init))


@kernel
def dna_k8_decode_into(src: np.ndarray, aux: np.ndarray, out: np.ndarray,
                       F: np.ndarray) -> int:
    """:func:`dna_k8_decode` from table ``F``, which learns the decoded bases in place (as
    :func:`dna_k8_learn_into` would); 0 ok, 1 corrupt (``F`` is then left part-learned).
    ``F`` must hold ``4 << 2k`` counters for the stream's k (else corrupt)."""
    return dna_k8_decode_codes(src, aux, out, F, np.empty(out.size, np.uint8))


@kernel
def dna_k8_decode_codes(src: np.ndarray, aux: np.ndarray, out: np.ndarray, F: np.ndarray,
                        codes: np.ndarray) -> int:
    """:func:`dna_k8_decode_into` that leaves in ``codes`` (``out.size`` entries) the 2-bit
    code of every base the table learned, exceptions included as decoded (what
    :func:`~.seed_workspace.restore_touched` needs to undo the learning; none for a static
    stream in lanes, which learns nothing)."""
    return dna_k8_decode_logged(src, aux, out, F, codes, np.empty(0, np.uint32),
                                np.empty(0, np.int64))


@kernel
def dna_k8_decode_logged(src: np.ndarray, aux: np.ndarray, out: np.ndarray, F: np.ndarray,
                         codes: np.ndarray, log: np.ndarray, logged: np.ndarray) -> int:
    """:func:`dna_k8_decode_codes` that also keeps an undo log of the learning in ``log``
    and ``logged`` where it can (a stream in lanes learning one strand; see
    :func:`~.dna_k8_lanes.decode_lanes`); ``logged[0]`` is past ``log.size // 2`` when the
    log does not hold every base learned (then it cannot undo them)."""
    if logged.size > 0:
        logged[0] = 0
    if src.size < 3:
        return 1 if out.size else 0
    k = np.int64(src[0])
    revcomp = (src[1] & 1) == 1
    inc = np.int64(src[2])
    lanes = stream_lanes(src[1])
    if k < 1 or k > MAX_K or inc < 0 or inc > 127 or lanes == 0 or F.size != 4 << (2 * k):
        return 1
    pos, n_exc, exc = read_exceptions(src, 3)
    if pos < 0:
        return 1
    if lanes > 1:
        if inc == 0:    # static: each lane a coder of its own reads (decode_static)
            status = decode_static(src, pos, aux, out, F, k, lanes, k <= TWO_BYTE_MAX_K)
        else:
            status = decode_lanes(src, pos, aux, out, F, codes, k, revcomp, inc, lanes, log,
                                  logged)
        if status != 0:
            return 1
        return apply_exceptions(out, n_exc, exc)
    if logged.size > 0:
        logged[0] = log.size // 2 + 1     # one lane keeps no log
    mask = (1 << (2 * k)) - 1
    n = out.size
    cx = read_scratch(aux, n)
    code, rng, pos = dec_start(src, pos)
    base = np.int64(F.ctypes.data)
    bases = BASES
    ctx = 0
    rc = 0
    top = 2 * k - 2
    warm = 0
    a = 0
    for r in range(aux.size + 1):
        b = read_end(aux, r, a, n)
        for i in range(a, b):
            prefetch(base + ((ctx << 6) & (mask << 2)))   # the 16 grandchildren: one line
            j = 4 * ctx
            # written out: k8_model.pick here made this loop 25 % slower (bench_lanes.py,
            # one lane: 0.307 -> 0.388 s), while the lanes' decoder gained with it
            f0 = np.int64(F[j])
            f1 = np.int64(F[j + 1])
            f2 = np.int64(F[j + 2])
            f3 = np.int64(F[j + 3])
            q = dec_unit(rng, f0 + f1 + f2 + f3)
            if code < f0 * q:
                s, cum, f = 0, 0, f0
            elif code < (f0 + f1) * q:
                s, cum, f = 1, f0, f1
            elif code < (f0 + f1 + f2) * q:
                s, cum, f = 2, f0 + f1, f2
            else:
                s, cum, f = 3, f0 + f1 + f2, f3
            code, rng, pos = dec_take(code, rng, pos, src, q, cum, f)
            codes[i] = s
            out[i] = bases[s]
            learn(F, j, s, inc)
            ctx = ((ctx << 2) | s) & mask
            if revcomp:
                rc = (rc >> 2) | ((3 - s) << top)
                if i - a >= k:
                    prefetch(base + 4 * rc)
        # a prefix may end inside read r: its reverse complement is never needed
        if revcomp and r < aux.size and b > a and b - a == aux[r]:
            warm += learn_revcomp(F, codes, a, b - a, mask, inc, cx)
        a = b
        if a >= n:
            break
    if warm < 0:
        return 1
    return apply_exceptions(out, n_exc, exc)
