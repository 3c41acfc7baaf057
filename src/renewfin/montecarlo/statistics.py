"""Summaries of Monte Carlo outputs, with their sampling error.

All functions take the values of one metric across scenarios, shape ``(n,)``.
NaN marks a scenario where the metric is undefined (an IRR without a sign
change, a coverage ratio with no debt service); NaN values are never treated
as ordinary numbers: they are left out of the estimates and counted, and the
count is reported next to them.

* :func:`summarise` — mean, standard deviation, standard error, percentiles.
* :func:`breach_probability` — ``P(metric op threshold)`` with its binomial
  standard error.
* :class:`RunningStats` — mean and variance accumulated over chunks or merged
  from workers (Welford 1962; Chan, Golub & LeVeque 1979).
* :func:`convergence` — is the standard error of a statistic within a
  tolerance yet (for auto-stopping a simulation)?
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_PERCENTILES",
    "BreachOp",
    "BreachProbability",
    "Convergence",
    "RunningStats",
    "breach_probability",
    "convergence",
    "summarise",
]

FloatArray = NDArray[np.float64]
BreachOp = Literal["<", "<=", ">", ">="]
NanPolicy = Literal["omit", "breach", "raise"]

DEFAULT_PERCENTILES: tuple[float, ...] = (5.0, 10.0, 50.0, 90.0, 95.0)

_OPS: dict[str, Callable[[FloatArray, float], NDArray[np.bool_]]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


def _values(values: ArrayLike, name: str) -> FloatArray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"{name}: values must have shape (n,), got {v.shape}")
    return v


def _pkey(q: float) -> str:
    """Key of percentile ``q`` in a summary: ``p5``, ``p50``, ``p2.5``."""
    return f"p{q:g}"


def summarise(
    values: ArrayLike, percentiles: Sequence[float] = DEFAULT_PERCENTILES
) -> dict[str, float]:
    """Mean, spread, standard error and percentiles of one metric.

    NaN values are excluded from every statistic and counted in ``n_nan``.
    Percentiles use linear interpolation between order statistics
    (``numpy.percentile`` default, same as Excel ``PERCENTILE.INC``).

    Parameters
    ----------
    values : (n,) array_like
        Metric across scenarios.
    percentiles : sequence of float in [0, 100]
        Percentiles to report, default ``(5, 10, 50, 90, 95)``.

    Returns
    -------
    dict
        ``n`` (all values), ``n_nan``, ``n_valid`` (ints), ``mean``, ``std`` (sample,
        ``ddof=1``), ``sem`` (standard error of the mean ``std / sqrt(n_valid)``),
        ``min``, ``max`` and one key per percentile (``"p5"``, ``"p50"``,
        ``"p2.5"`` ...).  Statistics that need more valid values than there
        are are NaN.
    """
    v = _values(values, "summarise")
    qs = np.asarray(percentiles, dtype=np.float64).reshape(-1)
    if np.any(~np.isfinite(qs) | (qs < 0.0) | (qs > 100.0)):
        raise ValueError(f"summarise: percentiles must lie in [0, 100], got {list(percentiles)}")
    valid = v[~np.isnan(v)]
    k = valid.size
    out: dict[str, float] = {
        "n": int(v.size),
        "n_nan": int(v.size - k),
        "n_valid": int(k),
        "mean": float(valid.mean()) if k else math.nan,
        "std": float(valid.std(ddof=1)) if k > 1 else math.nan,
        "min": float(valid.min()) if k else math.nan,
        "max": float(valid.max()) if k else math.nan,
    }
    out["sem"] = out["std"] / math.sqrt(k) if k > 1 else math.nan
    pct = np.percentile(valid, qs) if k else np.full(qs.shape, math.nan)
    for q, x in zip(qs, np.atleast_1d(pct), strict=True):
        out[_pkey(float(q))] = float(x)
    return out


class BreachProbability(NamedTuple):
    """Estimated probability of a breach, with its standard error.

    Attributes
    ----------
    p : float
        Breaches / scenarios counted (see ``nan_policy``).
    se : float
        Binomial standard error ``sqrt(p (1 - p) / n)``; 0 when ``p`` is 0 or
        1 (then ``3 / n`` is a 95 % upper bound on the true ``p``, the rule of
        three).
    n : int
        Scenarios counted in ``p``.
    n_nan : int
        NaN values seen.
    n_breach : int
        Scenarios counted as breaches.
    """

    p: float
    se: float
    n: int
    n_nan: int
    n_breach: int


def breach_probability(
    values: ArrayLike,
    op: BreachOp,
    threshold: float,
    *,
    nan_policy: NanPolicy = "omit",
) -> BreachProbability:
    """Probability that a metric breaches a threshold, ``P(values op threshold)``.

    Parameters
    ----------
    values : (n,) array_like
        Metric across scenarios (e.g. minimum DSCR).
    op : {"<", "<=", ">", ">="}
        Breach condition: ``values op threshold`` is a breach.
    threshold : float
        Covenant or floor (e.g. 1.2).
    nan_policy : {"omit", "breach", "raise"}, default "omit"
        ``"omit"``: NaN scenarios are left out of both numerator and
        denominator and reported in ``n_nan``; ``"breach"``: counted as
        breaches (conservative); ``"raise"``: ``ValueError`` if any NaN.

    Returns
    -------
    BreachProbability
        ``(p, se, n, n_nan, n_breach)``; ``p`` and ``se`` are NaN if no
        scenario is counted.
    """
    v = _values(values, "breach_probability")
    try:
        compare = _OPS[op]
    except KeyError:
        raise ValueError(
            f"breach_probability: op must be one of {list(_OPS)}, got {op!r}"
        ) from None
    if nan_policy not in ("omit", "breach", "raise"):
        raise ValueError(
            "breach_probability: nan_policy must be 'omit', 'breach' or 'raise', "
            f"got {nan_policy!r}"
        )
    thr = float(threshold)
    if math.isnan(thr):
        raise ValueError("breach_probability: threshold must not be NaN")
    nan = np.isnan(v)
    n_nan = int(nan.sum())
    if n_nan and nan_policy == "raise":
        raise ValueError(f"breach_probability: {n_nan} of {v.size} values are NaN")
    n_breach = int(compare(v[~nan], thr).sum())
    n = v.size - n_nan
    if nan_policy == "breach":
        n_breach += n_nan
        n = v.size
    if n == 0:
        return BreachProbability(math.nan, math.nan, 0, n_nan, 0)
    p = n_breach / n
    return BreachProbability(p, math.sqrt(p * (1.0 - p) / n), n, n_nan, n_breach)


@dataclass
class RunningStats:
    """Mean and variance accumulated over batches, mergeable across workers.

    Holds the count ``n``, the mean and the sum of squared deviations ``m2``
    of the non-NaN values seen (and the count of NaN).  :meth:`update` folds in
    a batch and :meth:`merge` another accumulator with the pairwise update of
    Chan, Golub & LeVeque (1979)::

        delta = mean_b - mean_a
        mean  = mean_a + delta * n_b / n
        m2    = m2_a + m2_b + delta**2 * n_a * n_b / n

    which equals the one-pass result up to rounding, in any order of batches.
    A batch's own mean and ``m2`` are computed two-pass (numerically stable).
    The fields are plain numbers, so a partial result can be sent between
    processes and rebuilt with ``RunningStats(n, mean, m2, n_nan)``.

    Parameters
    ----------
    n : int
        Number of non-NaN values.
    mean : float
        Their mean (NaN when ``n = 0``).
    m2 : float
        Sum of squared deviations from the mean.
    n_nan : int
        Number of NaN values seen.
    """

    n: int = 0
    mean: float = math.nan
    m2: float = 0.0
    n_nan: int = 0

    def __post_init__(self) -> None:
        if self.n < 0 or self.n_nan < 0:
            raise ValueError(f"RunningStats: n and n_nan must be >= 0, got {self.n}, {self.n_nan}")
        if self.m2 < 0.0:
            raise ValueError(f"RunningStats: m2 must be >= 0, got {self.m2}")
        if self.n == 0:
            self.mean, self.m2 = math.nan, 0.0
        elif not math.isfinite(self.mean):
            raise ValueError(f"RunningStats: mean must be finite when n > 0, got {self.mean}")

    def _combine(self, n_b: int, mean_b: float, m2_b: float) -> None:
        if n_b == 0:
            return
        if self.n == 0:
            self.n, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * (n_b / n)
        self.m2 = self.m2 + m2_b + delta * delta * (self.n * (n_b / n))
        self.n = n

    def update(self, batch: ArrayLike) -> RunningStats:
        """Fold in a batch of values (in place).

        Parameters
        ----------
        batch : (k,) array_like
            New values; NaN are counted in ``n_nan`` and otherwise ignored.

        Returns
        -------
        RunningStats
            ``self``, for chaining.
        """
        b = np.asarray(batch, dtype=np.float64).reshape(-1)
        nan = np.isnan(b)
        self.n_nan += int(nan.sum())
        b = b[~nan]
        if b.size:
            m = float(b.mean())
            self._combine(b.size, m, float(np.sum((b - m) ** 2)))
        return self

    def merge(self, other: RunningStats) -> RunningStats:
        """Fold in another accumulator (in place); ``other`` is not changed.

        Returns
        -------
        RunningStats
            ``self``, for chaining.
        """
        self.n_nan += other.n_nan
        self._combine(other.n, other.mean, other.m2)
        return self

    @property
    def var(self) -> float:
        """Sample variance ``m2 / (n - 1)`` (NaN if ``n < 2``)."""
        return self.m2 / (self.n - 1) if self.n > 1 else math.nan

    @property
    def std(self) -> float:
        """Sample standard deviation ``sqrt(var)``."""
        return math.sqrt(self.var)

    @property
    def sem(self) -> float:
        """Standard error of the mean ``std / sqrt(n)``."""
        return self.std / math.sqrt(self.n) if self.n > 1 else math.nan


class Convergence(NamedTuple):
    """Result of :func:`convergence`.

    Attributes
    ----------
    converged : bool
        ``se <= tolerance``.
    estimate : float
        The statistic (mean, or breach probability).
    se : float
        Its standard error.
    tolerance : float
        Absolute tolerance applied (``tol * |estimate|`` when relative).
    n : int
        Values counted (NaN excluded).
    n_required : float
        Rough number of values at which ``se`` would reach the tolerance,
        ``n * (se / tolerance)**2`` (``inf`` if the tolerance is 0).
    """

    converged: bool
    estimate: float
    se: float
    tolerance: float
    n: int
    n_required: float


def convergence(
    values: ArrayLike | RunningStats,
    stat: Literal["mean", "p"] = "mean",
    tol: float = 0.01,
    rel: bool = True,
    *,
    op: BreachOp | None = None,
    threshold: float | None = None,
    min_n: int = 100,
) -> Convergence:
    """Whether the standard error of a statistic is within a tolerance.

    For auto-stopping: run chunks until ``converged`` (``n_required`` suggests
    how far to go).

    * ``stat="mean"``: estimate = mean of the non-NaN values,
      ``se = std / sqrt(n)``.  ``values`` may be a :class:`RunningStats`.
    * ``stat="p"``: estimate = ``P(values op threshold)`` (NaN omitted, see
      :func:`breach_probability`).  The standard error is the binomial one
      evaluated at the Agresti–Coull estimate ``(k + 2) / (n + 4)``, which is
      never zero, so a run with no breach yet (``k = 0``) does not stop
      early on ``se = 0``.

    Parameters
    ----------
    values : (n,) array_like or RunningStats
        Metric across scenarios (a ``RunningStats`` only for ``stat="mean"``).
    stat : {"mean", "p"}
        Statistic to check.
    tol : float > 0
        Tolerance on the standard error.
    rel : bool, default True
        ``tol`` is relative to ``|estimate|`` (a zero estimate then never
        converges; use ``rel=False`` for rare events).
    op, threshold
        Breach condition, required for ``stat="p"``.
    min_n : int, default 100
        Never converged with fewer counted values than this.

    Returns
    -------
    Convergence
        ``(converged, estimate, se, tolerance, n, n_required)``.
    """
    if not (tol > 0.0 and math.isfinite(tol)):
        raise ValueError(f"convergence: tol must be a positive number, got {tol!r}")
    if stat == "mean":
        if isinstance(values, RunningStats):
            rs = values
        else:
            rs = RunningStats().update(_values(values, "convergence"))
        n, estimate, se = rs.n, rs.mean, rs.sem
    elif stat == "p":
        if op is None or threshold is None:
            raise ValueError("convergence: stat='p' needs op and threshold")
        if isinstance(values, RunningStats):
            raise ValueError("convergence: stat='p' needs the values, not a RunningStats")
        bp = breach_probability(values, op, threshold)
        n, estimate = bp.n, bp.p
        p_ac = (bp.n_breach + 2.0) / (n + 4.0)
        se = math.sqrt(p_ac * (1.0 - p_ac) / (n + 4.0)) if n else math.nan
    else:
        raise ValueError(f"convergence: stat must be 'mean' or 'p', got {stat!r}")
    tolerance = tol * abs(estimate) if rel else tol
    ok = n >= min_n and math.isfinite(se) and se <= tolerance
    if tolerance > 0.0 and math.isfinite(se):
        n_required = n * (se / tolerance) ** 2
    else:
        n_required = math.inf
    return Convergence(bool(ok), float(estimate), float(se), float(tolerance), int(n), n_required)
