"""The first records of a sub-block, decoded by the kernels run as plain Python.

Every stream decodes from its start, so the first ``r`` records of a sub-block cost
time in proportion to ``r``, not to the sub-block. Run interpreted (see
:func:`phyngsc.core.jit.interpreted`) a base costs about 10 µs instead of 10 ns,
but nothing has to be imported or loaded first: Numba's import and its cached
kernels take 0.3-0.4 s, which is what the first few hundred bases cost this way.
``grep --first`` therefore looks at the first reads of an archive here before it
starts Numba (:func:`first_match`).

Nothing here trusts the streams: any inconsistency makes these functions return
``None`` and the caller falls back to the full decoder, which reports errors.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np

from ..core.jit import interpreted
from ..codecs.dna_k8 import dna_k8_decode_into
from ..codecs.dna_k8_lanes import stream_lanes
from ..codecs.models import Models, kernel_models
from ..codecs.registry import CODEC_ID, KNOWN_CODECS, decode_stream_with
from ..fastq.assemble import assemble_first
from ..format.constants import SID_DNA, SID_LAYOUT, SID_LENGTHS, SID_QUAL, SID_TITLES
from ..format.container import FormatViolation
from ..format.footer import SeedInfo
from ..format.subblock import SubBlockHeader
from .kernels import grep_records

#: Bases looked at by :func:`first_match` (at least one whole read): about 0.05 s.
HEAD_BASES = 4096
#: Largest LAYOUT stream decoded interpreted (it is decoded whole).
_MAX_LAYOUT = 1024
#: Highest order of a chained seed whose first sub-block's bases the first look decodes:
#: they start from a table of ones, ``4 ** (k + 1)`` bytes (64 MiB at order 12, level 5's;
#: level 9's order 14 would be 1 GiB, more than the look is worth).
MAX_CHAIN_K = 12
_DNA_SEEDED = CODEC_ID["dna-seeded"]
_DNA_K8 = CODEC_ID["dna-k8"]


@dataclass
class Head:
    """The first ``len(lengths)`` records' read lengths and bases of one sub-block."""

    header: SubBlockHeader
    streams: dict[int, tuple[int, np.ndarray, int]]   # sid -> (codec, encoded, decoded length)
    lengths: np.ndarray                                # int64, one per record
    dna: np.ndarray                                    # uint8, sum(lengths) bases
    raw_lengths: np.ndarray                            # LENGTHS prefix: their varints
    quality: bytes = b""       # the archive's quality model (NGSC 1.12), for QUAL_SHARED


def _decode(head_streams: dict, sid: int, n: int, aux: np.ndarray, quality: bytes = b""
            ) -> np.ndarray | None:
    codec, enc, total = head_streams[sid]
    out = np.zeros(min(n, total), np.uint8)
    # the quality model's tables are plain numpy: interpreted, no Numba loaded for them
    models = kernel_models(Models(None, quality))
    return out if decode_stream_with(codec, enc, aux, out, models) == 0 else None


def parse_subblock(data: bytes) -> tuple[SubBlockHeader, dict] | None:
    """Header and ``{sid: (codec, encoded bytes, decoded length)}`` of sub-block ``data``;
    ``None`` if it is not a well-formed sub-block with records."""
    try:
        hdr, hsize = SubBlockHeader.unpack_checked(data, KNOWN_CODECS)
    except FormatViolation:
        return None
    if hdr.n_records == 0:
        return None
    enc = np.frombuffer(data, np.uint8)[hsize:]
    streams, p = {}, 0
    for s in hdr.streams:
        streams[s.sid] = (s.codec, enc[p:p + s.encoded_length], s.decoded_length)
        p += s.encoded_length
    return hdr, streams


def head_of_decoded(data: bytes, raw_lengths: np.ndarray, lengths: np.ndarray,
                    dna: np.ndarray, quality: bytes = b"") -> Head | None:
    """A :class:`Head` over a sub-block whose LENGTHS (``raw_lengths``, varints; and
    ``lengths``) and DNA are decoded already, so that :func:`record_text` can rebuild
    one record from prefixes of the other streams (``quality``: the archive's quality
    model, if any)."""
    parsed = parse_subblock(data)
    return None if parsed is None else Head(parsed[0], parsed[1], lengths, dna, raw_lengths,
                                            quality)


def _chain_start(streams: dict, n: int, lengths: np.ndarray, seed: SeedInfo
                 ) -> np.ndarray | None:
    """The first ``n`` bases of a chained seed's first sub-block coded DNA_SEEDED: from a
    table of ones, as the chain's walk starts (docs/format.md, *Seed model*); None when
    the stream names other settings than the seed's, or does not decode."""
    _codec, enc, total = streams[SID_DNA]
    if seed.k > MAX_CHAIN_K or not seed.settings_of(enc):
        return None
    out = np.zeros(min(n, total), np.uint8)
    table = np.ones(4 << (2 * seed.k), np.uint8)
    return out if dna_k8_decode_into(enc, lengths, out, table) == 0 else None


def read_head(data: bytes, max_bases: int = HEAD_BASES, chain: SeedInfo | None = None
              ) -> Head | None:
    """Lengths and bases of the first reads of sub-block ``data`` (its bytes, header
    included) whose bases add up to at most ``max_bases`` (at least one read; up to
    L - 1 more when bases in L lanes need whole groups), decoded interpreted; ``None`` if
    the sub-block cannot be read this way. ``chain``: the archive's chained seed when
    ``data`` is its first sub-block (whose bases may be coded from the chain's starting
    table, :data:`MAX_CHAIN_K`; its quality model decodes QUAL_SHARED qualities)."""
    parsed = parse_subblock(data)
    if parsed is None:
        return None
    hdr, streams = parsed
    with interpreted():
        lanes = _dna_lanes(streams)
        want = max(1, min(hdr.n_records, max_bases // max(hdr.min_seq, 1) + 1))
        want = min(hdr.n_records, -(-want // lanes) * lanes)     # a whole group of lanes
        # read lengths are varints of at most width bytes each
        width = max(1, (max(hdr.max_seq, 1).bit_length() + 6) // 7)
        raw = _decode(streams, SID_LENGTHS, want * width, np.zeros(0, np.int64))
        if raw is None:
            return None
        lengths, used = _complete_varints(raw, want)
        if lengths.size == 0:
            return None
        keep = max(int(np.searchsorted(np.cumsum(lengths), max_bases, side="right")), 1)
        keep = _whole_groups(keep, lanes, lengths.size, hdr.n_records)
        if keep == 0:
            return None
        lengths, used = lengths[:keep], int(used[min(keep, used.size) - 1])
        if streams[SID_DNA][0] != _DNA_SEEDED:
            dna = _decode(streams, SID_DNA, int(lengths.sum()), lengths)
        elif chain is not None:
            dna = _chain_start(streams, int(lengths.sum()), lengths, chain)
        else:
            return None
    if dna is None or dna.size != int(lengths.sum()):
        return None
    return Head(hdr, streams, lengths, dna, raw[:used], chain.quality if chain else b"")


def _dna_lanes(streams: dict) -> int:
    """The lane count of a DNA_K8 or DNA_SEEDED stream (NGSC 1.7), else 1: its bases
    decode as a prefix only with the lengths of every read of the group of that many
    reads it ends in (:mod:`~..codecs.dna_k8_lanes`). Flags the decoder reports as damage
    count as 1."""
    codec, enc, _total = streams[SID_DNA]
    if codec not in (_DNA_K8, _DNA_SEEDED) or enc.size < 2:
        return 1
    return max(stream_lanes(int(enc[1])), 1)


def _whole_groups(keep: int, lanes: int, have: int, n_records: int) -> int:
    """How many of the first reads to decode when ``keep`` are wanted, the bases are in
    ``lanes`` lanes and the lengths of ``have`` reads are known: up to the end of the
    group ``keep`` ends in (or the sub-block's), or down to its start when those lengths
    are not known; 0 when no such count exists."""
    if keep == n_records:
        return keep
    up = min(-(-keep // lanes) * lanes, n_records)
    return up if up <= have else keep // lanes * lanes


def _complete_varints(raw: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The whole varints at the start of ``raw`` (at most ``limit``), and the bytes
    used up to the end of each."""
    values, ends, v, shift = [], [], 0, 0
    for k, b in enumerate(raw.tolist()):
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            values.append(v)
            ends.append(k + 1)
            v, shift = 0, 0
            if len(values) == limit:
                break
    return np.array(values, np.int64), np.array(ends, np.int64)


def record_text(head: Head, r: int, interpret: bool = True) -> bytes | None:
    """The exact FASTQ text of record ``r`` of the head (``r < len(head.lengths)``),
    decoding the streams only as far as record ``r`` (interpreted, or compiled);
    ``None`` if it cannot be rebuilt from stream prefixes."""
    n = r + 1
    lengths = head.lengths[:n]
    bases = int(lengths.sum())
    layout_size = head.streams[SID_LAYOUT][2]
    if interpret and layout_size > _MAX_LAYOUT:
        return None
    hdr = head.header
    with interpreted() if interpret else nullcontext():
        qual = _decode(head.streams, SID_QUAL, bases, lengths, head.quality)
        layout = _decode(head.streams, SID_LAYOUT, layout_size, np.zeros(0, np.int64))
        # titles: each ends in '\n' and is at most max_title bytes long
        size = n * (hdr.max_title + 1)
        titles = _decode(head.streams, SID_TITLES, size, lengths)
        if qual is None or layout is None or titles is None or \
                int(np.count_nonzero(titles == 10)) < n:
            return None
        out = np.zeros(2 * (titles.size + bases) + 3 * layout.size + 16 * n + 64, np.uint8)
        o, last = assemble_first(titles, head.dna[:bases], qual, head.raw_lengths, layout, n,
                                 out)
    if o < 0:
        return None
    return out[last:o].tobytes()


def first_match(data: bytes, fwd: np.ndarray, rev: np.ndarray, revcomp: bool,
                max_bases: int = HEAD_BASES, chain: SeedInfo | None = None
                ) -> tuple[bool, bytes | None]:
    """Look for the pattern in the first reads of sub-block ``data`` without Numba
    (``chain`` as for :func:`read_head`).

    Returns ``(True, text)`` with the first matching record's exact text,
    ``(True, None)`` if the whole sub-block was looked at and nothing matches, and
    ``(False, None)`` when the answer lies beyond the reads looked at (or the
    sub-block could not be read this way).
    """
    head = read_head(data, max_bases, chain)
    if head is None:
        return False, None
    with interpreted():
        hits = grep_records(head.dna, head.lengths, fwd, rev, revcomp)
    if hits.any():
        text = record_text(head, int(np.argmax(hits)))
        return (text is not None), text
    return head.lengths.size == head.header.n_records, None
