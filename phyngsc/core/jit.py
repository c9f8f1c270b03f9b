"""One place that decides how kernels are compiled — and when.

A kernel is a plain Python function over numpy arrays and integers, wrapped in
:class:`Kernel`. Numba is imported and the kernel compiled (``cache=True``, so
only the first run of a machine pays compile time) on the first call, not at
import: modules full of kernels import in milliseconds, and commands that never
call one (``count``, ``info``, header-only ``stats``) never load Numba.

Inside :func:`interpreted` the same kernels run as plain Python, without
importing Numba at all. That is slow per operation (microseconds instead of
nanoseconds) but starts instantly, which pays for tiny jobs such as ``grep
--first`` looking at the first reads of an archive. Kernels are written so that
both ways give the same result (integers are cast with ``int()`` where numpy
scalar types would otherwise narrow them); tests check it codec by codec.

``phyngsc/__init__.py`` points ``NUMBA_CACHE_DIR`` (unless the user set it) to a
directory under ``$XDG_CACHE_HOME`` (or ``~/.cache``) named after a digest of
phyngsc's sources, so any change of any module starts a fresh cache.

Parallel kernels write ``for i in prange(n)`` with :data:`prange` from here: plain
``range`` when interpreted, replaced by Numba's ``prange`` in the kernel's module just
before it compiles, so importing a module of kernels never imports Numba.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

_OPTIONS = dict(cache=True, nogil=True, boundscheck=False)

#: The loop of parallel kernels (see the module docstring).
prange = range
_state = threading.local()
_registered = False
_pending_threads: int | None = None

#: Called once per process, with no argument, just before the first kernel that has no
#: cached machine code compiles (a first run on this machine or after an upgrade); the
#: command-line tool sets it to print a one-line note on rank 0.
on_cold_compile: Callable[[], None] | None = None
_cold_noted = False


def _note_if_cold(dispatcher: Any) -> None:
    global _cold_noted
    if _cold_noted or on_cold_compile is None:
        return
    try:
        import os
        cold = not os.path.exists(dispatcher._cache._cache_file._index_path)
    except Exception:  # noqa: BLE001 - Numba internals moved: say nothing
        return
    if cold:
        _cold_noted = True
        on_cold_compile()


def set_threads(n: int) -> None:
    """Use ``n`` Numba threads (capped at ``NUMBA_NUM_THREADS``) for parallel kernels
    launched from this thread; applied when Numba is loaded if it is not yet."""
    global _pending_threads
    import sys
    if "numba" not in sys.modules:
        _pending_threads = n
        return
    import numba
    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))


def _register_with_numba() -> None:
    """Teach Numba that a :class:`Kernel` global is its compiled dispatcher, so kernels
    calling kernels compile to direct calls."""
    global _registered
    if _registered:
        return
    from numba.core import types
    from numba.extending import typeof_impl

    @typeof_impl.register(Kernel)
    def _typeof_kernel(val: Kernel, c: Any) -> Any:
        return types.Dispatcher(val.dispatcher())

    _registered = True


class Kernel:
    """A Numba kernel compiled on first call; ``py_func`` is the plain function."""

    def __init__(self, fn: Callable, parallel: bool = False) -> None:
        self.py_func = fn
        self.parallel = parallel
        self._dispatcher: Any = None
        self._lock = threading.Lock()
        self.__name__ = fn.__name__
        self.__qualname__ = fn.__qualname__
        self.__module__ = fn.__module__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn

    def dispatcher(self) -> Any:
        """The Numba dispatcher (imports Numba the first time)."""
        if self._dispatcher is None:
            with self._lock:
                if self._dispatcher is None:
                    import numba
                    _register_with_numba()
                    if _pending_threads is not None:
                        set_threads(_pending_threads)
                    if self.parallel and self.py_func.__globals__.get("prange") is range:
                        self.py_func.__globals__["prange"] = numba.prange
                    dispatcher = numba.njit(parallel=self.parallel, **_OPTIONS)(self.py_func)
                    _note_if_cold(dispatcher)
                    self._dispatcher = dispatcher
        return self._dispatcher

    def __call__(self, *args: Any) -> Any:
        if getattr(_state, "interpreted", False):
            return self.py_func(*args)
        return self.dispatcher()(*args)

    def __repr__(self) -> str:
        return f"<phyngsc kernel {self.__module__}.{self.__qualname__}>"


def kernel(fn: Callable) -> Kernel:
    """Decorator for sequential kernels."""
    return Kernel(fn)


def parallel_kernel(fn: Callable) -> Kernel:
    """Decorator for kernels with a ``prange`` loop (interpreted, ``prange`` is ``range``)."""
    return Kernel(fn, parallel=True)


@contextmanager
def interpreted() -> Iterator[None]:
    """Run kernels called in this thread as plain Python (no Numba import, no compile)."""
    before = getattr(_state, "interpreted", False)
    _state.interpreted = True
    try:
        yield
    finally:
        _state.interpreted = before

