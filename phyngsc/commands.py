"""What each sub-command does once its arguments are parsed: ``COMMANDS[name](args,
comm)`` returns the exit status. Rank 0 prints; errors are raised (``cli.main`` maps
them to exit codes)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from .errors import UsageError


def run_compress(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    if len(args.input) > 2:
        raise UsageError("compress takes one input, or two for paired-end (R1 R2)")
    src = args.input[0] if len(args.input) == 1 else tuple(args.input)
    res = phyngsc.compress(src, args.output, comm, args.threads, level=args.level,
                           window=args.window, writer=args.writer, hints=dict(args.mpi_hint),
                           seed=args.seed, index=args.index,
                           progress=not args.quiet, interleaved=args.interleaved)
    if comm.rank == 0 and not args.quiet:
        ratio = res.input_size / res.archive_size if res.archive_size else 0.0
        sys.stderr.write(f"{' + '.join(args.input)}: {res.input_size} -> {res.archive_size} bytes "
                         f"(ratio {ratio:.3f}) with {comm.size} rank(s)\n")
        if args.index:
            sys.stderr.write(f"seed index: {res.index}\n" if res.index else
                             "no seed model (level 1, or a small input): no index written\n")
    return 0


def run_index(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    if comm.rank != 0:
        return 0
    path = phyngsc.index(args.input)
    if not args.quiet:
        sys.stderr.write(f"{args.input}: seed index written to {path}\n" if path else
                         f"{args.input}: no seed model (level 1, or a small input); random "
                         "access needs no index\n")
    return 0


def run_decompress(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    phyngsc.decompress(args.input, args.output, comm, args.threads,
                       hints=dict(args.mpi_hint), mate=args.paired_output,
                       interleaved=args.interleaved, bgzf=args.bgzf,
                       progress=not args.quiet and args.output != "-")
    return 0


def run_verify(args: argparse.Namespace, comm: Any) -> int:
    import phyngsc
    rep = phyngsc.verify(args.input, comm, args.threads)
    if comm.rank == 0:
        print(f"{args.input}: OK ({rep.blocks} blocks, {rep.subblocks} sub-blocks, "
              f"{rep.bytes_checked} bytes decoded and checked)")
    return 0


def run_info(args: argparse.Namespace, comm: Any) -> int:
    from .archive.reader import Archive
    if comm.rank != 0:
        return 0
    with Archive(args.input) as a:
        s = a.summary()
        streams = a.stream_sizes()
        name = " + ".join(f.name for f in a.footer.files)
        if a.index.paired:
            name += " (paired, interleaved in each sub-block)"
        seed = a.footer.seed
        seed_doc = None if seed is None else {
            "n_subblocks": seed.n_subblocks, "k": seed.k, "revcomp": seed.revcomp,
            "inc": seed.inc, "chained": seed.chained,
            "chain_lanes": seed.lanes,
            "input_bytes": int(a.index.raw_length[:seed.n_subblocks].sum())}
    if args.json:
        doc = dict(s.__dict__)
        doc["input_files"] = [{"name": f.name, "size": f.size} for f in a.footer.files]
        doc["seed"] = seed_doc
        doc["streams"] = streams
        print(json.dumps(doc, indent=2, sort_keys=True))
        return 0
    rows = [("archive", s.path), ("input", f"{name} ({s.input_size:,} bytes)"),
            ("archive size", f"{s.archive_size:,} bytes (footer {s.footer_size:,})"),
            ("ratio", f"{s.ratio:.3f}"), ("records", f"{s.records:,}"),
            ("written by", f"{s.ranks} rank(s) x {s.threads} thread(s), writer {s.writer}"),
            ("level / window", f"{s.level} / {s.window:,} bytes"),
            ("blocks / sub-blocks", f"{s.blocks} / {s.subblocks}"),
            ("seed model", "none" if seed_doc is None else
             f"first {seed_doc['n_subblocks']} sub-blocks ({seed_doc['input_bytes']:,} bytes "
             f"of input), order {seed_doc['k']}"
             + (", both strands" if seed_doc["revcomp"] else "")
             + (", chained" if seed_doc["chained"] else "")
             + (f" in {seed_doc['chain_lanes']} lanes" if seed_doc["chain_lanes"] > 1 else "")),
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


def threads_for(args: argparse.Namespace, comm: Any) -> None:
    import phyngsc
    phyngsc._threads(comm, args.threads)


def run_count(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import count
    n = count(comm, args.input)
    if comm.rank == 0:
        from .archive.reader import Archive
        with Archive(args.input) as a:
            if a.index.paired:   # mates alternate: half of the records are in each file
                for f in a.footer.files:
                    print(f"{f.name}: {n // 2}")
        print(n)
    return 0


def run_stats(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import stats
    if not args.headers_only:
        threads_for(args, comm)
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


def run_grep(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import grep
    threads_for(args, comm)
    n = grep(comm, args.input, args.pattern, first=args.first, revcomp=args.revcomp,
             max_records=args.max, dst=args.output)
    return 0 if n else 1   # grep's convention: 1 when nothing matched


def run_fasta(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import fasta
    threads_for(args, comm)
    fasta(comm, args.input, args.output)
    return 0


def run_filter(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import FilterOptions, filter_records
    threads_for(args, comm)
    kept, dropped = filter_records(comm, args.input, args.output, FilterOptions(
        args.min_mean_quality, args.max_n, args.min_length, args.trim_quality))
    if comm.rank == 0:
        sys.stderr.write(f"kept {kept} records, dropped {dropped}\n")
    return 0


#: ``extract`` suggests ``phyngsc index`` when learning the seed model took at least this
#: many seconds (a 1 GiB level-5 archive: 2.5-3.5 s; with the index, under 1 s in all).
WALK_NOTE_SECONDS = 1.0


def run_extract(args: argparse.Namespace, comm: Any) -> int:
    from .runners.compresso import extract
    threads_for(args, comm)
    walked: list[float] = []
    if args.records is not None:
        a, b = record_range(args.records)
        extract(comm, args.input, args.output, start=a, stop=b, mate=args.paired_output,
                walked=walked)
        _walk_note(args, comm, walked)
        return 0
    try:
        with open(args.names, "rb") as f:
            names = {line.strip().lstrip(b"@") for line in f if line.strip()}
    except OSError as exc:
        from .errors import InputFileError
        raise InputFileError(args.names, exc.strerror or str(exc)) from None
    missing: list[bytes] = []
    extract(comm, args.input, args.output, names=names, mate=args.paired_output,
            inputs=(args.names,), missing=missing, walked=walked)
    if comm.rank == 0 and not args.quiet:
        note = f"{len(missing)} of {len(names)} names not found"
        if missing:
            shown = ", ".join(m.decode("utf-8", "replace") for m in missing[:3])
            note += f" ({shown}{', ...' if len(missing) > 3 else ''})"
        sys.stderr.write(f"phyngsc: extract: {note}\n")
    _walk_note(args, comm, walked)
    return 0


def _walk_note(args: argparse.Namespace, comm: Any, walked: list[float]) -> None:
    """One line on rank 0 (not with ``--quiet``) when ``extract`` spent
    :data:`WALK_NOTE_SECONDS` or more learning the seed model: a seed index would spare
    every later ``extract`` of the archive that time."""
    seconds = walked[0] if walked else 0.0
    if comm.rank != 0 or args.quiet or seconds <= 0.0 or seconds < WALK_NOTE_SECONDS:
        return
    sys.stderr.write(f"phyngsc: extract: {seconds:.1f} s went to learning {args.input}'s "
                     f"seed model; `python -m phyngsc index {args.input}` saves it beside the "
                     f"archive once, and later extracts skip that\n")


def record_range(text: str) -> tuple[int | None, int | None]:
    """``A:B``, ``A:`` (to the end) or ``:B`` (from the first) as (start, stop)."""
    try:
        a, b = text.split(":")
        return (int(a) if a.strip() else None), (int(b) if b.strip() else None)
    except ValueError:
        raise UsageError(f"--records expects A:B, A: or :B, got {text!r}") from None


def run_split(args: argparse.Namespace, comm: Any) -> int:
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


def run_view(args: argparse.Namespace, comm: Any) -> int:
    from .viewer.app import create_app
    if comm.size > 1:
        raise UsageError("view runs as one process (not under mpiexec/srun)")
    app = create_app(args.input)
    sys.stderr.write(f"phyngsc: viewing {args.input} at http://{args.host}:{args.port}/ "
                     "(Ctrl-C stops)\n")
    app.run(host=args.host, port=args.port, debug=False)
    return 0


def run_stripe(args: argparse.Namespace, comm: Any) -> int:
    from .cluster import stripe_directory
    if comm.rank != 0:
        return 0
    if not os.path.isdir(args.directory):
        raise UsageError(f"{args.directory}: not a directory")
    res = stripe_directory(args.directory, args.count, args.size)
    sys.stderr.write(f"phyngsc: {res.message}\n")   # what was done, or why not
    print(" ".join(f"--mpi-hint {k}={v}" for k, v in res.hints.items()))
    return 0


COMMANDS = {"compress": run_compress, "decompress": run_decompress, "info": run_info,
             "verify": run_verify, "index": run_index, "count": run_count, "stats": run_stats,
             "grep": run_grep, "fasta": run_fasta, "filter": run_filter,
             "extract": run_extract, "split": run_split, "view": run_view,
             "stripe": run_stripe}
