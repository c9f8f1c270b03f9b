"""Split the records of a sub-block into the five streams, and put them back.

:func:`split_records` turns FASTQ text into TITLES, DNA, QUAL, LENGTHS and
LAYOUT (decoded forms of docs/format.md, *Streams*) plus header statistics;
:func:`assemble_records` is its exact inverse.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from ..core.varint import get_varint, put_varint
from ..format.constants import (EXC_EOLS, EXC_NOEOL, EXC_PLUS, EXC_QUALL, EXC_SEQL,
                                LAYOUT_DEFAULT_CRLF, LAYOUT_DEFAULT_PLUS_TITLE)
from .scan import CLASS, GROW, OK, scan_lines

# Indices into the int64 ``stats`` array filled by split_records.
ST_NR, ST_MTL, ST_MINSL, ST_MSL, ST_NB = 0, 1, 2, 3, 4
ST_NF = 5            # 6 counts: A C G T N other
ST_LEN_TITLES = 11   # decoded stream lengths
ST_LEN_LENGTHS = 12
ST_LEN_LAYOUT = 13
N_STATS = 14

#: byte -> nucleotide class 0..5 (A C G T N other), case-sensitive.
NUC_CLASS = np.full(256, 5, np.uint8)
for _i, _b in enumerate(b"ACGTN"):
    NUC_CLASS[_b] = _i


@kernel
def layout_capacity(raw_length: int) -> int:
    """Bytes that always suffice for the LAYOUT stream of ``raw_length`` bytes of text."""
    return 2 * raw_length + 64


@kernel
def _copy(dst: np.ndarray, at: int, src: np.ndarray, a: int, b: int) -> int:
    n = b - a
    if n > 0:
        dst[at:at + n] = src[a:b]
    return at + n


@kernel
def _same(buf: np.ndarray, a0: int, a1: int, b0: int, b1: int) -> bool:
    if a1 - a0 != b1 - b0:
        return False
    for k in range(a1 - a0):
        if buf[a0 + k] != buf[b0 + k]:
            return False
    return True


@kernel
def split_records(buf: np.ndarray, start: int, end: int, at_eof: bool,
                  titles: np.ndarray, dna: np.ndarray, qual: np.ndarray,
                  lens: np.ndarray, layout: np.ndarray,
                  stats: np.ndarray, qseen: np.ndarray) -> tuple:
    """Split the records in ``buf[start:end]`` (whole records only) into streams.

    ``titles``, ``dna``, ``qual`` and ``lens`` need ``end - start`` bytes,
    ``layout`` needs :func:`layout_capacity` bytes, ``qseen`` is bool[256]
    (set for every quality byte seen). Returns ``(status, a, b, c)`` as
    :func:`phyngsc.fastq.scan.scan_record` for the first bad record, else
    ``(OK, 0, 0, 0)`` with ``stats`` filled; DNA and QUAL lengths are
    ``stats[ST_NB]``.

    One pass copies the lines without looking at their bytes; the byte
    histograms of the DNA and QUAL streams then check them all at once and give
    the nucleotide counts and ``qseen``. Only if that finds a bad byte (or the
    pass fails) does a second, byte-checking pass run, to name the first error
    exactly as :func:`scan_record` does.
    """
    st, a, b, c = _split_pass(buf, start, end, at_eof, titles, dna, qual, lens, layout,
                              stats, qseen, False)
    if st == OK:
        nb = stats[ST_NB]
        hd = byte_histogram(dna[:nb])
        hq = byte_histogram(qual[:nb])
        clean = True
        for v in range(256):
            if (hd[v] > 0 and (CLASS[v] & 1) == 0) or (hq[v] > 0 and (CLASS[v] & 2) == 0):
                clean = False
        if clean:
            for v in range(256):
                stats[ST_NF + NUC_CLASS[v]] += hd[v]
                if hq[v] > 0:
                    qseen[v] = True
            return OK, 0, 0, 0
    return _split_pass(buf, start, end, at_eof, titles, dna, qual, lens, layout, stats,
                       qseen, True)


@kernel
def byte_histogram(a: np.ndarray) -> np.ndarray:
    """Occurrences of each byte value in ``a`` (int64[256]); four interleaved tables
    so that runs of one value do not wait on the same counter."""
    h = np.zeros((4, 256), np.int64)
    n = a.size
    i = 0
    while i + 4 <= n:
        h[0, a[i]] += 1
        h[1, a[i + 1]] += 1
        h[2, a[i + 2]] += 1
        h[3, a[i + 3]] += 1
        i += 4
    while i < n:
        h[0, a[i]] += 1
        i += 1
    out = np.zeros(256, np.int64)
    for v in range(256):
        out[v] = h[0, v] + h[1, v] + h[2, v] + h[3, v]
    return out


@kernel
def _split_pass(buf: np.ndarray, start: int, end: int, at_eof: bool,
                titles: np.ndarray, dna: np.ndarray, qual: np.ndarray,
                lens: np.ndarray, layout: np.ndarray,
                stats: np.ndarray, qseen: np.ndarray, check_bytes: bool) -> tuple:
    """One pass of :func:`split_records`; with ``check_bytes`` False, sequence and
    quality bytes are neither checked nor counted (``stats`` nucleotide counts stay 0,
    ``qseen`` untouched)."""
    nuc = NUC_CLASS
    lines = np.empty((64, 3), np.int64)
    for k in range(N_STATS):
        stats[k] = 0
    stats[ST_MINSL] = -1
    p = start
    nr = 0
    tp = 0
    dp = 0
    qp = 0
    lp = 0
    ly = 1
    last_exc = -1
    def_eol = 1
    def_plus_title = False
    while p < end:
        st, a, b, c = scan_lines(buf, p, end, at_eof, lines, check_bytes)
        while st == GROW:
            lines = np.empty((lines.shape[0] * 4, 3), np.int64)
            st, a, b, c = scan_lines(buf, p, end, at_eof, lines, check_bytes)
        if st != OK:
            return st, a, b, c
        n_seq = b
        n_lines = c
        t0 = lines[0, 0]
        t1 = lines[0, 1]
        pl = n_seq + 1
        if nr == 0:
            def_eol = 2 if lines[0, 2] == 2 else 1
            def_plus_title = t1 > t0 and _same(buf, t0, t1, lines[pl, 0], lines[pl, 1])
            layout[0] = (LAYOUT_DEFAULT_CRLF if def_eol == 2 else 0) | \
                (LAYOUT_DEFAULT_PLUS_TITLE if def_plus_title else 0)
        # title
        tp = _copy(titles, tp, buf, t0, t1)
        titles[tp] = 10
        tp += 1
        if t1 - t0 > stats[ST_MTL]:
            stats[ST_MTL] = t1 - t0
        # sequence
        seq_len = 0
        for k in range(1, n_seq + 1):
            a0 = lines[k, 0]
            a1 = lines[k, 1]
            if check_bytes:
                for i in range(a0, a1):
                    stats[ST_NF + nuc[buf[i]]] += 1
            dp = _copy(dna, dp, buf, a0, a1)
            seq_len += a1 - a0
        # quality
        for k in range(n_seq + 2, n_lines):
            a0 = lines[k, 0]
            a1 = lines[k, 1]
            if check_bytes:
                for i in range(a0, a1):
                    qseen[buf[i]] = True
            qp = _copy(qual, qp, buf, a0, a1)
        lp = put_varint(lens, lp, seq_len)
        if seq_len > stats[ST_MSL]:
            stats[ST_MSL] = seq_len
        if stats[ST_MINSL] < 0 or seq_len < stats[ST_MINSL]:
            stats[ST_MINSL] = seq_len
        # layout exception
        flags = 0
        if def_plus_title:
            if not _same(buf, t0, t1, lines[pl, 0], lines[pl, 1]):
                flags |= EXC_PLUS
        elif lines[pl, 1] > lines[pl, 0]:
            flags |= EXC_PLUS
        if n_seq != 1:
            flags |= EXC_SEQL
        n_qual = n_lines - n_seq - 2
        if n_qual != 1:
            flags |= EXC_QUALL
        for k in range(n_lines):
            e = lines[k, 2]
            if e == 0:
                flags |= EXC_NOEOL
            elif e != def_eol:
                flags |= EXC_EOLS
        if flags:
            ly = put_varint(layout, ly, nr - last_exc - 1)
            layout[ly] = flags
            ly += 1
            last_exc = nr
            if flags & EXC_PLUS:
                ly = put_varint(layout, ly, lines[pl, 1] - lines[pl, 0])
                ly = _copy(layout, ly, buf, lines[pl, 0], lines[pl, 1])
            if flags & EXC_SEQL:
                ly = put_varint(layout, ly, n_seq)
                for k in range(1, n_seq + 1):
                    ly = put_varint(layout, ly, lines[k, 1] - lines[k, 0])
            if flags & EXC_QUALL:
                ly = put_varint(layout, ly, n_qual)
                for k in range(n_seq + 2, n_lines):
                    ly = put_varint(layout, ly, lines[k, 1] - lines[k, 0])
            if flags & EXC_EOLS:
                ly = put_varint(layout, ly, n_lines)
                for j in range((n_lines + 7) >> 3):
                    v = 0
                    for k in range(8):
                        li = 8 * j + k
                        if li < n_lines and lines[li, 2] == 2:
                            v |= 1 << k
                    layout[ly] = v
                    ly += 1
        nr += 1
        p = a
    if nr == 0:
        stats[ST_MINSL] = 0
        ly = 0  # an empty sub-block has an empty layout
    stats[ST_NR] = nr
    stats[ST_NB] = dp
    stats[ST_LEN_TITLES] = tp
    stats[ST_LEN_LENGTHS] = lp
    stats[ST_LEN_LAYOUT] = ly
    return OK, 0, 0, 0


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
    return _copy(out, o, src, a, b)


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
        n_lines = n_seq + n_qual + 2
        last = o
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

