"""Global sensitivity indices from Monte Carlo samples.

Sample-based measures, from any sample ``X (n, d)`` and output ``y (n,)``:

* :func:`spearman_with_output` — rank correlation of each input with the output.
* :func:`standardised_rank_regression` — standardised rank regression
  coefficients (SRRC) and the R² of the rank regression, which says how much of
  the output's rank variance a monotone additive model explains (SRRC are
  meaningful when R² is high, say > 0.7).

Variance-based (Sobol') indices for independent inputs need a dedicated
design: :func:`saltelli_matrices` builds it in the unit cube and
:func:`sobol_indices` estimates first-order and total indices from the model
outputs with the Saltelli et al. (2010) estimator for ``S1`` and Jansen's (1999)
for ``ST``.

References
----------
Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. & Tarantola, S.
(2010). Variance based sensitivity analysis of model output. Design and
estimator for the total sensitivity index. *Computer Physics Communications*
181(2), 259–270.

Jansen, M. J. W. (1999). Analysis of variance designs for model output.
*Computer Physics Communications* 117(1–2), 35–43.

Ishigami, T. & Homma, T. (1990). An importance quantification technique in
uncertainty analysis for computer models. *ISUMA '90*, 398–403.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from renewfin.montecarlo.sampling import SamplingMethod, Seed, make_rng, unit_sample

__all__ = [
    "SRRC",
    "SobolIndices",
    "saltelli_matrices",
    "sobol_indices",
    "spearman_with_output",
    "standardised_rank_regression",
]

FloatArray = NDArray[np.float64]


def _xy(x: ArrayLike, y: ArrayLike, name: str) -> tuple[FloatArray, FloatArray]:
    """Validate shapes and drop rows where ``y`` is NaN."""
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    if xa.ndim != 2:
        raise ValueError(f"{name}: x must have shape (n, d), got {xa.shape}")
    if ya.shape != (xa.shape[0],):
        raise ValueError(f"{name}: y must have shape ({xa.shape[0]},), got {ya.shape}")
    if np.isnan(xa).any():
        raise ValueError(f"{name}: x contains NaN")
    keep = ~np.isnan(ya)
    if keep.sum() < 3:
        raise ValueError(f"{name}: need at least 3 non-NaN outputs, got {int(keep.sum())}")
    return xa[keep], ya[keep]


def _standardised_ranks(a: FloatArray) -> FloatArray:
    """Ranks along axis 0 (average for ties), centred and scaled to unit variance.

    Constant columns become all-zero.
    """
    r = stats.rankdata(a, axis=0)
    r = r - r.mean(axis=0)
    s = np.sqrt(np.mean(r * r, axis=0))
    return np.divide(r, s, out=np.zeros_like(r), where=s > 0)


def spearman_with_output(x: ArrayLike, y: ArrayLike) -> FloatArray:
    """Spearman rank correlation of each input with the output.

    Rows where ``y`` is NaN are left out (report their count with
    :func:`renewfin.montecarlo.summarise`).

    Parameters
    ----------
    x : (n, d) array_like
        Input sample (values or unit-cube points: only ranks matter).
    y : (n,) array_like
        Output.

    Returns
    -------
    (d,) ndarray
        ``rho_j = corr(rank(x_j), rank(y))``; NaN for a constant input or output.
    """
    xa, ya = _xy(x, y, "spearman_with_output")
    rx = _standardised_ranks(xa)
    ry = _standardised_ranks(ya[:, None])[:, 0]
    rho = rx.T @ ry / xa.shape[0]
    const = ~np.any(rx != 0, axis=0) | (not np.any(ry != 0))
    return np.where(const, np.nan, rho)


class SRRC(NamedTuple):
    """Standardised rank regression result.

    Attributes
    ----------
    coefficients : (d,) ndarray
        SRRC of each input (NaN for a constant input).
    r2 : float
        Coefficient of determination of the rank regression.
    """

    coefficients: FloatArray
    r2: float


def standardised_rank_regression(x: ArrayLike, y: ArrayLike) -> SRRC:
    """Standardised rank regression coefficients (SRRC) and the rank R².

    Replaces every input and the output by their ranks, standardises them to
    mean 0 and variance 1, and fits ``rank(y) = sum_j b_j rank(x_j)`` by least
    squares; ``b_j`` are the SRRC.  For independent inputs ``b_j**2`` is the
    share of the rank variance due to ``x_j`` and ``sum b_j**2 ≈ R²``.  Rows
    where ``y`` is NaN are left out.

    Parameters
    ----------
    x : (n, d) array_like
        Input sample, ``n > d``.
    y : (n,) array_like
        Output.

    Returns
    -------
    SRRC
        ``(coefficients (d,), r2)``.
    """
    xa, ya = _xy(x, y, "standardised_rank_regression")
    n, d = xa.shape
    if n <= d:
        raise ValueError(f"standardised_rank_regression: need n > d, got n = {n}, d = {d}")
    rx = _standardised_ranks(xa)
    ry = _standardised_ranks(ya[:, None])[:, 0]
    const = ~np.any(rx != 0, axis=0)
    coef = np.full(d, np.nan)
    sol, *_ = np.linalg.lstsq(rx[:, ~const], ry, rcond=None)
    coef[~const] = sol
    ss_tot = float(ry @ ry)
    if ss_tot == 0.0:
        return SRRC(coef, float("nan"))
    resid = ry - rx[:, ~const] @ sol
    return SRRC(coef, 1.0 - float(resid @ resid) / ss_tot)


def saltelli_matrices(
    n: int, d: int, seed: Seed = None, method: SamplingMethod = "sobol"
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Saltelli (2010) design in the unit cube for Sobol' indices.

    ``A`` and ``B`` are the first and last ``d`` columns of one ``(n, 2d)``
    unit sample; ``AB[i]`` is ``A`` with column ``i`` taken from ``B``.  Map
    every matrix through the inputs' inverse CDFs, evaluate the model on
    ``A``, ``B`` and each ``AB[i]`` (``n (d + 2)`` runs; stacking
    ``[A; B; AB.reshape(-1, d)]`` gives one batch of scenarios), and pass the
    outputs to :func:`sobol_indices`.

    Parameters
    ----------
    n : int
        Base sample size (a power of two for ``method="sobol"``).
    d : int
        Number of independent inputs.
    seed : int >= 0, SeedSequence or None
        Seed of the unit sample.
    method : {"sobol", "lhs", "random"}, default "sobol"
        Sampler of the ``(n, 2d)`` base sample (see :func:`unit_sample`).

    Returns
    -------
    A : (n, d) ndarray
    B : (n, d) ndarray
    AB : (d, n, d) ndarray
        ``AB[i][:, j] = B[:, j]`` if ``j == i`` else ``A[:, j]``.
    """
    u = unit_sample(n, 2 * d, method=method, seed=seed)
    a = np.ascontiguousarray(u[:, :d])
    b = np.ascontiguousarray(u[:, d:])
    ab = np.repeat(a[None, :, :], d, axis=0)
    idx = np.arange(d)
    ab[idx, :, idx] = b.T
    return a, b, ab


class SobolIndices(NamedTuple):
    """First-order and total Sobol' indices.

    Attributes
    ----------
    S1 : (d,) ndarray
        First-order indices.
    ST : (d,) ndarray
        Total-order indices.
    S1_ci, ST_ci : (d, 2) ndarray or None
        Bootstrap percentile confidence intervals (low, high), None without
        bootstrap.
    """

    S1: FloatArray
    ST: FloatArray
    S1_ci: FloatArray | None
    ST_ci: FloatArray | None


def _sobol_estimates(
    f_a: FloatArray, f_b: FloatArray, f_ab: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Estimators along the last axis; ``f_a, f_b (..., n)``, ``f_ab (d, ..., n)``."""
    var = np.concatenate([f_a, f_b], axis=-1).var(axis=-1)
    s1 = np.mean(f_b * (f_ab - f_a), axis=-1) / var
    st = 0.5 * np.mean((f_a - f_ab) ** 2, axis=-1) / var
    return s1, st


def sobol_indices(
    f_a: ArrayLike,
    f_b: ArrayLike,
    f_ab: ArrayLike,
    *,
    n_bootstrap: int = 0,
    confidence: float = 0.95,
    seed: Seed = None,
) -> SobolIndices:
    """First-order and total Sobol' indices from the Saltelli design outputs.

    With ``V = Var([f(A); f(B)])`` (outputs centred on their mean first,
    which leaves the indices unbiased and cuts the variance of ``S1`` when the
    output has a large mean):

    * ``S1_i = mean(f(B) (f(AB_i) - f(A))) / V`` — Saltelli et al. (2010), Table 2 (b);
    * ``ST_i = mean((f(A) - f(AB_i))**2) / (2 V)`` — Jansen (1999), Saltelli et
      al. (2010) Table 2 (f).

    Bootstrap intervals resample the ``n`` rows (keeping each row's ``d + 2``
    evaluations together) and take percentiles of the replicated indices.

    Parameters
    ----------
    f_a, f_b : (n,) array_like
        Model outputs at ``A`` and ``B``.
    f_ab : (d, n) array_like
        ``f_ab[i]`` = outputs at ``AB[i]``.
    n_bootstrap : int, default 0
        Bootstrap replicates (0: no intervals).
    confidence : float, default 0.95
        Level of the intervals.
    seed : int >= 0, SeedSequence or None
        Seed of the bootstrap resampling.

    Returns
    -------
    SobolIndices
        ``(S1 (d,), ST (d,), S1_ci (d, 2) | None, ST_ci (d, 2) | None)``.

    Raises
    ------
    ValueError
        On shape mismatch, NaN outputs (every evaluation is needed) or a
        constant output.
    """
    a = np.asarray(f_a, dtype=np.float64)
    b = np.asarray(f_b, dtype=np.float64)
    ab = np.asarray(f_ab, dtype=np.float64)
    if a.ndim != 1 or b.shape != a.shape:
        raise ValueError(f"sobol_indices: f_a and f_b must be (n,), got {a.shape} and {b.shape}")
    n = a.size
    if ab.ndim != 2 or ab.shape[1] != n:
        raise ValueError(f"sobol_indices: f_ab must be (d, {n}), got {ab.shape}")
    n_nan = int(np.isnan(a).sum() + np.isnan(b).sum() + np.isnan(ab).sum())
    if n_nan:
        raise ValueError(
            f"sobol_indices: {n_nan} model outputs are NaN; Sobol' indices need every "
            "evaluation (use spearman_with_output / SRRC, which omit NaN)"
        )
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"sobol_indices: confidence must be in (0, 1), got {confidence!r}")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, int) or n_bootstrap < 0:
        raise ValueError(f"sobol_indices: n_bootstrap must be an int >= 0, got {n_bootstrap!r}")
    centre = np.concatenate([a, b]).mean()
    a, b, ab = a - centre, b - centre, ab - centre
    if np.concatenate([a, b]).var() == 0.0:
        raise ValueError("sobol_indices: the output is constant over A and B; indices undefined")
    s1, st = _sobol_estimates(a, b, ab)
    if n_bootstrap == 0:
        return SobolIndices(s1, st, None, None)

    rng = make_rng(seed)
    d = ab.shape[0]
    chunk = max(1, int(4_000_000 // (n * (d + 2))))
    s1_rep = np.empty((n_bootstrap, d))
    st_rep = np.empty((n_bootstrap, d))
    for start in range(0, n_bootstrap, chunk):
        stop = min(start + chunk, n_bootstrap)
        idx = rng.integers(0, n, size=(stop - start, n))
        s1_rep[start:stop], st_rep[start:stop] = (
            r.T for r in _sobol_estimates(a[idx], b[idx], ab[:, idx])
        )
    q = 100.0 * np.array([(1.0 - confidence) / 2.0, (1.0 + confidence) / 2.0])
    s1_ci = np.percentile(s1_rep, q, axis=0).T
    st_ci = np.percentile(st_rep, q, axis=0).T
    return SobolIndices(s1, st, s1_ci, st_ci)
