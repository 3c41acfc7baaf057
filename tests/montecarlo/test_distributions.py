"""Tests of renewfin.montecarlo.distributions.

References: analytic moments of each law (Johnson, Kotz & Balakrishnan,
*Continuous Univariate Distributions*; beta-PERT: Vose, *Risk Analysis*, 3rd ed.,
§9.1), closed-form inverse CDFs written out here, and scipy.stats as an
independent implementation of the inverse CDFs.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from renewfin.montecarlo import (
    PERT,
    ContinuousDistribution,
    Discrete,
    Distribution,
    LogNormal,
    Normal,
    Triangular,
    Truncated,
    Uniform,
    unit_sample,
)
from renewfin.montecarlo import beta as beta_module

U = np.linspace(0.001, 0.999, 401)


# --------------------------------------------------------------------------- #
# Analytic moments, written out independently of the implementation
# --------------------------------------------------------------------------- #

_phi = stats.norm.pdf
_Phi = stats.norm.cdf


def _truncnorm_moments(m: float, s: float, lo: float, hi: float) -> tuple[float, float]:
    """Mean and std of N(m, s²) truncated to [lo, hi] (Johnson, Kotz & Balakrishnan 13.134)."""
    a, b = (lo - m) / s, (hi - m) / s
    z = _Phi(b) - _Phi(a)
    mean = m + s * (_phi(a) - _phi(b)) / z
    a_phi_a = a * _phi(a) if math.isfinite(a) else 0.0  # x φ(x) → 0 at ±inf
    b_phi_b = b * _phi(b) if math.isfinite(b) else 0.0
    var = s**2 * (1 + (a_phi_a - b_phi_b) / z - ((_phi(a) - _phi(b)) / z) ** 2)
    return mean, math.sqrt(var)


CASES: list[tuple[Distribution, float, float]] = [
    (Normal(3.0, 2.0), 3.0, 2.0),
    (LogNormal(100.0, 30.0), 100.0, 30.0),
    # Triangular: mean (a+b+c)/3, var (a²+b²+c²-ab-ac-bc)/18 = 13/18
    (Triangular(1.0, 2.0, 5.0), 8.0 / 3.0, math.sqrt(13.0 / 18.0)),
    # PERT(1, 2, 5): alpha = 2, beta = 4 → mean (1 + 4·2 + 5)/6, var 16·8/(36·7)
    (PERT(1.0, 2.0, 5.0), 14.0 / 6.0, math.sqrt(16.0 * 8.0 / (36.0 * 7.0))),
    # PERT with lamb = 2: alpha = 1.5, beta = 2.5 on [0, 10]
    (PERT(0.0, 2.5, 10.0, lamb=2.0), 10 * 1.5 / 4.0, 10 * math.sqrt(1.5 * 2.5 / (16.0 * 5.0))),
    (Uniform(-1.0, 3.0), 1.0, 4.0 / math.sqrt(12.0)),
    (
        Discrete([3.0, 1.0, 2.0], [0.2, 0.5, 0.3]),
        1.7,
        math.sqrt(0.2 * 1.69 + 0.5 * 0.49 + 0.3 * 0.09),
    ),
    (Truncated(Normal(0.0, 1.0), -1.0, 2.0), *_truncnorm_moments(0.0, 1.0, -1.0, 2.0)),
    (Truncated(Normal(10.0, 3.0), low=12.0), *_truncnorm_moments(10.0, 3.0, 12.0, math.inf)),
    # Truncating a uniform gives a uniform on the intersection.
    (Truncated(Uniform(0.0, 10.0), 2.0, 4.0), 3.0, 2.0 / math.sqrt(12.0)),
]
IDS = [type(d).__name__ + str(i) for i, (d, _, _) in enumerate(CASES)]


@pytest.mark.parametrize(("dist", "mean", "std"), CASES, ids=IDS)
def test_analytic_moments(dist: Distribution, mean: float, std: float) -> None:
    assert dist.mean == pytest.approx(mean, rel=1e-9, abs=1e-12)
    assert dist.std == pytest.approx(std, rel=1e-7)


@pytest.mark.parametrize(("dist", "mean", "std"), CASES, ids=IDS)
def test_sample_moments_match_analytic(dist: Distribution, mean: float, std: float) -> None:
    """Sample mean and std of 200 000 random draws within 5 standard errors."""
    n = 200_000
    x = dist.ppf(unit_sample(n, 1, "random", seed=11)[:, 0])
    se_mean = std / math.sqrt(n)
    # SE of the sample std ≈ sqrt(Var(s²)) / (2 s), Var(s²) ≈ (mu4 - s⁴) / n.
    mu4 = float(np.mean((x - x.mean()) ** 4))
    se_std = math.sqrt((mu4 - std**4) / n) / (2 * std)
    assert abs(x.mean() - mean) < 5 * se_mean
    assert abs(x.std() - std) < 5 * se_std


def test_lognormal_truncated_moments_by_sampling() -> None:
    """Quadrature moments of a truncated log-normal against 400 000 draws (5 SE)."""
    d = Truncated(LogNormal(100.0, 30.0), 70.0, 150.0)
    n = 400_000
    x = d.ppf(unit_sample(n, 1, "random", seed=3)[:, 0])
    assert abs(x.mean() - d.mean) < 5 * d.std / math.sqrt(n)
    assert x.std() == pytest.approx(d.std, rel=5e-3)
    assert x.min() >= 70.0 and x.max() <= 150.0


# --------------------------------------------------------------------------- #
# Inverse CDFs against closed forms / scipy
# --------------------------------------------------------------------------- #


def test_normal_ppf_vs_scipy() -> None:
    np.testing.assert_allclose(Normal(5.0, 2.0).ppf(U), stats.norm(5.0, 2.0).ppf(U), rtol=1e-14)


def test_lognormal_ppf_closed_form() -> None:
    """X = exp(mu + sigma Φ⁻¹(u)), sigma² = ln(1 + (s/m)²), mu = ln m − sigma²/2."""
    m, s = 100.0, 30.0
    sigma = math.sqrt(math.log(1 + (s / m) ** 2))
    mu = math.log(m) - sigma**2 / 2
    d = LogNormal(m, s)
    assert d.mu == pytest.approx(mu) and d.sigma == pytest.approx(sigma)
    np.testing.assert_allclose(d.ppf(U), np.exp(mu + sigma * special.ndtri(U)), rtol=1e-12)


def test_lognormal_from_log_params_round_trip() -> None:
    d = LogNormal.from_log_params(mu=1.2, sigma=0.4)
    assert d.mu == pytest.approx(1.2) and d.sigma == pytest.approx(0.4)
    assert d.mean == pytest.approx(math.exp(1.2 + 0.08))


def test_triangular_ppf_closed_form() -> None:
    """F⁻¹(u) = a + sqrt(u (b−a)(c−a)) for u < (c−a)/(b−a), else b − sqrt((1−u)(b−a)(b−c))."""
    a, c, b = 1.0, 2.0, 5.0
    fc = (c - a) / (b - a)
    expected = np.where(
        U < fc, a + np.sqrt(U * (b - a) * (c - a)), b - np.sqrt((1 - U) * (b - a) * (b - c))
    )
    np.testing.assert_allclose(Triangular(a, c, b).ppf(U), expected, rtol=1e-12)
    scipy_ref = stats.triang(c=(c - a) / (b - a), loc=a, scale=b - a).ppf(U)
    np.testing.assert_allclose(Triangular(a, c, b).ppf(U), scipy_ref, rtol=1e-12)


def test_pert_ppf_vs_scipy_beta() -> None:
    """Beta-PERT(0, 3, 10, lamb=4): alpha = 1 + 4·0.3 = 2.2, beta = 1 + 4·0.7 = 3.8."""
    d = PERT(0.0, 3.0, 10.0)
    assert (d.alpha, d.beta) == pytest.approx((2.2, 3.8))
    np.testing.assert_allclose(d.ppf(U), 10.0 * stats.beta(2.2, 3.8).ppf(U), rtol=1e-10)


@pytest.mark.parametrize(("a", "b"), [(2.2, 3.8), (4.9, 1.1), (1.05, 1.05), (120.0, 300.0)])
def test_beta_quantiles_of_a_large_sample_match_betaincinv(a: float, b: float) -> None:
    """The table-and-Newton path (taken for 100,000 points) against scipy's betaincinv at
    every point, tails included, to 1e-13 relative; NaN stays NaN and the shape is kept."""
    rng = np.random.default_rng(7)
    u = (np.arange(100_000) + rng.random(100_000)) / 100_000
    u[[0, -1, 500]] = [0.0, 1.0, np.nan]
    assert u.size >= beta_module._BETA_TABLE_MIN
    got = beta_module.beta_quantiles(a, b, u.reshape(400, 250)).ravel()
    ref = special.betaincinv(a, b, u)
    np.testing.assert_allclose(got, ref, rtol=1e-13, atol=1e-300)
    assert np.isnan(got[500]) and (got[0], got[-1]) == (0.0, 1.0)


def test_uniform_ppf_closed_form() -> None:
    np.testing.assert_allclose(Uniform(2.0, 7.0).ppf(U), 2.0 + 5.0 * U, rtol=1e-15)


def test_truncated_normal_ppf_vs_scipy_truncnorm() -> None:
    d = Truncated(Normal(1.0, 2.0), -2.0, 4.0)
    ref = stats.truncnorm(-1.5, 1.5, loc=1.0, scale=2.0).ppf(U)
    np.testing.assert_allclose(d.ppf(U), ref, rtol=1e-10)


def test_truncated_upper_tail_keeps_precision() -> None:
    """Interval [8σ, 9σ]: F(low) rounds to 1, the survival-function path must be used."""
    d = Truncated(Normal(0.0, 1.0), 8.0, 9.0)
    ref = stats.truncnorm(8.0, 9.0).ppf(U)
    np.testing.assert_allclose(d.ppf(U), ref, rtol=1e-9)
    assert np.all(np.diff(d.ppf(U)) > 0)


def test_truncated_general_ppf_definition() -> None:
    """ppf(u) = F⁻¹(F(low) + u (F(high) − F(low))) for a truncated triangular."""
    base = Triangular(0.0, 4.0, 10.0)
    d = Truncated(base, 2.0, 8.0)
    fl, fh = base.cdf(2.0), base.cdf(8.0)
    np.testing.assert_allclose(d.ppf(U), base.ppf(fl + U * (fh - fl)), rtol=1e-12)
    np.testing.assert_allclose(d.cdf(d.ppf(U)), U, atol=1e-12)
    np.testing.assert_allclose(d.sf(d.ppf(U)), 1 - U, atol=1e-12)


def test_truncated_bounds_clipped_to_support() -> None:
    d = Truncated(LogNormal(10.0, 2.0), high=12.0)
    assert (d.low, d.high) == (0.0, 12.0)
    assert d.mass == pytest.approx(LogNormal(10.0, 2.0).cdf(12.0))


def test_discrete_ppf_is_left_continuous_quantile() -> None:
    """Sorted values 1, 2, 3 with cumulative 0.5, 0.8, 1.0: Q(u) = min{x : F(x) >= u}."""
    d = Discrete([3.0, 1.0, 2.0], [0.2, 0.5, 0.3])
    u = np.array([0.0, 0.3, 0.5, 0.5000001, 0.8, 0.81, 1.0])
    np.testing.assert_array_equal(d.ppf(u), [1, 1, 1, 2, 2, 3, 3])
    assert (d.low, d.high) == (1.0, 3.0)


def test_discrete_zero_probability_never_drawn() -> None:
    d = Discrete([0.0, 1.0, 2.0], [0.5, 0.0, 0.5])
    x = d.ppf(unit_sample(10_000, 1, "random", seed=1)[:, 0])
    assert set(np.unique(x)) == {0.0, 2.0}


def test_ppf_preserves_shape_and_nan() -> None:
    u = np.array([[0.1, np.nan], [0.5, 0.9]])
    for d in (Normal(0, 1), Discrete([1, 2], [0.5, 0.5]), Truncated(Normal(0, 1), -1, 1)):
        x = d.ppf(u)
        assert x.shape == (2, 2) and x.dtype == np.float64
        assert np.isnan(x[0, 1]) and np.isfinite(x[[0, 1, 1], [0, 0, 1]]).all()


@pytest.mark.parametrize("bad", [-0.1, 1.5])
def test_ppf_rejects_u_outside_unit_interval(bad: float) -> None:
    for d in (Normal(0, 1), Discrete([1], [1]), Truncated(Uniform(0, 1), 0.2, 0.8)):
        with pytest.raises(ValueError, match=r"u must lie in \[0, 1\]"):
            d.ppf([0.5, bad])


# --------------------------------------------------------------------------- #
# Property tests
# --------------------------------------------------------------------------- #

finite = st.floats(-1e6, 1e6, allow_nan=False)
positive = st.floats(1e-3, 1e3)


@st.composite
def distributions(draw: st.DrawFn) -> Distribution:
    kind = draw(st.sampled_from(["normal", "lognormal", "tri", "pert", "uniform", "discrete"]))
    if kind == "normal":
        return Normal(draw(finite), draw(positive))
    if kind == "lognormal":
        return LogNormal(draw(positive), draw(positive))
    if kind == "discrete":
        vals = draw(st.lists(finite, min_size=1, max_size=6))
        w = np.array(draw(st.lists(st.floats(0.01, 1), min_size=len(vals), max_size=len(vals))))
        return Discrete(vals, list(w / w.sum()))
    lo = draw(finite)
    hi = lo + draw(positive)
    if kind == "uniform":
        return Uniform(lo, hi)
    mode = lo + draw(st.floats(0, 1)) * (hi - lo)
    return Triangular(lo, mode, hi) if kind == "tri" else PERT(lo, mode, hi)


@settings(max_examples=60, deadline=None)
@given(distributions(), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50))
def test_ppf_monotone_and_within_support(dist: Distribution, us: list[float]) -> None:
    u = np.sort(np.asarray(us))
    x = dist.ppf(u)
    assert np.all(x[1:] >= x[:-1])  # (not np.diff: ppf(0) = -inf repeated)
    inner = (u > 0) & (u < 1)
    assert np.all(x[inner] >= dist.low) and np.all(x[inner] <= dist.high)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-5, 5),
    st.floats(0.1, 5),
    st.floats(-3, 3),
    st.floats(0.05, 3),
    st.floats(0.001, 0.999),
)
def test_truncated_normal_cdf_inverts_ppf(
    m: float, s: float, z_lo: float, width: float, u: float
) -> None:
    lo = m + z_lo * s
    d = Truncated(Normal(m, s), lo, lo + width * s)
    x = d.ppf(u)
    assert lo <= x <= lo + width * s
    assert float(d.cdf(x)) == pytest.approx(u, abs=1e-9)


# --------------------------------------------------------------------------- #
# Validation: the message names the parameter and the value
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Normal(0, -1), r"normal: std must be > 0, got -1"),
        (lambda: Normal(0, 0), r"normal: std must be > 0, got 0"),
        (lambda: Normal(math.nan, 1), r"normal: mean must be finite, got nan"),
        (lambda: Normal("a", 1), r"normal: mean must be a number, got 'a'"),  # type: ignore[arg-type]
        (lambda: LogNormal(-1, 1), r"lognormal: mean must be > 0, got -1"),
        (lambda: LogNormal(1, 0), r"lognormal: std must be > 0, got 0"),
        (lambda: LogNormal.from_log_params(0, -2), r"lognormal: sigma must be > 0, got -2"),
        (lambda: Triangular(5, 3, 6), r"triangular: low \(5\) > mode \(3\)"),
        (lambda: Triangular(1, 3, 2.5), r"triangular: mode \(3\) > high \(2.5\)"),
        (lambda: Triangular(2, 2, 2), r"triangular: low \(2\) must be < high \(2\)"),
        (lambda: Triangular(0, 1, math.inf), r"triangular: high must be finite, got inf"),
        (lambda: PERT(5, 3, 6), r"pert: low \(5\) > mode \(3\)"),
        (lambda: PERT(0, 1, 2, lamb=0), r"pert: lamb must be > 0, got 0"),
        (lambda: Uniform(2, 1), r"uniform: low \(2\) must be < high \(1\)"),
        (lambda: Discrete([], []), r"discrete: values must not be empty"),
        (lambda: Discrete([1, 2], [1.0]), r"discrete: values \(2\) and probabilities \(1\)"),
        (lambda: Discrete([1, 2], [0.5, 0.6]), r"discrete: probabilities must sum to 1, got 1.1"),
        (lambda: Discrete([1, 2], [1.5, -0.5]), r"discrete: probabilities\[1\] must be >= 0"),
        (lambda: Discrete([1, math.nan], [0.5, 0.5]), r"discrete: values\[1\] must be finite"),
        (lambda: Truncated(Normal(0, 1), 3, 2), r"truncated: low \(3\) must be < high \(2\)"),
        (
            lambda: Truncated(Uniform(0, 1), 2, 3),
            r"truncated: interval \[2, 3\] has zero probability",
        ),
        (
            lambda: Truncated(Normal(0, 1), 40, 41),
            r"truncated: interval \[40, 41\] has zero probability",
        ),
        (lambda: Truncated(Discrete([1], [1]), 0, 2), r"truncated: dist must be a continuous"),  # type: ignore[arg-type]
        (
            lambda: Truncated(Truncated(Normal(0, 1), -1, 1), 0, 1),
            r"truncated: dist must be a continuous.*got Truncated",
        ),
    ],
)
def test_parameter_errors_name_parameter_and_value(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_discrete_accepts_sum_within_1e9() -> None:
    Discrete([1, 2], [0.5, 0.5 + 5e-10])
    with pytest.raises(ValueError, match="sum to 1"):
        Discrete([1, 2], [0.5, 0.5 + 5e-9])


def test_distributions_are_frozen_and_follow_protocol() -> None:
    d = Triangular(1, 2, 3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.low = 0  # type: ignore[misc]
    for dist, _, _ in CASES:
        assert isinstance(dist, Distribution)
    assert isinstance(Normal(0, 1), ContinuousDistribution)
    assert not isinstance(Discrete([1], [1]), ContinuousDistribution)
    assert hash(Discrete([1, 2], [0.5, 0.5])) == hash(Discrete((1.0, 2.0), (0.5, 0.5)))
