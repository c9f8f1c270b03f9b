"""What an archive-wide static quality model would give, before building one.

    python benchmarks/bench_quality_model.py FASTQ [--train-mib 192] [--windows 3]

Levels 5 and 9 code qualities with QUAL_SORTED: an adaptive model that every 8 MiB
sub-block learns from scratch, decoded at about 14 ns a value (half of level 5's
decompression). A static model decodes with rANS and no division (QUAL_RANS: about 3
ns a value in two lanes) but today carries its tables in every sub-block, which costs
more than the adaptive model's learning once the context holds the position. This
script measures the third way, a static model trained once on the start of the input
(as the DNA seed model is) and shared by every sub-block:

- ``codec`` rows: the bytes QUAL_SORTED (variants 4, 3, 1) and QUAL_RANS (two lanes,
  variants 0-2) write for each window, and their decoding time (best of 3, one thread);
- ``own counts`` rows: the code length of a static model of the window's own counts,
  normalised to 2**12 as rANS needs, tables not counted (what no per-window table can
  beat; the richer contexts overfit a window's own counts);
- ``trained`` rows: the code length of each window under the model of the first
  ``--train-mib`` MiB (every count plus one, normalised to 2**12: a value the training
  never saw in its context still codes): the cost of an archive-wide model;
- ``shared`` rows: that model at work for QUAL_RANS's contexts (variants 1 and 2), with
  its two-lane coder: every window coded with the trained tables, decoded with the slot
  rows of every context built once (as a reader would for the whole archive), checked,
  and timed (best of 3, one thread; the tables not counted in the bits).

Windows are ``--windows`` 8 MiB pieces of the rest of the file, evenly spaced. Bits a
quality value, averaged over the windows. Nothing is written; the contexts are those
of QUAL_SORTED's variants (docs/format.md, *QUAL_SORTED*).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_kernels import streams_of  # noqa: E402

from phyngsc.codecs.qual_rans_lanes import (TWO_LANES, decode_lanes, encode_lanes,  # noqa: E402
                                            lane_contexts)
from phyngsc.codecs.rans import cumulative, lookup_row, normalise, packed_rows  # noqa: E402
from phyngsc.codecs.rans_qual_context import qual_contexts  # noqa: E402
from phyngsc.codecs.registry import CODEC_ID, decode_stream, encode_stream  # noqa: E402

WINDOW = 8 << 20
M = 1 << 12
#: (name, QUAL_SORTED context it mirrors): q1 the previous value, hi max(q2, q3).
CONTEXTS = ("(q1, min(pos / 5, 63)) [variant 4]", "(q1, min(pos, 255))",
            "(q1, hi, min(pos, 255)) [variant 3]", "(q1, hi, min(pos / 8, 7)) [variant 1]",
            "(q1, q2)")
CODECS = (("qual-sorted", 4), ("qual-sorted", 3), ("qual-sorted", 1),
          ("qual-rans", 0x10), ("qual-rans", 0x11), ("qual-rans", 0x12))


def records(path: Path, offset: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Qualities and read lengths of the whole records within ``size`` bytes from the
    first record at or after ``offset``."""
    with open(path, "rb") as f:
        f.seek(offset)
        text = f.read(size + (1 << 20))
    if offset:
        text = text[text.find(b"\n@") + 1:]
    text = text[:size]
    st, aux = streams_of(text[:text.rfind(b"\n@") + 1])
    return st["qual"], aux


def contexts(q: np.ndarray, aux: np.ndarray, n: int, which: int) -> tuple[np.ndarray, int]:
    """Context of every value (``q``: alphabet indices, ``n`` stands for none) and the
    number of contexts."""
    starts = np.cumsum(aux) - aux
    pos = np.arange(q.size) - np.repeat(starts, aux)
    prev = []
    for d in (1, 2, 3):
        p = np.full(q.size, n, np.int64)
        p[d:] = q[:-d]
        p[pos < d] = n
        prev.append(p)
    q1, q2, q3 = prev
    # QUAL_SORTED's hi: none before the second value, q2 alone before the third
    hi = np.where(q2 == n, n, np.where(q3 == n, q2, np.maximum(q2, q3)))
    if which == 0:
        return q1 * 64 + np.minimum(pos // 5, 63), (n + 1) * 64
    if which == 1:
        return q1 * 256 + np.minimum(pos, 255), (n + 1) * 256
    if which == 2:
        return (q1 * (n + 1) + hi) * 256 + np.minimum(pos, 255), (n + 1) ** 2 * 256
    if which == 3:
        return (q1 * (n + 1) + hi) * 8 + np.minimum(pos // 8, 7), (n + 1) ** 2 * 8
    return q1 * (n + 1) + q2, (n + 1) ** 2


def counts(ctx: np.ndarray, sym: np.ndarray, nctx: int, n: int) -> np.ndarray:
    return np.bincount(ctx * n + sym, minlength=nctx * n).reshape(nctx, n).astype(np.float64)


def code_length(model: np.ndarray, data: np.ndarray, every: bool) -> float:
    """Bits to code the counts ``data`` with the 2**12-normalised rows of ``model``.
    ``every``: every symbol of the alphabet counts as seen once more in every context
    (what a static model must do to code a value its training never saw there: a
    context the training never met codes uniformly); else only the symbols ``model``
    holds are coded (a window's own counts)."""
    seen = model + 1 if every else model
    p = np.maximum(np.round(seen / np.maximum(seen.sum(1, keepdims=True), 1) * M), seen > 0)
    p = p / np.maximum(p.sum(1, keepdims=True), 1)
    lp = np.zeros_like(p)
    np.log2(p, out=lp, where=p > 0)
    return float(-(lp * data).sum())


def codec_rows(q: np.ndarray, aux: np.ndarray) -> list[tuple[str, float, float]]:
    """``(name, bits a value, decode ns a value)`` of each codec of CODECS."""
    rows = []
    for name, param in CODECS:
        out = np.empty(2 * q.size + (4 << 20), np.uint8)
        m = encode_stream(CODEC_ID[name], param, q, aux, out)
        if m < 0:
            rows.append((f"{name} {param:#x} (refused)", float("nan"), float("nan")))
            continue
        enc, dec = out[:m].copy(), np.empty_like(q)
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            status = decode_stream(CODEC_ID[name], enc, aux, dec)
            best = min(best, time.perf_counter() - t)
        if status != 0 or not np.array_equal(dec, q):
            raise SystemExit(f"{name} {param:#x} did not decode its own stream")
        rows.append((f"codec {name} {param:#x}", 8 * m / q.size, 1e9 * best / q.size))
    return rows


def shared_rows(tq, taux, wins, n: int, alphabet: np.ndarray) -> list[tuple[str, float, float]]:
    """A working shared model: QUAL_RANS's two-lane coder with tables trained on ``tq``
    (every count plus one) for variants 1 and 2, the slot rows of every context built
    once as an archive-wide model would have them; each window coded and decoded
    (best of 3, checked), the tables not counted."""
    rows = []
    for variant in (1, 2):
        if variant == 2 and n > 64:
            continue
        nctx = qual_contexts(variant, n)
        sym, ctx, _split = lane_contexts(tq.astype(np.uint8), taux, n, variant)
        cnt = np.bincount(ctx.astype(np.int64) * n + sym, minlength=nctx * n)
        cnt = cnt.reshape(nctx, n).astype(np.int64) + 1
        freqs = np.zeros((nctx, n), np.int32)
        for c in range(nctx):
            normalise(cnt[c], freqs[c])
        cums = np.zeros((nctx, n), np.int32)
        cumulative(freqs, cums)
        lut = np.empty((nctx, M), np.uint8)
        ready = np.zeros(nctx, np.bool_)
        for c in range(nctx):
            lookup_row(freqs, cums, lut, ready, c)
        present = np.ones(nctx, np.bool_)
        fc = packed_rows(freqs, cums)
        bits = ns = values = 0.0
        for q, aux in wins:
            wsym, wctx, split = lane_contexts(q.astype(np.uint8), aux, n, variant)
            out = np.zeros(2 * q.size + (1 << 20), np.uint8)
            out[0], out[1] = variant | TWO_LANES, n & 255
            out[2:2 + n] = alphabet
            end = encode_lanes(wsym, wctx, split, freqs, cums, out, 2 + n)
            src, dec = out[:end].copy(), np.empty(q.size, np.uint8)
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                status = decode_lanes(src, 2 + n, variant, n, alphabet, aux, dec, freqs, cums,
                                      present, lut, ready, fc)
                best = min(best, time.perf_counter() - t)
            if status != 0 or not np.array_equal(dec, alphabet[q]):
                raise SystemExit(f"shared variant {variant} did not decode its own stream")
            bits += 8 * (end - 2 - n)
            ns += 1e9 * best
            values += q.size
        rows.append((f"shared qual-rans {variant | TWO_LANES:#x} (working coder)",
                     bits / values, ns / values))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("fastq", type=Path)
    ap.add_argument("--train-mib", type=int, default=192)
    ap.add_argument("--windows", type=int, default=3)
    args = ap.parse_args()
    size = os.path.getsize(args.fastq)
    train_bytes = min(args.train_mib << 20, size // 2)
    tq, taux = records(args.fastq, 0, train_bytes)
    spread = max(size - train_bytes - WINDOW, 0)
    wins = [records(args.fastq, train_bytes + spread * (w + 1) // (args.windows + 1), WINDOW)
            for w in range(args.windows)]
    alphabet = np.unique(np.concatenate([tq] + [q for q, _a in wins]))
    n = alphabet.size
    index = np.zeros(256, np.int64)
    index[alphabet] = np.arange(n)
    totals: dict[str, list[float]] = {}
    values = sum(q.size for q, _a in wins)
    for q, aux in wins:
        for name, bits, ns in codec_rows(q, aux):
            t = totals.setdefault(name, [0.0, 0.0])
            t[0] += bits * q.size
            t[1] += ns * q.size
    for name, bits, ns in shared_rows(index[tq], taux, [(index[q], a) for q, a in wins], n,
                                      alphabet):
        totals[name] = [bits * values, ns * values]
    for which, label in enumerate(CONTEXTS):
        tctx, nctx = contexts(index[tq], taux, n, which)
        model = counts(tctx, index[tq], nctx, n)
        own = trained = 0.0
        for q, aux in wins:
            ctx, _nc = contexts(index[q], aux, n, which)
            data = counts(ctx, index[q], nctx, n)
            own += code_length(data, data, False)
            trained += code_length(model, data, True)
        totals[f"own counts {label}"] = [own, float("nan")]
        totals[f"trained {label}"] = [trained, float("nan")]
    print(f"{args.fastq.name}: alphabet {n}, trained on {tq.size:,} values "
          f"({train_bytes >> 20} MiB), {len(wins)} windows of 8 MiB ({values:,} values)")
    print(f"{'model':58} {'bits/value':>10} {'decode ns':>10}")
    for name, (bits, ns) in totals.items():
        print(f"{name:58} {bits / values:10.4f} {ns / values:10.2f}")


if __name__ == "__main__":
    main()
