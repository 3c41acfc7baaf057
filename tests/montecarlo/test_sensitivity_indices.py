"""Tests of renewfin.montecarlo.sensitivity_indices.

References: Ishigami & Homma (1990) function f = sin x1 + a sin² x2 + b x3⁴ sin x1
on [−π, π]³ with a = 7, b = 0.1; analytic S1 = (0.3139, 0.4424, 0) and
ST = (0.5576, 0.4424, 0.2437) (Saltelli et al. 2008, *Global Sensitivity
Analysis: The Primer*, §4.5); for a linear model with independent inputs
S1_i = ST_i = b_i² σ_i² / Σ b_j² σ_j²; scipy.stats.spearmanr.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from renewfin.montecarlo import (
    Normal,
    Uniform,
    saltelli_matrices,
    sobol_indices,
    spearman_with_output,
    standardised_rank_regression,
    unit_sample,
)

ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[..., 0]) + a * np.sin(x[..., 1]) ** 2 + b * x[..., 2] ** 4 * np.sin(x[..., 0])


def _ishigami_outputs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b, ab = saltelli_matrices(n, 3, seed=seed)
    box = Uniform(-math.pi, math.pi)
    return ishigami(box.ppf(a)), ishigami(box.ppf(b)), ishigami(box.ppf(ab))


def test_ishigami_analytic_values() -> None:
    """Check the reference values themselves from the closed-form variance terms."""
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * math.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    np.testing.assert_allclose([v1 / v, v2 / v, 0.0], ISHIGAMI_S1, atol=1e-4)
    np.testing.assert_allclose([(v1 + v13) / v, v2 / v, v13 / v], ISHIGAMI_ST, atol=1e-4)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sobol_indices_ishigami(seed: int) -> None:
    res = sobol_indices(*_ishigami_outputs(2**13, seed))
    np.testing.assert_allclose(res.S1, ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(res.ST, ISHIGAMI_ST, atol=0.03)
    assert res.S1_ci is None and res.ST_ci is None


def test_sobol_bootstrap_intervals_cover_analytic_values() -> None:
    res = sobol_indices(*_ishigami_outputs(2**12, 5), n_bootstrap=200, seed=0)
    assert res.S1_ci is not None and res.ST_ci is not None
    assert res.S1_ci.shape == (3, 2) and res.ST_ci.shape == (3, 2)
    assert np.all(res.S1_ci[:, 0] <= res.S1) and np.all(res.S1 <= res.S1_ci[:, 1])
    # 95 % intervals, widened by 0.01 for the bootstrap's own noise.
    assert np.all(res.S1_ci[:, 0] - 0.01 <= ISHIGAMI_S1)
    assert np.all(ISHIGAMI_S1 <= res.S1_ci[:, 1] + 0.01)
    assert np.all(res.ST_ci[:, 0] - 0.01 <= ISHIGAMI_ST)
    assert np.all(ISHIGAMI_ST <= res.ST_ci[:, 1] + 0.01)
    again = sobol_indices(*_ishigami_outputs(2**12, 5), n_bootstrap=200, seed=0)
    np.testing.assert_array_equal(again.S1_ci, res.S1_ci)


def test_sobol_indices_linear_model_with_large_offset() -> None:
    """Y = 1e6 + Σ b_i X_i: S1 = ST = b_i² σ_i² / Σ b_j² σ_j² (offset must not matter)."""
    b = np.array([3.0, 1.0, 0.5, 0.0])
    sig = np.array([1.0, 2.0, 1.0, 1.0])
    share = b**2 * sig**2 / np.sum(b**2 * sig**2)
    a_u, b_u, ab_u = saltelli_matrices(2**12, 4, seed=3)

    def model(u: np.ndarray) -> np.ndarray:
        return 1e6 + (Normal(0.0, 1.0).ppf(u) * sig) @ b

    res = sobol_indices(model(a_u), model(b_u), model(ab_u))
    np.testing.assert_allclose(res.S1, share, atol=0.02)
    np.testing.assert_allclose(res.ST, share, atol=0.02)


def test_saltelli_matrices_structure() -> None:
    a, b, ab = saltelli_matrices(64, 3, seed=0)
    assert a.shape == b.shape == (64, 3) and ab.shape == (3, 64, 3)
    for i in range(3):
        for j in range(3):
            np.testing.assert_array_equal(ab[i][:, j], b[:, j] if i == j else a[:, j])
    u = unit_sample(64, 6, "sobol", seed=0)
    np.testing.assert_array_equal(np.hstack([a, b]), u)
    a2, _, _ = saltelli_matrices(64, 3, seed=0)
    np.testing.assert_array_equal(a, a2)


def test_sobol_indices_errors() -> None:
    f_a, f_b, f_ab = _ishigami_outputs(64, 0)
    with pytest.raises(ValueError, match=r"f_ab must be \(d, 64\)"):
        sobol_indices(f_a, f_b, f_ab[:, :10])
    f_a[3] = np.nan
    with pytest.raises(ValueError, match="1 model outputs are NaN"):
        sobol_indices(f_a, f_b, f_ab)
    with pytest.raises(ValueError, match="output is constant"):
        sobol_indices(np.ones(8), np.ones(8), np.ones((2, 8)))


# --------------------------------------------------------------------------- #
# Sample-based indices
# --------------------------------------------------------------------------- #


def _linear_sample(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Y = 5 X1 − 3 X2 + 1 X3 + 0 X4 + noise, X_i ~ N(0, 1) independent."""
    u = unit_sample(n, 5, "lhs", seed=12)
    x = Normal(0.0, 1.0).ppf(u)
    b = np.array([5.0, -3.0, 1.0, 0.0])
    y = x[:, :4] @ b + 0.5 * x[:, 4]
    return x[:, :4], y, b


def test_srrc_ranks_linear_model_inputs() -> None:
    x, y, b = _linear_sample(5000)
    res = standardised_rank_regression(x, y)
    assert list(np.argsort(-np.abs(res.coefficients))) == [0, 1, 2, 3]
    assert np.all(np.sign(res.coefficients[:3]) == np.sign(b[:3]))
    assert abs(res.coefficients[3]) < 0.03
    assert res.r2 > 0.95
    # Standardised coefficients of a normal linear model: b_i / σ_Y (ranks ≈ normal scores).
    sd_y = math.sqrt(np.sum(b**2) + 0.25)
    np.testing.assert_allclose(res.coefficients, b / sd_y, atol=0.03)
    assert np.sum(res.coefficients**2) == pytest.approx(res.r2, abs=0.02)


def test_spearman_with_output_matches_scipy_and_omits_nan() -> None:
    x, y, _ = _linear_sample(2000)
    rho = spearman_with_output(x, y)
    ref = [stats.spearmanr(x[:, j], y).statistic for j in range(4)]
    np.testing.assert_allclose(rho, ref, atol=1e-12)
    y_nan = y.copy()
    y_nan[::10] = np.nan
    keep = ~np.isnan(y_nan)
    ref_nan = [stats.spearmanr(x[keep, j], y_nan[keep]).statistic for j in range(4)]
    np.testing.assert_allclose(spearman_with_output(x, y_nan), ref_nan, atol=1e-12)
    srrc_nan = standardised_rank_regression(x, y_nan).coefficients
    np.testing.assert_allclose(
        srrc_nan, standardised_rank_regression(x[keep], y[keep]).coefficients
    )


def test_constant_input_gives_nan_index() -> None:
    x, y, _ = _linear_sample(500)
    x[:, 2] = 1.0
    assert math.isnan(spearman_with_output(x, y)[2])
    res = standardised_rank_regression(x, y)
    assert math.isnan(res.coefficients[2]) and np.isfinite(res.coefficients[[0, 1, 3]]).all()


def test_sample_index_errors() -> None:
    with pytest.raises(ValueError, match=r"y must have shape \(3,\)"):
        spearman_with_output(np.ones((3, 2)), np.ones(4))
    with pytest.raises(ValueError, match="need n > d"):
        standardised_rank_regression(np.random.default_rng(0).random((4, 4)), np.arange(4.0))
