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

Under ``mpiexec`` on a cold cache the ranks sharing a cache do not all compile the same
kernels at once: a kernel's first call compiles it for its argument types under a file
lock in the cache directory (:func:`_compile_lock`); the first rank compiles and writes
the cache, the others wait and then load it.

Parallel kernels write ``for i in prange(n)`` with :data:`prange` from here: plain
``range`` when interpreted, replaced by Numba's ``prange`` in the kernel's module just
before it compiles, so importing a module of kernels never imports Numba.
"""

from __future__ import annotations

import os
import threading
import types
from contextlib import contextmanager
from typing import Any, Callable, Iterator

_OPTIONS = dict(cache=True, nogil=True, boundscheck=False, error_model="numpy")

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


def _is_cold(dispatcher: Any) -> bool | None:
    """Whether the dispatcher has no cached machine code yet (None: cannot tell)."""
    try:
        import os
        return not os.path.exists(dispatcher._cache._cache_file._index_path)
    except Exception:  # noqa: BLE001 - Numba internals moved
        return None


@contextmanager
def _compile_lock() -> Iterator[None]:
    """An exclusive lock on a file in the kernel cache: processes sharing the cache (the
    ranks of a node, or of a cluster on a shared file system) compile a cold kernel one
    at a time, so the first compiles and the others load its cached code."""
    import os
    path = os.path.join(os.environ.get("NUMBA_CACHE_DIR") or ".", ".phyngsc-compile.lock")
    try:
        import fcntl
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except (ImportError, OSError):   # no lock where none can be taken: compile anyway
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        yield
    finally:
        os.close(fd)


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


def thread_count() -> int:
    """The Numba threads parallel kernels launched from this thread will use, without
    loading Numba: its count once loaded, else the pending :func:`set_threads` value,
    else Numba's default (``NUMBA_NUM_THREADS`` or the CPU count)."""
    import sys
    if "numba" in sys.modules:
        import numba
        return int(numba.get_num_threads())
    if _pending_threads is not None:
        return max(1, _pending_threads)
    return max(1, int(os.environ.get("NUMBA_NUM_THREADS", os.cpu_count() or 1)))


#: Whether Numba's start-up skips its probe of SciPy's BLAS (``numba.np.arraymath``
#: imports ``scipy.linalg`` to learn whether ``np.dot`` and friends may compile: 0.12-0.17
#: s, a sixth of an ``extract``). No kernel here does linear algebra; the command-line
#: tool, whose process is its own, sets this (``cli.main``); a program using the Python
#: API keeps Numba's behaviour.
skip_blas_probe = False


def _without_blas_probe() -> None:
    """Import ``numba.np.arraymath`` with ``scipy.linalg`` hidden, so that its BLAS probe
    fails at once (Numba then compiles no ``np.dot``: nothing here uses it); the module
    table is left as it was, so a later ``import scipy.linalg`` works."""
    import sys
    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None   # type: ignore[assignment]
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get("scipy.linalg", 0) is None:
            del sys.modules["scipy.linalg"]


def _register_with_numba() -> None:
    """Teach Numba that a :class:`Kernel` global is its compiled dispatcher, so kernels
    calling kernels compile to direct calls."""
    global _registered
    if _registered:
        return
    if skip_blas_probe:
        _without_blas_probe()
    from numba.core import types
    from numba.extending import typeof_impl

    @typeof_impl.register(Kernel)
    def _typeof_kernel(val: Kernel, c: Any) -> Any:
        return types.Dispatcher(val.dispatcher())

    # start Numba's threading layer now: compiled code that asks for its thread id
    # (codecs/seed_workspace.py) calls into it, also when loaded from the cache, where
    # nothing else would start it before a parallel kernel runs
    import numba
    numba.get_num_threads()
    _registered = True


class Kernel:
    """A Numba kernel compiled on first call; ``py_func`` is the plain function."""

    def __init__(self, fn: Callable, parallel: bool = False, inline: bool = False) -> None:
        self.py_func = fn
        self.parallel = parallel
        self.inline = inline
        self._dispatcher: Any = None
        self._lock = threading.Lock()
        self._ready = False
        self.__name__ = fn.__name__
        self.__qualname__ = fn.__qualname__
        self.__module__ = fn.__module__
        self.__doc__ = fn.__doc__
        self.__wrapped__ = fn
        #: parameters, and the defaults of the last ones: a call that leaves them out gets
        #: them passed explicitly, so that it runs (and first compiles, under the lock)
        #: the same specialisation as a call that gives them
        self._argc = fn.__code__.co_argcount
        self._defaults = fn.__defaults__ or ()

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
                    extra = {"inline": "always"} if self.inline else {}
                    self._dispatcher = numba.njit(parallel=self.parallel, **extra,
                                                  **_OPTIONS)(self._compiled_view())
        return self._dispatcher

    def _compiled_view(self) -> Callable:
        """``py_func`` as Numba should see it: the inline kernels it calls replaced by
        their Numba dispatchers, which Numba's inliner recognises (it inlines only
        dispatchers, not :class:`Kernel` objects). ``py_func`` itself, which
        :func:`interpreted` runs, keeps calling the kernels."""
        fn = self.py_func
        found = {name: fn.__globals__.get(name) for name in fn.__code__.co_names}
        inline = {name: k.dispatcher() for name, k in found.items()
                  if isinstance(k, Kernel) and k.inline and k is not self}
        inline.update({name: k.native() for name, k in found.items() if isinstance(k, Native)})
        if not inline:
            return fn
        view = types.FunctionType(fn.__code__, {**fn.__globals__, **inline}, fn.__name__,
                                  fn.__defaults__, fn.__closure__)
        view.__qualname__ = fn.__qualname__
        view.__module__ = fn.__module__
        view.__doc__ = fn.__doc__
        return view

    def __call__(self, *args: Any) -> Any:
        if getattr(_state, "interpreted", False):
            return self.py_func(*args)
        d = self.dispatcher()
        if len(args) < self._argc and self._argc - len(args) <= len(self._defaults):
            args = args + self._defaults[len(args) - self._argc:]
        if not self._ready:
            self._first_compile(d, args)
        return d(*args)

    def _first_compile(self, d: Any, args: tuple) -> None:
        """On a cold cache, compile for these argument types under the node-wide lock
        (without running the kernel), so that ranks compile one at a time and all but the
        first load the cached code; on a warm cache there is nothing to do."""
        global _cold_noted
        self._ready = True
        if not _is_cold(d):
            return
        if not _cold_noted and on_cold_compile is not None:
            _cold_noted = True
            on_cold_compile()
        import numba
        try:
            sig = tuple(numba.typeof(a) for a in args)
        except Exception:  # noqa: BLE001 - an argument Numba types only at call time
            return
        with _compile_lock():
            d.compile(sig)

    def __repr__(self) -> str:
        return f"<phyngsc kernel {self.__module__}.{self.__qualname__}>"


class Native:
    """A helper that compiled kernels call as Numba native code and interpreted kernels
    as plain Python: ``py_func`` runs interpreted; ``factory()`` (called on a kernel's
    first compile, so Numba is imported only then) returns what compiled kernels call
    in its place, e.g. a Numba intrinsic around a C library function. Kernels reach it
    through a module global, as they reach other kernels."""

    def __init__(self, py_func: Callable, factory: Callable[[], Any]) -> None:
        self.py_func = py_func
        self._factory = factory
        self._native: Any = None
        self.__name__ = py_func.__name__
        self.__doc__ = py_func.__doc__

    def native(self) -> Any:
        if self._native is None:
            self._native = self._factory()
        return self._native

    def __call__(self, *args: Any) -> Any:
        return self.py_func(*args)


def kernel(fn: Callable | None = None, *, inline: bool = False) -> Any:
    """Decorator for sequential kernels: ``@kernel``, or ``@kernel(inline=True)`` for a
    small helper that Numba inlines into its callers (coder steps whose state lives in
    the caller's local variables)."""
    if fn is None:
        return lambda f: Kernel(f, inline=inline)
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



@parallel_kernel
def _touch(n):
    total = 0
    for i in prange(n):
        total += i
    return total


def concurrent_launches_safe() -> bool:
    """Whether two Python threads may launch parallel kernels at the same time: Numba's
    ``omp`` and ``tbb`` threading layers allow it, ``workqueue`` aborts the process. Runs
    one tiny parallel kernel (so that the layer is chosen), unless interpreted (then
    kernels are plain Python: always safe)."""
    if getattr(_state, "interpreted", False):
        return True
    _touch(2)
    import numba
    try:
        return numba.threading_layer() in ("omp", "tbb")
    except ValueError:      # pragma: no cover - the layer is set by the launch above
        return False
