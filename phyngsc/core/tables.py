"""Large counter tables backed by 2 MiB pages.

An order-k DNA model reads and writes its table at random: at k = 12 that is 64 MiB,
at k = 13 256 MiB. On 4 KiB pages almost every access also misses the TLB; with 2 MiB
pages the whole table needs a few dozen TLB entries. Linux backs an anonymous region with huge pages
when it is advised so (``madvise(MADV_HUGEPAGE)``, transparent huge pages in
``madvise`` or ``always`` mode); elsewhere, or when the kernel declines, the advice is a
no-op and the table is an ordinary array. Tables allocated by Numba's allocator do
not get the advice that numpy gives its own large arrays, hence this module.
"""

from __future__ import annotations

import sys

import numpy as np

from .jit import Native, kernel

HUGE_PAGE = 2 << 20
_MADV_HUGEPAGE = 14   # Linux


def _advise_py(addr: int, length: int) -> int:
    """Interpreted kernels: no advice (the table is small or short-lived there)."""
    return 0


def _advise_native():   # pragma: no cover - runs inside Numba's compiler
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def advise_huge(typingctx, addr, length):
        sig = types.int64(types.int64, types.int64)

        def codegen(context, builder, signature, args):
            if not sys.platform.startswith("linux"):
                return ir.Constant(ir.IntType(64), 0)
            i8p = ir.IntType(8).as_pointer()
            fnty = ir.FunctionType(ir.IntType(32), [i8p, ir.IntType(64), ir.IntType(32)])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "madvise")
            rc = builder.call(fn, [builder.inttoptr(args[0], i8p), args[1],
                                   ir.Constant(ir.IntType(32), _MADV_HUGEPAGE)])
            return builder.sext(rc, ir.IntType(64))
        return sig, codegen
    return advise_huge


#: ``advise_huge(addr, length)``: madvise(MADV_HUGEPAGE) on Linux, 0 or -1; elsewhere 0.
advise_huge = Native(_advise_py, _advise_native)


def _prefetch_py(addr: int) -> int:
    """Interpreted kernels: nothing to do (a prefetch never changes a result)."""
    return 0


def _prefetch_native_for(write: int):   # pragma: no cover - runs inside Numba's compiler
    from llvmlite import ir
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def prefetch(typingctx, addr):
        sig = types.int64(types.int64)

        def codegen(context, builder, signature, args):
            i8p = ir.IntType(8).as_pointer()
            i32 = ir.IntType(32)
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
            fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
            # read (0) or write (1) intent, keep in all cache levels (3), data cache (1)
            builder.call(fn, [builder.inttoptr(args[0], i8p), ir.Constant(i32, write),
                              ir.Constant(i32, 3), ir.Constant(i32, 1)])
            return ir.Constant(ir.IntType(64), 0)
        return sig, codegen
    return prefetch


def _prefetch_native():   # pragma: no cover - runs inside Numba's compiler
    return _prefetch_native_for(1)


def _prefetch_read_native():   # pragma: no cover - runs inside Numba's compiler
    return _prefetch_native_for(0)


#: ``prefetch(addr)``: asks the CPU to bring the cache line at byte address ``addr`` in
#: (for writing), without waiting for it and without faulting on any address; returns 0.
#: Kernels pass ``table.ctypes.data + index`` for a table they will read soon.
prefetch = Native(_prefetch_py, _prefetch_native)

#: ``prefetch_read(addr)``: :data:`prefetch` for a line that will only be read: a table
#: several threads read at once (a static seed model, NGSC 1.11) stays shared in their
#: caches instead of each thread's write intent taking the line from the others.
prefetch_read = Native(_prefetch_py, _prefetch_read_native)


@kernel
def counter_table(n: int, fill: int) -> np.ndarray:
    """``n`` uint8 counters set to ``fill`` (left as they come when ``fill < 0``: for a
    caller that overwrites them all at once). From 2 MiB up, the array starts on a 2 MiB
    boundary of a region advised for huge pages before it is first touched (so the
    page faults that fill it map huge pages); smaller ones are plain arrays."""
    if n < HUGE_PAGE:
        small = np.empty(n, np.uint8)
        if fill >= 0:
            small[:] = fill
        return small
    raw = np.empty(n + HUGE_PAGE, np.uint8)
    p = np.int64(raw.ctypes.data)
    skip = (HUGE_PAGE - p % HUGE_PAGE) % HUGE_PAGE
    advise_huge(p + skip, np.int64(n - n % HUGE_PAGE))
    table = raw[skip:skip + n]
    if fill >= 0:
        table[:] = fill
    return table
