"""Rank correlation between uncertain inputs.

* :func:`nearest_correlation` checks a user's correlation matrix and, when it
  is not positive definite, repairs it to the nearest valid one (Higham 2002).
* :func:`iman_conover` reorders the columns of an independent sample so that
  their rank correlation matches a target, keeping every marginal exactly
  (Iman & Conover 1982).
* :func:`spearman` measures the achieved rank correlation.

References
----------
Higham, N. J. (2002). Computing the nearest correlation matrix — a problem
from finance. *IMA Journal of Numerical Analysis* 22(3), 329–343.

Iman, R. L. & Conover, W. J. (1982). A distribution-free approach to inducing
rank correlation among input variables. *Communications in Statistics —
Simulation and Computation* 11(3), 311–334.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import linalg, special, stats

from renewfin.montecarlo.sampling import Seed, make_rng

__all__ = [
    "CorrelationRepair",
    "iman_conover",
    "nearest_correlation",
    "spearman",
]

FloatArray = NDArray[np.float64]

#: Default floor on the eigenvalues of a valid correlation matrix: "positive
#: definite enough" for a Cholesky factorisation.
MIN_EIGENVALUE: float = 1e-8

_MAX_SCORE_DRAWS = 20


@dataclass(frozen=True)
class CorrelationRepair:
    """What :func:`nearest_correlation` did.

    Attributes
    ----------
    repaired : bool
        True if the input was not a valid correlation matrix and was changed.
    distance : float
        Frobenius norm ``||C_valid - C||_F`` of the change (0 if not repaired).
    min_eigenvalue_before, min_eigenvalue_after : float
        Smallest eigenvalue of the input and of the returned matrix.
    iterations : int
        Alternating-projection iterations used (0 if not repaired).
    converged : bool
        Whether the iterations met the tolerance (True if not repaired).
    """

    repaired: bool
    distance: float
    min_eigenvalue_before: float
    min_eigenvalue_after: float
    iterations: int
    converged: bool


def _check_correlation(c: ArrayLike, tol: float) -> FloatArray:
    """Validate shape, finiteness, symmetry, diagonal and range; return a clean copy.

    Small asymmetries and diagonal errors (within ``tol``) are cleaned up; larger
    ones raise, naming the entry.
    """
    a = np.array(c, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"correlation matrix must be square, got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError("correlation matrix must not be empty")
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        i, j = bad[0]
        raise ValueError(f"correlation matrix entry C[{i}, {j}] is not finite ({float(a[i, j])!r})")
    diag_err = np.abs(np.diag(a) - 1.0)
    if np.any(diag_err > tol):
        i = int(np.argmax(diag_err))
        raise ValueError(
            f"correlation matrix diagonal C[{i}, {i}] must be 1, got {float(a[i, i])!r}"
        )
    asym = np.abs(a - a.T)
    if np.any(asym > tol):
        i, j = np.unravel_index(int(np.argmax(asym)), asym.shape)
        i, j = min(i, j), max(i, j)
        raise ValueError(
            f"correlation matrix is not symmetric: C[{i}, {j}] = {float(a[i, j])!r} but "
            f"C[{j}, {i}] = {float(a[j, i])!r}"
        )
    out_of_range = np.abs(a) > 1.0 + tol
    if np.any(out_of_range):
        i, j = np.argwhere(out_of_range)[0]
        raise ValueError(
            f"correlation matrix entry C[{i}, {j}] = {float(a[i, j])!r} is outside [-1, 1]"
        )
    a = 0.5 * (a + a.T)
    np.fill_diagonal(a, 1.0)
    return np.clip(a, -1.0, 1.0)


def _project_psd(a: FloatArray, floor: float) -> FloatArray:
    """Nearest (Frobenius) symmetric matrix with eigenvalues ``>= floor``."""
    w, v = np.linalg.eigh(a)
    x = (v * np.maximum(w, floor)) @ v.T
    return 0.5 * (x + x.T)


def _min_eig(a: FloatArray) -> float:
    return float(np.linalg.eigvalsh(a)[0])


def nearest_correlation(
    c: ArrayLike,
    tol: float = 1e-10,
    *,
    min_eigenvalue: float = MIN_EIGENVALUE,
    max_iter: int = 1000,
    input_tol: float = 1e-8,
) -> tuple[FloatArray, CorrelationRepair]:
    """Check a correlation matrix and repair it if it is not positive definite.

    A valid matrix is symmetric, has a unit diagonal, entries in ``[-1, 1]``
    and smallest eigenvalue ``>= min_eigenvalue`` (so its Cholesky factor
    exists).  The first three are the user's responsibility and raise; a
    matrix that merely fails the eigenvalue test (indefinite, as happens when
    pairwise correlations are elicited one at a time) is replaced by the
    nearest matrix in the Frobenius norm with unit diagonal and eigenvalues
    ``>= min_eigenvalue``, found by Higham's (2002, Algorithm 3.3) alternating
    projections with Dykstra's correction (unit weights).  A last
    eigenvalue clip and diagonal rescaling guarantee the returned matrix is
    exactly unit-diagonal and Cholesky-factorisable.

    Parameters
    ----------
    c : (d, d) array_like
        Candidate correlation matrix.
    tol : float, default 1e-10
        Convergence tolerance of the iterations (relative change of the
        iterates and relative gap between the two projections).
    min_eigenvalue : float, default 1e-8
        Eigenvalue floor of a valid matrix.
    max_iter : int, default 1000
        Iteration limit; if reached, the best iterate is returned with
        ``info.converged = False``.
    input_tol : float, default 1e-8
        Tolerance on symmetry, the unit diagonal and the ``[-1, 1]`` range
        before an input is rejected.

    Returns
    -------
    c_valid : (d, d) ndarray
        The input (symmetrised) if valid, else its repair.
    info : CorrelationRepair
        Whether it was repaired, the Frobenius distance moved and the
        smallest eigenvalue before and after.

    Raises
    ------
    ValueError
        If ``c`` is not square, has non-finite entries, is not symmetric, has
        a diagonal entry other than 1 or an entry outside ``[-1, 1]`` (the
        message names the entry).

    References
    ----------
    Higham (2002), see module docstring.  Worked example there:
    ``[[1, 1, 0], [1, 1, 1], [0, 1, 1]]`` has nearest correlation matrix
    ``[[1, .7607, .1573], [.7607, 1, .7607], [.1573, .7607, 1]]``.
    """
    a = _check_correlation(c, input_tol)
    lam0 = _min_eig(a)
    if lam0 >= min_eigenvalue:
        return a, CorrelationRepair(False, 0.0, lam0, lam0, 0, True)

    # Higham (2002) Algorithm 3.3 with W = I: alternate the projection onto
    # {eigenvalues >= floor} (with Dykstra's correction ds) and onto {unit diagonal}.
    y = a.copy()
    x = a.copy()
    ds = np.zeros_like(a)
    converged = False
    iterations = 0
    for k in range(1, max_iter + 1):
        iterations = k
        r = y - ds
        x_new = _project_psd(r, min_eigenvalue)
        ds = x_new - r
        y_new = x_new.copy()
        np.fill_diagonal(y_new, 1.0)
        norm_y = np.linalg.norm(y_new)
        change = max(
            np.linalg.norm(x_new - x) / np.linalg.norm(x_new),
            np.linalg.norm(y_new - y) / norm_y,
            np.linalg.norm(y_new - x_new) / norm_y,
        )
        x, y = x_new, y_new
        if change <= tol:
            converged = True
            break

    # Final guarantee: eigenvalues >= floor, then rescale to a unit diagonal.
    # (A congruence D^-1/2 X D^-1/2 keeps the matrix positive definite.)
    # Rescaling can lower the eigenvalues by the factor max(diag), so clip at twice
    # the floor and repeat until the floor holds (once, in practice).
    z = y
    for _ in range(20):
        z = _project_psd(z, 2.0 * min_eigenvalue)
        s = 1.0 / np.sqrt(np.diag(z))
        z = np.clip(z * s[:, None] * s[None, :], -1.0, 1.0)
        z = 0.5 * (z + z.T)
        np.fill_diagonal(z, 1.0)
        if _min_eig(z) >= min_eigenvalue:
            break
    np.linalg.cholesky(z)  # must succeed; raises LinAlgError otherwise
    info = CorrelationRepair(
        repaired=True,
        distance=float(np.linalg.norm(z - a)),
        min_eigenvalue_before=lam0,
        min_eigenvalue_after=_min_eig(z),
        iterations=iterations,
        converged=converged,
    )
    return z, info


def spearman(x: ArrayLike) -> FloatArray:
    """Spearman rank correlation matrix of the columns of ``x``.

    Ranks each column (average ranks for ties) and takes the Pearson
    correlation of the ranks.

    Parameters
    ----------
    x : (n, d) array_like
        Sample, one column per variable (``n >= 2``).

    Returns
    -------
    (d, d) ndarray
        Rank correlation matrix (NaN rows/columns for constant columns).
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2:
        raise ValueError(f"spearman: x must have shape (n >= 2, d), got {a.shape}")
    ranks = stats.rankdata(a, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(ranks, rowvar=False)
    return np.atleast_2d(np.asarray(r, dtype=np.float64))


def _rank_to_normal_correlation(c: FloatArray) -> FloatArray:
    """Pearson correlation of a normal pair whose Spearman correlation is ``c``.

    Inverse of ``rho_s = (6 / pi) * arcsin(rho / 2)`` (Pearson 1907).
    """
    r = 2.0 * np.sin(np.pi * c / 6.0)
    np.fill_diagonal(r, 1.0)
    return r


def iman_conover(
    x: ArrayLike,
    c: ArrayLike,
    seed: Seed = None,
    *,
    rank_target: bool = True,
) -> FloatArray:
    """Reorder each column of ``x`` so its rank correlation approximates ``c``.

    Iman & Conover (1982):

    1. Score matrix ``M`` (n, d): each column an independent random
       permutation of the van der Waerden scores ``Phi^-1(i / (n + 1))``,
       ``i = 1..n``.
    2. ``E = corr(M) = F F'`` and target ``C* = P P'`` (Cholesky); the matrix
       ``T = M F'^-1 P'`` has sample correlation exactly ``C*``.
    3. Each column of ``x`` is sorted and re-ranked to follow the ranks of
       the matching column of ``T``.

    Each output column is a permutation of the input column, so the
    marginals are preserved exactly.  Only ranks are used, so ``x`` may be
    the unit sample or the sample after the inverse CDFs: the result is the
    same up to the monotone map.

    With ``rank_target=True`` (default) the target is read as a Spearman
    matrix: the normal scores are given the Pearson correlation
    ``C* = 2 sin(pi C / 6)``, whose rank correlation for normal variables is
    ``C`` (otherwise the achieved Spearman is biased towards zero by up to
    0.018).  If that conversion is not positive definite it is repaired with
    :func:`nearest_correlation`.  ``rank_target=False`` uses ``C* = C`` as in
    the original paper.

    Parameters
    ----------
    x : (n, d) array_like
        Sample with independent columns, ``n > d``.
    c : (d, d) array_like
        Target rank correlation; symmetric, unit diagonal and positive
        definite (its Cholesky factor must exist; repair an indefinite one
        with :func:`nearest_correlation` first).
    seed : int >= 0, SeedSequence or None
        Seed for the random permutations of the scores.
    rank_target : bool, default True
        Interpret ``c`` as Spearman (True) or as the Pearson correlation of
        the scores (False).

    Returns
    -------
    (n, d) ndarray
        ``x`` with each column reordered.

    Raises
    ------
    ValueError
        If shapes do not match, ``n <= d``, or ``c`` is not a valid correlation
        matrix (the message says how).
    """
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"iman_conover: x must have shape (n, d), got {a.shape}")
    n, d = a.shape
    target = _check_correlation(c, 1e-8)
    if target.shape != (d, d):
        raise ValueError(
            f"iman_conover: c has shape {target.shape} but x has {d} columns; need ({d}, {d})"
        )
    try:
        np.linalg.cholesky(target)
    except np.linalg.LinAlgError:
        raise ValueError(
            "iman_conover: c is not positive definite (smallest eigenvalue "
            f"{_min_eig(target):.3g}); repair it with nearest_correlation(c) first"
        ) from None
    if n <= d:
        raise ValueError(f"iman_conover: need more rows than columns, got n = {n}, d = {d}")
    if d == 1:
        return a.copy()
    if rank_target:
        target = _rank_to_normal_correlation(target)
        if _min_eig(target) < MIN_EIGENVALUE:
            target, _ = nearest_correlation(target)

    rng = make_rng(seed)
    scores = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    # For very small n the random permutations can be collinear (e.g. two equal
    # columns); draw again a few times before giving up.
    for _ in range(_MAX_SCORE_DRAWS):
        m = rng.permuted(np.broadcast_to(scores[:, None], (n, d)), axis=0)
        try:
            f = np.linalg.cholesky(np.corrcoef(m, rowvar=False))
            break
        except np.linalg.LinAlgError:
            continue
    else:
        raise ValueError(
            f"iman_conover: score correlation is singular for n = {n}, d = {d}; use more rows"
        )
    p = np.linalg.cholesky(target)
    # T = M (F^-1)' P' = M Z with F' Z = P' (F lower triangular).
    t = m @ linalg.solve_triangular(f.T, p.T, lower=False)
    del m
    # Column by column (memory: one (n,) column of temporaries, not (n, d) arrays): the
    # row holding the k-th smallest target score gets the k-th smallest value of x.
    out = np.empty_like(a)
    for j in range(d):
        out[np.argsort(t[:, j], kind="stable"), j] = np.sort(a[:, j])
    return out
