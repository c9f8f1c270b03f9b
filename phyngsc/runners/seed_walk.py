"""The encoders' walk along a chained seed on a thread of its own (``compress`` of a
file with two or more threads a rank).

Every rank that compresses a file with a chained seed walks the chain
(:func:`phyngsc.seed.walk_chain`): it reads the seed windows and, one seed sub-block
after another on one table, codes each one's bases with DNA_SEEDED (or only learns them,
when another rank encodes that sub-block). Walked first, in line, that walk (3.8 s of a
19.7 s ``compress -t 2`` of the 1 GiB ART set at level 5, phyngsc 0.19.1) kept every
other thread waiting. Yet the seed sub-blocks' other streams and their bases' own
candidates do not need it: only their chained DNA streams do, and the seeded
sub-blocks' model. So :class:`BackgroundWalk` walks on a thread of its own while the
encoders code the seed sub-blocks, and hands them

- each chained stream as soon as it is coded (:class:`WalkStreams`: ``pop`` waits for
  it), which :func:`phyngsc.seed.chain_streams` puts in place as before;
- the seed model once the walk is through (:meth:`WalkingSeeding.model_for` waits for
  it when a batch holds a seeded sub-block).

The archive is byte for byte the one of the walk in line (tests compare them). The walk
runs pure kernels, which release the GIL, and reads the input through a descriptor of
its own (``pread``), safe beside the encoders' reads whatever those go through (MPI-IO
included). A failed walk raises its error where the encoders wait for it; a pass that
ends early stops the walk after the sub-block it is at (:meth:`BackgroundWalk.close`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, MutableMapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..codecs.registry import ROLE_SEEDED
from ..codecs.seed_workspace import empty_workspace
from ..core.jit import thread_count
from ..format.footer import SeedInfo
from ..seed import Seeding, walk_chain

Part = tuple[int, np.ndarray, np.ndarray]
_MISSING = object()


class WalkCancelled(Exception):
    """The walk was stopped by :meth:`BackgroundWalk.close` before its end."""


class WalkStreams(MutableMapping):
    """The chained streams by start offset, filled by the walk as it goes: ``pop`` waits
    until the stream asked for is there or the walk has ended (then it raises the walk's
    error, if it failed, else gives ``default``)."""

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._data: dict[int, tuple[bytes, int]] = {}
        self._ended = False
        self._error: BaseException | None = None

    def end(self, error: BaseException | None) -> None:
        """The walk is over (``error``: why it failed; None: it went through)."""
        with self._cv:
            self._ended, self._error = True, error
            self._cv.notify_all()

    def wait_end(self) -> None:
        """Wait for the end of the walk; raise its error if it failed."""
        with self._cv:
            self._cv.wait_for(lambda: self._ended)
            if self._error is not None:
                raise self._error

    def __setitem__(self, key: int, value: tuple[bytes, int]) -> None:
        with self._cv:
            self._data[key] = value
            self._cv.notify_all()

    def __getitem__(self, key: int) -> tuple[bytes, int]:
        with self._cv:
            return self._data[key]

    def __delitem__(self, key: int) -> None:
        with self._cv:
            del self._data[key]

    def __iter__(self) -> Iterator[int]:
        with self._cv:
            return iter(list(self._data))

    def __len__(self) -> int:
        with self._cv:
            return len(self._data)

    def __bool__(self) -> bool:
        """True while streams may still come or some are not taken."""
        with self._cv:
            return not self._ended or bool(self._data)

    def pop(self, key: int, default: Any = _MISSING) -> Any:
        with self._cv:
            self._cv.wait_for(lambda: key in self._data or self._ended)
            if key in self._data:
                return self._data.pop(key)
            if self._error is not None:
                raise self._error
        if default is _MISSING:
            raise KeyError(key)
        return default


@dataclass
class WalkingSeeding(Seeding):
    """A :class:`~phyngsc.seed.Seeding` whose chain is still being walked: the seed
    sub-blocks come before ``end`` = the seed's windows times the window (the same roles
    as the first record after them, which the walk finds only at its end: sub-blocks
    start at record starts), their streams from ``walk`` as it codes them; the model
    (and the footer entry with the walk's count) once the walk is through."""

    walk: Any = None

    def walking(self) -> bool:
        """Whether the walk is still under way (its thread busy)."""
        return self.walk is not None and self.walk.running()

    def model_for(self, roles: np.ndarray) -> np.ndarray:
        """No model for a batch of seed sub-blocks only (their candidates never code with
        it; the walk is still learning it); otherwise wait for the walk, then as
        :meth:`Seeding.model_for`."""
        if self.walk is not None:
            if not np.any(np.asarray(roles) == ROLE_SEEDED):
                return np.zeros(0, np.uint8)
            self.info = self.walk.wait()
            self.walk = None
        return super().model_for(roles)


class BackgroundWalk:
    """:func:`~phyngsc.seed.walk_chain` of ``parts`` (each seed sub-block, read as it
    goes) with ``plan`` and ``own`` on a thread of its own, started at once. ``reader``:
    the input ``parts`` reads through, closed when the walk ends."""

    def __init__(self, parts: Iterable[Part], plan: SeedInfo, own: tuple[int, int] | None,
                 reader: Any = None) -> None:
        self.plan = plan
        # the encoders' thread count sizes the workspace, as walk_chain in line does
        self.workspace = empty_workspace(4 << (2 * plan.k), thread_count())
        self.streams = WalkStreams()
        self.count = 0
        self._reader = reader
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(parts, own), daemon=True,
                                        name="phyngsc-seed-walk")
        self._thread.start()

    def seeding(self, window: int) -> WalkingSeeding:
        """The :class:`WalkingSeeding` the encoders take (``window``: bytes a window)."""
        return WalkingSeeding(self.plan.n_subblocks * window, self.workspace, self.streams,
                              self.plan, filled=1, row_size=4 << (2 * self.plan.k), walk=self)

    def running(self) -> bool:
        """Whether the walk has not ended yet."""
        return self._thread.is_alive()

    def wait(self) -> SeedInfo:
        """Wait for the end of the walk; the footer's seed entry (its sub-block count the
        walk's). Raises the walk's error if it failed."""
        self.streams.wait_end()
        self._thread.join()
        return replace(self.plan, n_subblocks=self.count)

    def close(self) -> None:
        """Stop the walk after the sub-block it is at (if it is not through) and wait
        for its thread; never raises the walk's error."""
        self._stop.set()
        self._thread.join()

    def _checked(self, parts: Iterable[Part]) -> Iterator[Part]:
        for part in parts:
            if self._stop.is_set():
                raise WalkCancelled()
            self.count += 1
            yield part

    def _run(self, parts: Iterable[Part], own: tuple[int, int] | None) -> None:
        error: BaseException | None = None
        try:
            walk_chain(self._checked(parts), self.plan, own, self.workspace, self.streams)
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits
            error = exc
        finally:
            if self._reader is not None:
                try:
                    self._reader.close()
                except OSError:
                    pass
            self.streams.end(error)


__all__ = ["BackgroundWalk", "WalkingSeeding", "WalkStreams", "WalkCancelled"]
