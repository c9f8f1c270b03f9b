"""Put the five streams of a sub-block back together into its FASTQ text.

:func:`assemble_records` is the exact inverse of
:func:`phyngsc.fastq.streams.split_records`; :func:`assemble_first` rebuilds the first
records from stream prefixes (``head``, ``grep --first``). Records without a layout
exception (four lines, default line ends and ``+`` line) take
:func:`_plain_record`; the others are written line by line from the LAYOUT stream.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import get_varint
from ..format.constants import (EXC_EOLS, EXC_NOEOL, EXC_PLUS, EXC_QUALL, EXC_SEQL,
                                LAYOUT_DEFAULT_CRLF, LAYOUT_DEFAULT_PLUS_TITLE)
from ..core.bytecopy import copy_bytes, copy_unchecked


@kernel
def _eol(out: np.ndarray, o: int, crlf: bool) -> int:
    if crlf:
        if o + 2 > out.size:
            return -1
        out[o] = 13
        out[o + 1] = 10
        return o + 2
    if o + 1 > out.size:
        return -1
    out[o] = 10
    return o + 1


@kernel
def _put(out: np.ndarray, o: int, src: np.ndarray, a: int, b: int) -> int:
    if o < 0 or a < 0 or b > src.size or o + (b - a) > out.size:
        return -1
    return copy_bytes(out, o, src, a, b)


@kernel
def _line_crlf(layout: np.ndarray, bits_at: int, line: int, def_crlf: bool) -> bool:
    if bits_at < 0:
        return def_crlf
    idx = bits_at + (line >> 3)
    if idx >= layout.size:
        return def_crlf
    return ((layout[idx] >> (line & 7)) & 1) == 1


@kernel
def _line_lengths(layout: np.ndarray, ly: int) -> tuple:
    """Read a line count and skip its line lengths: ``(count, lengths_at, new_ly)``."""
    n, ly = get_varint(layout, ly, layout.size)
    at = ly
    for _ in range(n):
        if ly < 0:
            break
        _v, ly = get_varint(layout, ly, layout.size)
    return n, at, ly


@kernel
def _emit_lines(out: np.ndarray, o: int, src: np.ndarray, sp: int, n_lines: int, total: int,
                layout: np.ndarray, lengths_at: int, bits_at: int, line: int, def_crlf: bool,
                bare_line: int) -> tuple:
    """Write ``n_lines`` lines of ``src[sp:]`` adding up to ``total`` bytes, each with its
    line end (none for line number ``bare_line``). Line lengths come from the layout at
    ``lengths_at`` (or one line of ``total`` when it is -1). Returns ``(o, sp, line)``,
    ``o`` = -1 if the streams are inconsistent."""
    got = 0
    pos = lengths_at
    for _ in range(n_lines):
        n = total
        if lengths_at >= 0:
            n, pos = get_varint(layout, pos, layout.size)
        o = _put(out, o, src, sp, sp + n)
        if o < 0:
            return -1, sp, line
        sp += n
        got += n
        if line != bare_line:
            o = _eol(out, o, _line_crlf(layout, bits_at, line, def_crlf))
            if o < 0:
                return -1, sp, line
        line += 1
    if got != total:
        return -1, sp, line
    return o, sp, line


@kernel
def _plain_record(out: np.ndarray, o: int, titles: np.ndarray, t0: int, t1: int,
                  dna: np.ndarray, dp: int, qual: np.ndarray, qp: int, n: int, crlf: bool,
                  plus_title: bool) -> int:
    """Write at ``out[o:]`` the four-line record of title ``titles[t0:t1]`` and the
    ``n`` bases and qualities from ``dp`` and ``qp``, lines ended by ``\\r\\n`` if
    ``crlf`` else ``\\n``, the title repeated on the ``+`` line if ``plus_title``.
    Returns the new offset, or -1 if the streams or ``out`` are too short."""
    tl = t1 - t0
    eol = 2 if crlf else 1
    need = 2 + tl + 2 * n + (tl if plus_title else 0) + 4 * eol
    if o + need > out.size or dp + n > dna.size or qp + n > qual.size:
        return -1
    out[o] = 64
    o += 1
    copy_unchecked(out, o, titles, t0, tl)
    o += tl
    for line in range(4):
        if line == 1:
            copy_unchecked(out, o, dna, dp, n)
            o += n
        elif line == 2:
            out[o] = 43
            o += 1
            if plus_title:
                copy_unchecked(out, o, titles, t0, tl)
                o += tl
        elif line == 3:
            copy_unchecked(out, o, qual, qp, n)
            o += n
        if crlf:
            out[o] = 13
            o += 1
        out[o] = 10
        o += 1
    return o


@kernel
def assemble_records(titles: np.ndarray, dna: np.ndarray, qual: np.ndarray,
                     lens: np.ndarray, layout: np.ndarray, n_records: int,
                     out: np.ndarray) -> int:
    """Rebuild the original text into ``out`` (exact size). Returns 0, or 1 if the
    streams are inconsistent (corrupted archive)."""
    if n_records == 0:
        return 0 if out.size == 0 else 1
    o, _last = assemble_first(titles, dna, qual, lens, layout, n_records, out)
    return 0 if o == out.size else 1


@kernel
def assemble_first(titles: np.ndarray, dna: np.ndarray, qual: np.ndarray,
                   lens: np.ndarray, layout: np.ndarray, n_records: int,
                   out: np.ndarray) -> tuple:
    """Rebuild the text of the first ``n_records`` records (streams may be prefixes that
    hold at least those records) into ``out``, which must be large enough. Returns
    ``(bytes written, offset of the last record)``, or ``(-1, -1)`` if the streams are
    inconsistent."""
    if layout.size < 1:
        return -1, -1
    def_crlf = (layout[0] & LAYOUT_DEFAULT_CRLF) != 0
    def_plus_title = (layout[0] & LAYOUT_DEFAULT_PLUS_TITLE) != 0
    ly = 1
    next_exc = -1
    if ly < layout.size:
        d, ly = get_varint(layout, ly, layout.size)
        if ly < 0:
            return -1, -1
        next_exc = d
    tp = 0
    dp = 0
    qp = 0
    lp = 0
    o = 0
    last = 0
    for i in range(n_records):
        seq_len, lp = get_varint(lens, lp, lens.size)
        if lp < 0:
            return -1, -1
        t0 = tp
        while tp < titles.size and titles[tp] != 10:
            tp += 1
        if tp >= titles.size:
            return -1, -1
        t1 = tp
        tp += 1
        flags = 0
        plus0 = 0
        plus1 = 0
        n_seq = 1
        seq_at = -1
        n_qual = 1
        qual_at = -1
        bits_at = -1
        if i == next_exc:
            if ly >= layout.size:
                return -1, -1
            flags = int(layout[ly])
            ly += 1
            if flags & EXC_PLUS:
                n, ly = get_varint(layout, ly, layout.size)
                if ly < 0 or ly + n > layout.size:
                    return -1, -1
                plus0 = ly
                plus1 = ly + n
                ly += n
            if flags & EXC_SEQL:
                n_seq, seq_at, ly = _line_lengths(layout, ly)
                if ly < 0:
                    return -1, -1
            if flags & EXC_QUALL:
                n_qual, qual_at, ly = _line_lengths(layout, ly)
                if ly < 0:
                    return -1, -1
            if flags & EXC_EOLS:
                n, ly = get_varint(layout, ly, layout.size)
                if ly < 0:
                    return -1, -1
                bits_at = ly
                ly += (n + 7) >> 3
            if ly < layout.size:
                d, ly = get_varint(layout, ly, layout.size)
                if ly < 0:
                    return -1, -1
                next_exc = i + 1 + d
        last = o
        if flags == 0:
            # a plain record: four lines, the default line ends and '+' line; written
            # with loops of its own (a helper call per line costs more than its bytes)
            o = _plain_record(out, o, titles, t0, t1, dna, dp, qual, qp, seq_len, def_crlf,
                              def_plus_title)
            if o < 0:
                return -1, -1
            dp += seq_len
            qp += seq_len
            continue
        n_lines = n_seq + n_qual + 2
        noeol = (flags & EXC_NOEOL) != 0
        line = 0
        # title
        if o >= out.size:
            return -1, -1
        out[o] = 64
        o = _put(out, o + 1, titles, t0, t1)
        if o < 0:
            return -1, -1
        o = _eol(out, o, _line_crlf(layout, bits_at, line, def_crlf))
        line += 1
        # sequence lines
        o, dp, line = _emit_lines(out, o, dna, dp, n_seq, seq_len, layout, seq_at, bits_at,
                                  line, def_crlf, -1)
        if o < 0:
            return -1, -1
        # '+' line
        if o >= out.size:
            return -1, -1
        out[o] = 43
        o += 1
        if flags & EXC_PLUS:
            o = _put(out, o, layout, plus0, plus1)
        elif def_plus_title:
            o = _put(out, o, titles, t0, t1)
        if o < 0:
            return -1, -1
        o = _eol(out, o, _line_crlf(layout, bits_at, line, def_crlf))
        if o < 0:
            return -1, -1
        line += 1
        # quality lines
        o, qp, line = _emit_lines(out, o, qual, qp, n_qual, seq_len, layout, qual_at, bits_at,
                                  line, def_crlf, n_lines - 1 if noeol else -1)
        if o < 0:
            return -1, -1
    return o, last

