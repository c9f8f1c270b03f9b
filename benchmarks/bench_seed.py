"""Seed model sweep: what each seed size buys at levels 5 and 9, and what it costs.

    python benchmarks/bench_seed.py --input deep.fq [--levels 5,9]
                                    [--seeds 32M,128M,9:256M,default] [--threads 1]
                                    [--pipe]

For each level and seed size (``--seed`` of ``phyngsc compress``; ``default``: the
level's preset; ``L:SIZE``: only at level L), prints the seed sub-blocks, the ratio,
bits per base, compress and decompress time (whole process), peak resident memory of
each (MiB, GNU time), and the time of ``extract --records M:M+10`` from the middle of
the input, which has to learn the seed model before it can decode one seeded sub-block
(the cost a larger seed adds to random access). Since phyngsc 0.10 (chained seed) it
also prints the bits a base of the seed sub-blocks' own DNA streams (2.000 when they
are all DNA2) and the time of ``extract`` from the seed's last sub-block, which walks
the seed before it. Every round trip is checked byte for byte. ``--pipe``: the default rows also compress the input read from a pipe (which
reads up to twice the seed ahead) and print its peak memory, after checking that the
archive's content digest is the file's.

The best seed depends on the genome and coverage: the seed sub-blocks code their bases
with 2 bits each, every later one codes them with a model that knows the seed's reads.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_codecs import PY, run  # noqa: E402
from bench_core import ROOT, same_file, warm_numba  # noqa: E402


def info(arc: Path) -> dict:
    out = subprocess.run([PY, "-m", "phyngsc", "info", str(arc), "--json"],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def seed_figures(arc: Path) -> tuple[float, int]:
    """Bits a base of the seed sub-blocks' DNA streams, and the first record of the
    seed's last sub-block (-1 without a seed)."""
    import phyngsc
    with phyngsc.open(str(arc)) as a:
        seed = a.footer.seed
        if seed is None:
            return float("nan"), -1
        heads = [a.subblock_header(i).streams[1] for i in range(seed.n_subblocks)]
        bits = 8 * sum(h.encoded_length for h in heads) / max(1, sum(h.decoded_length
                                                                     for h in heads))
        return bits, int(a.index.first_record[seed.n_subblocks - 1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", required=True, help="a deep FASTQ (e.g. ART reads)")
    ap.add_argument("--levels", default="5,9")
    ap.add_argument("--seeds", default="32M,64M,128M,256M,default",
                    help="comma-separated --seed sizes; L:SIZE for level L only")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pipe", action="store_true",
                    help="default rows: also compress from a pipe (peak memory)")
    args = ap.parse_args()
    src = Path(args.input)
    work = ROOT / "benchmarks" / "work"
    work.mkdir(parents=True, exist_ok=True)
    arc, back, ext = work / "seed.ngsc", work / "seed.out", work / "seed.ext"
    piped = work / "seed-pipe.ngsc"
    levels = [int(x) for x in args.levels.split(",")]
    warm_numba(work, levels)
    size = src.stat().st_size
    t = args.threads
    print(f"{src.name}: {size:,} bytes; {t} thread(s); MB = 10^6 bytes")
    print(f"{'level':>5} {'seed':>8} {'seed sb':>7} {'ratio':>7} {'bits/base':>9} "
          f"{'seed b/b':>8} {'comp s':>7} {'decomp s':>8} {'MiB c/d':>11} {'extract s':>9} "
          f"{'ext seed s':>10} {'pipe MiB':>8}")
    for level in levels:
        for item in args.seeds.split(","):
            only, _, seed = item.rpartition(":")
            if only and int(only) != level:
                continue
            opt = "" if seed == "default" else f"--seed {seed}"
            tc, mc = run(f"{PY} -m phyngsc compress {src} -o {arc} --level {level} "
                         f"-t {t} -q {opt}")
            td, md = run(f"{PY} -m phyngsc decompress {arc} -o {back} -t {t} -q")
            if not same_file(back, src):
                raise SystemExit(f"level {level} seed {seed}: round trip differs")
            meta = info(arc)
            mid = meta["records"] // 2
            te, _ = run(f"{PY} -m phyngsc extract {arc} --records {mid}:{mid + 10} "
                        f"-o {ext} -t {t} -q")
            seed_bits, in_seed = seed_figures(arc)
            te_seed = float("nan")
            if in_seed >= 0:
                te_seed, _ = run(f"{PY} -m phyngsc extract {arc} --records "
                                 f"{in_seed}:{in_seed + 10} -o {ext} -t {t} -q")
            dna = meta["streams"]["dna"]
            n_seed = (meta.get("seed") or {}).get("n_subblocks", 0)
            pipe = "-"
            if args.pipe and seed == "default":
                # GNU time reports the largest process under sh: phyngsc's
                _, mp = run(f"sh -c 'cat {src} | {PY} -m phyngsc compress - -o {piped} "
                            f"--level {level} -t {t} -q'")
                if info(piped)["digest"] != meta["digest"]:
                    raise SystemExit(f"level {level}: the piped archive differs")
                pipe = f"{mp:.0f}"
            print(f"{level:>5} {seed:>8} {n_seed:>7} {size / arc.stat().st_size:>7.3f} "
                  f"{8 * dna['encoded'] / dna['decoded']:>9.3f} {seed_bits:>8.3f} {tc:>7.1f} "
                  f"{td:>8.1f} {mc:>5.0f}/{md:<5.0f} {te:>9.2f} {te_seed:>10.2f} {pipe:>8}",
                  flush=True)
    for p in (arc, back, ext, piped):
        p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
