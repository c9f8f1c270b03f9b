"""The main job on example data: build a FASTQ from the shared ERR127302 reads, compress,
decompress, check byte-exactness, print the figures.

    python examples/run_example.py              # one process
    mpiexec -n 2 python examples/run_example.py # two ranks
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import sys
import time
from pathlib import Path

import phyngsc

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
OUT = HERE / "out"


def main() -> int:
    from phyngsc.runners.comm import get_comm
    comm = get_comm(None)
    src = OUT / "example.fastq"
    if comm.rank == 0:
        OUT.mkdir(exist_ok=True)
        gz = SHARED / "ERR127302_1.fastq.gz"
        if gz.exists():
            with gzip.open(gz, "rb") as f, open(src, "wb") as g:
                shutil.copyfileobj(f, g)
        else:  # no ../shared: fall back to the small copy shipped with the tests
            shutil.copy(HERE.parent / "tests" / "data" / "err127302_1_200.fastq", src)
    comm.barrier()
    arc, back = OUT / "example.ngsc", OUT / "example.restored.fastq"
    t0 = time.perf_counter()
    phyngsc.compress(str(src), str(arc), comm, window=1 << 20)
    t1 = time.perf_counter()
    phyngsc.decompress(str(arc), str(back), comm)
    t2 = time.perf_counter()
    if comm.rank == 0:
        same = hashlib.sha256(src.read_bytes()).digest() == hashlib.sha256(back.read_bytes()).digest()
        size, csize = src.stat().st_size, arc.stat().st_size
        with phyngsc.open(str(arc)) as a:
            records = a.count()
        print(f"{src.name}: {size:,} bytes, {records:,} records, {comm.size} rank(s)")
        print(f"compressed   {csize:,} bytes  ratio {size / csize:.3f}  in {t1 - t0:.2f} s")
        print(f"decompressed in {t2 - t1:.2f} s  byte-identical: {same}")
        return 0 if same else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
