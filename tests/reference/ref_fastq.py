"""Plain-Python reference of the FASTQ grammar and of the stream split (docs/format.md).

``parse`` returns the records (with their raw lines) or the first error as
``(status, offset)`` using the status codes of ``phyngsc.fastq.scan``;
``split`` returns the five decoded streams.
"""

from __future__ import annotations

import re

from .ref_coder import varint

SEQ = re.compile(rb"[A-Za-z.*\-]*")
QUAL = re.compile(rb"[!-~]*")
TITLE_BAD = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
OK, ERR_EXPECT_AT, ERR_TRUNCATED, ERR_SEQ_BYTE, ERR_QUAL_BYTE, ERR_QUAL_LENGTH, \
    ERR_TITLE_BYTE, ERR_EXPECT_PLUS = 0, 1, 2, 3, 4, 5, 6, 7


class Bad(Exception):
    def __init__(self, status: int, offset: int) -> None:
        super().__init__(status, offset)
        self.status, self.offset = status, offset


def lines_of(data: bytes) -> list[tuple[int, bytes, str]]:
    """(offset, content, eol) for every line; eol '' only for a last line without newline."""
    out, pos = [], 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        if nl < 0:
            out.append((pos, data[pos:], ""))
            break
        line = data[pos:nl]
        if line.endswith(b"\r"):
            out.append((pos, line[:-1], "\r\n"))
        else:
            out.append((pos, line, "\n"))
        pos = nl + 1
    return out


def _first_bad(content: bytes, pattern: re.Pattern, start: int) -> int | None:
    m = pattern.match(content)
    return None if m.end() == len(content) else start + m.end()


def parse(data: bytes) -> list[dict]:
    lines = lines_of(data)
    recs, i, n = [], 0, len(lines)
    while i < n:
        off, text, eol = lines[i]
        if not text.startswith(b"@"):
            raise Bad(ERR_EXPECT_AT, off)
        m = TITLE_BAD.search(text)
        if m:
            raise Bad(ERR_TITLE_BYTE, off + m.start())
        if eol == "":
            raise Bad(ERR_TRUNCATED, len(data))
        rec = {"title": (text[1:], eol), "seq": [], "qual": []}
        i += 1
        while True:
            if i >= n:
                raise Bad(ERR_TRUNCATED, len(data))
            off, text, eol = lines[i]
            if text.startswith(b"+"):
                break
            if text.startswith(b"@"):
                raise Bad(ERR_EXPECT_PLUS, off)
            bad = _first_bad(text, SEQ, off)
            if bad is not None:
                raise Bad(ERR_SEQ_BYTE, bad)
            if eol == "":
                raise Bad(ERR_TRUNCATED, len(data))
            rec["seq"].append((text, eol))
            i += 1
        m = TITLE_BAD.search(text)
        if m:
            raise Bad(ERR_TITLE_BYTE, off + m.start())
        if eol == "":
            raise Bad(ERR_TRUNCATED, len(data))
        rec["plus"] = (text[1:], eol)
        i += 1
        seq_len = sum(len(t) for t, _ in rec["seq"])
        q_len, first = 0, None
        while not rec["qual"] or q_len < seq_len:
            if i >= n:
                if not rec["qual"] and seq_len == 0 and data.endswith(b"\n"):
                    rec["qual"].append((b"", ""))
                    break
                if not rec["qual"]:
                    raise Bad(ERR_TRUNCATED, len(data))
                raise Bad(ERR_QUAL_LENGTH, first)
            off, text, eol = lines[i]
            if first is None:
                first = off
            bad = _first_bad(text, QUAL, off)
            if rec["qual"] and (bad is not None or q_len + len(text) > seq_len):
                raise Bad(ERR_QUAL_LENGTH, first)
            if bad is not None:
                raise Bad(ERR_QUAL_BYTE, bad)
            if len(text) > seq_len:
                raise Bad(ERR_QUAL_LENGTH, first)
            rec["qual"].append((text, eol))
            q_len += len(text)
            i += 1
            if eol == "" and q_len < seq_len:
                raise Bad(ERR_TRUNCATED, len(data))
        recs.append(rec)
    return recs


def split(data: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """TITLES, DNA, QUAL, LENGTHS, LAYOUT of valid FASTQ text."""
    recs = parse(data)
    if not recs:
        return b"", b"", b"", b"", b""

    first = recs[0]
    crlf = first["title"][1] == "\r\n"
    plus_title = first["title"][0] != b"" and first["plus"][0] == first["title"][0]
    layout = bytearray([(1 if crlf else 0) | (2 if plus_title else 0)])
    titles = dna = qual = lengths = b""
    last = -1
    for k, r in enumerate(recs):
        titles += r["title"][0] + b"\n"
        seq = b"".join(t for t, _ in r["seq"])
        dna += seq
        qual += b"".join(t for t, _ in r["qual"])
        lengths += varint(len(seq))
        all_lines = [r["title"], *r["seq"], r["plus"], *r["qual"]]
        expected_plus = r["title"][0] if plus_title else b""
        flags = 0
        if r["plus"][0] != expected_plus:
            flags |= 1
        if len(r["seq"]) != 1:
            flags |= 2
        if len(r["qual"]) != 1:
            flags |= 4
        if any(e not in ("", "\r\n" if crlf else "\n") for _, e in all_lines):
            flags |= 8
        if all_lines[-1][1] == "":
            flags |= 16
        if flags:
            layout += varint(k - last - 1) + bytes([flags])
            last = k
            if flags & 1:
                layout += varint(len(r["plus"][0])) + r["plus"][0]
            if flags & 2:
                layout += varint(len(r["seq"])) + b"".join(varint(len(t)) for t, _ in r["seq"])
            if flags & 4:
                layout += varint(len(r["qual"])) + b"".join(varint(len(t)) for t, _ in r["qual"])
            if flags & 8:
                layout += varint(len(all_lines))
                bits = [1 if e == "\r\n" else 0 for _, e in all_lines]
                for j in range(0, len(bits), 8):
                    layout.append(sum(b << i for i, b in enumerate(bits[j:j + 8])))
    return titles, dna, qual, lengths, bytes(layout)
