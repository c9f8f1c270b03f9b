"""Plain-Python reference of the range coder and the context-model codecs.

Written from docs/format.md, independently of the Numba kernels; tests require
byte-identical output.
"""

from __future__ import annotations


class RangeEncoder:
    def __init__(self) -> None:
        self.low = 0
        self.range = 0xFFFFFFFF
        self.cache = 0
        self.pending = 1     # the cached byte plus pending 0xFF bytes
        self.out = bytearray()

    def _shift(self) -> None:
        if self.low < 0xFF000000 or self.low >= 1 << 32:
            carry = self.low >> 32
            self.out.append((self.cache + carry) & 0xFF)
            self.out.extend([(0xFF + carry) & 0xFF] * (self.pending - 1))
            self.pending = 0
            self.cache = (self.low >> 24) & 0xFF
        self.pending += 1
        self.low = (self.low << 8) & 0xFFFFFFFF

    def code(self, cum: int, freq: int, total: int) -> None:
        r = self.range // total
        self.low += r * cum
        self.range = r * freq
        while self.range < 1 << 24:
            self.range <<= 8
            self._shift()

    def finish(self) -> bytes:
        for _ in range(5):
            self._shift()
        return bytes(self.out)


class RangeDecoder:
    def __init__(self, data: bytes, start: int = 0) -> None:
        self.data = data
        self.pos = start
        self.range = 0xFFFFFFFF
        self.code = 0
        for _ in range(5):
            self.code = ((self.code << 8) | self._byte()) & 0xFFFFFFFF

    def _byte(self) -> int:
        b = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return b

    def decode(self, freqs: list[int], total: int) -> int:
        r = self.range // total
        v = min(self.code // r, total - 1)
        cum, s = 0, 0
        while s < len(freqs) - 1 and cum + freqs[s] <= v:
            cum += freqs[s]
            s += 1
        self.code -= cum * r
        self.range = r * freqs[s]
        while self.range < 1 << 24:
            self.code = ((self.code << 8) | self._byte()) & 0xFFFFFFFF
            self.range <<= 8
        return s


class Model:
    """Adaptive frequencies per context: start 1, +32 per use, halve above 2**16."""

    def __init__(self, nsym: int) -> None:
        self.nsym = nsym
        self.rows: dict[int, list[int]] = {}

    def row(self, ctx: int) -> list[int]:
        if ctx not in self.rows:
            self.rows[ctx] = [1] * self.nsym
        return self.rows[ctx]

    def encode(self, enc: RangeEncoder, ctx: int, s: int) -> None:
        f = self.row(ctx)
        enc.code(sum(f[:s]), f[s], sum(f))
        self._update(f, s)

    def decode(self, dec: RangeDecoder, ctx: int) -> int:
        f = self.row(ctx)
        s = dec.decode(f, sum(f))
        self._update(f, s)
        return s

    @staticmethod
    def _update(f: list[int], s: int) -> None:
        f[s] += 32
        if sum(f) > 1 << 16:
            for i in range(len(f)):
                f[i] = (f[i] + 1) // 2


def rc_o1(data: bytes) -> bytes:
    m, e, prev = Model(256), RangeEncoder(), 0
    for b in data:
        m.encode(e, prev, b)
        prev = b
    return e.finish()


def rc_o1_decode(enc: bytes, n: int) -> bytes:
    m, d, prev, out = Model(256), RangeDecoder(enc), 0, bytearray()
    for _ in range(n):
        prev = m.decode(d, prev)
        out.append(prev)
    return bytes(out)


def qual_o2(data: bytes) -> bytes:
    alphabet = sorted(set(data))
    head = bytes([len(alphabet) & 0xFF]) + bytes(alphabet)
    if len(alphabet) <= 1:
        return head
    n = len(alphabet)
    idx = {b: i for i, b in enumerate(alphabet)}
    m, e, q1, q2 = Model(n), RangeEncoder(), 0, 0
    for b in data:
        s = idx[b]
        m.encode(e, q1 * n + q2, s)
        q1, q2 = s, q1
    return head + e.finish()


def title_col(data: bytes) -> bytes:
    m, e = Model(256), RangeEncoder()
    prev_title, cur, prev_byte = b"", bytearray(), 10
    for b in data:
        col = len(cur)
        above = prev_title[col] if col < len(prev_title) else 10
        if col == 0:
            before = 10
        elif col <= len(prev_title):
            before = prev_title[col - 1]
        else:
            before = -1
        m.encode(e, above * 2 + (1 if before == prev_byte else 0), b)
        if b == 10:
            prev_title, cur = bytes(cur), bytearray()
        else:
            cur.append(b)
        prev_byte = b
    return e.finish()


def varint(v: int) -> bytes:
    """Unsigned LEB128."""
    out = bytearray()
    while True:
        b, v = v & 0x7F, v >> 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def dna2(data: bytes) -> bytes:
    code = {ord("A"): 0, ord("C"): 1, ord("G"): 2, ord("T"): 3}
    exc = [(i, b) for i, b in enumerate(data) if b not in code]
    out = bytearray(varint(len(exc)))
    last = 0
    for i, b in exc:
        out += varint(i - last) + bytes([b])
        last = i
    for j in range(0, len(data), 4):
        v = 0
        for k, b in enumerate(data[j:j + 4]):
            v |= code.get(b, 0) << (2 * k)
        out.append(v)
    return bytes(out)


# -- NGSC 1.1 codecs ------------------------------------------------------------------
class Model16(Model):
    """Like Model with another increment."""

    def __init__(self, nsym: int, inc: int) -> None:
        super().__init__(nsym)
        self.inc = inc

    def _update_inc(self, f, s):
        f[s] += self.inc
        if sum(f) > 1 << 16:
            for i in range(len(f)):
                f[i] = (f[i] + 1) // 2

    def encode(self, enc, ctx, s):
        f = self.row(ctx)
        enc.code(sum(f[:s]), f[s], sum(f))
        self._update_inc(f, s)


BASES = {ord("A"): 0, ord("C"): 1, ord("G"): 2, ord("T"): 3}


def dna_exceptions(data: bytes) -> bytes:
    """The exception list of the order-k DNA codecs (bytes other than ACGT)."""
    exc = [(i, b) for i, b in enumerate(data) if b not in BASES]
    out = bytearray(varint(len(exc)))
    if exc:
        body = bytearray()
        last = 0
        for i, _b in exc:
            body += varint(i - last)
            last = i
        body += bytes(b for _i, b in exc)
        coded = rc_o1(bytes(body))
        out += varint(len(body)) + varint(len(coded)) + coded
    return bytes(out)


def dna_cm(data: bytes, lengths: list[int], k: int, revcomp: bool, inc: int) -> bytes:
    out = bytearray([k, 1 if revcomp else 0, inc]) + dna_exceptions(data)
    codes = [BASES.get(b, 0) for b in data]
    table: dict[int, list[int]] = {}

    def bump(ctx, s):
        f = table.setdefault(ctx, [1, 1, 1, 1])
        f[s] += inc
        if sum(f) > (1 << 16) - 1:
            for t in range(4):
                f[t] = (f[t] + 1) // 2

    enc, ctx, mask = RangeEncoder(), 0, (1 << 2 * k) - 1
    reads = [n for n in lengths if n > 0]
    r, left, start = 0, (reads[0] if reads else -1), 0
    for i, s in enumerate(codes):
        f = table.setdefault(ctx, [1, 1, 1, 1])
        enc.code(sum(f[:s]), f[s], sum(f))
        bump(ctx, s)
        ctx = ((ctx << 2) | s) & mask
        if revcomp:
            left -= 1
            if left == 0:
                c2 = 0
                for q in range(i, start - 1, -1):
                    s2 = 3 - codes[q]
                    bump(c2, s2)
                    c2 = ((c2 << 2) | s2) & mask
                start, r = i + 1, r + 1
                left = reads[r] if r < len(reads) else -1
    return bytes(out) + enc.finish()


def qual_cm(data: bytes, lengths: list[int], variant: int) -> bytes:
    alphabet = sorted(set(data))
    n = len(alphabet)
    head = bytes([variant, n & 0xFF]) + bytes(alphabet)
    if n <= 1:
        return head
    idx = {b: i for i, b in enumerate(alphabet)}
    m, e, p = Model16(n, 16), RangeEncoder(), 0
    for length in lengths:
        q1 = q2 = q3 = n
        for pos in range(length):
            s = idx[data[p]]
            if variant == 0:
                ctx = q1 * (n + 1) + q2
            else:
                hi = n if q2 == n else max(q2, q3) if q3 != n else q2
                ctx = (q1 * (n + 1) + hi) * 8 + min(pos >> 3, 7)
            m.encode(e, ctx, s)
            q1, q2, q3 = s, q1, q2
            p += 1
    return head + e.finish()


SEPARATORS = set(b":/ _.=#-")


def tokens(title: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(title):
        if title[i] in SEPARATORS:
            out.append(title[i:i + 1])
            i += 1
        else:
            j = i
            while j < len(title) and title[j] not in SEPARATORS and j - i < 255:
                j += 1
            out.append(title[i:j])
            i = j
    return out


def title_tok(data: bytes) -> bytes:
    def numeric(t):
        return 1 <= len(t) <= 18 and t.isdigit()

    mt, md, ml = Model(5), Model(255), Model(18)
    mg, ms, mc = Model(10), Model(255), Model(256)
    e = RangeEncoder()
    prev: list[bytes] = []
    ptypes: list[int] = []
    for title in data.split(b"\n")[:-1]:
        toks, types = tokens(title), []
        for t in range(len(toks) + 1):
            tc = min(t, 31)
            pt = ptypes[t] if t < len(ptypes) else 4
            if t == len(toks):
                mt.encode(e, tc * 5 + pt, 4)
                types.append(4)
                break
            tok = toks[t]
            kind, d = 3, 0
            if t < len(prev):
                if tok == prev[t]:
                    kind = 0
                elif numeric(tok) and numeric(prev[t]) and not (tok[0] == 48 and len(tok) > 1) \
                        and not (prev[t][0] == 48 and len(prev[t]) > 1) \
                        and 1 <= int(tok) - int(prev[t]) <= 255:
                    kind, d = 1, int(tok) - int(prev[t])
            if kind == 3 and numeric(tok):
                kind = 2
            mt.encode(e, tc * 5 + pt, kind)
            types.append(kind)
            if kind == 1:
                md.encode(e, tc, d - 1)
            elif kind == 2:
                ml.encode(e, tc, len(tok) - 1)
                for k, c in enumerate(tok):
                    mg.encode(e, tc * 16 + min(k, 15), c - 48)
            elif kind == 3:
                ms.encode(e, tc, len(tok) - 1)
                pc = 0
                for c in tok:
                    mc.encode(e, pc, c)
                    pc = c
        prev, ptypes = toks, types
    return e.finish()
