"""One place that decides how kernels are compiled.

Kernels are cached on disk (``cache=True``) so only the first run of a
machine pays compile time; ``phyngsc/__init__.py`` points ``NUMBA_CACHE_DIR``
to a writable directory when the package directory is not writable.
"""

from __future__ import annotations

import numba

#: Decorator for sequential kernels.
kernel = numba.njit(cache=True, nogil=True, boundscheck=False)
#: Decorator for kernels with a ``prange`` loop.
parallel_kernel = numba.njit(cache=True, nogil=True, parallel=True, boundscheck=False)
