"""DNA_K8 in lanes: groups of reads coded by several range coders that share one model.

A one-lane DNA_K8 decoder cannot look a context up before the base in front of it is
decoded, and at order 12 most lookups miss every cache: the decoder waits for memory
base after base. Lanes give it independent chains. With ``L`` lanes (2, 4, 8 or 16),
read ``r`` belongs to lane ``r % L``; each lane has its own context (the last k bases
of its own reads, from 0) and its own range coder. Reads are coded in groups of L:
for t = 0, 1, ... base t of read ``L m``, then base t of read ``L m + 1``, ... (each
read while it has bases), every base coded from and then learned into the one table;
after the group, with reverse-complement learning, the reads' reverse complements in
read order. Bases past the last read length belong to read ``aux.size``. On an
order-12 sub-block of deep reads decoding took 0.30 s in one lane, 0.21 in two, 0.15
in four, 0.10 in eight and 0.09 in sixteen (docs/performance.md): the lookups of one
lane overlap the others'.

Encoded form after DNA_K8's header (flags bits 1-3: log2 L) and exception list: L - 1
u32 (little endian), the byte lengths of lanes 0 .. L-2, then each lane's range coder
(:mod:`.arith`'s byte form) in lane order, the last to the end of the stream.

A prefix of the stream decodes exactly: in the group where it ends, the decoder also
decodes (and learns, without returning) the bases the encoder coded beside the ones it
returns, up to the same base position t. The model then holds more than the returned
reads teach (:func:`ends_group`), which a seeded decoder undoes by copying its row back.
The lane state lives in small arrays: on this kind of machine that costs nothing beside
the cache misses it hides (the same decoder with every lane in named local variables
ran at the same speed).
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.tables import prefetch, prefetch_read
from .arith import (MASK32, dec_start_from, dec_take_from, dec_take_two, enc_end_to,
                    enc_put_to, enc_start)
from .k8_model import (AHEAD, BASES, interval, learn, learn_revcomp, pick, read_end,
                       read_scratch)

_U1 = np.uint64(1)
_U2 = np.uint64(2)
_U3 = np.uint64(3)
_U4 = np.uint64(4)
_U6 = np.uint64(6)

#: Most lanes a stream may have (flags bits 1-3 hold log2 of the count: 0 to 4).
MAX_LANES_LOG2 = 4


@kernel(inline=True)
def lanes_log2(lanes: int) -> int:
    """log2 of a lane count (1, 2, 4, 8 or 16), or -1 for any other count."""
    for lg in range(MAX_LANES_LOG2 + 1):
        if lanes == 1 << lg:
            return lg
    return -1


@kernel(inline=True)
def stream_lanes(flags: int) -> int:
    """The lane count a DNA_K8 flags byte names (bits 1-3), or 0 when the byte is not
    valid (a count past 16, or bits 4-7 set)."""
    lg = (np.int64(flags) >> 1) & 7
    if np.int64(flags) >> 4 != 0 or lg > MAX_LANES_LOG2:
        return 0
    return 1 << lg


@kernel(inline=True)
def _ahead_of(codes: np.ndarray, a: int, b: int, mask: int) -> int:
    """The context of base ``a + AHEAD`` within the read ``[a, b)`` (of its last base when
    the read is shorter): where a lane's encoder starts asking for lines."""
    ahead = 0
    for t in range(a, min(a + AHEAD, b)):
        ahead = ((ahead << 2) | np.int64(codes[t])) & mask
    return ahead


@kernel(inline=True)
def _counters(F: np.ndarray, j: np.uint64) -> np.uint32:
    """The four counters of the context at ``F[j]`` as one little-endian uint32 (an undo
    log's entry, :func:`decode_lanes`). The entry's bounds check and count stay written
    out in both coding loops: an inline helper that also took and returned the count made
    the order-14 decoder's loop 2.3x slower (76 -> 173 ms a sub-block)."""
    return (np.uint32(F[j]) | (np.uint32(F[j + _U1]) << np.uint32(8))
            | (np.uint32(F[j + _U2]) << np.uint32(16)) | (np.uint32(F[j + _U3]) << np.uint32(24)))


@kernel(inline=True)
def _group(aux: np.ndarray, m: int, lanes: int, a: int, n: int, st: np.ndarray,
           ln: np.ndarray) -> int:
    """Starts ``st`` and lengths ``ln`` (within ``n`` bases) of group ``m``'s reads, the
    first starting at ``a``; returns the longest length."""
    st[0] = a
    longest = 0
    for lane in range(lanes):
        st[lane + 1] = read_end(aux, lanes * m + lane, st[lane], n)
        ln[lane] = st[lane + 1] - st[lane]
        longest = max(longest, ln[lane])
    return longest


@kernel
def encode_lanes(codes: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int,
                 revcomp: bool, inc: int, F: np.ndarray, pos: int, lanes: int,
                 log: np.ndarray, logged: np.ndarray) -> int:
    """Code 2-bit base codes ``codes`` (read lengths ``aux``) in ``lanes`` lanes (2..16) at
    ``out[pos:]`` (after header and exceptions), learning into ``F``; the end or -1.
    ``log``, ``logged``: an undo log of the learning, as :func:`decode_lanes` keeps."""
    return _run_lanes(codes, aux, out, k, revcomp, inc, F, pos, lanes, True, log, logged)


@kernel
def learn_lanes(F: np.ndarray, codes: np.ndarray, aux: np.ndarray, k: int, revcomp: bool,
                inc: int, lanes: int) -> None:
    """Learn 2-bit codes ``codes`` (read lengths ``aux``) into ``F`` in place exactly as
    :func:`encode_lanes` learns while coding them in ``lanes`` lanes (2..16), without the
    coders: what a chained seed in lanes (NGSC 1.8) learns from a seed sub-block whose
    bases were coded another way, or that another rank codes."""
    _run_lanes(codes, aux, np.empty(0, np.uint8), k, revcomp, inc, F, 0, lanes, False,
               np.empty(0, np.uint32), np.empty(0, np.int64))


@kernel
def _run_lanes(codes: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int, revcomp: bool,
               inc: int, F: np.ndarray, pos: int, lanes: int, code: bool, log: np.ndarray,
               logged: np.ndarray) -> int:
    """:func:`encode_lanes` (``code``) or :func:`learn_lanes` (not ``code``: ``out`` is not
    used); the end of the stream, or -1 (also when not coding)."""
    head = 4 * (lanes - 1)
    cap = out.size - pos - head if code else 0
    if code and cap < 5 * lanes:
        return -1
    mask = (1 << (2 * k)) - 1
    n = codes.size
    cx = read_scratch(aux, n)
    buf = np.empty(lanes * cap, np.uint8)     # lane l codes into buf[l cap:(l + 1) cap]
    low = np.zeros(lanes, np.int64)
    rng = np.zeros(lanes, np.int64)
    at = np.zeros(lanes, np.int64)
    ctx = np.zeros(lanes, np.uint64)     # unsigned: no wrap-around check on F[4 ctx + s]
    umask = np.uint64(mask)
    ahead = np.zeros(lanes, np.int64)
    st = np.zeros(lanes + 1, np.int64)
    ln = np.zeros(lanes, np.int64)
    rcx = np.zeros(lanes, np.int64)
    top = 2 * k - 2
    if code:
        for lane in range(lanes):
            low[lane], rng[lane], at[lane] = enc_start(buf, lane * cap)
    base = np.int64(F.ctypes.data)
    warm = 0
    logging = log.size > 0 and not revcomp and inc > 0
    cap_log = log.size // 2
    done = 0
    a = 0
    for m in range(aux.size // lanes + 1):
        longest = _group(aux, m, lanes, a, n, st, ln)
        for lane in range(lanes):
            ahead[lane] = _ahead_of(codes, st[lane], st[lane + 1], mask)
        for t in range(longest):
            for lane in range(lanes):
                if t < ln[lane]:
                    prefetch(base + 4 * ahead[lane])
                    if t + AHEAD < ln[lane]:
                        ahead[lane] = ((ahead[lane] << 2)
                                       | np.int64(codes[st[lane] + t + AHEAD])) & mask
                    s = np.int64(codes[st[lane] + t])
                    j = _U4 * ctx[lane]
                    if code:
                        cum, f, total = interval(F, j, s)
                        low[lane], rng[lane], at[lane] = enc_put_to(
                            low[lane], rng[lane], at[lane], buf, (lane + 1) * cap, cum, f,
                            total)
                    us = np.uint64(s)
                    if logging:
                        if done < cap_log:
                            log[2 * done] = j
                            log[2 * done + 1] = _counters(F, j)
                        done += 1
                    learn(F, j, us, inc)
                    ctx[lane] = ((ctx[lane] << _U2) | us) & umask
                    if revcomp:
                        rc = (rcx[lane] >> 2) | ((3 - s) << top)
                        rcx[lane] = rc
                        if t >= k:
                            prefetch(base + 4 * rc)
        if revcomp:
            for lane in range(lanes):
                if lanes * m + lane < aux.size and ln[lane] > 0:
                    warm += learn_revcomp(F, codes, st[lane], ln[lane], mask, inc, cx)
        a = st[lanes]
        if a >= n:
            break
    if logged.size > 0:
        logged[0] = done if logging else cap_log + 1
    if warm < 0 or not code:    # never the former: keeps the loads
        return -1
    w = pos + head
    for lane in range(lanes):
        e = enc_end_to(low[lane], at[lane], buf, (lane + 1) * cap)
        size = e - lane * cap
        if e < 0 or size > out.size - w:
            return -1
        out[w:w + size] = buf[lane * cap:e]
        w += size
        if lane < lanes - 1:
            for b in range(4):
                out[pos + 4 * lane + b] = (size >> (8 * b)) & 255
    return w


@kernel(inline=True)
def _shadow(aux: np.ndarray, r: int, longest: int) -> int:
    """Bases of read ``r`` to decode in a group whose returned reads reach base position
    ``longest - 1``: all of them up to there (the encoder coded them beside the returned
    ones and the model learned them in between), whatever part of them is returned."""
    if r >= aux.size or aux[r] <= 0:
        return 0
    return min(aux[r], longest)


@kernel
def ends_group(aux: np.ndarray, n: int, lanes: int) -> bool:
    """Whether a prefix of ``n`` bases ends after a whole number of groups of ``lanes``
    reads (read lengths ``aux``), or at or past their end: what a decoder in lanes learned
    is then exactly the contexts of the reads it returned (``seed_workspace.restore_touched``
    can undo it)."""
    a = 0
    for r in range(aux.size):
        if a == n and r % lanes == 0:
            return True
        if a > n:
            return False
        a += max(aux[r], 0)
    return n >= a


#: Largest order whose static decoder refills without branches (:func:`decode_static`).
TWO_BYTE_MAX_K = 12


@kernel(inline=True)
def _lane_begins(src: np.ndarray, pos: int, lanes: int) -> np.ndarray:
    """Where each lane's coder starts (``lanes + 1`` entries, the last ``src.size``), from
    the L - 1 length words at ``src[pos:]``; empty when the words do not fit the stream,
    one entry when a length does not."""
    head = 4 * (lanes - 1)
    begin = np.zeros(lanes + 1, np.int64)
    if pos + head > src.size:
        return begin[:0]
    begin[0] = pos + head
    for lane in range(lanes - 1):
        size = 0
        for b in range(4):
            size |= np.int64(src[pos + 4 * lane + b]) << (8 * b)
        if size > src.size - begin[lane]:
            return begin[:1]
        begin[lane + 1] = begin[lane] + size
    begin[lanes] = src.size
    return begin


@kernel
def decode_static(src: np.ndarray, pos: int, aux: np.ndarray, out: np.ndarray,
                  F: np.ndarray, k: int, lanes: int, two: bool) -> int:
    """:func:`decode_lanes` for a static stream (increment 0, NGSC 1.11: the model is only
    read): the same bases, 0 ok or 1 corrupt, but no 2-bit codes kept and no learning or
    reverse strand to follow. Each lane is then a coder of its own reads alone, so a
    prefix decodes just the bases it returns (no shadow of its last group). With ``two``
    the coders refill without branches (:func:`~.arith.dec_take_two`), which pays up to
    order :data:`TWO_BYTE_MAX_K` (tables up to 64 MiB) and costs beyond it. Level 5's
    seeded bases (order 12) decoded at 7.4 ns a base against 9.8 through
    :func:`decode_lanes`, level 9's (order 14) at 12.5 against 15.5 (docs/performance.md,
    phyngsc 0.23.1)."""
    begin = _lane_begins(src, pos, lanes)
    if begin.size <= 1:
        return 1 if out.size or begin.size else 0
    n = out.size
    code = np.zeros(lanes, np.int64)
    rng = np.full(lanes, MASK32, np.int64)
    at = np.zeros(lanes, np.int64)
    ctx = np.zeros(lanes, np.uint64)     # unsigned: no wrap-around check on F[4 ctx + s]
    umask = np.uint64((1 << (2 * k)) - 1)
    st = np.zeros(lanes + 1, np.int64)
    ln = np.zeros(lanes, np.int64)
    for lane in range(lanes):
        code[lane], rng[lane], at[lane] = dec_start_from(src, begin[lane], begin[lane + 1])
    base = np.int64(F.ctypes.data)
    a = 0
    for m in range(aux.size // lanes + 1):
        longest = _group(aux, m, lanes, a, n, st, ln)
        whole = True     # every lane's read as long as the group: no check a base
        for lane in range(lanes):
            whole = whole and ln[lane] == longest
        for t in range(longest):
            for lane in range(lanes):
                if whole and two:
                    _static_step(F, base, src, begin, code, rng, at, ctx, lane, umask, out,
                                 st[lane] + t, True)
                elif whole:
                    _static_step(F, base, src, begin, code, rng, at, ctx, lane, umask, out,
                                 st[lane] + t, False)
                elif t < ln[lane]:
                    _static_step(F, base, src, begin, code, rng, at, ctx, lane, umask, out,
                                 st[lane] + t, False)
        a = st[lanes]
        if a >= n:
            break
    return 0


@kernel(inline=True)
def _static_step(F: np.ndarray, base: int, src: np.ndarray, begin: np.ndarray,
                 code: np.ndarray, rng: np.ndarray, at: np.ndarray, ctx: np.ndarray,
                 lane: int, umask: np.uint64, out: np.ndarray, o: int, two: bool) -> None:
    """Decode the next base of ``lane`` into ``out[o]`` (:func:`decode_static`); ``two``
    (a constant where it is inlined): refill without branches."""
    c = ctx[lane]
    prefetch_read(base + np.int64((c << _U6) & (umask << _U2)))
    s, cum, f, q = pick(F, _U4 * c, code[lane], rng[lane])
    if two:
        code[lane], rng[lane], at[lane] = dec_take_two(code[lane], rng[lane], at[lane], src,
                                                       begin[lane + 1], q, cum, f)
    else:
        code[lane], rng[lane], at[lane] = dec_take_from(code[lane], rng[lane], at[lane], src,
                                                        begin[lane + 1], q, cum, f)
    out[np.uint64(o)] = BASES[s]
    ctx[lane] = ((c << _U2) | np.uint64(s)) & umask


@kernel
def decode_lanes(src: np.ndarray, pos: int, aux: np.ndarray, out: np.ndarray, F: np.ndarray,
                 codes: np.ndarray, k: int, revcomp: bool, inc: int, lanes: int,
                 log: np.ndarray, logged: np.ndarray) -> int:
    """Decode the ``lanes`` lanes at ``src[pos:]`` into ``out`` (and the 2-bit codes into
    ``codes``), learning into ``F``; 0 ok, 1 corrupt (exceptions not yet applied).

    ``log`` (uint32, empty: none) and ``logged[0]``: without ``revcomp`` and with ``inc``
    > 0 (a static model learns nothing and is only read), an undo log of the learning
    (:func:`~.seed_workspace.undo_learning`): for each base learned, in order, its
    context's offset in ``F`` and the context's four counters before (little endian),
    while they fit (``logged[0]``: the bases learned; more than ``log.size // 2``: the log
    is incomplete). The counters are in cache when they are logged, where putting a
    context back later reads a line of the model and writes one of ``F`` that no cache
    holds any longer."""
    begin = _lane_begins(src, pos, lanes)
    if begin.size <= 1:
        return 1 if out.size or begin.size else 0
    mask = (1 << (2 * k)) - 1
    n = out.size
    cx = read_scratch(aux, n)
    code = np.zeros(lanes, np.int64)
    rng = np.full(lanes, MASK32, np.int64)
    at = np.zeros(lanes, np.int64)
    ctx = np.zeros(lanes, np.uint64)     # unsigned: no wrap-around check on F[4 ctx + s]
    umask = np.uint64(mask)
    st = np.zeros(lanes + 1, np.int64)
    ln = np.zeros(lanes, np.int64)
    upto = np.zeros(lanes, np.int64)
    rcx = np.zeros(lanes, np.int64)
    top = 2 * k - 2
    for lane in range(lanes):
        code[lane], rng[lane], at[lane] = dec_start_from(src, begin[lane], begin[lane + 1])
    base = np.int64(F.ctypes.data)
    bases = BASES
    warm = 0
    learning = inc > 0
    logging = log.size > 0 and not revcomp and learning
    cap = log.size // 2
    done = 0
    a = 0
    for m in range(aux.size // lanes + 1):
        longest = _group(aux, m, lanes, a, n, st, ln)
        for lane in range(lanes):     # more than returned only where the prefix ends
            upto[lane] = max(ln[lane], _shadow(aux, lanes * m + lane, longest))
        for t in range(longest):
            for lane in range(lanes):
                if t < upto[lane]:
                    c = ctx[lane]
                    # its 16 grandchildren: one line (a static model is only read)
                    if learning:
                        prefetch(base + np.int64((c << _U6) & (umask << _U2)))
                    else:
                        prefetch_read(base + np.int64((c << _U6) & (umask << _U2)))
                    j = _U4 * c
                    s, cum, f, q = pick(F, j, code[lane], rng[lane])
                    code[lane], rng[lane], at[lane] = dec_take_from(
                        code[lane], rng[lane], at[lane], src, begin[lane + 1], q, cum, f)
                    if t < ln[lane]:
                        o = np.uint64(st[lane] + t)
                        codes[o] = s
                        out[o] = bases[s]
                    us = np.uint64(s)
                    if logging:
                        if done < cap:
                            log[2 * done] = j
                            log[2 * done + 1] = _counters(F, j)
                        done += 1
                    learn(F, j, us, inc)
                    ctx[lane] = ((c << _U2) | us) & umask
                    if revcomp:
                        rc = (rcx[lane] >> 2) | ((3 - s) << top)
                        rcx[lane] = rc
                        if t >= k:
                            prefetch(base + 4 * rc)
        if revcomp:      # a read the prefix cuts is never needed again
            for lane in range(lanes):
                r = lanes * m + lane
                if r < aux.size and ln[lane] > 0 and ln[lane] == aux[r]:
                    warm += learn_revcomp(F, codes, st[lane], ln[lane], mask, inc, cx)
        a = st[lanes]
        if a >= n:
            break
    if logged.size > 0:
        logged[0] = done if logging else cap + 1
    return 1 if warm < 0 else 0
