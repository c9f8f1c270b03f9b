"""Write the golden archives of this version into tests/data/golden (run once per format version).

Usage: python benchmarks/make_golden.py VERSION_TAG [LEVEL ...]
Without levels, the default level is written as TAG-NAME.ngsc; with levels, each as
TAG-L<level>-NAME.ngsc (so that every codec a level may pick is covered). Existing
golden files are never overwritten. A tag ending in ``-seed`` writes archives with a
seed model (4 KiB windows, 16 KiB seed) and keeps only those that have one; a tag
ending in ``-deep`` writes the files of tests/data/deep with the default window (the
quality codecs that pay only on thousands of reads: NGSC 1.4's position variants). A tag
ending in ``-seed14`` writes two deep-ish files with an order-14 seed (NGSC 1.6: 8 KiB
windows, 16 KiB seed, level 9's 128 MiB threshold for order 14 lowered to one byte). A
tag ending in ``-deepseed`` writes the files of tests/data/deep with a seed (64 KiB
windows, 256 KiB seed: the quality model of NGSC 1.12 in both its variants).
"""

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import phyngsc

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def main(tag: str, levels: list[int]) -> None:
    import phyngsc.seed
    phyngsc.seed.QUALITY_MODEL_PAYS = 0    # a quality model even in archives this small
    golden = DATA / "golden"
    golden.mkdir(exist_ok=True)
    manifest_path = golden / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else []
    known = {e["archive"] for e in manifest}
    deepseed = tag.endswith("-deepseed")
    deep = tag.endswith("-deep") or deepseed
    seed14 = tag.endswith("-seed14")
    sources = sorted((DATA / "deep").glob("*.fastq")) if deep else \
        sorted(DATA.glob("*.fastq")) + sorted((DATA / "edge").glob("*.fq"))
    if seed14:
        from phyngsc.codecs import registry
        registry.SEEDS[9] = dataclasses.replace(registry.SEEDS[9], large=(1, 14, 24))
        sources = [DATA / "sim_reads_1_200.fastq", DATA / "synthetic_cov15.fastq"]
    for level in levels or [None]:
        for src in sources:
            name = f"{tag}-{src.stem}.ngsc" if level is None else f"{tag}-L{level}-{src.stem}.ngsc"
            if name in known:
                continue
            dst = golden / name
            extra = {} if level is None else {"level": level}
            seeded = tag.endswith("-seed") or seed14 or deepseed
            if deepseed:
                extra.update(window=65536, seed=262144)
            elif seed14:
                extra.update(window=8192, seed=16384)
            elif seeded:
                extra.update(window=4096, seed=16384)
            elif not deep:
                extra.update(window=8192)
            phyngsc.compress(str(src), str(dst), threads=1, **extra)
            with phyngsc.open(str(dst)) as a:
                n = a.n_subblocks
                if seeded and (a.footer.seed is None or seed14 and a.footer.seed.k != 14):
                    dst.unlink()
                    continue
            manifest.append({"archive": name, "source": str(src.relative_to(DATA)),
                             "sha256": hashlib.sha256(src.read_bytes()).hexdigest(),
                             "subblocks": n, "version": phyngsc.__version__,
                             **({} if level is None else {"level": level})})
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "v0.1", [int(x) for x in sys.argv[2:]])
