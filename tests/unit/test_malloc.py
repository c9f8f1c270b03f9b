"""The command line's fixed glibc mapping threshold (phyngsc.core.malloc)."""

import platform

import pytest

from phyngsc.core.malloc import map_large_buffers


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="glibc only")
def test_the_threshold_is_set_on_glibc(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert map_large_buffers() is True


def test_a_threshold_the_user_chose_is_left_alone(monkeypatch):
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert map_large_buffers() is False


KEPT_OR_MAPPED = """
import ctypes, sys
import numpy as np
from phyngsc.core import malloc


class Info(ctypes.Structure):        # glibc's struct mallinfo2 (2.33 and later)
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
        "uordblks", "fordblks", "keepcost")]


libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = Info
args = [int(v) for v in sys.argv[3:]]
done = getattr(malloc, sys.argv[1])(*args) if sys.argv[1] != "none" else None
a = np.ones(int(sys.argv[2]) << 20, np.uint8)
mapped = libc.mallinfo2().hblkhd
del a
print(done, mapped >> 20, libc.mallinfo2().arena >> 20)
"""


def kept_or_mapped(how: str, mib: int = 24, *args: int) -> tuple[str, int, int]:
    """In a fresh process with ``how(*args)`` called first: what it returned, the MiB of
    memory maps while a ``mib`` MiB buffer is alive, and the MiB of heap left once it is
    freed."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run([sys.executable, "-c", KEPT_OR_MAPPED, how, str(mib),
                          *map(str, args)], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0], int(out[1]), int(out[2])


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc"
                    or tuple(map(int, platform.libc_ver()[1].split(".")[:2])) < (2, 33),
                    reason="glibc 2.33 or later (mallinfo2)")
def test_kept_buffers_come_from_the_heap_and_stay_there():
    done, mapped, heap = kept_or_mapped("keep_freed_buffers")
    assert done == "True" and mapped < 24 and heap >= 24
    for how in ("none", "map_large_buffers"):    # its own map, unmapped when freed
        _done, mapped, heap = kept_or_mapped(how)
        assert mapped >= 24 and heap < 24


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc"
                    or tuple(map(int, platform.libc_ver()[1].split(".")[:2])) < (2, 33),
                    reason="glibc 2.33 or later (mallinfo2)")
def test_decompress_keeps_buffers_under_its_threshold_only():
    from phyngsc.core.malloc import DECOMPRESS_MAP_FROM
    assert DECOMPRESS_MAP_FROM == 16 << 20
    done, mapped, heap = kept_or_mapped("keep_freed_buffers", 12, DECOMPRESS_MAP_FROM)
    assert done == "True" and mapped < 12 and heap >= 12
    done, mapped, heap = kept_or_mapped("keep_freed_buffers", 24, DECOMPRESS_MAP_FROM)
    assert done == "True" and mapped >= 24 and heap < 24


def test_kept_buffers_leave_a_users_choice_alone(monkeypatch):
    from phyngsc.core.malloc import keep_freed_buffers
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    assert keep_freed_buffers() is False
