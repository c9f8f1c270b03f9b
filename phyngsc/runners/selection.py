"""Writing selected records of an archive, exactly as they were, on any number of ranks.

A *selection* maps sub-block numbers (input order) to record ranges local to
the sub-block. Ranks take contiguous shares of the selected sub-blocks balanced
by original bytes, decode them a batch at a time and append the selected text
to ordered outputs, so the result is in file order whatever the rank count.
Paired archives interleave R1 and R2 records in every sub-block; their text is
written interleaved to one output or split into R1 and R2 outputs. ``extract``,
``split`` and :func:`phyngsc.partition` are built on this.
"""

from __future__ import annotations

from typing import Any, BinaryIO

import numpy as np

from ..archive.decode import SubBlockText, decode_text
from ..archive.reader import Archive
from .collective import my_batches
from ..destinations import Destination
from .output import OutputGroup

#: {sub-block: [(first local record, end local record), ...]}, ranges in order.
Selection = dict[int, list[tuple[int, int]]]


def range_selection(arch: Archive, start: int, stop: int) -> Selection:
    """Records ``[start, stop)`` (archive record numbers) as a selection."""
    ix = arch.index
    first, n = ix.first_record, ix.n_records
    sel: Selection = {}
    for i in np.nonzero((first < stop) & (first + n > start))[0].tolist():
        sel[i] = [(max(start - int(first[i]), 0), min(stop - int(first[i]), int(n[i])))]
    return sel


class SelectionWriter(OutputGroup):
    """Ordered outputs (one, or R1 and R2 for split mates) fed from selections (collective)."""

    def __init__(self, comm: Any, dests: list[Destination], *, bgzf: bool = False,
                 stdout: BinaryIO | None = None) -> None:
        super().__init__(comm, dests, bgzf=bgzf, stdout=stdout)
        self.records = 0        # records (pairs count as two) this rank wrote

    def write(self, arch: Archive, selection: Selection) -> None:
        """Write this rank's share of ``selection`` (local; errors are the caller's to agree
        on). Mates go apart when there are two outputs."""
        subset = np.array(sorted(selection), np.int64)
        for chunk in my_batches(self.comm, arch, subset, bases=True):
            headers, text, starts = decode_text(arch, chunk)
            for j, h in enumerate(headers):
                i = int(chunk[j])
                sb = SubBlockText(arch, i, text[starts[j]:starts[j + 1]], h.n_records,
                                  h.raw_length1)
                for a, b in selection[i]:
                    if len(self.outs) == 2:
                        one, two = sb.mates(a, b)
                        self.put(0, one)
                        self.put(1, two)
                    else:
                        self.put(0, sb.records(a, b))
                    self.records += b - a
