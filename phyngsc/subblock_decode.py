"""Decode sub-blocks (header + streams) back into their text, or into chosen streams
(pure, no MPI; :mod:`phyngsc.subblocks` encodes them).

A batch of sub-blocks decodes in one Numba kernel. With at least as many sub-blocks as
threads, each ``prange`` iteration decodes one sub-block whole (:func:`_decode_batch`).
With fewer (a reader after a few records: ``extract``, the viewer, the first batches of
``grep --first``), each sub-block is split into two lanes that run on threads of their
own (:func:`_decode_lanes`): its qualities, and its other streams (titles, bases,
layout), so that a single level-5 sub-block decodes in about the time of its slower
lane rather than of both. Both kernels give the same text and the same status; the
text is then checked against the sub-block's CRC-32 either way.
"""

from __future__ import annotations


import numpy as np

from .codecs.models import Models, kernel_models
from .codecs.qual_model import QualityModelError
from .codecs.registry import KNOWN_CODECS, decode_stream_with
from .core.checksums import crc32_each
from .core.jit import parallel_kernel, prange, thread_count
from .core.varint import varints_to_array
from .fastq.assemble import assemble_records
from .format.constants import N_STREAMS, SID_LENGTHS, SID_QUAL
from .format.container import FormatViolation
from .format.subblock import SubBlockHeader


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


#: Lanes of a sub-block in :func:`_decode_lanes`: its qualities, and its other streams.
LANES = 2


@parallel_kernel
def _decode_lanes(enc, enc_starts, stream_meta, n_records, model, out, out_starts, status):
    """:func:`_decode_batch` in ``LANES`` lanes a sub-block, for batches of fewer sub-blocks
    than threads. Read lengths first (every other codec needs them), one after another;
    then the lanes in parallel, first every sub-block's bases-and-titles lane (``prange``
    gives thread t the t-th iteration when there are as many threads, so the DNA of
    sub-block i decodes on thread i, which has its own working row of a seed workspace),
    then every quality lane; then each sub-block's records are assembled. ``status[i]``:
    0 when every stream of sub-block i decoded, else that of its first failing lane."""
    nb = enc_starts.size
    offs = np.zeros((nb, N_STREAMS + 1), np.int64)
    at = np.zeros((nb, N_STREAMS + 1), np.int64)    # decoded streams, all in ``dec``
    aux_at = np.zeros(nb + 1, np.int64)
    total = 0
    for i in range(nb):
        offs[i, 0] = enc_starts[i]
        for sid in range(N_STREAMS):
            offs[i, sid + 1] = offs[i, sid] + stream_meta[i, 3 * sid + 1]
            at[i, sid] = total
            total += stream_meta[i, 3 * sid + 2]
        at[i, N_STREAMS] = total
        aux_at[i + 1] = aux_at[i] + n_records[i]
    dec = np.empty(total, np.uint8)
    aux = np.empty(aux_at[nb], np.int64)
    lane_status = np.zeros((nb, LANES), np.int64)
    for i in range(nb):
        ok = 1 if offs[i, N_STREAMS] > enc.size else 0
        lens = dec[at[i, SID_LENGTHS]:at[i, SID_LENGTHS + 1]]
        if ok == 0:
            ok = decode_stream_with(stream_meta[i, 3 * SID_LENGTHS],
                                    enc[offs[i, SID_LENGTHS]:offs[i, SID_LENGTHS + 1]],
                                    np.zeros(0, np.int64), lens, model)
        aux[aux_at[i]:aux_at[i + 1]] = varints_to_array(lens, n_records[i])
        lane_status[i, 0] = ok
        lane_status[i, 1] = ok
    for j in prange(LANES * nb):
        i = j % nb
        lane = j // nb
        ok = lane_status[i, lane]
        for sid in range(N_STREAMS):
            if sid == SID_LENGTHS or (sid == SID_QUAL) != (lane == 1) or ok != 0:
                continue
            ok = decode_stream_with(stream_meta[i, 3 * sid], enc[offs[i, sid]:offs[i, sid + 1]],
                                    aux[aux_at[i]:aux_at[i + 1]],
                                    dec[at[i, sid]:at[i, sid + 1]], model)
        lane_status[i, lane] = ok
    for i in prange(nb):
        ok = lane_status[i, 0]
        if ok == 0:
            ok = lane_status[i, 1]
        if ok == 0:
            ok = assemble_records(dec[at[i, 0]:at[i, 1]], dec[at[i, 1]:at[i, 2]],
                                  dec[at[i, 2]:at[i, 3]], dec[at[i, 3]:at[i, 4]],
                                  dec[at[i, 4]:at[i, 5]], n_records[i],
                                  out[out_starts[i]:out_starts[i + 1]])
        status[i] = ok



def _model(model: Models | np.ndarray | None) -> tuple:
    """The models argument of the kernels (:func:`~.codecs.models.kernel_models`); a
    damaged quality model fails every sub-block that uses it."""
    try:
        return kernel_models(model)
    except QualityModelError:
        return kernel_models(model.dna if isinstance(model, Models) else None)


class SubBlockCorrupt(Exception):
    """Index i of a batch did not decode; ``reason`` says why."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(index, reason)
        self.index, self.reason = index, reason


def decode_subblocks(encoded: list[bytes | memoryview], model: Models | np.ndarray | None = None,
                     lanes: bool | None = None
                     ) -> tuple[list[SubBlockHeader], np.ndarray, np.ndarray]:
    """Decode sub-blocks (each: header + streams) into their original text.

    Returns the headers, one ``uint8`` array holding all texts back to back, and
    the start offsets (length n + 1) of each text in it. Every text is checked
    against the CRC-32 in its header; raises :class:`SubBlockCorrupt` naming the
    first bad one. ``model``: the archive's seed model (needed by DNA_SEEDED streams),
    or its :class:`~.codecs.models.Models` (QUAL_SHARED streams need its quality model).
    ``lanes``: decode each sub-block in :data:`LANES` parallel lanes (None: when there
    are fewer sub-blocks than threads); the result is the same either way.
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
        if lanes is None:
            lanes = len(headers) < thread_count()
        batch = _decode_lanes if lanes else _decode_batch
        batch(enc, starts, stream_meta, n_records, _model(model), out, out_starts, status)
    for i, h in enumerate(headers):
        if status[i] != 0:
            raise SubBlockCorrupt(i, "streams do not decode")
    for i, crc in enumerate(text_crcs(out, out_starts)):
        if crc != headers[i].raw_crc:
            raise SubBlockCorrupt(i, "decoded text fails its CRC-32")
    return headers, out, out_starts


def text_crcs(out: np.ndarray, out_starts: np.ndarray) -> list[int]:
    """CRC-32 of each text ``out[out_starts[i]:out_starts[i + 1]]``, on as many threads
    as the kernels use (:func:`~phyngsc.core.checksums.crc32_each`)."""
    return crc32_each([out[out_starts[i]:out_starts[i + 1]]
                       for i in range(out_starts.size - 1)])



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
                   model: Models | np.ndarray | None = None) -> tuple[
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


__all__ = ["decode_subblocks", "decode_streams", "text_crcs", "SubBlockCorrupt", "LANES"]
