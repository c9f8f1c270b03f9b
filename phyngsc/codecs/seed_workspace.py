"""Seed workspace: DNA_SEEDED coding without copying the seed model per sub-block.

DNA_SEEDED codes each sub-block from a copy of the archive's seed model (``4**(k+1)``
bytes: 1 GiB at order 14). Allocating and filling that copy for every sub-block (and
for every trial of the candidate choice) cost about 1 s per 8 MiB sub-block at order 14
on a 2-vCPU machine, several times the coding itself. A *workspace* instead holds the
model and one working copy per thread, made once::

    rows 0 .. T: row 0 the seed model (never written), row 1 + t the copy of thread t

A coder on thread t works in row 1 + t in place, then puts the row back to the model,
whichever way is cheaper (:func:`put_back`): from row 0, the four counters of every
context it learned (one or two a base: 4 to 8 million random reads and writes for an
8 MiB sub-block), or, when the table is small beside that, the whole row in one copy
(64 MiB at order 12: 9 ms by :func:`~phyngsc.core.bytecopy.copy_bytes`, 30 ms as a slice
assignment in a kernel, against 90-136 ms for the 4 million contexts of one level-5
sub-block, docs/performance.md). A decoder that fails copies the whole row back (its
bases are not to be trusted), as does a decoder in lanes stopped inside a group of reads.
Results are exactly those of coding from a fresh copy: every context a coder touches
is one :func:`restore_touched` visits. A static stream (``inc`` 0, NGSC 1.11: what
levels 5 and 9 write since phyngsc 0.23) needs none of this: its coder only reads the
model, so every thread codes from row 0 at once and no working row is ever filled. A
plain model (one row) keeps the copying path, as does a thread beyond the workspace's
rows. Rows go by Numba thread id, so one
workspace serves one caller at a time: two Python threads must not code with the same
workspace at once (``Archive.seed_model_for`` gives other threads the plain model).
"""

from __future__ import annotations

import numpy as np

from ..core.bytecopy import copy_bytes
from ..core.jit import Native, kernel
from ..core.tables import counter_table
from .dna_exceptions import base_codes
from .dna_k8_lanes import ends_group, stream_lanes
from .dna_k8 import (MAX_K, dna_k8_decode, dna_k8_decode_codes, dna_k8_decode_into,
                     dna_k8_decode_logged, dna_k8_encode, dna_k8_encode_into,
                     dna_k8_encode_logged, read_end)


@kernel
def restore_touched(F: np.ndarray, model: np.ndarray, codes: np.ndarray, aux: np.ndarray,
                    k: int, revcomp: bool, lanes: int = 1) -> None:
    """Copy from ``model`` into ``F`` the four counters of every context that learning
    ``codes`` (2-bit base codes, read lengths ``aux``) at order ``k`` visits: the forward
    contexts, running on across reads from 0 (in ``lanes`` lanes, one context per lane
    running on across its reads, :mod:`.dna_k8_lanes`), and with ``revcomp`` those of each
    non-empty read's reverse complement (a superset of what the coders learn when a
    stream ends inside a read)."""
    mask = (1 << (2 * k)) - 1
    n = codes.size
    ctxs = np.zeros(lanes, np.int64)
    a = 0
    for r in range(aux.size + 1):
        b = read_end(aux, r, a, n)
        lane = r % lanes
        ctx = ctxs[lane]
        for i in range(a, b):
            j = 4 * ctx
            for t in range(4):
                F[j + t] = model[j + t]
            ctx = ((ctx << 2) | np.int64(codes[i])) & mask
        ctxs[lane] = ctx
        if revcomp and r < aux.size and b > a:
            rc = 0
            for t in range(b - a):
                j = 4 * rc
                for u in range(4):
                    F[j + u] = model[j + u]
                rc = ((rc << 2) | (3 - np.int64(codes[b - 1 - t]))) & mask
        a = b
        if a >= n:
            break


@kernel
def undo_learning(F: np.ndarray, log: np.ndarray, n: int) -> None:
    """Put back, newest first, the four counters of each of the first ``n`` entries of an
    undo log (``log[2 i]`` a context's offset in ``F``, ``log[2 i + 1]`` its counters
    before, little endian; :func:`~.dna_k8_lanes.decode_lanes`): ``F`` is then as before
    the learning. One random write a base where :func:`restore_touched` reads the model's
    line and writes ``F``'s: at order 14 (two 1 GiB rows, no line of either in any
    cache) 36 -> about 15 ns a base on the machine of docs/performance.md."""
    for i in range(n - 1, -1, -1):
        j = np.uint64(log[2 * i])
        v = log[2 * i + 1]
        F[j] = v & 255
        F[j + np.uint64(1)] = (v >> 8) & 255
        F[j + np.uint64(2)] = (v >> 16) & 255
        F[j + np.uint64(3)] = v >> 24


#: Bytes of a row copied in about the time one learned context takes to put back (a
#: random read of row 0 and write of the working row: 17 ns a context measured against
#: 5 GB/s of copying, 85 bytes, on the machine of docs/performance.md; rounded down so
#: that copying wins only where it clearly does).
COPY_BYTES_PER_CONTEXT = 64


@kernel(inline=True)
def copies_whole_row(size: int, n_bases: int, revcomp: bool) -> bool:
    """Whether :func:`put_back` copies a row of ``size`` counters whole after coding
    ``n_bases`` bases (both strands with ``revcomp``) rather than context by context."""
    visits = n_bases * 2 if revcomp else n_bases
    return size <= COPY_BYTES_PER_CONTEXT * visits


@kernel
def put_back(F: np.ndarray, model: np.ndarray, codes: np.ndarray, aux: np.ndarray,
             k: int, revcomp: bool, lanes: int = 1) -> None:
    """Make working row ``F`` equal ``model`` again after a coder learned ``codes`` (2-bit
    base codes, read lengths ``aux``) at order ``k`` in it: the whole row copied, or only
    the contexts it touched (:func:`restore_touched`), by :func:`copies_whole_row`.
    Either way ``F`` ends equal to ``model``."""
    if copies_whole_row(F.size, codes.size, revcomp):
        copy_bytes(F, 0, model, 0, F.size)
    else:
        restore_touched(F, model, codes, aux, k, revcomp, lanes)


def _thread_id_py() -> int:
    """Interpreted kernels run on the calling Python thread: the first working row."""
    return 0


def _thread_id_native():   # pragma: no cover - runs inside Numba's compiler
    import numba
    return numba.get_thread_id


#: ``thread_id()``: the calling thread's id in Numba's pool (0 outside a parallel region),
#: without importing Numba until a kernel compiles.
thread_id = Native(_thread_id_py, _thread_id_native)


@kernel(inline=True)
def _row(model: np.ndarray, size: int) -> int:
    """The working row of the calling thread, or 0 when there is none (one-row model,
    or more threads than rows)."""
    rows = model.size // size
    if rows < 2:
        return 0
    t = thread_id()
    return 1 + t if 1 + t < rows else 0


@kernel(inline=True)
def _keeps_log(size: int, n_bases: int, revcomp: bool, lanes: int) -> bool:
    """Whether a seeded coder of ``n_bases`` bases puts its row of ``size`` counters back
    from an undo log: in lanes, learning one strand (the coders keep no log otherwise),
    where the row is not cheaper to copy whole."""
    return lanes > 1 and not revcomp and not copies_whole_row(size, n_bases, revcomp)


@kernel(inline=True)
def _undo_or_copy(F: np.ndarray, model: np.ndarray, size: int, log: np.ndarray, logged: int,
                  ok: bool) -> None:
    """Make working row ``F`` equal the model (``model``'s first ``size`` counters) again:
    from the undo log when it holds every base learned and the coder finished (``ok``),
    else by copying the row whole."""
    if ok and logged <= log.size // 2:
        undo_learning(F, log, logged)
    else:
        copy_bytes(F, 0, model, 0, size)


@kernel
def seeded_encode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, k: int, revcomp: bool,
                  inc: int, model: np.ndarray, lanes: int = 1) -> int:
    """:func:`~.dna_k8.dna_k8_encode` from the seed model of ``model`` (one table of
    ``4 << 2k`` counters, or a workspace of such rows); bytes written or -1."""
    if not 1 <= k <= MAX_K:
        return -1
    size = 4 << (2 * k)
    if model.size == 0 or model.size % size != 0:
        return -1
    if inc == 0:     # static (NGSC 1.11): the model itself, only read, shared by threads
        return dna_k8_encode_into(src, aux, out, k, revcomp, 0, model[:size], lanes)
    row = _row(model, size)
    if row == 0:
        return dna_k8_encode(src, aux, out, k, revcomp, inc, model[:size], lanes)
    F = model[row * size:(row + 1) * size]
    if _keeps_log(size, src.size, revcomp, lanes):
        log = np.empty(2 * src.size, np.uint32)
        logged = np.zeros(1, np.int64)
        n = dna_k8_encode_logged(src, aux, out, k, revcomp, inc, F, lanes, log, logged)
        _undo_or_copy(F, model, size, log, logged[0], True)
        return n
    n = dna_k8_encode_into(src, aux, out, k, revcomp, inc, F, lanes)
    if copies_whole_row(size, src.size, revcomp):
        copy_bytes(F, 0, model, 0, size)
    else:
        restore_touched(F, model[:size], base_codes(src), aux, k, revcomp, lanes)
    return n


@kernel
def seeded_decode(src: np.ndarray, aux: np.ndarray, out: np.ndarray, model: np.ndarray) -> int:
    """:func:`~.dna_k8.dna_k8_decode` from the seed model of ``model`` (as for
    :func:`seeded_encode`); 0 ok, 1 corrupt."""
    if src.size < 3:
        return 1 if out.size else 0
    k = np.int64(src[0])
    if k < 1 or k > MAX_K:
        return 1
    size = 4 << (2 * k)
    if model.size == 0 or model.size % size != 0:
        return 1
    if src[2] == 0:     # static (NGSC 1.11): the model itself, only read
        return dna_k8_decode_into(src, aux, out, model[:size])
    row = _row(model, size)
    if row == 0:
        return dna_k8_decode(src, aux, out, model[:size])
    F = model[row * size:(row + 1) * size]
    codes = np.zeros(out.size, np.uint8)
    revcomp = (src[1] & 1) == 1
    lanes = stream_lanes(src[1])
    if _keeps_log(size, out.size, revcomp, lanes):
        log = np.empty(2 * out.size, np.uint32)
        logged = np.zeros(1, np.int64)
        status = dna_k8_decode_logged(src, aux, out, F, codes, log, logged)
        _undo_or_copy(F, model, size, log, logged[0], status == 0)
        return status
    status = dna_k8_decode_codes(src, aux, out, F, codes)
    if status == 0 and (lanes == 1 or ends_group(aux, out.size, lanes)):
        put_back(F, model[:size], codes, aux, k, revcomp, lanes)
    else:
        copy_bytes(F, 0, model, 0, size)
    return status


#: Most working rows of a workspace: threads past them copy the model as before, so that
#: a default thread count of a large node (one per core) never asks for that many tables.
MAX_ROWS = 4


def rows_for(threads: int) -> int:
    """Rows of a workspace for ``threads`` threads: the model and at most
    :data:`MAX_ROWS` working rows."""
    return 1 + min(max(1, threads), MAX_ROWS)


def empty_workspace(size: int, threads: int) -> np.ndarray:
    """A workspace of tables of ``size`` counters for ``threads`` threads, left unset: a
    caller learns the model in its first row, then calls :func:`fill_rows`."""
    return counter_table(rows_for(threads) * size, -1)


def fill_rows(ws: np.ndarray, size: int, rows: int | None = None, filled: int = 1
              ) -> np.ndarray:
    """Copy the first row of ``ws`` into rows ``filled .. rows - 1`` (``rows``: every row
    of ``ws``, at most that many; rows below ``filled`` already hold it) and return the
    workspace of those rows (``ws[:rows * size]``): a reader that decodes one sub-block
    fills one working row, not one per thread (each is a fresh table's worth of memory)."""
    have = ws.size // size
    rows = have if rows is None else max(1, min(rows, have))
    for r in range(max(filled, 1), rows):
        ws[r * size:(r + 1) * size] = ws[:size]
    return ws[:rows * size]


def workspace(table: np.ndarray, threads: int) -> np.ndarray:
    """A workspace (module docstring) for seed model ``table`` and ``threads`` threads
    (at most :data:`MAX_ROWS` working rows): ``rows_for(threads) * table.size`` bytes,
    every row a copy of ``table``. Costs that much memory once, instead of a copy per
    sub-block; a model learned in place of a workspace's first row (``empty_workspace``)
    spares the extra table this one needs while it copies."""
    return fill_rows(allocation_for(table, (), threads), table.size)


def allocation_for(table: np.ndarray, holders: tuple, threads: int) -> np.ndarray:
    """The whole allocation of a workspace (rows for ``threads`` threads, only the first
    filled) whose first row is ``table``: the ``workspace`` of the first of ``holders``
    (objects with ``table`` and ``workspace``, or None: a walked seed chain, a seed index)
    that learned or read ``table`` there, else a new one that ``table`` is copied into."""
    for h in holders:
        if h is not None and h.table is table and h.workspace is not None:
            return h.workspace
    ws = empty_workspace(table.size, threads)
    ws[:table.size] = table
    return ws


def model_table(model: np.ndarray, k: int) -> np.ndarray:
    """The seed model (row 0) of a workspace or plain table ``model`` of order ``k``."""
    return model[:4 << (2 * k)]


__all__ = ["MAX_ROWS", "COPY_BYTES_PER_CONTEXT", "copies_whole_row", "put_back",
           "restore_touched", "undo_learning", "seeded_encode", "seeded_decode", "rows_for",
           "empty_workspace", "fill_rows", "workspace", "allocation_for", "model_table"]
