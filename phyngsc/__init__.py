"""phyngsc: parallel lossless FASTQ compression into NGSC archives.

The API pipelines import. Heavy modules (Numba kernels, mpi4py) are imported
only by the calls that need them, so ``phyngsc.open(...).count()`` starts fast.

``comm`` everywhere: an mpi4py communicator, or ``None`` for COMM_WORLD when
the process was started by an MPI launcher and a single process otherwise.
"""

from __future__ import annotations

import os as _os
from typing import Any, BinaryIO

__version__ = "0.25.2"


def _numba_cache_dir() -> None:
    """Cache compiled kernels in a directory keyed by a digest of phyngsc's sources.

    Numba checks only the source file of a cached function, not the files of the
    functions it calls, so a kernel cached before a change to a codec in another
    module would be reused silently. A directory per source digest makes any change
    (an upgrade, a local edit) start a fresh cache. ``NUMBA_CACHE_DIR`` set by the
    user wins.
    """
    if "NUMBA_CACHE_DIR" in _os.environ:
        return
    import hashlib
    here = _os.path.dirname(_os.path.abspath(__file__))
    digest = hashlib.sha256()
    for root, dirs, files in _os.walk(here):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            with open(_os.path.join(root, name), "rb") as f:
                digest.update(name.encode() + b"\0" + f.read())
    base = _os.environ.get("XDG_CACHE_HOME") or _os.path.join(_os.path.expanduser("~"), ".cache")
    path = _os.path.join(base, "phyngsc", f"numba-{__version__}-{digest.hexdigest()[:16]}")
    try:
        _os.makedirs(path, exist_ok=True)
    except OSError:
        return
    _os.environ["NUMBA_CACHE_DIR"] = path
    import sys
    if "numba" in sys.modules:  # numba read its configuration already: make it read again
        from numba.core import config
        config.reload_config()


_numba_cache_dir()

from .errors import (ArchiveError, DataError, FastqFormatError, InputFileError,  # noqa: E402
                     PhyngscError, UsageError)
from .api import Archive, open_archive as open  # noqa: E402,A001


def _threads(comm: Any, threads: int | None) -> int:
    from .runners.plan import default_threads
    if threads is None:
        threads = default_threads(comm.node_size())
    if threads < 1:
        raise UsageError("--threads must be at least 1")
    from .core.jit import set_threads
    set_threads(threads)
    return threads


def compress(src: str | tuple[str, str], dst: str, comm: Any = None,
             threads: int | None = None, *,
             level: int = 5, window: int | None = None, writer: str = "ticket",
             hints: dict[str, str] | None = None, progress: bool = False,
             interleaved: bool = False, seed: int | None = None, index: bool = False) -> Any:
    """Compress FASTQ file ``src`` into NGSC archive ``dst`` (collective over ``comm``).

    ``src`` may also be ``"-"`` (standard input, read by rank 0) or a gzip/BGZF file:
    these are read sequentially by rank 0 and encoded by the other ranks; or a pair
    ``(R1, R2)`` of paired-end FASTQ files (plain, gzip/BGZF or named pipes), stored
    together with mates in the same sub-block; or, with ``interleaved=True``, one
    input whose records alternate R1, R2 (the same paired archive as from two files).

    ``threads``: Numba threads per rank (default: ``SLURM_CPUS_PER_TASK``, else
    this rank's CPUs divided among the ranks on its node). ``window``: input
    bytes per sub-block (default 8 MiB). ``writer``: ``"ticket"`` or
    ``"shared"``. ``seed``: input bytes whose bases train the archive's seed DNA model
    (None: the level's preset, 0: none; see :mod:`phyngsc.seed`). ``index``: also write
    the seed index ``dst + ".ngsi"`` of an archive with a seed model, so that readers
    skip walking the seed (see :func:`index`; needs a regular-file ``dst``).
    Returns a ``CompressResult`` (footer and ``index`` path on rank 0).
    """
    from .format.constants import DEFAULT_WINDOW
    from .runners.comm import get_comm
    from .runners.job import CompressOptions, validate
    from .runners.targets import check_outputs, staged
    c = get_comm(comm)
    opts = CompressOptions(threads=_threads(c, threads), level=level,
                           window=DEFAULT_WINDOW if window is None else window, writer=writer,
                           hints=dict(hints or {}), progress=progress, seed_bytes=seed,
                           index=index)
    validate(opts)
    if isinstance(src, (tuple, list)) and len(src) != 2:
        raise UsageError("paired-end compression takes exactly two files (R1 and R2)")
    if interleaved and isinstance(src, (tuple, list)):
        raise UsageError("--interleaved takes one input whose records alternate R1, R2")
    inputs = list(src) if isinstance(src, (tuple, list)) else [src]
    dest = check_outputs(c, inputs, [dst])[0]
    if dest.is_file:
        return _compress_to(c, src, dst, opts, interleaved)
    if index:
        raise UsageError(f"{dst}: not a regular file; --index writes its seed index beside "
                         "the archive")
    if c.size > 1:
        raise UsageError(f"{dst}: not a regular file; with more than one rank an archive must "
                         "be written to a regular file (write one, then copy it)")
    return staged(c, dest, lambda path: _compress_to(c, src, path, opts, interleaved),
                  "archive.ngsc")


def _compress_to(c: Any, src: str | tuple[str, str], dst: str, opts: Any,
                 interleaved: bool = False) -> Any:
    from .runners.compress import compress_file
    from .runners.stream import compress_stream, is_stream_input
    if interleaved:
        return compress_stream(c, src, dst, opts, interleaved=True)
    if isinstance(src, (tuple, list)):
        from .runners.paired import compress_pair
        streams = c.bcast([is_stream_input(s) for s in src] if c.rank == 0 else None, root=0)
        if any(streams):   # a gzip file or a pipe among the mates: rank 0 reads both
            return compress_stream(c, tuple(src), dst, opts)
        return compress_pair(c, src[0], src[1], dst, opts)
    streaming = c.bcast(is_stream_input(src) if c.rank == 0 else None, root=0)
    if streaming:
        return compress_stream(c, src, dst, opts)
    return compress_file(c, src, dst, opts)


def decompress(src: str, dst: str | None, comm: Any = None, threads: int | None = None, *,
               hints: dict[str, str] | None = None, progress: bool = False,
               stdout: BinaryIO | None = None, mate: str | None = None,
               interleaved: bool = False, bgzf: bool = False) -> int:
    """Restore the original FASTQ from archive ``src`` into ``dst`` (``None`` or ``"-"``:
    standard output). Any number of ranks. Returns the bytes written.

    Paired archives: ``dst`` gets R1 and ``mate`` R2 (cutadapt's ``-o``/``-p``); or
    ``interleaved=True`` writes R1, R2, R1, ... records to ``dst`` (or standard output).
    Outputs named ``*.gz``/``*.bgz`` (or all, with ``bgzf=True``) are written as BGZF,
    compressed by every rank in parallel."""
    from .runners.comm import get_comm
    from .runners.decompress import DecompressOptions, decompress_file
    c = get_comm(comm)
    opts = DecompressOptions(threads=_threads(c, threads), hints=dict(hints or {}),
                             progress=progress, bgzf=bgzf)
    return decompress_file(c, src, None if dst in (None, "-") else dst, opts, stdout,
                           mate=mate, interleaved=interleaved)


def verify(src: str, comm: Any = None, threads: int | None = None) -> Any:
    """Check every checksum of archive ``src`` and decode every sub-block (collective)."""
    from .runners.comm import get_comm
    from .runners.decompress import DecompressOptions, verify_archive
    c = get_comm(comm)
    return verify_archive(c, src, DecompressOptions(threads=_threads(c, threads)))


def index(archive: str) -> str | None:
    """Walk the seed of ``archive`` once and write its seed index (``archive + ".ngsi"``):
    the seed model and the seed sub-blocks' bases, which readers then load instead of
    walking the seed, so that random access (``extract``, the viewer) and every
    ``decompress`` rank start at once. Returns the index's path, or None when the
    archive has no seed model (nothing to skip). One process; an index made for
    another archive is ignored by readers (:mod:`phyngsc.archive.seed_index`)."""
    from .archive.seed_index import index_path
    from .errors import OutputError
    from .runners.job import stage_seed_index
    from .runners.tempfiles import forget_output, remove_outputs
    final = index_path(archive)
    tmp = stage_seed_index(archive, final, final)
    if tmp is None:
        return None
    try:
        _os.replace(tmp, final)
    except OSError as exc:
        raise OutputError.from_os(final, exc) from None
    finally:
        remove_outputs(tmp)
        forget_output(tmp)
    return final


def partition(archive: str, comm: Any = None, *, part: int | None = None,
              parts: int | None = None) -> Any:
    """This rank's share of ``archive`` for a downstream tool (collective over ``comm``).

    The archive is cut into ``parts`` parts (default: one per rank) in file order,
    balanced by bases, mates of a pair always together; this returns part ``part``
    (default: this rank) as a :class:`~phyngsc.runners.split.Partition`: iterate it for
    records (``(R1, R2)`` tuples in a paired archive) or call ``.fastq()`` for the
    exact original text, e.g. to feed an aligner's standard input. The same parts
    as ``phyngsc split --parts N``."""
    from .runners.comm import get_comm
    from .runners.split import partition as _partition
    return _partition(get_comm(comm), archive, part, parts)


def split(archive: str, prefix: str, parts: int, comm: Any = None, threads: int | None = None,
          *, gzip: bool = False) -> Any:
    """Write ``parts`` FASTQ files ``prefix.000.fastq`` ... (paired: ``prefix.000.1.fastq``
    and ``prefix.000.2.fastq`` ...), in file order, balanced by bases, pairs together;
    ``gzip`` writes BGZF ``.fastq.gz``. Concatenating the parts gives the original
    file(s). Collective; returns a list of ``PartInfo``."""
    from .runners.comm import get_comm
    from .runners.split import split as _split
    c = get_comm(comm)
    _threads(c, threads)
    return _split(c, archive, prefix, parts, gzip=gzip)


__all__ = ["compress", "decompress", "verify", "index", "open", "partition", "split", "Archive",
           "PhyngscError", "DataError", "UsageError", "FastqFormatError", "ArchiveError", "InputFileError"]
