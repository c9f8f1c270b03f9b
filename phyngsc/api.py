"""The archive object pipelines get from :func:`phyngsc.open`: the reader of
:mod:`phyngsc.archive` plus the collective in compresso queries (``stats``, ``grep``),
which run on any communicator through the parallel layer."""

from __future__ import annotations

import io

import numpy as np

from .archive.reader import Archive as ArchiveReader


def _split_records(data: np.ndarray) -> np.ndarray:
    from .fastq.scan import scan_span
    bounds = np.empty(data.size + 1, np.int64)
    _st, _a, _b, _c, nb, _n = scan_span(data, 0, data.size, True, data.size, 1, bounds)
    return np.append(bounds[:nb], data.size)


class Archive(ArchiveReader):
    """An NGSC archive: footer and index at once, sub-blocks on demand (see
    :class:`phyngsc.archive.reader.Archive`), and queries over the whole archive."""

    def stats(self, comm: object = None, headers_only: bool = False) -> dict:
        """Statistics as ``phyngsc stats --json`` prints them (collective over ``comm``)."""
        from .runners.comm import get_comm
        from .runners.stats import stats
        return stats(get_comm(comm), self.path, headers_only=headers_only)

    def grep(self, pattern: str, comm: object = None, revcomp: bool = False,
             max_records: int | None = None) -> list[bytes]:
        """Records (original FASTQ text) whose sequence contains ``pattern`` (IUPAC)."""
        from .runners.comm import get_comm
        from .runners.compresso import grep
        buf = io.BytesIO()
        grep(get_comm(comm), self.path, pattern, revcomp=revcomp, max_records=max_records,
             stdout=buf)
        data = np.frombuffer(buf.getvalue(), np.uint8)
        if not data.size:
            return []
        starts = _split_records(data)
        return [data[a:b].tobytes() for a, b in zip(starts[:-1], starts[1:])]


def open_archive(path: str) -> Archive:
    """Open an NGSC archive (``phyngsc.open``): reads only the trailer and footer."""
    return Archive(path)
