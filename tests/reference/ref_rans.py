"""Plain-Python reference of the NGSC 1.2 codecs (rANS ones and the 8-bit/sorted adaptive
models), written from docs/format.md; tests require byte-identical output."""

from __future__ import annotations

from .ref_coder import BASES, RangeEncoder, dna_exceptions, varint

M, L = 4096, 1 << 23
SEPARATORS = set(b":/ _.=#-")


def normalise(counts: list[int]) -> list[int]:
    total, k = sum(counts), sum(1 for c in counts if c)
    if not total:
        return [0] * len(counts)
    top = 0
    for s, c in enumerate(counts):
        if c > counts[top]:
            top = s
    f = [1 + c * (M - k) // total if c else 0 for c in counts]
    f[top] += M - sum(f)
    return f


def tables(rows: list[list[int]]) -> tuple[bytes, list[list[int]]]:
    """(packed tables, normalised rows) for count rows."""
    freqs = [normalise(r) for r in rows]
    bitmap = bytearray((len(rows) + 7) // 8)
    body = bytearray()
    for c, f in enumerate(freqs):
        if not any(f):
            continue
        bitmap[c >> 3] |= 1 << (c & 7)
        s = 0
        while s < len(f):
            if f[s] == 0:
                run = 0
                while s + 1 + run < len(f) and run < 255 and f[s + 1 + run] == 0:
                    run += 1
                body += bytes([0, run])
                s += 1 + run
                continue
            body += bytes([f[s]]) if f[s] < 128 else bytes([0x80 | f[s] >> 8, f[s] & 0xFF])
            s += 1
    return bytes(bitmap) + bytes(body), freqs


def body(sym: list[int], ctx: list[int], freqs: list[list[int]]) -> bytes:
    cums = [[sum(f[:s]) for s in range(len(f))] for f in freqs]
    x, emitted = [L, L], []
    for i in range(len(sym) - 1, -1, -1):
        c, s = ctx[i], sym[i]
        f, b = freqs[c][s], cums[c][s]
        st = x[i & 1]
        while st >= ((L >> 12) << 8) * f:
            emitted.append(st & 0xFF)
            st >>= 8
        x[i & 1] = (st // f) * M + st % f + b
    return x[0].to_bytes(4, "little") + x[1].to_bytes(4, "little") + bytes(reversed(emitted))


def dense(data: bytes, kind: int) -> tuple[bytes, dict[int, int], int]:
    alphabet = sorted(set(data))
    return bytes([kind, len(alphabet) & 0xFF]) + bytes(alphabet), \
        {b: i for i, b in enumerate(alphabet)}, len(alphabet)


def rans_bytes(data: bytes, order: int) -> bytes:
    head, idx, n = dense(data, order)
    if n <= 1:
        return head
    nctx = n + 1 if order else 1
    sym = [idx[b] for b in data]
    ctx = [0] * len(sym)
    if order:
        ctx = [n] + sym[:-1]
    rows = [[0] * n for _ in range(nctx)]
    for s, c in zip(sym, ctx):
        rows[c][s] += 1
    model, freqs = tables(rows)
    return head + model + body(sym, ctx, freqs)


def qual_context(variant: int, q1: int, q2: int, q3: int, n: int, at: int) -> int:
    if variant == 0:
        return q1
    lo = min(q2, q3)
    d = 0 if q1 == n or lo == n else 1 if lo >= q1 else 2 if lo + 4 >= q1 else 3
    if variant == 1:
        return q1 * 4 + d
    return (q1 * 4 + d) * 32 + min(at // 8, 31)


def qual_rans(data: bytes, lengths: list[int], param: int) -> bytes | None:
    """The QUAL_RANS stream, or None where the codec refuses (variant 2 over more than
    64 symbols). ``param``: the variant, plus 0x10 for two lanes (NGSC 1.10: reads 0, 2,
    4, ... in lane 0's body, the others in lane 1's, after a 4-byte length of lane 0's)."""
    variant, lanes = param & 0x0F, param & 0x10
    head, idx, n = dense(data, param)
    if n <= 1:
        return head
    if variant == 2 and n > 64:
        return None
    nctx = n + 1 if variant == 0 else 4 * (n + 1) * (1 if variant == 1 else 32)
    sym, ctx, lane, p = [], [], [], 0
    for r, length in enumerate(lengths):
        q1 = q2 = q3 = n
        for at in range(length):
            s = idx[data[p]]
            sym.append(s)
            ctx.append(qual_context(variant, q1, q2, q3, n, at))
            lane.append(r % 2)
            q1, q2, q3 = s, q1, q2
            p += 1
    rows = [[0] * n for _ in range(nctx)]
    for s, c in zip(sym, ctx):
        rows[c][s] += 1
    model, freqs = tables(rows)
    if not lanes:
        return head + model + body(sym, ctx, freqs)
    parts = [body([s for s, k in zip(sym, lane) if k == j],
                  [c for c, k in zip(ctx, lane) if k == j], freqs) for j in (0, 1)]
    return head + model + len(parts[0]).to_bytes(4, "little") + parts[0] + parts[1]


def put_symbols(sym: list[int], ctx: list[int], nctx: int, nsym: int) -> bytes:
    if not sym:
        return varint(0)
    rows = [[0] * nsym for _ in range(nctx)]
    for s, c in zip(sym, ctx):
        rows[c][s] += 1
    model, freqs = tables(rows)
    b = body(sym, ctx, freqs)
    return varint(len(sym)) + model + len(b).to_bytes(4, "little") + b


def title_tokens(title: bytes, mode: int) -> list[bytes]:
    out, i = [], 0
    while i < len(title):
        if title[i] in SEPARATORS:
            out.append(title[i:i + 1])
            i += 1
            continue
        j = i
        while j < len(title) and title[j] not in SEPARATORS and j - i < 255:
            j += 1
        run = title[i:j]
        stem = run.rstrip(b"0123456789")
        if mode in (1, 2) and 0 < len(stem) < len(run):
            out += [stem, run[len(stem):]]
        else:
            out.append(run)
        i = j
    return out


def title_rans(data: bytes, mode: int) -> bytes:
    def numeric(t):
        return 1 <= len(t) <= 18 and t.isdigit()

    s = {k: ([], []) for k in "TDLGSC"}

    def put(k, sym, ctx):
        s[k][0].append(sym)
        s[k][1].append(ctx)

    titles = data.split(b"\n")
    if titles and titles[-1] == b"":
        titles.pop()
    prev: list[bytes] = []
    ptypes: list[int] = []
    for title in titles:
        toks, types = title_tokens(title, mode), []
        for t in range(len(toks) + 1):
            tc = min(t, 31)
            pt = ptypes[t] if t < len(ptypes) else 4
            if t == len(toks):
                put("T", 4, tc * 5 + pt)
                types.append(4)
                break
            tok = toks[t]
            kind, d = 3, 0
            if t < len(prev):
                if tok == prev[t]:
                    kind = 0
                elif numeric(tok) and numeric(prev[t]) and not (tok[0] == 48 and len(tok) > 1) \
                        and not (prev[t][0] == 48 and len(prev[t]) > 1):
                    d = int(tok) - int(prev[t])
                    if (1 <= d <= 255) if mode < 2 else (d != 0 and -128 <= d <= 128):
                        kind = 1
            if kind == 3 and numeric(tok):
                kind = 2
            put("T", kind, tc * 5 + pt)
            types.append(kind)
            if kind == 1:
                put("D", d - 1 if d > 0 else 127 - d, tc)
            elif kind == 2:
                put("L", len(tok) - 1, tc)
                for k, c in enumerate(tok):
                    put("G", c - 48, tc * 16 + min(k, 15))
            elif kind == 3:
                put("S", len(tok) - 1, tc)
                pc = 0
                for c in tok:
                    put("C", c, pc)
                    pc = c
        prev, ptypes = toks, types
    shapes = {"T": (160, 5), "D": (32, 256), "L": (32, 18), "G": (512, 10), "S": (32, 256),
              "C": (256, 256)}
    out = bytes([mode]) + varint(len(data))
    for k in "TDLGSC":
        out += put_symbols(s[k][0], s[k][1], *shapes[k])
    return out


class K8Model:
    """DNA_K8's model: four counters per context of the last k bases (dict, 1s at first)."""

    def __init__(self, k: int, revcomp: bool, inc: int, table: dict | None = None) -> None:
        self.k, self.revcomp, self.inc = k, revcomp, inc
        self.mask = (1 << 2 * k) - 1
        self.table: dict[int, list[int]] = {c: list(f) for c, f in (table or {}).items()}

    def counts(self, ctx: int) -> list[int]:
        return self.table.setdefault(ctx, [1, 1, 1, 1])

    def learn(self, ctx: int, s: int) -> None:
        f = self.counts(ctx)
        if f[s] + self.inc > 255:
            for t in range(4):
                f[t] = (f[t] + 1) // 2
        f[s] += self.inc

    def learn_revcomp(self, codes: list[int]) -> None:
        c2 = 0
        for s in reversed(codes):
            self.learn(c2, 3 - s)
            c2 = ((c2 << 2) | (3 - s)) & self.mask

    def run(self, data: bytes, lengths: list[int], code=None) -> None:
        """Learn ``data`` read by read as the coder does; ``code(cum, f, total)`` is
        called for every base before it is learned."""
        codes = [BASES.get(b, 0) for b in data]
        ctx, i = 0, 0
        for n in lengths:
            for s in codes[i:i + n]:
                if code is not None:
                    f = self.counts(ctx)
                    code(sum(f[:s]), f[s], sum(f))
                self.learn(ctx, s)
                ctx = ((ctx << 2) | s) & self.mask
            if self.revcomp and n > 0:
                self.learn_revcomp(codes[i:i + n])
            i += n

    def dense(self) -> list[int]:
        """The table as the kernels store it: 4 counters per context, contexts in order."""
        out = [1] * (4 << 2 * self.k)
        for c, f in self.table.items():
            out[4 * c:4 * c + 4] = f
        return out


    def run_lanes(self, data: bytes, lengths: list[int], coders: list) -> None:
        """Learn ``data`` as the coder in L = len(coders) lanes does (lengths adding up to
        its size): groups of L reads base by base in turn, each lane with its own
        context, then their reverse complements; ``coders[l](cum, f, total)`` codes
        lane l's bases."""
        codes = [BASES.get(b, 0) for b in data]
        lanes = len(coders)
        ctx = [0] * lanes
        starts = [sum(lengths[:r]) for r in range(len(lengths))]
        for g in range(0, len(lengths), lanes):
            group = [(r % lanes, starts[r], lengths[r])
                     for r in range(g, min(g + lanes, len(lengths)))]
            for t in range(max(n for _l, _a, n in group)):
                for lane, a, n in group:
                    if t < n:
                        s = codes[a + t]
                        f = self.counts(ctx[lane])
                        coders[lane](sum(f[:s]), f[s], sum(f))
                        self.learn(ctx[lane], s)
                        ctx[lane] = ((ctx[lane] << 2) | s) & self.mask
            for _l, a, n in group:
                if self.revcomp and n > 0:
                    self.learn_revcomp(codes[a:a + n])


def dna_k8_lanes(data: bytes, lengths: list[int], k: int, revcomp: bool, inc: int,
                 lanes: int, start: K8Model | None = None) -> bytes:
    """DNA_K8 in ``lanes`` lanes (flags bits 1-3 = log2 lanes, NGSC 1.7): header,
    exceptions, the byte lengths of lanes 0 .. L-2 (u32 each), then every lane's coder."""
    out = bytearray([k, (1 if revcomp else 0) | (lanes.bit_length() - 1) << 1, inc])
    out += dna_exceptions(data)
    model = K8Model(k, revcomp, inc, start.table if start is not None else None)
    encs = [RangeEncoder() for _ in range(lanes)]
    model.run_lanes(data, lengths, [e.code for e in encs])
    body = [e.finish() for e in encs]
    return bytes(out) + b"".join(len(b).to_bytes(4, "little") for b in body[:-1]) + b"".join(body)


def dna_k8_train(data: bytes, lengths: list[int], k: int, revcomp: bool, inc: int) -> K8Model:
    model = K8Model(k, revcomp, inc)
    model.run(data, lengths)
    return model


def dna_k8(data: bytes, lengths: list[int], k: int, revcomp: bool, inc: int,
           start: K8Model | None = None) -> bytes:
    """DNA_K8's encoded form; from the table of ``start`` (DNA_SEEDED) if given."""
    out = bytearray([k, 1 if revcomp else 0, inc]) + dna_exceptions(data)
    model = K8Model(k, revcomp, inc, start.table if start is not None else None)
    enc = RangeEncoder()
    model.run(data, lengths, enc.code)
    return bytes(out) + enc.finish()


def qual_sorted(data: bytes, lengths: list[int], variant: int) -> bytes | None:
    """The QUAL_SORTED stream, or None where the codec refuses (variant 3 over an
    alphabet whose model would pass 2**22 symbols)."""
    head, idx, n = dense(data, variant)
    if variant == 3 and (n + 1) ** 2 * 256 * n > 1 << 22:
        return None
    if n <= 1:
        return head
    rows: dict[int, list[list[int]]] = {}     # ctx -> [[symbol, frequency], ...]
    enc, p = RangeEncoder(), 0
    for length in lengths:
        q1 = q2 = q3 = n
        d = 0
        for pos in range(length):
            s = idx[data[p]]
            if variant == 0:
                ctx = q1 * (n + 1) + q2
            elif variant == 4:
                ctx = q1 * 64 + min(pos // 5, 63)
            else:
                hi = n if q2 == n else max(q2, q3) if q3 != n else q2
                if variant == 3:
                    ctx = (q1 * (n + 1) + hi) * 256 + min(pos, 255)
                else:
                    if variant == 1:
                        band = min(pos >> 3, 7)
                    else:
                        band = next(b for b, lim in enumerate((1, 2, 4, 8, 16, 1 << 62))
                                    if d < lim)
                    ctx = (q1 * (n + 1) + hi) * 8 + band
            row = rows.setdefault(ctx, [[j, 1] for j in range(n)])
            j = next(i for i, e in enumerate(row) if e[0] == s)
            enc.code(sum(e[1] for e in row[:j]), row[j][1], sum(e[1] for e in row))
            row[j][1] += 16
            if j > 0 and row[j][1] > row[j - 1][1]:
                row[j], row[j - 1] = row[j - 1], row[j]
            if sum(e[1] for e in row) > 1 << 16:
                for e in row:
                    e[1] = (e[1] + 1) // 2
            if q1 != n:
                d += abs(s - q1)
            q1, q2, q3 = s, q1, q2
            p += 1
    return head + enc.finish()


def shared_context(variant: int, q1: int, at: int) -> int:
    """The archive quality model's contexts (NGSC 1.12): variant 3 (q1, position band of
    five), 4 (q1, exact position)."""
    return q1 * 64 + min(at // 5, 63) if variant == 3 else q1 * 256 + min(at, 255)


def _shared_pairs(data: bytes, lengths: list[int], variant: int, idx: dict[int, int],
                  n: int) -> list[tuple[int, int, int]]:
    """(symbol, context, lane) of every value, in read order."""
    out, p = [], 0
    for r, length in enumerate(lengths):
        q1 = n
        for at in range(length):
            s = idx[data[p]]
            out.append((s, shared_context(variant, q1, at), r % 2))
            q1 = s
            p += 1
    return out


def quality_model_freqs(data: bytes, lengths: list[int], variant: int) -> list[list[int]]:
    """The model's frequency rows for ``variant``: every count plus one, normalised."""
    alphabet = sorted(set(data))
    n = len(alphabet)
    idx = {b: i for i, b in enumerate(alphabet)}
    rows = [[1] * n for _ in range((n + 1) * (64 if variant == 3 else 256))]
    for s, c, _lane in _shared_pairs(data, lengths, variant, idx, n):
        rows[c][s] += 1
    return [normalise(r) for r in rows]


def qual_shared(data: bytes, lengths: list[int], variant: int, alphabet: bytes,
                freqs: list[list[int]]) -> bytes | None:
    """The QUAL_SHARED stream (NGSC 1.12) of ``data`` under a quality model; None where
    the codec refuses (a value outside the alphabet or of frequency 0 in its context)."""
    if any(b not in alphabet for b in data):
        return None
    idx = {b: i for i, b in enumerate(alphabet)}
    pairs = _shared_pairs(data, lengths, variant, idx, len(alphabet))
    if any(freqs[c][s] == 0 for s, c, _lane in pairs):
        return None
    parts = [body([s for s, _c, k in pairs if k == j], [c for _s, c, k in pairs if k == j],
                  freqs) for j in (0, 1)]
    return len(parts[0]).to_bytes(4, "little") + parts[0] + parts[1]
