"""Command-line interface: ``python -m phyngsc COMMAND ...`` (also under mpiexec/srun).

Exit status: 0 success, 1 bad data (FASTQ or archive), 2 usage error, 3 internal
error. Errors are one line on stderr, printed by rank 0, without traceback.
Under MPI an unexpected exception on any rank aborts every rank, so a job
never hangs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from .errors import PhyngscError, UsageError

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
    p.add_argument("--version", action="version", version="phyngsc 0.1.0")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def common(sp: argparse.ArgumentParser, threads: bool = True) -> None:
        if threads:
            sp.add_argument("--threads", "-t", type=int, default=None,
                            help="Numba threads per rank (default: SLURM_CPUS_PER_TASK, else "
                                 "this rank's CPUs / ranks on the node)")
        sp.add_argument("--quiet", "-q", action="store_true", help="no progress bar")

    c = sub.add_parser("compress", help="FASTQ -> NGSC archive")
    c.add_argument("input", help="FASTQ file")
    c.add_argument("-o", "--output", required=True, help="archive to write")
    c.add_argument("--level", type=int, default=1, choices=range(1, 10), metavar="1..9",
                   help="codec level (default 1)")
    c.add_argument("--window", type=_size, default=None,
                   help="input bytes per sub-block, e.g. 4M (default 4 MiB)")
    c.add_argument("--writer", choices=("ticket", "shared"), default="ticket",
                   help="block writer: atomic ticket + write_at (default) or MPI shared "
                        "file pointer")
    c.add_argument("--mpi-hint", type=_hint, action="append", default=[], metavar="KEY=VALUE",
                   help="MPI-IO hint for the output (e.g. striping_unit=8388608); repeatable")
    common(c)

    d = sub.add_parser("decompress", help="NGSC archive -> original FASTQ, byte for byte")
    d.add_argument("input", help="archive")
    d.add_argument("-o", "--output", required=True, help="FASTQ to write, or - for stdout")
    d.add_argument("--mpi-hint", type=_hint, action="append", default=[], metavar="KEY=VALUE")
    common(d)

    i = sub.add_parser("info", help="print the footer: sizes, ratio, blocks, streams")
    i.add_argument("input", help="archive")
    i.add_argument("--json", action="store_true", help="machine-readable output")

    v = sub.add_parser("verify", help="check every checksum and decode every sub-block")
    v.add_argument("input", help="archive")
    common(v)
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
    res = phyngsc.compress(args.input, args.output, comm, args.threads, level=args.level,
                           window=args.window, writer=args.writer, hints=dict(args.mpi_hint),
                           progress=not args.quiet)
    if comm.rank == 0 and not args.quiet:
        ratio = res.input_size / res.archive_size if res.archive_size else 0.0
        sys.stderr.write(f"{args.input}: {res.input_size} -> {res.archive_size} bytes "
                         f"(ratio {ratio:.3f}) with {comm.size} rank(s)\n")
    return 0


def _cmd_decompress(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    phyngsc.decompress(args.input, args.output, comm, args.threads,
                       hints=dict(args.mpi_hint),
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
        name = a.footer.files[0].name if a.footer.files else ""
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


_COMMANDS = {"compress": _cmd_compress, "decompress": _cmd_decompress, "info": _cmd_info,
             "verify": _cmd_verify}


def _cleanup() -> None:
    """Remove unfinished outputs (and ROMIO .shfp files) before aborting."""
    try:
        from .runners.common import cleanup_in_progress
        cleanup_in_progress()
    except Exception:  # noqa: BLE001 - best effort on the way out
        pass


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    comm = None
    try:
        _prepare_threads(args)
        from .runners.comm import get_comm
        comm = get_comm(None)
        return _COMMANDS[args.command](args, comm)
    except PhyngscError as exc:
        # Raised on every rank alike (errors are agreed on collectively): rank 0 reports.
        if (comm.rank if comm is not None else _env_rank()) == 0:
            sys.stderr.write(f"phyngsc: error: {exc.one_line()}\n")
        return exc.exit_status
    except KeyboardInterrupt:
        _cleanup()
        if comm is not None and comm.size > 1:
            comm.abort(130)
        return 130
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
