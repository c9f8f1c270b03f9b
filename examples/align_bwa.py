"""Align an NGSC archive with ``bwa mem``, one partition per MPI rank, without decompressing it.

    [mpiexec -n P | srun] python examples/align_bwa.py READS.ngsc REFERENCE.fa OUTDIR [--threads T]

Every rank takes its share of the archive with :func:`phyngsc.partition` (file
order, balanced by bases, mates together) and streams the exact FASTQ text into
``bwa mem``'s standard input (interleaved pairs with ``-p`` for a paired
archive): nothing is written to disk but the alignments. Rank 0 indexes the
reference first (into OUTDIR) unless an index is there. Outputs:
``OUTDIR/part.NNN.sam`` (and bwa's messages in ``part.NNN.log``) per rank and
``OUTDIR/aligned.sam``, their concatenation (one header), which is in the order of the
original reads.

Try it on the lambda phage reads (reference from Debian's bowtie2-examples):

    python -m phyngsc compress sim_reads_1.fastq sim_reads_2.fastq -o lambda.ngsc
    mpiexec -n 2 python examples/align_bwa.py lambda.ngsc \\
        /usr/share/doc/bowtie2/examples/reference/lambda_virus.fa.gz out/
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys

from mpi4py import MPI

import phyngsc


def index_reference(reference: str, outdir: str) -> str:
    """The bwa index prefix for ``reference`` in ``outdir`` (built when missing)."""
    prefix = os.path.join(outdir, "ref")
    if not os.path.exists(prefix + ".bwt"):
        subprocess.run(["bwa", "index", "-p", prefix, reference], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return prefix


def align_part(part: "phyngsc.runners.split.Partition", prefix: str, sam: str,
               threads: int) -> tuple[int, int, int]:
    """Stream ``part`` into ``bwa mem``; returns (reads, primary alignments, mapped)."""
    cmd = ["bwa", "mem", "-t", str(threads)] + (["-p"] if part.paired else []) + \
        [prefix, "-"]
    log = sam[:-len(".sam")] + ".log"
    with open(sam, "wb") as out, open(log, "wb") as err:   # bwa writes them itself
        bwa = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=err)
        try:
            for chunk in part.fastq():
                bwa.stdin.write(chunk)
        except BrokenPipeError:
            pass                       # bwa stopped reading: its status says why
        finally:
            try:
                bwa.stdin.close()
            except BrokenPipeError:
                pass
        if bwa.wait() != 0:
            raise RuntimeError(f"bwa mem exited with status {bwa.returncode} (see {log})")
    primary = mapped = 0
    with open(sam, "rb") as f:
        for line in f:
            if line.startswith(b"@"):
                continue
            flag = int(line.split(b"\t", 2)[1])
            if flag & 0x900:          # secondary or supplementary
                continue
            primary += 1
            mapped += not flag & 0x4
    reads = part.n_records * (2 if part.paired else 1)
    return reads, primary, mapped


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("archive")
    p.add_argument("reference", help="FASTA (gzip is fine)")
    p.add_argument("outdir")
    p.add_argument("--threads", "-t", type=int, default=1, help="bwa threads per rank")
    args = p.parse_args()
    comm = MPI.COMM_WORLD
    error = None
    prefix = None
    if comm.rank == 0:
        try:
            if shutil.which("bwa") is None:
                raise RuntimeError("bwa not found (Debian: apt install bwa)")
            os.makedirs(args.outdir, exist_ok=True)
            prefix = index_reference(args.reference, args.outdir)
        except Exception as exc:  # noqa: BLE001 - every rank stops below
            error = f"{type(exc).__name__}: {exc}"
    error, prefix = comm.bcast((error, prefix), root=0)
    if error:
        if comm.rank == 0:
            sys.stderr.write(f"align_bwa: {error}\n")
        return 1
    try:
        part = phyngsc.partition(args.archive, comm)   # collective: every rank's share
    except phyngsc.PhyngscError as exc:                # the same error on every rank
        if comm.rank == 0:
            sys.stderr.write(f"align_bwa: {exc.one_line()}\n")
        return 1
    sam = os.path.join(args.outdir, f"part.{comm.rank:03d}.sam")
    result: tuple[int, int, int] | str
    try:
        result = align_part(part, prefix, sam, args.threads)
    except Exception as exc:  # noqa: BLE001 - gathered and reported by rank 0
        result = f"rank {comm.rank}: {type(exc).__name__}: {exc}"
    results = comm.gather(result, root=0)
    if comm.rank != 0:
        return 0 if not isinstance(result, str) else 1
    failed = [r for r in results if isinstance(r, str)]
    if failed:
        sys.stderr.write("align_bwa: " + "; ".join(failed) + "\n")
        return 1
    merged = os.path.join(args.outdir, "aligned.sam")
    with open(merged, "wb") as out:
        for r in range(comm.size):
            with open(os.path.join(args.outdir, f"part.{r:03d}.sam"), "rb") as f:
                for line in f:
                    if r == 0 or not line.startswith(b"@"):
                        out.write(line)
    reads = sum(r[0] for r in results)
    primary = sum(r[1] for r in results)
    mapped = sum(r[2] for r in results)
    for r, (n, pr, m) in enumerate(results):
        print(f"rank {r}: {n} reads, {pr} primary alignments, {m} mapped")
    print(f"total: {reads} reads, {mapped} mapped ({100 * mapped / max(primary, 1):.2f}%), "
          f"SAM in {merged}")
    return 0 if primary == reads else 1


if __name__ == "__main__":
    sys.exit(main())
