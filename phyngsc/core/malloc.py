"""The C allocator's threshold for mapping large buffers (glibc only).

glibc serves an allocation of at least ``M_MMAP_THRESHOLD`` bytes with its own memory
map, returned to the system when freed; smaller ones come from the heap, whose freed
space is kept. By default the threshold moves: each freed mapping raises it to that
mapping's size (up to 32 MiB). A compression frees 8 MiB stream buffers (one set per
sub-block, of numpy and of Numba kernels) all the time, so after the first ones every such
buffer came from the heap, and the heap's fragments raised level 5's peak from 356 to
390-400 MiB per rank (1 GiB input, one thread; docs/performance.md). The command-line
tool's ``compress`` fixes the threshold at 4 MiB instead (363 MiB). Not ``decompress``:
there the fixed threshold tripled the time and doubled the peak (26 -> 82 s, 373 -> 808
MiB, 1 GiB at level 5; the cause is not pinned down). A library caller's process is left
alone.
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
#: :func:`keep_freed_buffers`: the mapping and trimming threshold (glibc before 2.35
#: caps the mapping threshold at 32 MiB and refuses more: then 32 MiB is used).
KEEP_UP_TO = 1 << 30


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


def keep_freed_buffers(up_to: int = KEEP_UP_TO) -> bool:
    """Serve allocations below ``up_to`` bytes from the heap and never give its freed
    space back, so that a buffer freed and allocated again costs no page faults; False
    (nothing done) as for :func:`map_large_buffers`."""
    mallopt = None if _user_chose() else _mallopt()
    if mallopt is None:
        return False
    if not mallopt(M_MMAP_THRESHOLD, up_to):
        up_to = 32 << 20
        mallopt(M_MMAP_THRESHOLD, up_to)
    return bool(mallopt(M_TRIM_THRESHOLD, up_to))


__all__ = ["map_large_buffers", "keep_freed_buffers", "MAP_FROM", "KEEP_UP_TO",
           "M_MMAP_THRESHOLD", "M_TRIM_THRESHOLD"]
