"""Compiled scalar kernels (numba).

The period loop is sequential in time but independent across scenarios, so its rules are
written once, as scalar functions of one scenario and one period, and compiled with numba.
The array functions of the instruments (``renewfin.instruments.loan.principal_due``,
``renewfin.instruments.fund.distribute``, ``renewfin.core.tax.income_tax``) and the period
loop (``renewfin.financing.waterfall``) all call these same functions, so each rule has one
implementation. Compiled code is cached on disk (numba's ``cache=True``): the first run in
a fresh environment compiles for a few seconds, later runs load the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numpy.typing import ArrayLike

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached on disk, releasing the GIL."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))


def owned(a: ArrayLike, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """``a`` as a C-contiguous, writeable float64 array (broadcast to ``shape`` first, and
    copied only when needed), so that a kernel always sees one array type and is compiled
    once per signature rather than once per memory layout."""
    x = np.asarray(a, dtype=float)
    if shape is not None:
        x = np.broadcast_to(x, shape)
    return np.require(x, dtype=float, requirements=["C", "W"])
