"""The one-process output file: non-blocking writes in a writer thread once the space is
reserved, their errors raised by ``wait_all``, and nothing pending after ``close``."""

from __future__ import annotations

import errno
import os
import threading
import time

import numpy as np
import pytest

from phyngsc.errors import OutputError
from phyngsc.runners import mpiio
from phyngsc.runners.mpiio import PlainWriteFile


def reserved_file(path, size: int) -> PlainWriteFile:
    f = PlainWriteFile(str(path), name="out.fq")
    f.set_size(size)
    f.reserve(size)
    if not f.reserved:
        f.close()
        pytest.skip("this file system cannot reserve space (no non-blocking writes)")
    return f


def test_unreserved_writes_at_once(tmp_path):
    f = PlainWriteFile(str(tmp_path / "o"))
    assert f.iwrite_at(3, np.frombuffer(b"xyz", np.uint8)) is None
    assert f.read_at(3, 3) == b"xyz"            # written before the call returned
    f.wait_all([None])
    f.close()


def test_reserved_writes_land_in_place_after_wait_all(tmp_path):
    parts = [np.full(1 << 20, i, np.uint8) for i in range(5)]
    f = reserved_file(tmp_path / "o", 5 << 20)
    reqs = [f.iwrite_at(i << 20, p) for i, p in reversed(list(enumerate(parts)))]
    assert all(r is not None for r in reqs)
    f.wait_all(reqs)
    f.close()
    assert (tmp_path / "o").read_bytes() == b"".join(p.tobytes() for p in parts)


def test_write_runs_in_another_thread(tmp_path, monkeypatch):
    seen = []
    real = os.pwrite

    def spy(fd, data, offset):
        seen.append(threading.current_thread() is threading.main_thread())
        return real(fd, data, offset)

    monkeypatch.setattr(mpiio.os, "pwrite", spy)
    f = reserved_file(tmp_path / "o", 4)
    f.wait_all([f.iwrite_at(0, np.frombuffer(b"ACGT", np.uint8))])
    f.close()
    assert seen == [False]


def test_failed_background_write_is_raised_by_wait_all(tmp_path, monkeypatch):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    f = reserved_file(tmp_path / "o", 8)
    ok = f.iwrite_at(0, np.frombuffer(b"ACGT", np.uint8))
    f.wait_all([ok])
    monkeypatch.setattr(mpiio.os, "pwrite", full)
    bad = f.iwrite_at(4, np.frombuffer(b"ACGT", np.uint8))
    with pytest.raises(OutputError) as info:
        f.wait_all([None, bad])
    assert str(info.value) == f"out.fq: cannot write: {os.strerror(errno.ENOSPC)}"
    f.close()


def test_close_waits_for_writes_not_waited(tmp_path, monkeypatch):
    real = os.pwrite

    def slow(fd, data, offset):
        time.sleep(0.2)
        return real(fd, data, offset)

    monkeypatch.setattr(mpiio.os, "pwrite", slow)
    f = reserved_file(tmp_path / "o", 4)
    f.iwrite_at(0, np.frombuffer(b"TTAG", np.uint8))
    f.close()
    assert (tmp_path / "o").read_bytes() == b"TTAG"
