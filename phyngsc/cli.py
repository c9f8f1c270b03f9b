"""Command-line interface: ``python -m phyngsc COMMAND ...`` (also under mpiexec/srun).

Exit status: 0 success, 1 bad data (FASTQ or archive), 2 usage error, 3 internal
error. Errors are one line on stderr, printed by rank 0, without traceback.
Under MPI an unexpected exception on any rank aborts every rank, so a job
never hangs.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from typing import Any

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
                   help="1: fastest (order-2 models, 2-bit DNA); 5 (default): context "
                        "models, tokenised titles; 9: best ratio (order-12 DNA)")
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


def _cmd_compress(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    if len(args.input) > 2:
        raise UsageError("compress takes one input, or two for paired-end (R1 R2)")
    src = args.input[0] if len(args.input) == 1 else tuple(args.input)
    res = phyngsc.compress(src, args.output, comm, args.threads, level=args.level,
                           window=args.window, writer=args.writer, hints=dict(args.mpi_hint),
                           progress=not args.quiet, interleaved=args.interleaved)
    if comm.rank == 0 and not args.quiet:
        ratio = res.input_size / res.archive_size if res.archive_size else 0.0
        sys.stderr.write(f"{' + '.join(args.input)}: {res.input_size} -> {res.archive_size} bytes "
                         f"(ratio {ratio:.3f}) with {comm.size} rank(s)\n")
    return 0


def _cmd_decompress(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    phyngsc.decompress(args.input, args.output, comm, args.threads,
                       hints=dict(args.mpi_hint), mate=args.paired_output,
                       interleaved=args.interleaved, bgzf=args.bgzf,
                       progress=not args.quiet and args.output != "-")
    return 0


def _cmd_verify(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    rep = phyngsc.verify(args.input, comm, args.threads)
    if comm.rank == 0:
        print(f"{args.input}: OK ({rep.blocks} blocks, {rep.subblocks} sub-blocks, "
              f"{rep.bytes_checked} bytes decoded and checked)")
    return 0


def _cmd_info(args: argparse.Namespace, comm: Any) -> int:
    from .reader import Archive
    if comm.rank != 0:
        return 0
    with Archive(args.input) as a:
        s = a.summary()
        streams = a.stream_sizes()
        name = " + ".join(f.name for f in a.footer.files)
        if a.index.paired:
            name += " (paired, interleaved in each sub-block)"
    if args.json:
        doc = dict(s.__dict__)
        doc["input_files"] = [{"name": f.name, "size": f.size} for f in a.footer.files]
        doc["streams"] = streams
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    rows = [("archive", s.path), ("input", f"{name} ({s.input_size:,} bytes)"),
            ("archive size", f"{s.archive_size:,} bytes (footer {s.footer_size:,})"),
            ("ratio", f"{s.ratio:.3f}"), ("records", f"{s.records:,}"),
            ("written by", f"{s.ranks} rank(s) x {s.threads} thread(s), writer {s.writer}"),
            ("level / window", f"{s.level} / {s.window:,} bytes"),
            ("blocks / sub-blocks", f"{s.blocks} / {s.subblocks}"),
            ("content digest", f"sha256:{s.digest}")]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    print()
    print(f"{'stream':<8} {'encoded':>14} {'decoded':>14} {'ratio':>7} {'bits/byte':>9}  codecs")
    for sname, d in streams.items():
        enc, dec = d["encoded"], d["decoded"]
        ratio = f"{dec / enc:.2f}" if enc and dec else "-"
        bits = f"{8 * enc / dec:.3f}" if dec else "-"
        codecs = ",".join(f"{k}x{v}" for k, v in d["codecs"].items())
        print(f"{sname:<8} {enc:>14,} {dec:>14,} {ratio:>7} {bits:>9}  {codecs}")
    return 0


def _threads_for(args: argparse.Namespace, comm: Any) -> None:
    import phyngsc
    phyngsc._threads(comm, args.threads)


def _cmd_count(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import count
    n = count(comm, args.input)
    if comm.rank == 0:
        from .reader import Archive
        with Archive(args.input) as a:
            if a.index.paired:   # mates alternate: half of the records are in each file
                for f in a.footer.files:
                    print(f"{f.name}: {n // 2}")
        print(n)
    return 0


def _cmd_stats(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import stats
    if not args.headers_only:
        _threads_for(args, comm)
    res = stats(comm, args.input, headers_only=args.headers_only, hdf5=args.hdf5)
    if comm.rank != 0:
        return 0
    if args.json:
        print(json.dumps(res, indent=1))
        return 0
    nf = res["nucleotides"]
    rl = res["read_length"]
    q = res["quality"]
    print(f"records        {res['records']:,}")
    print(f"bases          {res['bases']:,}")
    print("nucleotides    " + "  ".join(f"{k}={v:,}" for k, v in nf.items()))
    print(f"GC fraction    {res['gc_fraction']:.4f}")
    print(f"read length    min {rl['min']:,}  mean {rl['mean']:.2f}  max {rl['max']:,}")
    print(f"quality        {q['encoding']} (offset {q['offset']}); {q['evidence']}")
    print(f"alphabet       {q['alphabet']}")
    if "histogram" in rl:
        top = sorted(rl["histogram"], key=lambda kv: -kv[1])[:5]
        print("common lengths " + ", ".join(f"{k} bp x {v:,}" for k, v in top))
        mq = q["mean_per_position"]
        if mq:
            print(f"mean quality   first {mq[0]:.2f}  middle {mq[len(mq) // 2]:.2f}  "
                  f"last {mq[-1]:.2f}  (per position in --json)")
    if args.hdf5:
        print(f"per-sub-block arrays written to {args.hdf5}")
    return 0


def _cmd_grep(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import grep
    _threads_for(args, comm)
    n = grep(comm, args.input, args.pattern, first=args.first, revcomp=args.revcomp,
             max_records=args.max, dst=args.output)
    return 0 if n else 1   # grep's convention: 1 when nothing matched


def _cmd_fasta(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import fasta
    _threads_for(args, comm)
    fasta(comm, args.input, args.output)
    return 0


def _cmd_filter(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import FilterOptions, filter_records
    _threads_for(args, comm)
    kept, dropped = filter_records(comm, args.input, args.output, FilterOptions(
        args.min_mean_quality, args.max_n, args.min_length, args.trim_quality))
    if comm.rank == 0:
        sys.stderr.write(f"kept {kept} records, dropped {dropped}\n")
    return 0


def _cmd_extract(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import extract
    _threads_for(args, comm)
    if args.records is not None:
        a, b = _record_range(args.records)
        extract(comm, args.input, args.output, start=a, stop=b, mate=args.paired_output)
        return 0
    try:
        with open(args.names, "rb") as f:
            names = {line.strip().lstrip(b"@") for line in f if line.strip()}
    except OSError as exc:
        from .errors import InputFileError
        raise InputFileError(args.names, exc.strerror or str(exc)) from None
    missing: list[bytes] = []
    extract(comm, args.input, args.output, names=names, mate=args.paired_output,
            inputs=(args.names,), missing=missing)
    if comm.rank == 0 and not args.quiet:
        note = f"{len(missing)} of {len(names)} names not found"
        if missing:
            shown = ", ".join(m.decode("utf-8", "replace") for m in missing[:3])
            note += f" ({shown}{', ...' if len(missing) > 3 else ''})"
        sys.stderr.write(f"phyngsc: extract: {note}\n")
    return 0


def _record_range(text: str) -> tuple[int | None, int | None]:
    """``A:B``, ``A:`` (to the end) or ``:B`` (from the first) as (start, stop)."""
    try:
        a, b = text.split(":")
        return (int(a) if a.strip() else None), (int(b) if b.strip() else None)
    except ValueError:
        raise UsageError(f"--records expects A:B, A: or :B, got {text!r}") from None


def _cmd_split(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    infos = phyngsc.split(args.input, args.prefix, args.parts, comm, args.threads,
                          gzip=args.gzip)
    if comm.rank == 0 and not args.quiet:
        for info in infos:
            sizes = " + ".join(f"{s:,}" for s in info.sizes)
            sys.stderr.write(f"{' '.join(info.paths)}: {info.records:,} "
                             f"{'pairs' if len(info.paths) == 2 else 'records'}, "
                             f"{sizes} bytes\n")
    return 0


def _cmd_view(args: argparse.Namespace, comm: Any) -> int:
    from .viewer.app import create_app
    if comm.size > 1:
        raise UsageError("view runs as one process (not under mpiexec/srun)")
    app = create_app(args.input)
    sys.stderr.write(f"phyngsc: viewing {args.input} at http://{args.host}:{args.port}/ "
                     "(Ctrl-C stops)\n")
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def _cmd_stripe(args: argparse.Namespace, comm: Any) -> int:
    from .cluster import stripe_directory
    if comm.rank != 0:
        return 0
    if not os.path.isdir(args.directory):
        raise UsageError(f"{args.directory}: not a directory")
    res = stripe_directory(args.directory, args.count, args.size)
    sys.stderr.write(f"phyngsc: {res.message}\n")   # what was done, or why not
    print(" ".join(f"--mpi-hint {k}={v}" for k, v in res.hints.items()))
    return 0


_COMMANDS = {"compress": _cmd_compress, "decompress": _cmd_decompress, "info": _cmd_info,
             "verify": _cmd_verify, "count": _cmd_count, "stats": _cmd_stats,
             "grep": _cmd_grep, "fasta": _cmd_fasta, "filter": _cmd_filter,
             "extract": _cmd_extract, "split": _cmd_split, "view": _cmd_view,
             "stripe": _cmd_stripe}


def _cleanup() -> None:
    """Remove unfinished outputs (and ROMIO .shfp files) before aborting."""
    try:
        from .runners.tempfiles import cleanup_in_progress
        cleanup_in_progress()
    except Exception:  # noqa: BLE001 - best effort on the way out
        pass


#: Commands that write files: their processes get a watchdog (started before MPI).
_WRITERS = {"compress", "decompress", "stats", "grep", "fasta", "filter", "extract", "split"}


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
    if args.command in _WRITERS:
        from .runners.tempfiles import start_watchdog
        start_watchdog()
    every = getattr(args, "progress", None)
    if every is not None:
        if every <= 0:
            raise UsageError("--progress needs a positive number of seconds")
        os.environ["PHYNGSC_PROGRESS"] = str(every)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    comm = None
    try:
        _setup_process(args)
        _prepare_threads(args)
        from .runners.comm import get_comm
        comm = get_comm(None)
        if comm.rank == 0 and not getattr(args, "quiet", False):
            from .codecs import jit
            jit.on_cold_compile = _cold_compile_note
        return _COMMANDS[args.command](args, comm)
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
