"""Cut a batch of FASTQ text at window starts by structure, without validating records.

:func:`phyngsc.fastq.scan.scan_span` walks every record of a batch to find the first
record of each input window: 0.55 ns a byte, half a second of a 1 GiB compression, and
a second walk of text that the encoder's split (:func:`phyngsc.fastq.streams.
split_records`) walks and validates anyway. :func:`cut_span` finds the same starts
by structure instead (:func:`~phyngsc.fastq.scan.find_record_start` from each window
start: an ``@`` at a line start from which ``confirm`` records scan cleanly), looking
at a few records a window.

Why that is exact once the encoder has accepted the sub-blocks it cuts: the batch
starts at a record start ``pos`` (proven). A sub-block ``[s, e)`` that the split
accepts is a run of whole valid records from ``s`` ending exactly at ``e``, so if the
record walk from ``pos`` passes through ``s``, it passes through ``e``; by induction it
passes through every cut. A cut ``c`` found from window start ``x`` is then the first
record of the walk at or after ``x``: a walk record ``t`` in ``[x, c)`` would have been
found first, since ``t`` starts with ``@`` at a line start and the ``confirm``
records from it are records of the walk, valid (they lie in accepted text, or within
``c``'s own confirmation). So when every sub-block of a batch splits cleanly, the cuts
are those :func:`scan_span` gives; when one does not (bad input, or a structural start
fooled by pathological multi-line records), the caller cuts the batch again with
:func:`scan_span`, which names the first error exactly or corrects the cut.
"""

from __future__ import annotations

import numpy as np

from ..core.jit import kernel
from .scan import NEED_MORE, OK, find_record_start


@kernel
def cut_span(buf: np.ndarray, base: int, end: int, at_eof: bool, stop: int, window: int,
             confirm: int, bounds: np.ndarray) -> tuple:
    """The record starts :func:`~phyngsc.fastq.scan.scan_span` finds in valid FASTQ,
    found by structure: ``buf[0]`` (file offset ``base``) is a record start; the first
    record of every window that one starts in before buffer offset ``stop`` goes into
    ``bounds`` (one slot per window in ``[base, base + stop)``).

    Returns ``(status, n_bounds, next_pos)``: OK with ``next_pos`` the buffer offset of
    the first record starting at or after ``stop`` (``end`` at the end of the data, 0
    when ``stop`` <= 0), or NEED_MORE when ``buf[:end]`` does not reach far enough to
    confirm a start. Records are not validated: see the module docstring for what makes
    the result exact."""
    if stop <= 0:
        return OK, 0, 0
    if end <= 0:
        return (OK if at_eof else NEED_MORE), 0, 0
    bounds[0] = 0
    nb = 1
    x = ((base // window) + 1) * window - base
    while x < stop:
        st, c = find_record_start(buf, x, end, at_eof, confirm)
        if st != OK:
            return NEED_MORE, nb, 0
        if c >= stop or c >= end:      # past the batch, or no record left (at EOF)
            return OK, nb, c
        if nb < bounds.size:
            bounds[nb] = c
        nb += 1
        x = (((base + c) // window) + 1) * window - base
    st, c = find_record_start(buf, stop, end, at_eof, confirm)
    if st != OK:
        return NEED_MORE, nb, 0
    return OK, nb, c


__all__ = ["cut_span"]
