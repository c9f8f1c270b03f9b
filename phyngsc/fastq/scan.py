"""Record scanner: validates one FASTQ record and reports its lines.

The grammar (docs/format.md, *FASTQ accepted*): a title line starting ``@``,
zero or more sequence lines, a line starting ``+``, then quality lines until
as many quality values as bases have been read (at least one line). Line ends
are ``\\n`` or ``\\r\\n``; the last line of a file may have none.

:func:`scan_record` fills ``lines`` (int64[cap, 3]) with one row per line:
content start, content end (line end excluded) and line-end kind (0 none,
1 ``\\n``, 2 ``\\r\\n``). Row 0 is the title (content after ``@``), rows
1..ns the sequence lines, row ns+1 the ``+`` line (content after ``+``), the
rest the quality lines.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel

# Status codes returned by scan_record (> 0 are errors; see ERROR_TEXT).
OK = 0
NEED_MORE = -1       # the record runs past `end` and `end` is not the end of the file
GROW = -2            # more lines than `lines` has rows
ERR_EXPECT_AT = 1
ERR_TRUNCATED = 2
ERR_SEQ_BYTE = 3
ERR_QUAL_BYTE = 4
ERR_QUAL_LENGTH = 5
ERR_TITLE_BYTE = 6
ERR_EXPECT_PLUS = 7

#: Byte classes: 1 = sequence byte, 2 = quality byte, 4 = title byte.
CLASS = np.zeros(256, np.uint8)
for _b in range(256):
    c = 0
    if chr(_b).isascii() and (chr(_b).isalpha() or chr(_b) in "-.*"):
        c |= 1
    if 33 <= _b <= 126:
        c |= 2
    if _b == 9 or 32 <= _b <= 126 or _b >= 128:
        c |= 4
    CLASS[_b] = c


def error_text(code: int, a: int, b: int) -> str:
    """Human-readable reason for an error status with its two details."""
    if code == ERR_EXPECT_AT:
        if a == 10 or a == 13:
            return "expected '@' at the start of a record, found an empty line"
        return f"expected '@' at the start of a record, found {_show(a)}"
    if code == ERR_TRUNCATED:
        return "truncated record at end of file"
    if code == ERR_SEQ_BYTE:
        return f"invalid byte {_show(a)} in sequence line"
    if code == ERR_QUAL_BYTE:
        return f"invalid byte {_show(a)} in quality line"
    if code == ERR_QUAL_LENGTH:
        return f"quality length {a} does not match sequence length {b}"
    if code == ERR_TITLE_BYTE:
        return f"invalid byte {_show(a)} in title or '+' line"
    if code == ERR_EXPECT_PLUS:
        return "expected a '+' line after the sequence, found a line starting '@'"
    return f"malformed FASTQ (status {code})"


def _show(byte: int) -> str:
    if 33 <= byte <= 126:
        return f"'{chr(byte)}'"
    return f"0x{byte:02x}"


@kernel
def read_line(buf: np.ndarray, p: int, end: int, at_eof: bool) -> tuple:
    """Find the line starting at ``p``: ``(content_end, eol_kind, next)``; next -1 if cut short.
    The line end is looked for 16 bytes at a time (branch-free compares on unsigned
    indices, which compile to vector code), then byte by byte in the block that has it."""
    q = p
    while q + 16 <= end:
        hit = 0
        for j in range(np.uint64(q), np.uint64(q + 16)):
            hit |= np.int64(buf[j] == 10)
        if hit:
            break
        q += 16
    while q < end and buf[q] != 10:
        q += 1
    if q >= end:
        if not at_eof:
            return 0, 0, -1
        return end, 0, end
    if q > p and buf[q - 1] == 13:
        return q - 1, 2, q + 1
    return q, 1, q + 1


@kernel
def _check(buf: np.ndarray, a: int, b: int, mask: int) -> int:
    """Offset of the first byte in ``buf[a:b]`` outside class ``mask``, or -1."""
    cls = CLASS
    for i in range(np.uint64(max(a, 0)), np.uint64(max(b, 0))):
        if (cls[buf[i]] & mask) == 0:
            return np.int64(i)
    return -1


@kernel
def _record_line(lines: np.ndarray, n: int, start: int, end: int, eol: int) -> None:
    lines[n, 0] = start
    lines[n, 1] = end
    lines[n, 2] = eol


@kernel
def scan_record(buf: np.ndarray, pos: int, end: int, at_eof: bool, lines: np.ndarray) -> tuple:
    """Validate the record at ``buf[pos]``.

    Returns ``(status, a, b, c)``: on OK ``a`` = offset of the next record,
    ``b`` = number of sequence lines, ``c`` = total number of lines; on an
    error ``a`` = offset of the offending byte and ``b``, ``c`` details for
    :func:`error_text`; NEED_MORE and GROW carry no details.
    """
    return scan_lines(buf, pos, end, at_eof, lines, True)


@kernel
def _seq_run_end(buf: np.ndarray, p: int, end: int) -> int:
    """First offset in ``[p, end)`` whose byte is not a sequence byte (``end`` if none).

    Letters are tested 16 at a time with arithmetic that compiles to vector code
    (``u | (25 - u)`` is negative for any byte outside ``A-Z``/``a-z``); a block with
    anything else (``-``, ``.``, ``*``, a line end) is walked byte by byte."""
    cls = CLASS
    while p < end:
        if p + 16 <= end:
            bad = 0
            for j in range(np.uint64(p), np.uint64(p + 16)):
                u = (np.int64(buf[j]) | 32) - 97
                bad |= u | (25 - u)
            if bad >= 0:
                p += 16
                continue
        stop = min(p + 16, end)
        while p < stop:
            if (cls[buf[p]] & 1) == 0:
                return p
            p += 1
    return end


@kernel
def _all_quality(buf: np.ndarray, p: int, n: int) -> bool:
    """Whether the ``n`` bytes from ``p`` are all quality bytes (33..126); branch-free,
    so that it compiles to vector code."""
    bad = 0
    for j in range(np.uint64(p), np.uint64(p + n)):
        b = np.int64(buf[j])
        bad |= (b - 33) | (126 - b)
    return bad >= 0


@kernel
def _eol_at(buf: np.ndarray, q: int, end: int) -> int:
    """Line end at ``q``: 1 for ``\\n``, 2 for ``\\r\\n``, 0 for none (or not in view)."""
    if q >= end:
        return 0
    if buf[q] == 10:
        return 1
    if buf[q] == 13 and q + 1 < end and buf[q + 1] == 10:
        return 2
    return 0


@kernel
def _plain_record(buf: np.ndarray, pos: int, end: int, lines: np.ndarray) -> int:
    """The common case, fast: a four-line record whose lines all end in view, with
    valid bytes throughout and a quality line exactly as long as the sequence line.
    Fills ``lines`` rows 0-3 as :func:`scan_lines` does and returns the next record's
    offset, or -1 (rows undefined) for anything else, which the general scanner then
    takes from the start; both give the same result wherever this one accepts."""
    if lines.shape[0] < 4 or buf[pos] != 64:
        return -1
    cend, eol, nxt = read_line(buf, pos, end, False)
    if nxt < 0 or _check(buf, pos + 1, cend, 4) >= 0:
        return -1
    _record_line(lines, 0, pos + 1, cend, eol)
    p = nxt
    q = _seq_run_end(buf, p, end)
    eol = _eol_at(buf, q, end)
    if eol == 0:
        return -1
    _record_line(lines, 1, p, q, eol)
    seq_len = q - p
    p = q + eol
    if p >= end or buf[p] != 43:
        return -1
    cend, eol, nxt = read_line(buf, p, end, False)
    if nxt < 0 or _check(buf, p + 1, cend, 4) >= 0:
        return -1
    _record_line(lines, 2, p + 1, cend, eol)
    p = nxt
    q = p + seq_len
    eol = _eol_at(buf, q, end)
    if eol == 0 or not _all_quality(buf, p, seq_len):
        return -1
    _record_line(lines, 3, p, q, eol)
    return q + eol


@kernel
def scan_lines(buf: np.ndarray, pos: int, end: int, at_eof: bool, lines: np.ndarray,
               check_bytes: bool) -> tuple:
    """:func:`scan_record`, with ``check_bytes`` False: the bytes of sequence and
    quality lines are not checked against their classes (titles and the ``+`` line
    still are). Where every such byte is valid, both give the same result; a caller
    that skips the check must check those bytes itself (see
    ``phyngsc.fastq.streams.split_records``) and rescan with it to report an error.
    Checked scans of plain four-line records take a fast path (:func:`_plain_record`);
    unchecked ones (``split_records``, which checks bytes by histogram) need no class
    test, and the general scanner's newline search is as fast there."""
    if check_bytes:
        nxt = _plain_record(buf, pos, end, lines)
        if nxt >= 0:
            return OK, nxt, 1, 4
    return scan_general(buf, pos, end, at_eof, lines, check_bytes)


@kernel
def scan_general(buf: np.ndarray, pos: int, end: int, at_eof: bool, lines: np.ndarray,
                 check_bytes: bool) -> tuple:
    """:func:`scan_lines` without its fast path: the whole grammar, line by line."""
    cap = lines.shape[0]
    if buf[pos] != 64:
        return ERR_EXPECT_AT, pos, int(buf[pos]), 0
    cend, eol, nxt = read_line(buf, pos, end, at_eof)
    if nxt < 0:
        return NEED_MORE, 0, 0, 0
    bad = _check(buf, pos + 1, cend, 4)
    if bad >= 0:
        return ERR_TITLE_BYTE, bad, int(buf[bad]), 0
    if eol == 0:
        return ERR_TRUNCATED, end, 0, 0
    _record_line(lines, 0, pos + 1, cend, eol)
    n = 1
    p = nxt
    seq_len = 0
    # sequence lines
    while True:
        if p >= end:
            if at_eof:
                return ERR_TRUNCATED, end, 0, 0
            return NEED_MORE, 0, 0, 0
        c0 = buf[p]
        if c0 == 43:  # '+'
            break
        if c0 == 64:  # '@'
            return ERR_EXPECT_PLUS, p, 0, 0
        cend, eol, nxt = read_line(buf, p, end, at_eof)
        if nxt < 0:
            return NEED_MORE, 0, 0, 0
        bad = _check(buf, p, cend, 1) if check_bytes else -1
        if bad >= 0:
            return ERR_SEQ_BYTE, bad, int(buf[bad]), 0
        if eol == 0:
            return ERR_TRUNCATED, end, 0, 0
        if n >= cap:
            return GROW, 0, 0, 0
        _record_line(lines, n, p, cend, eol)
        n += 1
        seq_len += cend - p
        p = nxt
    n_seq = n - 1
    # '+' line
    cend, eol, nxt = read_line(buf, p, end, at_eof)
    if nxt < 0:
        return NEED_MORE, 0, 0, 0
    bad = _check(buf, p + 1, cend, 4)
    if bad >= 0:
        return ERR_TITLE_BYTE, bad, int(buf[bad]), 0
    if eol == 0:
        return ERR_TRUNCATED, end, 0, 0
    if n >= cap:
        return GROW, 0, 0, 0
    _record_line(lines, n, p + 1, cend, eol)
    n += 1
    p = nxt
    # quality lines
    q_len = 0
    n_qual = 0
    q_first = p
    while n_qual == 0 or q_len < seq_len:
        if p >= end:
            if not at_eof:
                return NEED_MORE, 0, 0, 0
            if n_qual == 0 and seq_len == 0 and n < cap:
                # an empty quality as the file's last line, without line end
                _record_line(lines, n, p, p, 0)
                return OK, p, n_seq, n + 1
            if n_qual == 0:
                return ERR_TRUNCATED, end, 0, 0
            return ERR_QUAL_LENGTH, q_first, q_len, seq_len
        cend, eol, nxt = read_line(buf, p, end, at_eof)
        if nxt < 0:
            return NEED_MORE, 0, 0, 0
        bad = _check(buf, p, cend, 2) if check_bytes else -1
        length = cend - p
        if n_qual > 0 and (bad >= 0 or q_len + length > seq_len):
            # most likely the next record's title: the quality was too short
            return ERR_QUAL_LENGTH, q_first, q_len, seq_len
        if bad >= 0:
            return ERR_QUAL_BYTE, bad, int(buf[bad]), 0
        if length > seq_len:
            return ERR_QUAL_LENGTH, q_first, length, seq_len
        if n >= cap:
            return GROW, 0, 0, 0
        _record_line(lines, n, p, cend, eol)
        n += 1
        n_qual += 1
        q_len += length
        p = nxt
        if eol == 0 and q_len < seq_len:
            return ERR_TRUNCATED, end, 0, 0
    return OK, p, n_seq, n


@kernel
def scan_span(buf: np.ndarray, base: int, end: int, at_eof: bool, stop: int,
              window: int, bounds: np.ndarray) -> tuple:
    """Scan records from ``buf[0]`` (file offset ``base``) while they start before ``stop``.

    A record belongs to input window ``(base + start) // window``. The start of
    the first record of every window met is written to ``bounds`` (buffer
    offsets; ``bounds`` needs one slot per window in ``[base, stop)``).
    Returns ``(status, a, b, c, n_bounds, next_pos)``: status OK once the first
    record starting at or after ``stop`` (or the end of the data) is reached,
    ``next_pos`` being its offset; else NEED_MORE, or an error with ``a, b, c``
    as in :func:`scan_record` and ``next_pos`` the start of the failing record.
    """
    lines = np.empty((64, 3), np.int64)
    nb = 0
    last_window = -1
    p = 0
    while p < stop:
        if p >= end:
            if at_eof:
                break
            return NEED_MORE, 0, 0, 0, nb, p
        st, a, b, c = scan_record(buf, p, end, at_eof, lines)
        while st == GROW:
            lines = np.empty((lines.shape[0] * 4, 3), np.int64)
            st, a, b, c = scan_record(buf, p, end, at_eof, lines)
        if st != OK:
            return st, a, b, c, nb, p
        w = (base + p) // window
        if w != last_window:
            if nb < bounds.size:
                bounds[nb] = p
            nb += 1
            last_window = w
        p = a
    return OK, 0, 0, 0, nb, p


@kernel
def find_record_start(buf: np.ndarray, x: int, end: int, at_eof: bool, confirm: int) -> tuple:
    """First offset >= ``x`` in ``buf`` where a record starts, judged by structure.

    ``buf[0]`` must be a line start (or ``x`` > 0 so that ``buf[x-1]`` is
    visible). A candidate is an ``@`` at a line start from which ``confirm``
    records scan cleanly (or fewer, if the data ends exactly after them). A
    quality line starting with ``@`` fails because the line after it (a
    title) cannot be a sequence line or a ``+`` line. Returns ``(status,
    offset)``: OK with the offset (``end`` if none), or NEED_MORE.
    """
    lines = np.empty((64, 3), np.int64)
    i = x
    while i < end:
        if buf[i] == 64 and (i == 0 or buf[i - 1] == 10):
            p = i
            good = True
            for _ in range(confirm):
                if p >= end:
                    if not at_eof:
                        return NEED_MORE, 0
                    break
                st, a, b, c = scan_record(buf, p, end, at_eof, lines)
                while st == GROW:
                    lines = np.empty((lines.shape[0] * 4, 3), np.int64)
                    st, a, b, c = scan_record(buf, p, end, at_eof, lines)
                if st == NEED_MORE:
                    return NEED_MORE, 0
                if st != OK:
                    good = False
                    break
                p = a
            if good:
                return OK, i
        # next line start
        while i < end and buf[i] != 10:
            i += 1
        i += 1
    if not at_eof:
        return NEED_MORE, 0
    return OK, end
