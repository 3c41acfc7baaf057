"""Quantiles of the Beta law, fast for large samples (``beta_quantiles``): the inverse CDF
of the PERT law (``renewfin.montecarlo.distributions.PERT``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

FloatArray = NDArray[np.float64]

_BETA_CELLS = 2048
"""Cells of the quantile table ``beta_quantiles`` interpolates in."""
_BETA_TAIL_CELLS = 64
"""Cells at each end where ``beta_quantiles`` calls ``betaincinv`` directly (the quantile
function is too steep there for the cubic)."""
_BETA_TABLE_MIN = 8 * _BETA_CELLS
"""Fewest points for which the table pays for itself."""


def beta_quantiles(a: float, b: float, u: FloatArray) -> FloatArray:
    """Quantiles of Beta(a, b) at ``u`` (any shape, in [0, 1] or NaN): ``betaincinv``.

    For many points (``_BETA_TABLE_MIN``) the exact quantiles are computed on a grid of
    ``_BETA_CELLS`` cells in ``u``; inside it a point starts from the cubic Hermite
    interpolant (the slope ``dx/du = 1 / pdf(x)`` is exact at the nodes, so the error is
    O(h⁴)) and takes one Newton step on ``betainc(a, b, x) = u``, which squares the
    relative error to below 1e-15; the outer ``_BETA_TAIL_CELLS`` cells at each end, where
    the quantile function is steep, call ``betaincinv``. About twice as fast as
    ``betaincinv`` alone (~1.5 µs a point) for the shapes of a PERT law (a, b > 1); with a
    or b equal to 1 ``betaincinv`` has a closed form and is used throughout."""
    flat = np.ravel(u)
    if flat.size < _BETA_TABLE_MIN or not (a > 1.0 and b > 1.0):
        return np.asarray(special.betaincinv(a, b, u), dtype=np.float64)
    k = _BETA_CELLS
    log_norm = special.betaln(a, b)

    def pdf(x: FloatArray) -> FloatArray:
        return np.exp((a - 1.0) * np.log(x) + (b - 1.0) * np.log1p(-x) - log_norm)

    nodes = special.betaincinv(a, b, np.arange(k + 1) / k)
    with np.errstate(divide="ignore", invalid="ignore"):  # the end nodes, never used
        slope = 1.0 / pdf(nodes)  # dx/du
    pos = np.where(np.isnan(flat), -1.0, flat * k)  # NaN: no cell, left to betaincinv
    cell = np.minimum(pos.astype(np.int64), k - 1)
    inner = (cell >= _BETA_TAIL_CELLS) & (cell < k - _BETA_TAIL_CELLS)
    out = np.empty(flat.shape)
    c = cell[inner]
    t = pos[inner] - c
    t2 = t * t
    t3 = t2 * t
    h = 1.0 / k
    x = (
        (2.0 * t3 - 3.0 * t2 + 1.0) * nodes[c]
        + (t3 - 2.0 * t2 + t) * h * slope[c]
        + (3.0 * t2 - 2.0 * t3) * nodes[c + 1]
        + (t3 - t2) * h * slope[c + 1]
    )
    x = x - (special.betainc(a, b, x) - flat[inner]) / pdf(x)
    out[inner] = np.clip(x, nodes[c], nodes[c + 1])
    out[~inner] = special.betaincinv(a, b, flat[~inner])
    return out.reshape(np.shape(u))
