"""Encode spans of FASTQ text into sub-blocks (pure, no MPI; :mod:`.subblock_decode`
decodes them).

The Numba kernel here runs one sub-block per ``prange`` iteration, so a rank
with T threads encodes T sub-blocks at a time. Headers are built in
Python (one per sub-block, so their cost does not matter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .core.checksums import crc32_each
from .core.jit import kernel, parallel_kernel, prange
from .codecs.models import Models, kernel_models
from .codecs.registry import (CODEC_ID, ROLE_PLAIN, TRIAL_MARGIN_PERCENT,
                              encode_stream_with, level_codecs)
from .core.varint import varints_to_array
from .format.constants import N_STREAMS, SID_DNA, SID_QUAL
from .format.footer import SeedInfo
from .format.subblock import StreamInfo, SubBlockHeader
from .fastq.scan import OK
from .fastq.streams import (N_STATS, ST_LEN_LAYOUT, ST_LEN_LENGTHS, ST_LEN_TITLES, ST_MINSL,
                            ST_MSL, ST_MTL, ST_NB, ST_NF, ST_NR, layout_capacity, split_records)

STORED = CODEC_ID["stored"]

# Columns of the encode meta array.
_M_STATUS, _M_A, _M_B, _M_C, _M_USED = 0, 1, 2, 3, 4
_M_STATS = 5
_M_STREAMS = _M_STATS + N_STATS          # 3 columns per stream: codec, encoded, decoded
_M_QMASK = _M_STREAMS + 3 * N_STREAMS    # 2 columns: quality mask bits 0-46, 47-93
_M_COLS = _M_QMASK + 2


def slot_capacity(raw_length: int) -> int:
    """Scratch bytes that always hold the streams of ``raw_length`` bytes of text."""
    return 4 * raw_length + 1024


#: Values of a stream (whole reads for DNA and qualities) that every candidate codec
#: of a level codes to choose the one that codes whole streams: those of the trial
#: group's sub-blocks (:mod:`phyngsc.trials`). A DNA or quality candidate scores the
#: sample's size minus that of its first half of reads: what it costs once it has
#: learned, as over a whole stream (docs/performance.md, phyngsc 0.9).
TRIAL_BYTES = 1 << 18
#: The same for the other streams (titles, lengths, layout): small, regular streams
#: whose candidates rank the same on 64 KiB (the archives of ../shared/data and of
#: the deep benchmark reads kept their sizes; DNA and qualities did not, see
#: docs/performance.md).
TRIAL_BYTES_OTHER = 1 << 16


@kernel
def _trial_prefix(sid: int, src: np.ndarray, aux: np.ndarray) -> tuple:
    """The trial prefix of stream ``src`` and the read lengths it holds: whole reads
    for DNA and qualities (their codecs need the lengths to add up), bytes otherwise."""
    if sid != SID_DNA and sid != SID_QUAL:
        return src[:min(src.size, TRIAL_BYTES_OTHER)], aux[:0]
    total = 0
    r = 0
    while r < aux.size and (r == 0 or total + aux[r] <= TRIAL_BYTES):
        total += aux[r]
        r += 1
    return src[:total], aux[:r]


@kernel
def _split(raw: np.ndarray) -> tuple:
    """Split whole records into their five streams: ``(status, a, b, c, streams, aux,
    stats, qseen)`` with ``aux`` the read lengths (see ``split_records``)."""
    n = raw.size
    titles = np.empty(n + 1, np.uint8)
    dna = np.empty(n, np.uint8)
    qual = np.empty(n, np.uint8)
    lens = np.empty(n + 16, np.uint8)
    layout = np.empty(layout_capacity(n), np.uint8)
    stats = np.zeros(N_STATS, np.int64)
    qseen = np.zeros(256, np.bool_)
    st, a, b, c = split_records(raw, 0, n, True, titles, dna, qual, lens, layout, stats, qseen)
    streams = (titles[:stats[ST_LEN_TITLES]], dna[:stats[ST_NB]], qual[:stats[ST_NB]],
               lens[:stats[ST_LEN_LENGTHS]], layout[:stats[ST_LEN_LAYOUT]])
    aux = varints_to_array(lens[:stats[ST_LEN_LENGTHS]], stats[ST_NR]) if st == OK else \
        np.zeros(0, np.int64)
    return st, a, b, c, streams, aux, stats, qseen


@kernel
def _choose(streams: tuple, aux: np.ndarray, codecs: np.ndarray, params: np.ndarray,
            model: np.ndarray, chosen: np.ndarray) -> None:
    """Code a prefix of each stream with every candidate and write into ``chosen[sid]``
    the index of the one to use: candidates are listed fastest first, and a slower one
    wins only by coding the prefix at least TRIAL_MARGIN_PERCENT smaller than the best
    faster one."""
    trial = np.empty(0, np.uint8)
    for sid in range(N_STREAMS):
        chosen[sid] = 0
        if codecs[sid, 1] < 0:
            continue            # one candidate
        src = streams[sid]
        tsrc, taux = _trial_prefix(sid, src, aux)
        if tsrc.size == 0:
            continue
        if trial.size < 2 * tsrc.size + (1 << 20):
            trial = np.empty(2 * tsrc.size + (1 << 20), np.uint8)
        # DNA and qualities: scored on the sample's second half (see TRIAL_BYTES)
        half = taux.size // 2
        first = 0
        for r in range(half):
            first += taux[r]
        best = 0
        best_size = -1
        for j in range(codecs.shape[1]):    # fastest first
            if codecs[sid, j] < 0:
                continue
            n = encode_stream_with(codecs[sid, j], params[sid, j], tsrc, taux, trial, model)
            if n >= 0 and half > 0:
                n0 = encode_stream_with(codecs[sid, j], params[sid, j], tsrc[:first],
                                        taux[:half], trial, model)
                if n0 >= 0:
                    n -= n0
            if n >= 0 and (best_size < 0 or 100 * n < (100 - TRIAL_MARGIN_PERCENT) * best_size):
                best, best_size = j, n
        chosen[sid] = best


@kernel
def _encode_chosen(codecs: np.ndarray, params: np.ndarray, sid: int, j: int, src: np.ndarray,
                   aux: np.ndarray, out: np.ndarray, model: np.ndarray) -> tuple:
    """``(codec, bytes)`` of ``src`` coded with candidate ``j`` or, should that fail (a
    winner reused from another sub-block may not fit this one), the first candidate that
    does, fastest first; ``(-1, -1)`` if none does."""
    n = encode_stream_with(codecs[sid, j], params[sid, j], src, aux, out, model)
    if n >= 0:
        return codecs[sid, j], n
    for k in range(codecs.shape[1]):
        if k != j and codecs[sid, k] >= 0:
            n = encode_stream_with(codecs[sid, k], params[sid, k], src, aux, out, model)
            if n >= 0:
                return codecs[sid, k], n
    return -1, -1


@parallel_kernel
def _choose_batch(buf, starts, ends, role_codecs, role_params, roles, model, chosen):
    """The trial winners (candidate indices) of whole sub-blocks ``buf[starts[i]:ends[i]]``
    into ``chosen[i]``; -1 in column 0 for text that is not valid FASTQ."""
    for i in prange(starts.size):
        st, a, b, c, streams, aux, stats, qseen = _split(buf[starts[i]:ends[i]])
        if st != OK:
            chosen[i, 0] = -1
            continue
        row = np.zeros(N_STREAMS, np.int64)
        _choose(streams, aux, role_codecs[roles[i]], role_params[roles[i]], model, row)
        chosen[i] = row


@parallel_kernel
def _encode_batch(buf, starts, ends, role_codecs, role_params, roles, model, out, out_starts,
                  meta, given):
    for i in prange(starts.size):
        codecs = role_codecs[roles[i]]
        params = role_params[roles[i]]
        s = starts[i]
        e = ends[i]
        st, a, b, c, streams, aux, stats, qseen = _split(buf[s:e])
        meta[i, _M_STATUS] = st
        meta[i, _M_A] = s + a
        meta[i, _M_B] = b
        meta[i, _M_C] = c
        if st != OK:
            continue
        for k in range(N_STATS):
            meta[i, _M_STATS + k] = stats[k]
        lo = 0
        hi = 0
        for q in range(33, 127):
            if qseen[q]:
                bit = q - 33
                if bit < 47:
                    lo |= 1 << bit
                else:
                    hi |= 1 << (bit - 47)
        meta[i, _M_QMASK] = lo
        meta[i, _M_QMASK + 1] = hi
        slot = out[out_starts[i]:out_starts[i + 1]]
        chosen = np.zeros(N_STREAMS, np.int64)
        if given[i, 0] < 0:
            _choose(streams, aux, codecs, params, model, chosen)
        else:
            for sid in range(N_STREAMS):
                chosen[sid] = given[i, sid]
        pos = 0
        for sid in range(N_STREAMS):
            src = streams[sid]
            codec = STORED
            used = src.size
            if src.size > 0:
                cj, n = _encode_chosen(codecs, params, sid, chosen[sid], src, aux, slot[pos:],
                                       model)
                if n >= 0 and n < used:
                    codec, used = cj, n
            if codec == STORED:
                used = encode_stream_with(STORED, 0, src, aux, slot[pos:], model)
            meta[i, _M_STREAMS + 3 * sid] = codec
            meta[i, _M_STREAMS + 3 * sid + 1] = used
            meta[i, _M_STREAMS + 3 * sid + 2] = src.size
            pos += used
        meta[i, _M_USED] = pos


@dataclass
class EncodedSubBlock:
    """An encoded sub-block (header + streams) and its header."""

    header: SubBlockHeader
    data: bytes


class SpanError(Exception):
    """A span of text is not valid FASTQ; ``status, offset, b, c`` as in ``scan_record``."""

    def __init__(self, status: int, offset: int, b: int, c: int) -> None:
        super().__init__(status, offset, b, c)
        self.status, self.offset, self.b, self.c = status, offset, b, c


def _batch_tables(level: int, n: int, roles: np.ndarray | None, model: np.ndarray | None,
                  seed: SeedInfo | None) -> tuple:
    """``(roles, codecs, params, models)`` of a batch of ``n`` sub-blocks: their roles
    (None: all plain), the candidate codecs and parameters of ``level`` for every role up
    to those used, the kernels' models (:mod:`.codecs.models`): the seed model ``model``
    (None: none) and the quality model of ``seed``, if any."""
    roles = np.zeros(n, np.int64) if roles is None else np.ascontiguousarray(roles, np.int64)
    used = sorted(set(roles.tolist()) | {ROLE_PLAIN})
    role_codecs = np.full((max(used) + 1,) + level_codecs(level)[0].shape, -1, np.int64)
    role_params = np.zeros_like(role_codecs)
    for role in used:
        role_codecs[role], role_params[role] = level_codecs(level, role, seed)
    quality = seed.quality if seed is not None else b""
    return roles, role_codecs, role_params, kernel_models(Models(model, quality))


def choose_spans(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, level: int,
                 roles: np.ndarray | None = None, model: np.ndarray | None = None,
                 seed: SeedInfo | None = None) -> np.ndarray:
    """The trial winners of sub-blocks ``buf[starts[i]:ends[i]]`` (whole records each), as
    :func:`encode_spans` would choose them: shape (n, streams), candidate indices into
    ``level_codecs(level, role)``. Raises :class:`SpanError` (row -1) for invalid text."""
    starts = np.ascontiguousarray(starts, np.int64)
    ends = np.ascontiguousarray(ends, np.int64)
    chosen = np.zeros((len(starts), N_STREAMS), np.int64)
    if len(starts):
        roles, role_codecs, role_params, model = _batch_tables(level, len(starts), roles,
                                                               model, seed)
        _choose_batch(buf, starts, ends, role_codecs, role_params, roles, model, chosen)
    for i in range(len(starts)):
        if chosen[i, 0] < 0:
            st, a, b, c, *_rest = _split(buf[starts[i]:ends[i]])
            raise SpanError(int(st), int(starts[i] + a), int(b), int(c))
    return chosen


def encode_spans(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, base: int,
                 file_index: int, level: int,
                 mates: list[tuple[int, int, int]] | None = None, roles: np.ndarray | None = None,
                 model: np.ndarray | None = None, seed: SeedInfo | None = None,
                 chosen: np.ndarray | None = None) -> list[EncodedSubBlock]:
    """Encode ``buf[starts[i]:ends[i]]`` (whole records each) into sub-blocks.

    ``base`` is the file offset of ``buf[0]``: SOF of sub-block i is
    ``base + starts[i]``. A paired batch (interleaved mates) gives instead, per
    sub-block, ``mates[i] = (R1 offset, R2 offset, R1 bytes)`` for its header. Raises
    :class:`SpanError` for the first (lowest offset) invalid record. Uses the current
    Numba thread count. ``roles``: each sub-block's role (``registry.ROLE_*``; default
    all plain), ``model``: the archive's seed model when any role is not plain, ``seed``
    its footer entry (None: the level's preset order, strands and increment).
    ``chosen``: per sub-block, the candidate of each stream to code it with
    (:func:`choose_spans`, as :mod:`phyngsc.trials` reuses them); a row whose first
    value is -1, or None for all, runs the trial on the sub-block itself."""
    starts = np.ascontiguousarray(starts, np.int64)
    ends = np.ascontiguousarray(ends, np.int64)
    caps = np.array([slot_capacity(int(e - s)) for s, e in zip(starts, ends)], np.int64)
    out_starts = np.zeros(len(starts) + 1, np.int64)
    np.cumsum(caps, out=out_starts[1:])
    out = np.empty(int(out_starts[-1]), np.uint8)
    meta = np.zeros((len(starts), _M_COLS), np.int64)
    if len(starts):
        roles, role_codecs, role_params, model = _batch_tables(level, len(starts), roles,
                                                               model, seed)
        given = np.full((len(starts), N_STREAMS), -1, np.int64) if chosen is None else \
            np.ascontiguousarray(chosen, np.int64)
        _encode_batch(buf, starts, ends, role_codecs, role_params, roles, model, out,
                      out_starts, meta, given)
    bad = [i for i in range(len(starts)) if meta[i, _M_STATUS] != OK]
    if bad:
        i = min(bad, key=lambda k: meta[k, _M_A])
        raise SpanError(int(meta[i, _M_STATUS]), int(meta[i, _M_A]), int(meta[i, _M_B]),
                        int(meta[i, _M_C]))
    result = []
    crcs = crc32_each([buf[int(a):int(b)] for a, b in zip(starts, ends)])
    for i in range(len(starts)):
        m = meta[i]
        s, e = int(starts[i]), int(ends[i])
        streams = tuple(StreamInfo(sid, int(m[_M_STREAMS + 3 * sid]),
                                   int(m[_M_STREAMS + 3 * sid + 1]),
                                   int(m[_M_STREAMS + 3 * sid + 2]))
                        for sid in range(N_STREAMS))
        qmask = int(m[_M_QMASK]) | (int(m[_M_QMASK + 1]) << 47)
        sof, sof2, len1 = (base + s, 0, 0) if mates is None else mates[i]
        header = SubBlockHeader(
            file_index=file_index, sof=sof, sof2=sof2, raw_length1=len1, raw_length=e - s,
            raw_crc=crcs[i], n_records=int(m[_M_STATS + ST_NR]),
            max_title=int(m[_M_STATS + ST_MTL]), min_seq=int(m[_M_STATS + ST_MINSL]),
            max_seq=int(m[_M_STATS + ST_MSL]), n_bases=int(m[_M_STATS + ST_NB]),
            nucleotides=tuple(int(m[_M_STATS + ST_NF + k]) for k in range(6)),
            quality_mask=qmask, streams=streams)
        body = out[int(out_starts[i]):int(out_starts[i]) + int(m[_M_USED])]
        result.append(EncodedSubBlock(header, header.pack() + body.tobytes()))
    return result


def bases_and_lengths(text: np.ndarray, sid: int = SID_DNA) -> tuple[np.ndarray, np.ndarray]:
    """The DNA stream (or stream ``sid``) and read lengths (int64) of whole records
    ``text``: what a sub-block of that text stores, and what the seed model (the quality
    model) learns. Raises :class:`SpanError`."""
    st, a, b, c, streams, aux, _stats, _q = _split(text)
    if st != OK:
        raise SpanError(int(st), int(a), int(b), int(c))
    return streams[sid].copy(), aux


def seed_bases(text: np.ndarray, starts: np.ndarray, ends: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`bases_and_lengths` of ``text[starts[i]:ends[i]]`` for each i, joined in that
    order, and the reads of each span; split one span at a time so that memory holds the
    bases (about half the text) and one span's streams, not every stream at once.
    Raises :class:`SpanError` (its offset relative to ``text``)."""
    dna = np.empty(int(np.sum(ends - starts)), np.uint8)   # untouched pages cost nothing
    lengths, n = [], 0
    for a, b in zip(starts.tolist(), ends.tolist()):
        try:
            d, ln = bases_and_lengths(text[a:b])
        except SpanError as exc:
            raise SpanError(exc.status, exc.offset + a, exc.b, exc.c) from None
        dna[n:n + d.size] = d
        n += d.size
        lengths.append(ln)
    return (dna[:n], np.concatenate(lengths) if lengths else np.zeros(0, np.int64),
            np.array([x.size for x in lengths], np.int64))


__all__ = ["encode_spans", "choose_spans", "bases_and_lengths", "seed_bases", "EncodedSubBlock",
           "SpanError", "slot_capacity"]
