"""Marginal distributions for Monte Carlo inputs.

Every distribution is a frozen dataclass that maps points of the unit interval
to values through its inverse cumulative distribution function (SALib
protocol): draw ``u`` in the unit cube with :func:`renewfin.montecarlo.unit_sample`,
then call ``dist.ppf(u[:, j])`` for input ``j``.  Sampling never happens inside
a distribution, so the same unit sample can be reused, correlated
(:func:`renewfin.montecarlo.iman_conover`) or stratified independently of the
marginals.

The common protocol (:class:`Distribution`) is

``ppf(u) -> x``
    inverse CDF, elementwise, any shape in, same shape out (float64).
``mean``, ``std``
    analytic first two moments (``std`` is the population standard deviation).
``low``, ``high``
    bounds of the support (``-inf`` / ``inf`` when unbounded).

Continuous distributions (:class:`ContinuousDistribution`) also provide
``cdf``, ``sf`` and ``isf`` and can be wrapped in :class:`Truncated`.

Parameters are validated on construction; a bad parameter raises
``ValueError`` naming the distribution, the parameter and the value
(``"triangular: low (5) > mode (3)"``).

The inverse CDFs are those of :mod:`scipy.stats` (``norm``, ``lognorm``,
``beta``, ``uniform``), which are exact closed forms or special-function
inverses (``ndtri``, ``betaincinv``), except the triangular one, written in
closed form here (scipy's ``triang.ppf`` is not monotone for a mode extremely
close to ``low``).  Results of bounded laws are clipped to ``[low, high]``
against rounding.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, special, stats

from renewfin.montecarlo.beta import beta_quantiles

__all__ = [
    "PERT",
    "ContinuousDistribution",
    "Discrete",
    "Distribution",
    "LogNormal",
    "Normal",
    "Triangular",
    "Truncated",
    "Uniform",
]

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------- #
# Helpers
# --------------------------------------------------------------------------- #


def _fmt(x: float) -> str:
    """Format a number for an error message: ``5`` rather than ``5.0``."""
    xf = float(x)
    if math.isfinite(xf) and xf.is_integer() and abs(xf) < 1e15:
        return str(int(xf))
    return repr(xf)


def _finite(name: str, param: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {param} must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name}: {param} must be finite, got {_fmt(v)}")
    return v


def _unit(u: ArrayLike) -> FloatArray:
    """Convert ``u`` to a float array and check it lies in ``[0, 1]``.

    NaN is allowed and propagates to NaN in the output.
    """
    arr = np.asarray(u, dtype=np.float64)
    if np.any((arr < 0.0) | (arr > 1.0)):
        bad = arr[(arr < 0.0) | (arr > 1.0)].flat[0]
        raise ValueError(f"ppf: u must lie in [0, 1], got {_fmt(bad)}")
    return arr


def _set(obj: object, name: str, value: Any) -> None:
    """Normalise a field of a frozen dataclass inside ``__post_init__``."""
    object.__setattr__(obj, name, value)


# --------------------------------------------------------------------------- #
# Protocols and the scipy-backed mixin
# --------------------------------------------------------------------------- #


@runtime_checkable
class Distribution(Protocol):
    """What every marginal distribution provides."""

    @property
    def mean(self) -> float:
        """Analytic mean."""
        ...

    @property
    def std(self) -> float:
        """Analytic (population) standard deviation."""
        ...

    @property
    def low(self) -> float:
        """Lower bound of the support (``-inf`` if unbounded)."""
        ...

    @property
    def high(self) -> float:
        """Upper bound of the support (``inf`` if unbounded)."""
        ...

    def ppf(self, u: ArrayLike) -> FloatArray:
        """Inverse CDF; ``u`` of any shape in ``[0, 1]``, output of the same shape."""
        ...


@runtime_checkable
class ContinuousDistribution(Distribution, Protocol):
    """A continuous distribution: :class:`Distribution` plus ``cdf``, ``sf``, ``isf``.

    These are the distributions :class:`Truncated` accepts.
    """

    def cdf(self, x: ArrayLike) -> FloatArray:
        """Cumulative distribution function, same shape as ``x``."""
        ...

    def sf(self, x: ArrayLike) -> FloatArray:
        """Survival function ``1 - cdf(x)``, same shape as ``x``."""
        ...

    def isf(self, q: ArrayLike) -> FloatArray:
        """Inverse survival function, same shape as ``q``."""
        ...


class _ScipyBacked:
    """Mixin: ``ppf``, ``cdf``, ``sf`` and ``isf`` from the frozen scipy law of :meth:`to_scipy`."""

    def to_scipy(self) -> Any:
        """The equivalent frozen :mod:`scipy.stats` distribution."""
        raise NotImplementedError

    def ppf(self, u: ArrayLike) -> FloatArray:
        """Inverse CDF.

        Parameters
        ----------
        u : array_like, any shape
            Probabilities in ``[0, 1]`` (NaN propagates).

        Returns
        -------
        ndarray, same shape as ``u``
            Quantiles ``F^{-1}(u)``.

        Raises
        ------
        ValueError
            If any ``u`` lies outside ``[0, 1]``.
        """
        return np.asarray(self.to_scipy().ppf(_unit(u)), dtype=np.float64)

    def cdf(self, x: ArrayLike) -> FloatArray:
        """Cumulative distribution function ``P(X <= x)``, same shape as ``x``."""
        return np.asarray(self.to_scipy().cdf(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def sf(self, x: ArrayLike) -> FloatArray:
        """Survival function ``P(X > x) = 1 - cdf(x)`` (accurate in the upper tail)."""
        return np.asarray(self.to_scipy().sf(np.asarray(x, dtype=np.float64)), dtype=np.float64)

    def isf(self, q: ArrayLike) -> FloatArray:
        """Inverse survival function: ``x`` with ``sf(x) = q``, same shape as ``q``."""
        return np.asarray(self.to_scipy().isf(_unit(q)), dtype=np.float64)


# --------------------------------------------------------------------------- #
# Continuous distributions
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Normal(_ScipyBacked):
    """Normal distribution ``N(mean, std**2)``.

    Parameters
    ----------
    mean : float
        Mean (finite).
    std : float
        Standard deviation, ``> 0``.
    """

    mean: float
    std: float

    def __post_init__(self) -> None:
        _set(self, "mean", _finite("normal", "mean", self.mean))
        _set(self, "std", _finite("normal", "std", self.std))
        if self.std <= 0.0:
            raise ValueError(f"normal: std must be > 0, got {_fmt(self.std)}")

    @property
    def low(self) -> float:
        """``-inf``."""
        return -math.inf

    @property
    def high(self) -> float:
        """``inf``."""
        return math.inf

    def to_scipy(self) -> Any:
        """``scipy.stats.norm(loc=mean, scale=std)``."""
        return stats.norm(loc=self.mean, scale=self.std)


@dataclass(frozen=True)
class LogNormal(_ScipyBacked):
    """Log-normal distribution given by the mean and std of the variable itself.

    ``X = exp(Y)`` with ``Y ~ N(mu, sigma**2)``.  The parameters are the mean
    ``m`` and standard deviation ``s`` of ``X`` (not of ``log X``), which is
    how uncertainty on prices, volumes and costs is usually quoted.  The
    log-space parameters follow from the moments of the log-normal law:

    ``sigma**2 = log(1 + (s / m)**2)``,  ``mu = log(m) - sigma**2 / 2``,

    so that ``E[X] = exp(mu + sigma**2/2) = m`` and
    ``Var[X] = (exp(sigma**2) - 1) * exp(2 mu + sigma**2) = s**2``.
    Use :meth:`from_log_params` to build one from ``mu`` and ``sigma``.

    Parameters
    ----------
    mean : float
        Mean of ``X``, ``> 0``.
    std : float
        Standard deviation of ``X``, ``> 0``.
    """

    mean: float
    std: float

    def __post_init__(self) -> None:
        _set(self, "mean", _finite("lognormal", "mean", self.mean))
        _set(self, "std", _finite("lognormal", "std", self.std))
        if self.mean <= 0.0:
            raise ValueError(f"lognormal: mean must be > 0, got {_fmt(self.mean)}")
        if self.std <= 0.0:
            raise ValueError(f"lognormal: std must be > 0, got {_fmt(self.std)}")

    @classmethod
    def from_log_params(cls, mu: float, sigma: float) -> LogNormal:
        """Build from the mean ``mu`` and std ``sigma`` of ``log X``.

        ``mean = exp(mu + sigma**2 / 2)``, ``std = mean * sqrt(expm1(sigma**2))``.
        """
        mu_f = _finite("lognormal", "mu", mu)
        sigma_f = _finite("lognormal", "sigma", sigma)
        if sigma_f <= 0.0:
            raise ValueError(f"lognormal: sigma must be > 0, got {_fmt(sigma_f)}")
        m = math.exp(mu_f + 0.5 * sigma_f**2)
        return cls(mean=m, std=m * math.sqrt(math.expm1(sigma_f**2)))

    @property
    def sigma(self) -> float:
        """Standard deviation of ``log X``: ``sqrt(log(1 + (std/mean)**2))``."""
        return math.sqrt(math.log1p((self.std / self.mean) ** 2))

    @property
    def mu(self) -> float:
        """Mean of ``log X``: ``log(mean) - sigma**2 / 2``."""
        return math.log(self.mean) - 0.5 * self.sigma**2

    @property
    def low(self) -> float:
        """``0``."""
        return 0.0

    @property
    def high(self) -> float:
        """``inf``."""
        return math.inf

    def to_scipy(self) -> Any:
        """``scipy.stats.lognorm(s=sigma, scale=exp(mu))``."""
        return stats.lognorm(s=self.sigma, scale=math.exp(self.mu))


def _check_low_mode_high(name: str, low: float, mode: float, high: float) -> None:
    if low > mode:
        raise ValueError(f"{name}: low ({_fmt(low)}) > mode ({_fmt(mode)})")
    if mode > high:
        raise ValueError(f"{name}: mode ({_fmt(mode)}) > high ({_fmt(high)})")
    if not low < high:
        raise ValueError(f"{name}: low ({_fmt(low)}) must be < high ({_fmt(high)})")


@dataclass(frozen=True)
class Triangular(_ScipyBacked):
    """Triangular distribution on ``[low, high]`` with peak at ``mode``.

    ``mean = (low + mode + high) / 3``,
    ``var = (a² + b² + c² - ab - ac - bc) / 18``.

    Parameters
    ----------
    low, mode, high : float
        ``low <= mode <= high`` and ``low < high``.
    """

    low: float
    mode: float
    high: float

    def __post_init__(self) -> None:
        for p in ("low", "mode", "high"):
            _set(self, p, _finite("triangular", p, getattr(self, p)))
        _check_low_mode_high("triangular", self.low, self.mode, self.high)

    @property
    def mean(self) -> float:
        """``(low + mode + high) / 3``."""
        return (self.low + self.mode + self.high) / 3.0

    @property
    def std(self) -> float:
        """Square root of ``(a² + b² + c² - ab - ac - bc) / 18``."""
        a, c, b = self.low, self.mode, self.high
        return math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18.0)

    def ppf(self, u: ArrayLike) -> FloatArray:
        """Inverse CDF in closed form, any shape in, same shape out.

        ``low + sqrt(u (high - low)(mode - low))`` for ``u < F(mode)``, else
        ``high - sqrt((1 - u)(high - low)(high - mode))``, where
        ``F(mode) = (mode - low) / (high - low)``.  (Same law as
        ``scipy.stats.triang``, whose ``ppf`` loses monotonicity for a mode
        extremely close to ``low``.)
        """
        uu = _unit(u)
        a, c, b = self.low, self.mode, self.high
        f_mode = (c - a) / (b - a)
        left = a + np.sqrt(uu * ((b - a) * (c - a)))
        right = b - np.sqrt((1.0 - uu) * ((b - a) * (b - c)))
        return np.clip(np.where(uu < f_mode, left, right), a, b)  # clip: rounding only

    def to_scipy(self) -> Any:
        """``scipy.stats.triang(c=(mode-low)/(high-low), loc=low, scale=high-low)``."""
        width = self.high - self.low
        return stats.triang(c=(self.mode - self.low) / width, loc=self.low, scale=width)


@dataclass(frozen=True)
class PERT(_ScipyBacked):
    """Beta-PERT distribution on ``[low, high]`` with most likely value ``mode``.

    A scaled beta distribution with shape parameters
    ``alpha = 1 + lamb * (mode - low) / (high - low)`` and
    ``beta = 1 + lamb * (high - mode) / (high - low)``; the classic PERT is
    ``lamb = 4``, whose mean is ``(low + lamb * mode + high) / (lamb + 2)``.

    Parameters
    ----------
    low, mode, high : float
        ``low <= mode <= high`` and ``low < high``.
    lamb : float, default 4
        Shape (weight of the mode), ``> 0``.
    """

    low: float
    mode: float
    high: float
    lamb: float = 4.0

    def __post_init__(self) -> None:
        for p in ("low", "mode", "high", "lamb"):
            _set(self, p, _finite("pert", p, getattr(self, p)))
        _check_low_mode_high("pert", self.low, self.mode, self.high)
        if self.lamb <= 0.0:
            raise ValueError(f"pert: lamb must be > 0, got {_fmt(self.lamb)}")

    @property
    def alpha(self) -> float:
        """First beta shape parameter ``1 + lamb (mode - low) / (high - low)``."""
        return 1.0 + self.lamb * (self.mode - self.low) / (self.high - self.low)

    @property
    def beta(self) -> float:
        """Second beta shape parameter ``1 + lamb (high - mode) / (high - low)``."""
        return 1.0 + self.lamb * (self.high - self.mode) / (self.high - self.low)

    @property
    def mean(self) -> float:
        """``low + (high - low) * alpha / (alpha + beta)``."""
        a, b = self.alpha, self.beta
        return self.low + (self.high - self.low) * a / (a + b)

    @property
    def std(self) -> float:
        """``(high - low) * sqrt(alpha beta / ((alpha + beta)² (alpha + beta + 1)))``."""
        a, b = self.alpha, self.beta
        return (self.high - self.low) * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))

    def ppf(self, u: ArrayLike) -> FloatArray:
        """Inverse CDF (``scipy.stats.beta.ppf``, by ``beta_quantiles``), any shape in,
        same shape out.

        scipy's ``betaincinv`` returns NaN for ``u`` below about ``1e-100``;
        there the lower-tail expansion ``I_z(a, b) ≈ z**a / (a B(a, b))`` is
        used instead: exact to double precision for moderate ``alpha`` (such
        ``u`` never come from :func:`unit_sample`, whose points are ``>= 2**-53``),
        approximate for very peaked laws (``lamb`` in the hundreds).
        """
        uu = _unit(u)
        # Boost's "root finding ... giving up" warning comes with a NaN, handled below.
        # (scipy-stubs misspells the "ignore" option of special.errstate as "ignored".)
        with warnings.catch_warnings(), special.errstate(all="ignore"):  # type: ignore[arg-type]
            warnings.simplefilter("ignore", RuntimeWarning)
            z = beta_quantiles(self.alpha, self.beta, uu)
        x = self.low + (self.high - self.low) * z
        bad = np.isnan(x) & ~np.isnan(uu)
        if np.any(bad):
            a, b = self.alpha, self.beta
            with np.errstate(divide="ignore"):
                z = np.exp((np.log(uu[bad]) + math.log(a) + special.betaln(a, b)) / a)
            x[bad] = self.low + (self.high - self.low) * z
        return np.clip(x, self.low, self.high)  # against rounding of loc + scale * z

    def to_scipy(self) -> Any:
        """``scipy.stats.beta(alpha, beta, loc=low, scale=high-low)``."""
        return stats.beta(self.alpha, self.beta, loc=self.low, scale=self.high - self.low)


@dataclass(frozen=True)
class Uniform(_ScipyBacked):
    """Continuous uniform distribution on ``[low, high]``.

    Parameters
    ----------
    low, high : float
        ``low < high``.
    """

    low: float
    high: float

    def __post_init__(self) -> None:
        _set(self, "low", _finite("uniform", "low", self.low))
        _set(self, "high", _finite("uniform", "high", self.high))
        if not self.low < self.high:
            raise ValueError(f"uniform: low ({_fmt(self.low)}) must be < high ({_fmt(self.high)})")

    @property
    def mean(self) -> float:
        """``(low + high) / 2``."""
        return 0.5 * (self.low + self.high)

    @property
    def std(self) -> float:
        """``(high - low) / sqrt(12)``."""
        return (self.high - self.low) / math.sqrt(12.0)

    def to_scipy(self) -> Any:
        """``scipy.stats.uniform(loc=low, scale=high-low)``."""
        return stats.uniform(loc=self.low, scale=self.high - self.low)


@dataclass(frozen=True)
class Truncated(_ScipyBacked):
    """A continuous distribution conditioned on ``low <= X <= high``.

    The inverse CDF maps ``u`` linearly onto ``[F(low), F(high)]`` and then
    through the base inverse CDF: ``x = F^{-1}(F(low) + u (F(high) - F(low)))``.
    When the interval lies in the upper tail (``F(low) > 1/2``) the same map
    is done on the survival function (``isf``) to keep precision.  Results are
    clipped to ``[low, high]`` against rounding.

    The moments are the conditional moments ``E[X | low <= X <= high]``:
    closed form for :class:`Normal` (``scipy.stats.truncnorm``) and
    :class:`Uniform`, adaptive quadrature of the base density otherwise.

    Parameters
    ----------
    dist : ContinuousDistribution
        Base distribution (not :class:`Discrete`; not itself ``Truncated`` —
        intersect the bounds instead).
    low, high : float, default -inf, inf
        Truncation bounds, ``low < high``.  A bound outside the base support
        is stored as the support bound, so ``low`` and ``high`` are always
        the support of the truncated law.

    Raises
    ------
    ValueError
        If the bounds are reversed or the interval has zero probability
        under ``dist``.
    """

    dist: ContinuousDistribution
    low: float = -math.inf
    high: float = math.inf

    def __post_init__(self) -> None:
        if isinstance(self.dist, Truncated) or not isinstance(self.dist, ContinuousDistribution):
            raise ValueError(
                "truncated: dist must be a continuous distribution (Normal, LogNormal, "
                f"Triangular, PERT, Uniform), got {type(self.dist).__name__}"
            )
        for p in ("low", "high"):
            v = getattr(self, p)
            try:
                vf = float(v)
            except (TypeError, ValueError):
                raise ValueError(f"truncated: {p} must be a number, got {v!r}") from None
            if math.isnan(vf):
                raise ValueError(f"truncated: {p} must not be NaN")
            _set(self, p, vf)
        if not self.low < self.high:
            raise ValueError(
                f"truncated: low ({_fmt(self.low)}) must be < high ({_fmt(self.high)})"
            )
        given = f"[{_fmt(self.low)}, {_fmt(self.high)}]"
        _set(self, "low", max(self.low, self.dist.low))
        _set(self, "high", min(self.high, self.dist.high))
        if not self.low < self.high or not self.mass > 0.0:
            raise ValueError(
                f"truncated: interval {given} has zero probability under {self.dist!r}"
            )

    # -- probability bookkeeping ------------------------------------------------

    @property
    def _upper_tail(self) -> bool:
        return float(self.dist.cdf(self.low)) > 0.5

    @property
    def mass(self) -> float:
        """Probability ``P(low <= X <= high)`` under the base distribution."""
        if self._upper_tail:
            return float(self.dist.sf(self.low) - self.dist.sf(self.high))
        return float(self.dist.cdf(self.high) - self.dist.cdf(self.low))

    def ppf(self, u: ArrayLike) -> FloatArray:
        """Inverse CDF of the truncated law (see class docstring).

        Parameters
        ----------
        u : array_like, any shape
            Probabilities in ``[0, 1]``.

        Returns
        -------
        ndarray, same shape as ``u``
            Quantiles in ``[low, high]``.
        """
        uu = _unit(u)
        if self._upper_tail:
            s_lo = float(self.dist.sf(self.low))
            s_hi = float(self.dist.sf(self.high))
            x = self.dist.isf(s_lo - uu * (s_lo - s_hi))
        else:
            f_lo = float(self.dist.cdf(self.low))
            f_hi = float(self.dist.cdf(self.high))
            x = self.dist.ppf(f_lo + uu * (f_hi - f_lo))
        return np.clip(x, self.low, self.high)

    def cdf(self, x: ArrayLike) -> FloatArray:
        """``(F(clip(x)) - F(low)) / mass``, same shape as ``x``."""
        xc = np.clip(np.asarray(x, dtype=np.float64), self.low, self.high)
        if self._upper_tail:
            p = (float(self.dist.sf(self.low)) - self.dist.sf(xc)) / self.mass
        else:
            p = (self.dist.cdf(xc) - float(self.dist.cdf(self.low))) / self.mass
        return np.clip(p, 0.0, 1.0)

    def sf(self, x: ArrayLike) -> FloatArray:
        """``1 - cdf(x)``, same shape as ``x``."""
        xc = np.clip(np.asarray(x, dtype=np.float64), self.low, self.high)
        if self._upper_tail:
            p = (self.dist.sf(xc) - float(self.dist.sf(self.high))) / self.mass
        else:
            p = (float(self.dist.cdf(self.high)) - self.dist.cdf(xc)) / self.mass
        return np.clip(p, 0.0, 1.0)

    def isf(self, q: ArrayLike) -> FloatArray:
        """Inverse survival function, ``ppf(1 - q)``."""
        return self.ppf(1.0 - _unit(q))

    def to_scipy(self) -> Any:
        """A frozen scipy distribution where one exists (Normal, Uniform).

        Raises
        ------
        NotImplementedError
            For other base distributions.
        """
        if isinstance(self.dist, Normal):
            m, s = self.dist.mean, self.dist.std
            return stats.truncnorm((self.low - m) / s, (self.high - m) / s, loc=m, scale=s)
        if isinstance(self.dist, Uniform):
            return stats.uniform(loc=self.low, scale=self.high - self.low)
        raise NotImplementedError(
            f"truncated: no scipy equivalent for a truncated {type(self.dist).__name__}"
        )

    @cached_property
    def _moments(self) -> tuple[float, float]:
        """Conditional mean and variance (computed once)."""
        if isinstance(self.dist, Normal | Uniform):
            m, v = self.to_scipy().stats(moments="mv")
            return float(m), float(v)
        if isinstance(self.dist, _ScipyBacked):
            base = self.dist.to_scipy()
            lo, hi = self.low, self.high
            mean = float(base.expect(lambda x: x, lb=lo, ub=hi, conditional=True))
            var = float(base.expect(lambda x: (x - mean) ** 2, lb=lo, ub=hi, conditional=True))
            return mean, var

        # Any other continuous law: integrate the quantile function over (0, 1).
        def q(u: float) -> float:
            return float(self.ppf(u))

        mean = integrate.quad(q, 0.0, 1.0, limit=200)[0]
        var = integrate.quad(lambda u: (q(u) - mean) ** 2, 0.0, 1.0, limit=200)[0]
        return mean, var

    @property
    def mean(self) -> float:
        """Conditional mean ``E[X | low <= X <= high]``."""
        return self._moments[0]

    @property
    def std(self) -> float:
        """Conditional standard deviation."""
        return math.sqrt(max(self._moments[1], 0.0))


# --------------------------------------------------------------------------- #
# Discrete distribution
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Discrete:
    """Discrete distribution on a finite set of values.

    The inverse CDF is the left-continuous quantile function
    ``Q(u) = min{x : P(X <= x) >= u}`` over the values sorted ascending,
    evaluated by binary search of the cumulative probabilities
    (``numpy.searchsorted``); values with zero probability are never drawn.

    Parameters
    ----------
    values : sequence of float, length K
        Finite values (stored as a tuple in the given order; duplicates allowed).
    probabilities : sequence of float, length K
        Non-negative, summing to 1 within ``1e-9``.
    """

    values: Sequence[float]
    probabilities: Sequence[float]

    def __post_init__(self) -> None:
        vals = tuple(
            _finite("discrete", f"values[{i}]", v) for i, v in enumerate(_seq(self.values))
        )
        probs = tuple(
            _finite("discrete", f"probabilities[{i}]", p)
            for i, p in enumerate(_seq(self.probabilities))
        )
        if len(vals) == 0:
            raise ValueError("discrete: values must not be empty")
        if len(vals) != len(probs):
            raise ValueError(
                f"discrete: values ({len(vals)}) and probabilities ({len(probs)}) "
                "must have the same length"
            )
        for i, p in enumerate(probs):
            if p < 0.0:
                raise ValueError(f"discrete: probabilities[{i}] must be >= 0, got {_fmt(p)}")
        total = math.fsum(probs)
        if abs(total - 1.0) > 1e-9:
            raise ValueError(f"discrete: probabilities must sum to 1, got {total!r}")
        _set(self, "values", vals)
        _set(self, "probabilities", probs)

    def _table(self) -> tuple[FloatArray, FloatArray]:
        v = np.asarray(self.values, dtype=np.float64)
        p = np.asarray(self.probabilities, dtype=np.float64)
        keep = p > 0.0
        v, p = v[keep], p[keep]
        order = np.argsort(v, kind="stable")
        return v[order], np.cumsum(p[order])

    def ppf(self, u: ArrayLike) -> FloatArray:
        """Quantile function ``Q(u)``.

        Parameters
        ----------
        u : array_like, any shape
            Probabilities in ``[0, 1]`` (NaN propagates).

        Returns
        -------
        ndarray, same shape as ``u``
            Values drawn from :attr:`values`.
        """
        uu = _unit(u)
        v, cum = self._table()
        idx = np.minimum(np.searchsorted(cum, uu, side="left"), v.size - 1)
        out = v[idx]
        return np.where(np.isnan(uu), np.nan, out)

    @property
    def mean(self) -> float:
        """``sum(p_k x_k)``."""
        return math.fsum(p * v for v, p in zip(self.values, self.probabilities, strict=True))

    @property
    def std(self) -> float:
        """``sqrt(sum(p_k (x_k - mean)²))``."""
        m = self.mean
        return math.sqrt(
            math.fsum(
                p * (v - m) ** 2 for v, p in zip(self.values, self.probabilities, strict=True)
            )
        )

    @property
    def low(self) -> float:
        """Smallest value with positive probability."""
        return float(self._table()[0][0])

    @property
    def high(self) -> float:
        """Largest value with positive probability."""
        return float(self._table()[0][-1])


def _seq(x: Any) -> Sequence[Any]:
    """Accept a sequence or a 1-D array for a Discrete field."""
    arr = np.asarray(x, dtype=object)
    if arr.ndim != 1:
        raise ValueError(f"discrete: values and probabilities must be 1-D, got {x!r}")
    return list(arr)
