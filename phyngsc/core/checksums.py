"""CRC-32 (the zlib / gzip polynomial) of archive data, as fast as this machine allows.

:func:`crc32` is ISA-L's (the ``isal`` package, installed with phyngsc on x86-64 and
ARM64: carry-less multiplication, 0.034 ns a byte here) where it imports, else
``zlib.crc32`` (0.18-0.33 ns a byte: 0.55 s of a 1 GiB level-1 ``compress``, which
checks its 1.12 GB of text, the sub-blocks and the blocks); both give the same values.

:func:`crc32_each` checks many texts at once. ``zlib.crc32`` releases the GIL for large
buffers, so with it texts checked one per thread add up to their longest share instead
of their sum (in one thread, the CRC-32 of every sub-block's text took 0.6 s of a 1 GiB
level-5 ``decompress`` and 0.55 s of its ``compress`` while the other threads waited);
ISA-L's is so fast that one thread does them all.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .jit import thread_count

try:
    from isal.isal_zlib import crc32 as _isal_crc32
except ImportError:      # pragma: no cover - isal is installed where it has wheels
    _isal_crc32 = None

#: Which implementation :func:`crc32` is: ``"isal"`` or ``"zlib"``.
CRC32_IMPLEMENTATION = "zlib" if _isal_crc32 is None else "isal"


def crc32(data: Any, value: int = 0) -> int:
    """CRC-32 of ``data`` (any buffer), continuing from ``value`` (a previous CRC-32),
    exactly as ``zlib.crc32(data, value)``."""
    if _isal_crc32 is None:
        return zlib.crc32(data, value)
    return _isal_crc32(data, value)


def crc32_each(texts: Sequence) -> list[int]:
    """``[crc32(t) for t in texts]`` (any buffers); with zlib's CRC-32, computed on
    ``min(thread_count(), len(texts))`` threads; the same values in the same order."""
    threads = min(thread_count(), len(texts))
    if threads < 2 or _isal_crc32 is not None:
        return [crc32(t) for t in texts]
    with ThreadPoolExecutor(threads, thread_name_prefix="phyngsc-crc") as pool:
        return list(pool.map(zlib.crc32, texts))


__all__ = ["crc32", "crc32_each", "CRC32_IMPLEMENTATION"]
