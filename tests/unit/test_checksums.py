"""core.checksums: the fast CRC-32 gives zlib's values, alone, continued and many at once."""

import platform
import zlib

import numpy as np
import pytest

from phyngsc.core import checksums
from phyngsc.core.checksums import crc32, crc32_each


@pytest.mark.parametrize("n", [0, 1, 7, 15, 16, 17, 63, 64, 65, 4095, 1 << 16, (1 << 20) + 3])
def test_the_same_values_as_zlib(n):
    data = np.random.default_rng(n).integers(0, 256, n, dtype=np.uint8)
    assert crc32(data) == zlib.crc32(data)
    assert crc32(data[3:], 12345) == zlib.crc32(data[3:], 12345)
    half = n // 2
    assert crc32(data[half:], crc32(data[:half])) == zlib.crc32(data)
    assert crc32(data.tobytes()) == crc32(memoryview(data)) == crc32(bytearray(data))


def test_many_at_once_on_threads_or_not(monkeypatch):
    rng = np.random.default_rng(1)
    texts = [rng.integers(0, 256, int(k), dtype=np.uint8) for k in rng.integers(0, 70_000, 9)]
    want = [zlib.crc32(t) for t in texts]
    assert crc32_each(texts) == want
    monkeypatch.setattr(checksums, "_isal_crc32", None)    # zlib's, one text a thread
    monkeypatch.setattr(checksums, "thread_count", lambda: 3)
    assert crc32(texts[0]) == want[0] and crc32_each(texts) == want


@pytest.mark.skipif(platform.machine() not in ("x86_64", "aarch64"),
                    reason="isal is a dependency on x86-64 and ARM64 only")
def test_isal_is_used_where_it_is_a_dependency():
    assert checksums.CRC32_IMPLEMENTATION == "isal"
