"""Freed memory in batch runs: keep it in the process instead of returning it to the OS.

Every chunk of a batch allocates and frees the same large (S, T) arrays. glibc's malloc
gives freed memory at the top of its heap back to the operating system, so the next chunk
faults each 4 KiB page in again and the kernel zeroes it. Asking malloc to keep a pad of
freed memory (``mallopt(M_TOP_PAD)``, the setting behind ``MALLOC_TOP_PAD_``) removes that
churn; ``bench/bench_engine.py`` measures the effect. The batch commands of the CLI and
the worker processes of ``renewfin.simulation_chunks.evaluate`` call it; a library caller may.
"""

from __future__ import annotations

import ctypes

M_TOP_PAD = -2
"""glibc's ``mallopt`` parameter number of the top pad (malloc.h)."""
KEEP_BYTES = 256 << 20
"""Freed memory kept at the top of the heap [bytes]: a few chunks' arrays."""


def keep_freed_memory(nbytes: int = KEEP_BYTES) -> bool:
    """Ask the C allocator to keep ``nbytes`` [bytes] of freed memory at the top of its heap
    for the rest of the process (glibc ``mallopt(M_TOP_PAD, nbytes)``). Returns whether the
    setting took effect: False where the C library has no ``mallopt`` (not glibc), which
    changes nothing but speed."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_TOP_PAD, nbytes))
