"""Tests of renewfin.montecarlo.statistics.

References: the linear model Y = a + Σ b_i X_i with independent X_i ~ N(μ_i, σ_i²)
has Y ~ N(a + Σ b_i μ_i, Σ b_i² σ_i²); the sample variance of n normal values has
standard error σ² sqrt(2 / (n − 1)); the binomial standard error sqrt(p(1−p)/n);
the pairwise variance update of Chan, Golub & LeVeque (1979) against a one-pass
numpy computation; numpy.percentile (linear, = Excel PERCENTILE.INC).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from renewfin.montecarlo import (
    Normal,
    RunningStats,
    breach_probability,
    convergence,
    summarise,
    unit_sample,
)

A = 3.0
B = np.array([2.0, -1.5, 0.5, 4.0])
MU = np.array([1.0, 10.0, -2.0, 0.3])
SIGMA = np.array([0.5, 2.0, 3.0, 0.1])


def _linear_model(n: int, method: str, seed: int) -> np.ndarray:
    u = unit_sample(n, 4, method, seed=seed)  # type: ignore[arg-type]
    x = np.column_stack(
        [Normal(m, s).ppf(u[:, j]) for j, (m, s) in enumerate(zip(MU, SIGMA, strict=True))]
    )
    return A + x @ B


@pytest.mark.parametrize("method", ["random", "lhs"])
def test_linear_model_mean_and_variance(method: str) -> None:
    n = 50_000
    y = _linear_model(n, method, seed=21)
    mean = A + B @ MU
    var = float(np.sum(B**2 * SIGMA**2))
    s = summarise(y)
    assert s["n"] == n and s["n_nan"] == 0 and s["n_valid"] == n
    assert abs(s["mean"] - mean) < 5 * s["sem"]
    assert s["sem"] == pytest.approx(s["std"] / math.sqrt(n))
    assert abs(s["std"] ** 2 - var) < 5 * var * math.sqrt(2 / (n - 1))
    # Y is normal: its percentiles are mean + sd Φ⁻¹(q), SE of a quantile ≈ sqrt(q(1−q)/n)/φ.
    for q in (5, 10, 50, 90, 95):
        z = stats.norm.ppf(q / 100)
        se_q = math.sqrt(q / 100 * (1 - q / 100) / n) / stats.norm.pdf(z) * math.sqrt(var)
        assert abs(s[f"p{q}"] - (mean + math.sqrt(var) * z)) < 5 * se_q


def test_summarise_is_nan_aware_and_counts_nan() -> None:
    v = np.array([1.0, np.nan, 3.0, 2.0, np.nan, 4.0])
    s = summarise(v, percentiles=(2.5, 50))
    assert (s["n"], s["n_nan"], s["n_valid"]) == (6, 2, 4)
    assert s["mean"] == 2.5 and s["min"] == 1.0 and s["max"] == 4.0
    assert s["std"] == pytest.approx(np.std([1, 3, 2, 4], ddof=1))
    assert s["p2.5"] == pytest.approx(np.percentile([1, 2, 3, 4], 2.5))
    assert s["p50"] == 2.5


def test_summarise_degenerate_inputs() -> None:
    s = summarise([np.nan, np.nan])
    assert s["n_valid"] == 0 and math.isnan(s["mean"]) and math.isnan(s["p50"])
    s1 = summarise([7.0])
    assert s1["mean"] == 7.0 and math.isnan(s1["std"]) and math.isnan(s1["sem"])
    with pytest.raises(ValueError, match=r"percentiles must lie in \[0, 100\]"):
        summarise([1.0, 2.0], percentiles=(50, 101))
    with pytest.raises(ValueError, match=r"values must have shape \(n,\)"):
        summarise(np.ones((2, 2)))


# --------------------------------------------------------------------------- #
# breach_probability
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(("op", "k"), [("<", 2), ("<=", 3), (">", 5), (">=", 6)])
def test_breach_counts_and_se_formula(op: str, k: int) -> None:
    v = np.array([0.9, 1.1, 1.2, 1.3, 1.5, 1.8, 2.0, 2.5])
    r = breach_probability(v, op, 1.2)  # type: ignore[arg-type]
    assert r.n_breach == k and r.n == 8 and r.n_nan == 0
    assert r.p == k / 8
    assert r.se == pytest.approx(math.sqrt(r.p * (1 - r.p) / 8))


def test_breach_nan_policies() -> None:
    v = np.array([0.5, np.nan, 1.5, np.nan, 0.8])
    omit = breach_probability(v, "<", 1.0)
    assert (omit.p, omit.n, omit.n_nan, omit.n_breach) == (2 / 3, 3, 2, 2)
    worst = breach_probability(v, "<", 1.0, nan_policy="breach")
    assert (worst.p, worst.n, worst.n_nan, worst.n_breach) == (4 / 5, 5, 2, 4)
    with pytest.raises(ValueError, match="2 of 5 values are NaN"):
        breach_probability(v, "<", 1.0, nan_policy="raise")
    allnan = breach_probability([np.nan], "<", 1.0)
    assert math.isnan(allnan.p) and allnan.n_nan == 1
    with pytest.raises(ValueError, match="op must be one of"):
        breach_probability(v, "==", 1.0)  # type: ignore[arg-type]


def test_breach_se_matches_spread_of_replicates() -> None:
    """Binomial SE: 4000 replicate runs of n = 500 with p = 0.1; spread within 5 %."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 500))
    threshold = stats.norm.ppf(0.1)
    p_hat = np.array([breach_probability(row, "<", threshold).p for row in x])
    assert p_hat.std(ddof=1) == pytest.approx(math.sqrt(0.1 * 0.9 / 500), rel=0.05)


# --------------------------------------------------------------------------- #
# RunningStats
# --------------------------------------------------------------------------- #


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=300),
    st.lists(st.integers(0, 300), max_size=6),
)
def test_running_stats_chunks_and_merge_equal_one_pass(xs: list[float], cuts: list[int]) -> None:
    x = np.asarray(xs)
    edges = sorted({0, len(x), *(min(c, len(x)) for c in cuts)})
    chunks = [x[a:b] for a, b in itertools.pairwise(edges)]
    sequential = RunningStats()
    for c in chunks:
        sequential.update(c)
    parts = [RunningStats().update(c) for c in chunks]
    merged = RunningStats()
    for p in reversed(parts):
        merged.merge(p)
    scale = max(1.0, float(np.abs(x).max()))
    for r in (sequential, merged):
        assert r.n == len(x)
        assert r.mean == pytest.approx(x.mean(), rel=1e-9, abs=1e-9 * scale)
        assert r.var == pytest.approx(x.var(ddof=1), rel=1e-7, abs=1e-9 * scale**2)


def test_running_stats_large_offset_is_stable() -> None:
    x = 1e9 + np.random.default_rng(1).normal(size=100_000)
    r = RunningStats()
    for c in np.array_split(x, 37):
        r.update(c)
    # x − 1e9 is exact, so this reference is accurate to ~1e-15.
    ref = (x - 1e9).var(ddof=1)
    naive = (np.sum(x**2) - x.size * x.mean() ** 2) / (x.size - 1)
    assert abs(naive / ref - 1) > 0.5  # the textbook one-pass formula collapses here
    # Merging rounds each chunk mean to ulp(1e9) ≈ 1.2e-7, which bounds the accuracy.
    assert r.var == pytest.approx(ref, rel=1e-8)
    assert r.sem == pytest.approx(math.sqrt(ref / x.size), rel=1e-8)


def test_running_stats_nan_and_state_round_trip() -> None:
    r = RunningStats().update([1.0, np.nan, 3.0])
    assert (r.n, r.n_nan, r.mean) == (2, 1, 2.0)
    rebuilt = RunningStats(r.n, r.mean, r.m2, r.n_nan)
    rebuilt.merge(RunningStats().update([np.nan, 5.0]))
    assert (rebuilt.n, rebuilt.n_nan, rebuilt.mean) == (3, 2, 3.0)
    assert rebuilt.var == 4.0
    empty = RunningStats()
    assert empty.n == 0 and math.isnan(empty.mean) and math.isnan(empty.var)
    assert RunningStats().merge(empty).n == 0
    with pytest.raises(ValueError, match="m2 must be >= 0"):
        RunningStats(2, 0.0, -1.0)


# --------------------------------------------------------------------------- #
# convergence
# --------------------------------------------------------------------------- #


def test_convergence_mean() -> None:
    y = _linear_model(4096, "random", seed=4)
    s = summarise(y)
    c = convergence(y, "mean", tol=0.01)
    assert c.se == pytest.approx(s["sem"]) and c.estimate == pytest.approx(s["mean"])
    assert c.tolerance == pytest.approx(0.01 * abs(s["mean"]))
    assert c.converged == (s["sem"] <= 0.01 * abs(s["mean"]))
    tight = convergence(y, "mean", tol=1e-5, rel=False)
    assert not tight.converged
    assert tight.n_required == pytest.approx(4096 * (tight.se / 1e-5) ** 2)
    rs = RunningStats().update(y)
    assert convergence(rs, "mean", tol=0.01) == c


def test_convergence_probability_never_stops_on_zero_breaches() -> None:
    y = np.linspace(2.0, 3.0, 200)  # never below 1.2
    c = convergence(y, "p", tol=0.01, rel=False, op="<", threshold=1.2)
    assert c.estimate == 0.0 and c.se > 0.0
    # Agresti–Coull: p̃ = 2/204, se = sqrt(p̃(1 − p̃)/204) ≈ 0.0069 < 0.01.
    assert c.se == pytest.approx(math.sqrt(2 / 204 * (1 - 2 / 204) / 204))
    assert c.converged
    assert not convergence(y[:50], "p", tol=0.01, rel=False, op="<", threshold=1.2).converged


def test_convergence_errors() -> None:
    with pytest.raises(ValueError, match="needs op and threshold"):
        convergence([1.0, 2.0], "p")
    with pytest.raises(ValueError, match="stat must be"):
        convergence([1.0, 2.0], "median")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tol must be a positive number"):
        convergence([1.0, 2.0], tol=0.0)
