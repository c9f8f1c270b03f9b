"""The C allocator's thresholds for mapping and trimming (glibc only), per command.

glibc serves an allocation of at least ``M_MMAP_THRESHOLD`` bytes with its own memory
map, returned to the system when freed and faulted in page by page when used; smaller
ones come from the heap, whose freed space is kept (the top of it is given back past
``M_TRIM_THRESHOLD``). By default the mapping threshold moves: each freed mapping
raises it to that mapping's size (up to 32 MiB). A library caller's process is left
alone; the command line sets them (docs/performance.md has the figures):

- ``compress`` at levels 5 and 9 (:func:`map_large_buffers`, 0.9): a compression frees
  8 MiB stream buffers (one set per sub-block, of numpy and of Numba kernels) all the
  time, so after the first ones every such buffer came from the heap, and the heap's
  fragments raised level 5's peak from 356 to 390-400 MiB per rank (1 GiB input, one
  thread). The threshold is fixed at 4 MiB instead (363 MiB).
- ``compress --level 1`` (:func:`keep_freed_buffers`, 0.21): level 1 codes so fast that
  the page faults of those fresh maps were a fifth of its time (1.23 M minor faults, 2.2
  s of system time of 7.4 s for a 1.12 GB file at one thread). Every buffer from the
  heap, the heap never trimmed: 46 K faults, 6.0-6.3 s, a peak of 334 MiB instead of 240
  (557 instead of 331 at two threads). Level 5 would go from 22.5 to 20.7 s but peak at
  430 MiB, over the 400 it keeps to.
- ``decompress`` (:func:`keep_freed_buffers` with ``map_from`` 16 MiB, 0.21): buffers
  under 16 MiB from the heap, never trimmed: 138 K -> 46 K faults and 18.3-18.4 ->
  17.0-17.3 s at level 5 (the same file, one thread; 386 -> 392 MiB), 4.0-4.8 -> 3.8 s at
  level 1, 34.0 -> 32.7 s at level 9, 11.4 -> 10.7 s at level 5 with two threads (726 ->
  763 MiB). A batch's text (16 MiB and more) keeps its own maps. (A fixed 4 MiB
  threshold had tripled the time and doubled the peak there: 26 -> 82 s, 373 -> 808 MiB;
  not pinned down.)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

#: glibc's ``mallopt`` parameter number of ``M_MMAP_THRESHOLD`` (malloc.h).
M_MMAP_THRESHOLD = -3
#: glibc's ``mallopt`` parameter number of ``M_TRIM_THRESHOLD`` (malloc.h).
M_TRIM_THRESHOLD = -1
#: Allocations of at least this many bytes get their own memory map.
MAP_FROM = 4 << 20
#: :func:`keep_freed_buffers`: the trimming threshold, and the mapping threshold by
#: default (glibc before 2.35 caps the mapping threshold at 32 MiB and refuses more:
#: then 32 MiB is used).
KEEP_UP_TO = 1 << 30
#: :func:`keep_freed_buffers`' mapping threshold for ``decompress``.
DECOMPRESS_MAP_FROM = 16 << 20


def _mallopt():
    """glibc's ``mallopt``, or None (another C library)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt


def _user_chose() -> bool:
    return "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ


def map_large_buffers(threshold: int = MAP_FROM) -> bool:
    """Fix glibc's mapping threshold at ``threshold`` bytes; False (nothing done) on
    another C library or when the user set ``MALLOC_MMAP_THRESHOLD_`` (or
    ``MALLOC_TRIM_THRESHOLD_``) themselves."""
    mallopt = None if _user_chose() else _mallopt()
    return mallopt is not None and bool(mallopt(M_MMAP_THRESHOLD, threshold))


def keep_freed_buffers(map_from: int = KEEP_UP_TO) -> bool:
    """Serve allocations below ``map_from`` bytes from the heap and never give the heap's
    freed space back (up to :data:`KEEP_UP_TO` bytes of it), so that a buffer freed and
    allocated again costs no page faults; False (nothing done) as for
    :func:`map_large_buffers`."""
    mallopt = None if _user_chose() else _mallopt()
    if mallopt is None:
        return False
    if not mallopt(M_MMAP_THRESHOLD, map_from):
        mallopt(M_MMAP_THRESHOLD, min(map_from, 32 << 20))
    return bool(mallopt(M_TRIM_THRESHOLD, KEEP_UP_TO))


__all__ = ["map_large_buffers", "keep_freed_buffers", "MAP_FROM", "KEEP_UP_TO",
           "DECOMPRESS_MAP_FROM",
           "M_MMAP_THRESHOLD", "M_TRIM_THRESHOLD"]
