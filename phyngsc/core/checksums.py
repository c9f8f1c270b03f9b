"""CRC-32 of many texts at once, on as many threads as the kernels use.

``zlib.crc32`` releases the GIL for large buffers, so texts checked one per thread add up
to their longest share instead of their sum: in one thread, the CRC-32 of every
sub-block's text took 0.6 s of a 1 GiB level-5 ``decompress`` and 0.55 s of its
``compress`` while the other threads waited.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from .jit import thread_count


def crc32_each(texts: Sequence) -> list[int]:
    """``[zlib.crc32(t) for t in texts]`` (any buffers), computed on
    ``min(thread_count(), len(texts))`` threads; the same values in the same order."""
    threads = min(thread_count(), len(texts))
    if threads < 2:
        return [zlib.crc32(t) for t in texts]
    with ThreadPoolExecutor(threads, thread_name_prefix="phyngsc-crc") as pool:
        return list(pool.map(zlib.crc32, texts))


__all__ = ["crc32_each"]
