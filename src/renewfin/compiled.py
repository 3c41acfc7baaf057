"""Compiled scalar kernels (numba).

The period loop is sequential in time but independent across scenarios, so its rules are
written once, as scalar functions of one scenario and one period, and compiled with numba.
The array functions of the instruments (``renewfin.instruments.loan.principal_due``,
``renewfin.instruments.fund.distribute``, ``renewfin.core.tax.LossPool``) and the period
loop (``renewfin.financing.waterfall``) all call these same functions, so each rule has one
implementation. Compiled code is cached on disk (numba's ``cache=True``): the first run in
a fresh environment compiles for a few seconds, later runs load the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """Compile ``fn`` in nopython mode, cached on disk, releasing the GIL."""
    return cast(F, numba.njit(cache=True, nogil=True)(fn))
