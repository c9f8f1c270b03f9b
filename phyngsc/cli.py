"""Command-line interface: ``python -m phyngsc COMMAND ...`` (also under mpiexec/srun).

Exit status: 0 success, 1 bad data (FASTQ or archive), 2 usage error, 3 internal
error. Errors are one line on stderr, printed by rank 0, without traceback.
Under MPI an unexpected exception on any rank aborts every rank, so a job
never hangs.
"""

from __future__ import annotations

import argparse
import errno
import gc
import os
import sys
from typing import NoReturn

from . import __version__
from .errors import OutputError, PhyngscError, UsageError

_RANK_VARS = ("PMI_RANK", "PMIX_RANK", "OMPI_COMM_WORLD_RANK")


def _env_rank() -> int:
    for v in _RANK_VARS:
        if os.environ.get(v, "").isdigit():
            return int(os.environ[v])
    return 0


def _size(text: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower().rstrip("ib").rstrip("b")
    try:
        if t and t[-1] in units:
            return int(float(t[:-1]) * units[t[-1]])
        return int(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r}") from None


def _hint(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected key=value, got {text!r}")
    k, v = text.split("=", 1)
    return k.strip(), v.strip()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: exit 2, rank 0 speaks
        if _env_rank() == 0:
            self.print_usage(sys.stderr)
            sys.stderr.write(f"phyngsc: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="phyngsc", description="Parallel lossless FASTQ compression (NGSC format).")
    p.add_argument("--version", action="version", version=f"phyngsc {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp: argparse.ArgumentParser, threads: bool = True,
               progress: bool = False) -> None:
        if threads:
            sp.add_argument("--threads", "-t", type=int, default=None,
                            help="Numba threads per rank (default: SLURM_CPUS_PER_TASK, else "
                                 "this rank's CPUs / ranks on the node)")
        sp.add_argument("--quiet", "-q", action="store_true",
                        help="no progress and no notes on stderr (errors are still printed)")
        if progress:
            sp.add_argument("--progress", type=float, default=None, metavar="SECONDS",
                            help="when stderr is not a terminal (mpiexec, srun, batch jobs): "
                                 "rank 0 prints a progress line every SECONDS (default: "
                                 "$PHYNGSC_PROGRESS, else none); on a terminal a bar is drawn")

    c = sub.add_parser("compress", help="FASTQ -> NGSC archive")
    c.add_argument("input", nargs="+", metavar="INPUT",
                   help="FASTQ file, gzip/BGZF FASTQ, or - for standard input; two FASTQ "
                        "files (R1 R2) make a paired-end archive")
    c.add_argument("-o", "--output", required=True, help="archive to write")
    c.add_argument("--interleaved", action="store_true",
                   help="one input whose records alternate R1, R2: a paired-end archive "
                        "(as from two files)")
    c.add_argument("--level", type=int, default=5, choices=(1, 5, 9), metavar="{1,5,9}",
                   help="1: fastest (static rANS, 2-bit DNA); 5 (default): adaptive "
                        "models, order-12 seed model; 9: best ratio (order-13 seed model, "
                        "order 14 from a 128 MiB seed)")
    c.add_argument("--seed", type=_size, default=None, metavar="SIZE",
                   help="input bytes whose bases train the seed DNA model that later "
                        "sub-blocks start from (levels 5 and 9; default 192M at 5, 256M "
                        "at 9; 0: none); at most half the input")
    c.add_argument("--index", action="store_true",
                   help="also write ARCHIVE.ngsi (the seed model and seed bases), so "
                        "that readers never walk the seed (see the index command)")
    c.add_argument("--window", type=_size, default=None,
                   help="input bytes per sub-block, e.g. 4M (default 8 MiB; at least 1 KiB)")
    c.add_argument("--writer", choices=("ticket", "shared"), default="ticket",
                   help="block writer: atomic ticket + write_at (default) or MPI shared "
                        "file pointer")
    c.add_argument("--mpi-hint", type=_hint, action="append", default=[], metavar="KEY=VALUE",
                   help="MPI-IO hint for the output (e.g. striping_unit=8388608); repeatable")
    common(c, progress=True)

    d = sub.add_parser("decompress", help="NGSC archive -> original FASTQ, byte for byte")
    d.add_argument("input", help="archive")
    d.add_argument("-o", "--output", required=True, help="FASTQ to write, or - for stdout "
                   "(paired archives: R1)")
    d.add_argument("-p", "--paired-output", default=None, metavar="R2",
                   help="paired archives: where R2 goes")
    d.add_argument("--interleaved", action="store_true",
                   help="paired archives: R1, R2, R1, ... records into one output")
    d.add_argument("--bgzf", action="store_true",
                   help="write BGZF (blocked gzip); implied by a .gz or .bgz output name")
    d.add_argument("--mpi-hint", type=_hint, action="append", default=[], metavar="KEY=VALUE",
                   help="MPI-IO hint for the output (e.g. striping_unit=8388608); repeatable")
    common(d, progress=True)

    i = sub.add_parser("info", help="print the footer: sizes, ratio, blocks, streams")
    i.add_argument("input", help="archive")
    i.add_argument("--json", action="store_true", help="machine-readable output")

    v = sub.add_parser("verify", help="check every checksum and decode every sub-block")
    v.add_argument("input", help="archive")
    common(v)

    ix = sub.add_parser("index", help="write ARCHIVE.ngsi (seed model and bases) for fast "
                                     "random access (levels 5 and 9)")
    ix.add_argument("input", help="archive")
    ix.add_argument("-q", "--quiet", action="store_true", help="print nothing")

    n = sub.add_parser("count", help="number of records (footer only)")
    n.add_argument("input", help="archive")

    st = sub.add_parser("stats", help="records, bases, nucleotides, GC, lengths, qualities")
    st.add_argument("input", help="archive")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    st.add_argument("--headers-only", action="store_true",
                    help="only what sub-block headers hold (no histogram, no per-position "
                         "quality): decodes nothing")
    st.add_argument("--hdf5", metavar="OUT.h5", help="also write per-sub-block arrays")
    common(st)

    g = sub.add_parser("grep", help="records whose sequence contains PATTERN (IUPAC)")
    g.add_argument("input", help="archive")
    g.add_argument("pattern", help="nucleotides, IUPAC codes allowed (N matches anything)")
    g.add_argument("--first", action="store_true", help="only the first match in file order")
    g.add_argument("--revcomp", action="store_true", help="also match the reverse complement")
    g.add_argument("--max", type=int, default=None, metavar="N",
                   help="at most N records (N >= 1); exit status 1 when nothing matches")
    g.add_argument("-o", "--output", default="-", help="FASTQ to write (default: stdout)")
    common(g)

    fa = sub.add_parser("fasta", help="FASTA of all records (qualities are never decoded)")
    fa.add_argument("input", help="archive")
    fa.add_argument("-o", "--output", required=True, help="FASTA to write, or - for stdout")
    common(fa)

    fl = sub.add_parser("filter", help="trim and filter records into FASTQ")
    fl.add_argument("input", help="archive")
    fl.add_argument("-o", "--output", required=True, help="FASTQ to write, or - for stdout")
    fl.add_argument("--min-mean-quality", type=float, default=0.0, metavar="Q",
                    help="drop reads whose mean Phred quality (after trimming) is below Q")
    fl.add_argument("--max-n", type=int, default=-1, metavar="N",
                    help="drop reads with more than N 'N' bases (default: no limit)")
    fl.add_argument("--min-length", type=int, default=0, metavar="L",
                    help="drop reads shorter than L bases (after trimming)")
    fl.add_argument("--trim-quality", type=int, default=-1, metavar="Q",
                    help="trim low-quality 3' ends as BWA/cutadapt -q Q do")
    common(fl)

    ex = sub.add_parser("extract", help="records by number range or by name")
    ex.add_argument("input", help="archive")
    sel = ex.add_mutually_exclusive_group(required=True)
    sel.add_argument("--records", metavar="A:B",
                     help="records A to B-1 (0-based, file order); A: runs to the end, :B "
                          "starts at the first")
    sel.add_argument("--names", metavar="FILE",
                     help="file of read names (or whole titles), one per line; says on stderr "
                          "how many were not found")
    ex.add_argument("-o", "--output", required=True,
                    help="FASTQ to write, or - for stdout (paired archives: R1, or both "
                         "mates interleaved when -p is not given)")
    ex.add_argument("-p", "--paired-output", default=None, metavar="R2",
                    help="paired archives: where R2 goes")
    common(ex)

    spl = sub.add_parser("split", help="N FASTQ partitions in file order, balanced by bases, "
                                       "pairs together")
    spl.add_argument("input", help="archive")
    spl.add_argument("--parts", "-n", type=int, required=True, metavar="N",
                     help="number of parts (N >= 1)")
    spl.add_argument("--prefix", required=True, metavar="P",
                     help="parts are P.000.fastq ... (paired: P.000.1.fastq, P.000.2.fastq)")
    spl.add_argument("--gzip", action="store_true", help="write BGZF P.000.fastq.gz ...")
    common(spl)
    vw = sub.add_parser("view", help="web viewer of an archive (needs the viz extra)")
    vw.add_argument("input", help="archive")
    vw.add_argument("--host", default="127.0.0.1", help="address to listen on")
    vw.add_argument("--port", type=int, default=8050, help="port to listen on (default 8050)")

    sp = sub.add_parser("stripe", help="Lustre-stripe an output directory (8 MiB stripes) "
                                       "and print the matching --mpi-hint options")
    sp.add_argument("directory", help="directory that will hold the outputs")
    sp.add_argument("--count", type=int, default=-1, help="stripe count (-1: all OSTs)")
    sp.add_argument("--size", type=_size, default=8 << 20, help="stripe size (default 8M)")
    return p


def _prepare_threads(args: argparse.Namespace) -> None:
    """Let Numba start as many threads as asked for (must happen before numba is imported)."""
    t = getattr(args, "threads", None)
    if t is not None:
        if t < 1:
            raise UsageError("--threads must be at least 1")
        if "NUMBA_NUM_THREADS" not in os.environ or int(os.environ["NUMBA_NUM_THREADS"]) < t:
            os.environ["NUMBA_NUM_THREADS"] = str(max(t, os.cpu_count() or 1))


def _cleanup() -> None:
    """Remove unfinished outputs (and ROMIO .shfp files) before aborting."""
    try:
        from .runners.tempfiles import cleanup_in_progress
        cleanup_in_progress()
    except Exception:  # noqa: BLE001 - best effort on the way out
        pass


#: Commands that write files: their processes get a watchdog (started before MPI).
_WRITERS = {"compress", "decompress", "index", "stats", "grep", "fasta", "filter", "extract", "split"}


def _cold_compile_note() -> None:
    sys.stderr.write("phyngsc: compiling kernels for their first use on this machine "
                     "(about a minute, once; later runs load them from the cache)\n")
    sys.stderr.flush()


def _setup_process(args: argparse.Namespace) -> None:
    """Before MPI starts: signals, the temporary-file watchdog, progress interval."""
    import signal
    # SIGTERM (Slurm's time limit, scancel, mpiexec) and SIGINT end the process at once,
    # even inside an MPI call; the watchdog then removes its unfinished outputs.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if args.command == "compress":   # this process is ours: see core/malloc.py
        from .core.malloc import keep_freed_buffers, map_large_buffers
        if args.level == 1:
            keep_freed_buffers()      # fresh maps' page faults: a fifth of level 1's time
        else:
            map_large_buffers()       # freed stream buffers go back
    elif args.command == "decompress":
        from .core.malloc import DECOMPRESS_MAP_FROM, keep_freed_buffers
        keep_freed_buffers(DECOMPRESS_MAP_FROM)     # stream buffers reused: 4-7 % faster
    if args.command in _WRITERS:
        from .runners.tempfiles import start_watchdog
        start_watchdog()
    every = getattr(args, "progress", None)
    if every is not None:
        if every <= 0:
            raise UsageError("--progress needs a positive number of seconds")
        os.environ["PHYNGSC_PROGRESS"] = str(every)


def run() -> NoReturn:
    """The ``phyngsc`` program (``python -m phyngsc``, the console script): :func:`main`
    on ``sys.argv``, then exit with its status. Before exiting, every object alive is
    frozen out of the garbage collector (``gc.freeze``): the interpreter's last
    collection would otherwise walk everything Numba and LLVM built for the loaded
    kernels, about 0.23 s of every command that ran one (docs/performance.md). Nothing
    is left to do then: outputs are closed, and the exit handlers (MPI's included)
    still run."""
    status = main()
    gc.freeze()
    raise SystemExit(status)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    from .core import jit
    jit.skip_blas_probe = True     # this process is ours: no SciPy import for Numba's probe
    comm = None
    try:
        _setup_process(args)
        _prepare_threads(args)
        from .runners.comm import get_comm
        comm = get_comm(None)
        if comm.rank == 0 and not getattr(args, "quiet", False):
            jit.on_cold_compile = _cold_compile_note
        from .commands import COMMANDS
        return COMMANDS[args.command](args, comm)
    except OutputError as exc:
        if (comm.rank if comm is not None else _env_rank()) == 0 and not (
                exc.errno == errno.EPIPE and exc.path == "-"):   # `... -o - | head`: quiet
            sys.stderr.write(f"phyngsc: error: {exc.one_line()}\n")
        return exc.exit_status
    except PhyngscError as exc:
        # Raised on every rank alike (errors are agreed on collectively): rank 0 reports.
        if (comm.rank if comm is not None else _env_rank()) == 0:
            sys.stderr.write(f"phyngsc: error: {exc.one_line()}\n")
        return exc.exit_status
    except BrokenPipeError:
        return 1
    except BaseException as exc:  # noqa: BLE001 - last resort: never hang, never trace back
        rank = comm.rank if comm is not None else _env_rank()
        sys.stderr.write(f"phyngsc: internal error on rank {rank}: "
                         f"{type(exc).__name__}: {exc}\n")
        if os.environ.get("PHYNGSC_DEBUG"):
            import traceback
            traceback.print_exc()
        _cleanup()
        if comm is not None and comm.size > 1:
            comm.abort(3)
        return 3


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
