"""Removes a process's unfinished outputs once that process is gone, however it ended.

Run by :mod:`phyngsc.runners.tempfiles` as ``python -I -S _watchdog.py`` with a pipe
on standard input; it imports nothing from phyngsc. The parent writes one line per
event: ``+HEX`` when it starts writing the temporary file whose path is HEX
(UTF-8/surrogate bytes in hexadecimal), ``-HEX`` when that file was renamed into
place or removed. When the pipe closes (the parent exited normally, raised, was
killed by SIGTERM, SIGKILL, the out-of-memory killer or MPI_Abort), every path still
registered is removed, with ROMIO's ``.NAME.shfp.*`` files beside it.

It ignores SIGINT, SIGTERM and SIGHUP and runs in a process group of its own, so
that signals meant for the job (Ctrl-C, scancel, mpiexec tearing down ranks) leave
it alive long enough to clean up.
"""

import glob
import os
import signal
import sys


def _remove(path):
    d, base = os.path.split(path)
    for p in [path] + glob.glob(os.path.join(glob.escape(d), "." + glob.escape(base) + ".shfp.*")):
        try:
            os.unlink(p)
        except OSError:
            pass


def main():
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    try:
        os.setpgrp()
    except OSError:
        pass
    live = set()
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            break
        line = line.strip()
        if len(line) < 2:
            continue
        try:
            path = os.fsdecode(bytes.fromhex(line[1:].decode("ascii")))
        except ValueError:
            continue
        if line[:1] == b"+":
            live.add(path)
        elif line[:1] == b"-":
            live.discard(path)
    for path in live:
        _remove(path)


if __name__ == "__main__":
    main()
