"""Encode spans of FASTQ text into sub-blocks and decode them back (pure, no MPI).

The Numba kernels here run one sub-block per ``prange`` iteration, so a rank
with T threads encodes or decodes T sub-blocks at a time. Headers are built in
Python (one per sub-block, so their cost does not matter).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from .core.jit import kernel, parallel_kernel, prange
from .codecs.registry import (CODEC_ID, KNOWN_CODECS, ROLE_PLAIN, TRIAL_MARGIN_PERCENT,
                              decode_stream_with, encode_stream_with, level_codecs)
from .core.varint import varints_to_array
from .format.constants import N_STREAMS, SID_DNA, SID_LENGTHS, SID_QUAL
from .format.container import FormatViolation
from .format.footer import SeedInfo
from .format.subblock import StreamInfo, SubBlockHeader
from .fastq.scan import OK
from .fastq.assemble import assemble_records
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
#: of a level codes to choose the one that codes the sub-block's whole stream. The
#: trial runs on every sub-block's own streams, so that the choice, and the archive,
#: do not depend on how many ranks or threads encode it. A DNA or quality candidate
#: scores the sample's size minus that of its first half of reads: what it costs once
#: it has learned, as over a whole stream (docs/performance.md, phyngsc 0.9).
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


@parallel_kernel
def _encode_batch(buf, starts, ends, role_codecs, role_params, roles, model, out, out_starts,
                  meta):
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
        _choose(streams, aux, codecs, params, model, chosen)
        pos = 0
        for sid in range(N_STREAMS):
            src = streams[sid]
            codec = STORED
            used = src.size
            if src.size > 0:
                j = chosen[sid]
                n = encode_stream_with(codecs[sid, j], params[sid, j], src, aux, slot[pos:],
                                       model)
                if n >= 0 and n < used:
                    codec, used = codecs[sid, j], n
            if codec == STORED:
                used = encode_stream_with(STORED, 0, src, aux, slot[pos:], model)
            meta[i, _M_STREAMS + 3 * sid] = codec
            meta[i, _M_STREAMS + 3 * sid + 1] = used
            meta[i, _M_STREAMS + 3 * sid + 2] = src.size
            pos += used
        meta[i, _M_USED] = pos


@parallel_kernel
def _decode_batch(enc, enc_starts, stream_meta, n_records, model, out, out_starts, status):
    for i in prange(enc_starts.size):
        # stream offsets; LENGTHS first: other codecs use the read lengths
        offs = np.zeros(N_STREAMS + 1, np.int64)
        offs[0] = enc_starts[i]
        for sid in range(N_STREAMS):
            offs[sid + 1] = offs[sid] + stream_meta[i, 3 * sid + 1]
        ok = 0
        if offs[N_STREAMS] > enc.size:
            ok = 1
        lens = np.empty(stream_meta[i, 3 * SID_LENGTHS + 2], np.uint8)
        if ok == 0:
            ok = decode_stream_with(stream_meta[i, 3 * SID_LENGTHS],
                                    enc[offs[SID_LENGTHS]:offs[SID_LENGTHS + 1]],
                                    np.zeros(0, np.int64), lens, model)
        aux = varints_to_array(lens, n_records[i])
        bufs = []
        for sid in range(N_STREAMS):
            dst = np.empty(stream_meta[i, 3 * sid + 2], np.uint8)
            if sid == SID_LENGTHS:
                dst = lens
            elif ok == 0:
                ok = decode_stream_with(stream_meta[i, 3 * sid], enc[offs[sid]:offs[sid + 1]],
                                        aux, dst, model)
            bufs.append(dst)
        if ok == 0:
            ok = assemble_records(bufs[0], bufs[1], bufs[2], bufs[3], bufs[4], n_records[i],
                                  out[out_starts[i]:out_starts[i + 1]])
        status[i] = ok


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


def encode_spans(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, *, base: int,
                 file_index: int, level: int,
                 mates: list[tuple[int, int, int]] | None = None, roles: np.ndarray | None = None,
                 model: np.ndarray | None = None, seed: SeedInfo | None = None
                 ) -> list[EncodedSubBlock]:
    """Encode ``buf[starts[i]:ends[i]]`` (whole records each) into sub-blocks.

    ``base`` is the file offset of ``buf[0]``: SOF of sub-block i is
    ``base + starts[i]``. A paired batch (interleaved mates) gives instead, per
    sub-block, ``mates[i] = (R1 offset, R2 offset, R1 bytes)`` for its header. Raises
    :class:`SpanError` for the first (lowest offset) invalid record. Uses the current
    Numba thread count. ``roles``: each sub-block's role (``registry.ROLE_*``; default
    all plain), ``model``: the archive's seed model when any role is not plain, ``seed``
    its footer entry (None: the level's preset order, strands and increment)."""
    starts = np.ascontiguousarray(starts, np.int64)
    ends = np.ascontiguousarray(ends, np.int64)
    caps = np.array([slot_capacity(int(e - s)) for s, e in zip(starts, ends)], np.int64)
    out_starts = np.zeros(len(starts) + 1, np.int64)
    np.cumsum(caps, out=out_starts[1:])
    out = np.empty(int(out_starts[-1]), np.uint8)
    meta = np.zeros((len(starts), _M_COLS), np.int64)
    if len(starts):
        roles = np.zeros(len(starts), np.int64) if roles is None else \
            np.ascontiguousarray(roles, np.int64)
        used = sorted(set(roles.tolist()) | {ROLE_PLAIN})
        role_codecs = np.full((max(used) + 1,) + level_codecs(level)[0].shape, -1, np.int64)
        role_params = np.zeros_like(role_codecs)
        model = np.zeros(0, np.uint8) if model is None else model
        for role in used:
            role_codecs[role], role_params[role] = level_codecs(level, role, seed)
        _encode_batch(buf, starts, ends, role_codecs, role_params, roles, model, out,
                      out_starts, meta)
    bad = [i for i in range(len(starts)) if meta[i, _M_STATUS] != OK]
    if bad:
        i = min(bad, key=lambda k: meta[k, _M_A])
        raise SpanError(int(meta[i, _M_STATUS]), int(meta[i, _M_A]), int(meta[i, _M_B]),
                        int(meta[i, _M_C]))
    result = []
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
            raw_crc=zlib.crc32(buf[s:e]), n_records=int(m[_M_STATS + ST_NR]),
            max_title=int(m[_M_STATS + ST_MTL]), min_seq=int(m[_M_STATS + ST_MINSL]),
            max_seq=int(m[_M_STATS + ST_MSL]), n_bases=int(m[_M_STATS + ST_NB]),
            nucleotides=tuple(int(m[_M_STATS + ST_NF + k]) for k in range(6)),
            quality_mask=qmask, streams=streams)
        body = out[int(out_starts[i]):int(out_starts[i]) + int(m[_M_USED])]
        result.append(EncodedSubBlock(header, header.pack() + body.tobytes()))
    return result


def bases_and_lengths(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The DNA stream and read lengths (int64) of whole records ``text``: what a sub-block
    of that text stores, and what the seed model learns. Raises :class:`SpanError`."""
    st, a, b, c, streams, aux, _stats, _q = _split(text)
    if st != OK:
        raise SpanError(int(st), int(a), int(b), int(c))
    return streams[SID_DNA].copy(), aux


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


def _model(model: np.ndarray | None) -> np.ndarray:
    """The seed model argument of the kernels: an empty array stands for none."""
    return np.zeros(0, np.uint8) if model is None else model


class SubBlockCorrupt(Exception):
    """Index i of a batch did not decode; ``reason`` says why."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(index, reason)
        self.index, self.reason = index, reason


def decode_subblocks(encoded: list[bytes | memoryview], model: np.ndarray | None = None
                     ) -> tuple[list[SubBlockHeader], np.ndarray, np.ndarray]:
    """Decode sub-blocks (each: header + streams) into their original text.

    Returns the headers, one ``uint8`` array holding all texts back to back, and
    the start offsets (length n + 1) of each text in it. Every text is checked
    against the CRC-32 in its header; raises :class:`SubBlockCorrupt` naming the
    first bad one. ``model``: the archive's seed model (needed by DNA_SEEDED streams).
    """
    headers = []
    parts = []
    starts = np.zeros(len(encoded), np.int64)
    pos = 0
    for i, data in enumerate(encoded):
        try:
            hdr, hsize = SubBlockHeader.unpack_checked(data, KNOWN_CODECS)
        except FormatViolation as exc:
            raise SubBlockCorrupt(i, str(exc)) from None
        headers.append(hdr)
        parts.append(np.frombuffer(data, np.uint8)[hsize:])
        starts[i] = pos
        pos += len(parts[-1])
    enc = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
    stream_meta = np.array([[v for s in h.streams for v in (s.codec, s.encoded_length,
                                                             s.decoded_length)]
                            for h in headers], np.int64).reshape(len(headers), 3 * N_STREAMS)
    n_records = np.array([h.n_records for h in headers], np.int64)
    out_starts = np.zeros(len(headers) + 1, np.int64)
    np.cumsum([h.raw_length for h in headers], out=out_starts[1:])
    out = np.empty(int(out_starts[-1]), np.uint8)
    status = np.zeros(len(headers), np.int64)
    if headers:
        _decode_batch(enc, starts, stream_meta, n_records, _model(model), out, out_starts,
                      status)
    for i, h in enumerate(headers):
        if status[i] != 0:
            raise SubBlockCorrupt(i, "streams do not decode")
        if zlib.crc32(out[out_starts[i]:out_starts[i + 1]]) != h.raw_crc:
            raise SubBlockCorrupt(i, "decoded text fails its CRC-32")
    return headers, out, out_starts


__all__ = ["encode_spans", "decode_subblocks", "decode_streams", "bases_and_lengths",
           "seed_bases", "EncodedSubBlock", "SpanError", "SubBlockCorrupt", "slot_capacity"]


@parallel_kernel
def _decode_selected(enc, stream_starts, stream_meta, wanted, n_records, model, out,
                     out_starts, status):
    """Decode the wanted streams of each sub-block into ``out[out_starts[i, sid]:...]``.
    LENGTHS must be wanted: it is decoded first, other codecs use the read lengths."""
    for i in prange(stream_starts.shape[0]):
        ok = 0
        aux = np.zeros(0, np.int64)
        for k in range(N_STREAMS):
            sid = SID_LENGTHS if k == 0 else (k - 1 if k <= SID_LENGTHS else k)
            if not wanted[sid]:
                continue
            codec = stream_meta[i, 3 * sid]
            elen = stream_meta[i, 3 * sid + 1]
            a = stream_starts[i, sid]
            dst = out[out_starts[i, sid]:out_starts[i, sid] + stream_meta[i, 3 * sid + 2]]
            if a + elen > enc.size:
                ok = 1
            elif ok == 0:
                ok = decode_stream_with(codec, enc[a:a + elen], aux, dst, model)
            if sid == SID_LENGTHS:
                aux = varints_to_array(dst, n_records[i])
        status[i] = ok


def decode_streams(encoded: list[bytes], wanted: tuple[int, ...],
                   model: np.ndarray | None = None) -> tuple[
        list[SubBlockHeader], list[dict[int, np.ndarray]]]:
    """Decode only the streams ``wanted`` (stream ids) of each sub-block.

    Returns the headers and, per sub-block, ``{sid: uint8 array}`` of decoded
    streams (views into one buffer). Used by in compresso commands that need,
    e.g., only DNA and lengths. Raises :class:`SubBlockCorrupt`.
    """
    headers, parts = [], []
    for i, data in enumerate(encoded):
        try:
            hdr, hsize = SubBlockHeader.unpack_checked(data, KNOWN_CODECS, wanted)
        except FormatViolation as exc:
            raise SubBlockCorrupt(i, str(exc)) from None
        headers.append(hdr)
        parts.append(np.frombuffer(data, np.uint8)[hsize:])
    n = len(headers)
    enc = np.concatenate(parts) if parts else np.zeros(0, np.uint8)
    meta = np.array([[v for s in h.streams for v in (s.codec, s.encoded_length,
                                                      s.decoded_length)] for h in headers],
                    np.int64).reshape(n, 3 * N_STREAMS)
    stream_starts = np.zeros((n, N_STREAMS), np.int64)
    out_starts = np.zeros((n, N_STREAMS), np.int64)
    mask = np.zeros(N_STREAMS, np.bool_)
    mask[list(wanted)] = True
    mask[SID_LENGTHS] = True   # read lengths: needed by the quality and DNA models
    base, total = 0, 0
    for i, h in enumerate(headers):
        p = base
        for s in h.streams:
            stream_starts[i, s.sid] = p
            p += s.encoded_length
            if mask[s.sid]:
                out_starts[i, s.sid] = total
                total += s.decoded_length
        base += len(parts[i])
    out = np.empty(total, np.uint8)
    status = np.zeros(n, np.int64)
    if n:
        n_records = np.array([h.n_records for h in headers], np.int64)
        _decode_selected(enc, stream_starts, meta, mask, n_records, _model(model), out,
                         out_starts, status)
    result = []
    for i, h in enumerate(headers):
        if status[i]:
            raise SubBlockCorrupt(i, "streams do not decode")
        result.append({sid: out[out_starts[i, sid]:out_starts[i, sid] +
                                h.streams[sid].decoded_length] for sid in wanted})
    return headers, result
