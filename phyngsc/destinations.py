"""Where outputs go, checked before any work is done (pure: no MPI).

Every command that writes calls :func:`plan_outputs` with its inputs and outputs
before it reads or decodes anything. It refuses, as one-line usage errors:

- an output that is the same file as an input or as another output (compared by
  device and inode for files that exist, by the resolved directory and name for
  files that do not, so hard links, symbolic links and other spellings are caught);
- an output that is an existing directory, or whose directory does not exist.

It sorts outputs into two kinds:

- ``"file"``: a regular file (or a name not yet taken). Written under a hidden
  temporary name beside it (:func:`temp_name`) and renamed into place only when the
  whole output is written and checked; a symbolic link is followed, so the link stays
  and its target is replaced.
- ``"stream"``: standard output (``-``), a character device, a FIFO, a socket or
  ``/dev/fd/N``. Opened and written in place, in file order, by one process;
  never renamed over.

Temporary names carry the host and process id (``.NAME.phyngsc-HOST-PID-RANDOM.tmp``)
so that :func:`stale_temps` can find the leftovers of a process that was killed
before anything could remove them; the next run with the same output removes them.
"""

from __future__ import annotations

import ctypes
import errno as _errno
import os
import re
import socket
import stat
import time
import uuid
from dataclasses import dataclass

from .errors import UsageError

#: A leftover from another host is removed once it has not changed for this long (s).
FOREIGN_STALE_AFTER = 15 * 60


@dataclass(frozen=True)
class Destination:
    """One output of a command.

    Attributes:
        name: the output as the user spelled it (used in every message).
        path: where the finished output goes (a symbolic link resolved); ``"-"`` for
            standard output.
        kind: ``"file"`` (written under a temporary name, then renamed) or
            ``"stream"`` (written in place, in order, by one process).
    """

    name: str
    path: str
    kind: str

    @property
    def is_file(self) -> bool:
        return self.kind == "file"


def _identity(path: str) -> tuple:
    """What makes two spellings the same file: (dev, ino) if it exists, else the
    resolved directory's (dev, ino) and the name."""
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        d, base = os.path.split(os.path.abspath(path))
        try:
            st = os.stat(d)
            return ("name", st.st_dev, st.st_ino, base)
        except OSError:
            return ("path", os.path.realpath(path))


def describe(path: str) -> Destination:
    """The :class:`Destination` of one output (no checks against other files)."""
    if path == "-":
        return Destination("-", "-", "stream")
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"{path}: cannot use as output: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{path}: is a directory (give a file name)")
    if st is not None and not stat.S_ISREG(st.st_mode):
        return Destination(path, path, "stream")
    final = os.path.realpath(path) if os.path.islink(path) else path
    d = os.path.dirname(os.path.abspath(final))
    if not os.path.isdir(d):
        raise UsageError(f"{path}: output directory {d} does not exist")
    return Destination(path, final, "file")


def plan_outputs(inputs: list[str], outputs: list[str]) -> list[Destination]:
    """Check ``outputs`` against ``inputs`` and each other; return their destinations.

    Raises :class:`UsageError` (exit 2) before any work for an output that is an
    input, appears twice, is a directory or lies in a missing directory. Standard
    output may be named once.
    """
    dests = [describe(o) for o in outputs]
    seen: dict[tuple, str] = {}
    for i in inputs:
        if i != "-":
            seen[_identity(i)] = i
    for d in dests:
        key = ("stdout",) if d.name == "-" else _identity(d.name)
        if key in seen:
            other = seen[key]
            if other in inputs:
                raise UsageError(f"{d.name}: output is the same file as the input {other}")
            raise UsageError(f"{d.name}: named for two outputs (also as {other})")
        seen[key] = d.name
    return dests


def temp_name(final: str) -> str:
    """A hidden temporary name beside ``final`` (same file system, so the rename is
    atomic), naming this host and process so that leftovers can be attributed."""
    d, base = os.path.split(os.path.abspath(final))
    host = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:40] or "host"
    return os.path.join(d, f".{base}.phyngsc-{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}.tmp")


_TEMP = re.compile(r"\.phyngsc-(?P<host>[A-Za-z0-9._]+)-(?P<pid>\d+)-[0-9a-f]{8}\.tmp"
                   r"(?P<extra>\.shfp\.\d+)?$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_temps(final: str, now: float | None = None) -> list[str]:
    """Leftover temporary files of ``final`` that no running process owns: from this
    host with a dead process id, or from another host and unchanged for
    :data:`FOREIGN_STALE_AFTER` seconds. ROMIO's shared-pointer files included."""
    d, base = os.path.split(os.path.abspath(final))
    prefix = f".{base}"
    here = re.sub(r"[^A-Za-z0-9.]", "_", socket.gethostname())[:40] or "host"
    now = time.time() if now is None else now
    out = []
    try:
        names = os.listdir(d)
    except OSError:
        return []
    for name in names:
        if not name.startswith(prefix):
            continue
        m = _TEMP.match(name[len(prefix):])
        if m is None:
            continue
        path = os.path.join(d, name)
        if m["host"] == here:
            if int(m["pid"]) != os.getpid() and not _alive(int(m["pid"])):
                out.append(path)
        else:
            try:
                if now - os.stat(path).st_mtime >= FOREIGN_STALE_AFTER:
                    out.append(path)
            except OSError:
                pass
    return sorted(out)


_libc = None


def preallocate(fd: int, size: int) -> int | None:
    """Reserve ``size`` bytes of disk for the open file ``fd`` (Linux ``fallocate``).

    Returns ``None`` when the space is reserved, ``errno.EOPNOTSUPP`` when the file
    system cannot reserve space (then writes are checked one by one instead), or the
    error number of a real failure (``ENOSPC``, ``EDQUOT``...). Never emulates by
    writing zeros, which would cost a write per block on a parallel file system.
    ``PHYNGSC_PREALLOCATE=0`` turns it off (a file system where it is slow; tests).
    """
    global _libc
    if size <= 0:
        return None
    if os.environ.get("PHYNGSC_PREALLOCATE", "1") == "0":   # off: every write is checked
        return _errno.EOPNOTSUPP
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        fn = _libc.fallocate
    except (OSError, AttributeError):
        return _errno.EOPNOTSUPP
    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fn.restype = ctypes.c_int
    if fn(fd, 0, 0, size) == 0:
        return None
    code = ctypes.get_errno()
    if code in (_errno.EOPNOTSUPP, _errno.ENOSYS, _errno.EINVAL, _errno.ENODEV,
                _errno.ESPIPE):
        return _errno.EOPNOTSUPP
    return code
