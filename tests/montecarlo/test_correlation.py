"""Tests of renewfin.montecarlo.correlation.

References: Higham (2002) worked example ([[1,1,0],[1,1,1],[0,1,1]] → off-diagonal
0.7607 / 0.1573); for the brief's indefinite matrix, the unique nearest matrix is
invariant under the input's symmetry and so of the form [[1,a,-a],[a,1,a],[-a,a,1]],
whose smallest eigenvalue 1 - 2a vanishes at a = 0.5; Iman & Conover (1982)
(marginals preserved, target rank correlation achieved); Pearson (1907):
Spearman of a normal pair = (6/π) arcsin(ρ/2); scipy.stats.spearmanr.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from renewfin.montecarlo import (
    Discrete,
    LogNormal,
    iman_conover,
    nearest_correlation,
    spearman,
    unit_sample,
)

# --------------------------------------------------------------------------- #
# nearest_correlation
# --------------------------------------------------------------------------- #


def test_higham_2002_example() -> None:
    c, info = nearest_correlation([[1, 1, 0], [1, 1, 1], [0, 1, 1]])
    expected = np.array([[1, 0.7607, 0.1573], [0.7607, 1, 0.7607], [0.1573, 0.7607, 1]])
    np.testing.assert_allclose(c, expected, atol=1e-4)
    assert info.repaired and info.converged
    assert info.min_eigenvalue_before == pytest.approx(1 - math.sqrt(2))


def test_indefinite_matrix_repaired_reported_psd_and_nearest() -> None:
    a = np.array([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    c, info = nearest_correlation(a)
    assert info.repaired and info.converged
    assert info.min_eigenvalue_before == pytest.approx(-0.8)
    assert info.min_eigenvalue_after >= 0.0
    np.linalg.cholesky(c)
    np.testing.assert_array_equal(np.diag(c), 1.0)
    np.testing.assert_array_equal(c, c.T)
    nearest = np.array([[1, 0.5, -0.5], [0.5, 1, 0.5], [-0.5, 0.5, 1]])
    np.testing.assert_allclose(c, nearest, atol=1e-6)
    assert info.distance == pytest.approx(np.linalg.norm(c - a))
    assert info.distance == pytest.approx(0.4 * math.sqrt(6), abs=1e-6)


def test_repair_is_idempotent() -> None:
    c, _ = nearest_correlation([[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]])
    c2, info = nearest_correlation(c)
    assert not info.repaired
    np.testing.assert_array_equal(c2, c)


def test_valid_matrix_is_returned_unchanged() -> None:
    a = np.array([[1, 0.3, -0.2], [0.3, 1, 0.5], [-0.2, 0.5, 1]])
    c, info = nearest_correlation(a)
    np.testing.assert_array_equal(c, a)
    assert not info.repaired and info.distance == 0.0
    assert info.min_eigenvalue_before == info.min_eigenvalue_after > 0


def test_tiny_asymmetry_is_cleaned_not_rejected() -> None:
    a = np.array([[1, 0.3 + 1e-12], [0.3, 1]])
    c, _ = nearest_correlation(a)
    np.testing.assert_array_equal(c, c.T)


@pytest.mark.parametrize(
    ("c", "message"),
    [
        (np.ones((2, 3)), r"must be square, got shape \(2, 3\)"),
        (np.ones(3), r"must be square, got shape \(3,\)"),
        ([[1, 0.5], [0.4, 1]], r"not symmetric: C\[0, 1\] = 0.5 but C\[1, 0\] = 0.4"),
        ([[1, 0.2], [0.2, 0.9]], r"diagonal C\[1, 1\] must be 1, got 0.9"),
        ([[1, 1.2, 0], [1.2, 1, 0], [0, 0, 1]], r"entry C\[0, 1\] = 1.2 is outside \[-1, 1\]"),
        ([[1, np.nan], [np.nan, 1]], r"entry C\[0, 1\] is not finite"),
    ],
)
def test_invalid_input_raises_naming_entry(c: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        nearest_correlation(c)  # type: ignore[arg-type]


@st.composite
def unit_diagonal_symmetric(draw: st.DrawFn) -> np.ndarray:
    d = draw(st.integers(2, 6))
    off = draw(st.lists(st.floats(-1, 1), min_size=d * (d - 1) // 2, max_size=d * (d - 1) // 2))
    a = np.eye(d)
    a[np.triu_indices(d, 1)] = off
    return a + np.triu(a, 1).T


@settings(max_examples=60, deadline=None)
@given(unit_diagonal_symmetric())
def test_repair_is_valid_and_no_farther_than_clip_and_rescale(a: np.ndarray) -> None:
    c, info = nearest_correlation(a)
    np.testing.assert_array_equal(np.diag(c), 1.0)
    np.testing.assert_array_equal(c, c.T)
    np.linalg.cholesky(c)
    assert np.linalg.eigvalsh(c)[0] > 0
    # A simple (non-optimal) repair: clip eigenvalues at 0, rescale to unit diagonal.
    w, v = np.linalg.eigh(a)
    z = (v * np.maximum(w, 0)) @ v.T
    s = 1 / np.sqrt(np.diag(z))
    z = z * np.outer(s, s)
    assert info.distance <= np.linalg.norm(z - a) + 1e-6


# --------------------------------------------------------------------------- #
# iman_conover
# --------------------------------------------------------------------------- #

TARGETS = {
    3: np.array([[1, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 1]]),
    4: np.array([[1, 0.5, 0.3, -0.2], [0.5, 1, 0.1, 0], [0.3, 0.1, 1, 0.4], [-0.2, 0, 0.4, 1]]),
    5: np.array(
        [
            [1, 0.8, 0.2, 0.0, -0.4],
            [0.8, 1, 0.3, 0.1, -0.3],
            [0.2, 0.3, 1, 0.5, 0.0],
            [0.0, 0.1, 0.5, 1, 0.2],
            [-0.4, -0.3, 0.0, 0.2, 1],
        ]
    ),
}


@pytest.mark.parametrize("d", [3, 4, 5])
@pytest.mark.parametrize("n", [2000, 5000, 10000])
def test_achieved_spearman_close_to_target(d: int, n: int) -> None:
    """|Spearman − target| within 1.5 null standard errors 1/sqrt(n − 1)."""
    x = unit_sample(n, d, "lhs", seed=n + d)
    y = iman_conover(x, TARGETS[d], seed=7)
    assert np.max(np.abs(spearman(y) - TARGETS[d])) < 1.5 / math.sqrt(n - 1)


@pytest.mark.parametrize("d", [3, 4, 5])
def test_marginals_exactly_preserved(d: int) -> None:
    x = unit_sample(3000, d, "random", seed=d)
    x[:, 0] = LogNormal(100, 40).ppf(x[:, 0])
    x[:, -1] = Discrete([0, 1, 5], [0.2, 0.5, 0.3]).ppf(x[:, -1])  # ties
    y = iman_conover(x, TARGETS[d], seed=1)
    np.testing.assert_array_equal(np.sort(y, axis=0), np.sort(x, axis=0))


@settings(max_examples=40, deadline=None)
@given(st.integers(6, 200), st.integers(2, 5), st.integers(0, 2**31))
def test_marginals_preserved_property(n: int, d: int, seed: int) -> None:
    x = unit_sample(n, d, "random", seed=seed)
    c = np.full((d, d), 0.3) + 0.7 * np.eye(d)
    y = iman_conover(x, c, seed=seed)
    np.testing.assert_array_equal(np.sort(y, axis=0), np.sort(x, axis=0))


def test_pearson_scores_option_has_known_spearman_bias() -> None:
    """rank_target=False: normal scores get Pearson C, so Spearman ≈ (6/π) arcsin(C/2)."""
    c = TARGETS[3]
    y = iman_conover(unit_sample(20000, 3, "lhs", seed=2), c, seed=2, rank_target=False)
    expected = 6 / np.pi * np.arcsin(c / 2)
    np.testing.assert_allclose(spearman(y), expected, atol=0.01)


def test_iman_conover_seeded_and_identity() -> None:
    x = unit_sample(500, 3, "random", seed=0)
    c = TARGETS[3]
    np.testing.assert_array_equal(iman_conover(x, c, seed=3), iman_conover(x, c, seed=3))
    assert not np.array_equal(iman_conover(x, c, seed=3), iman_conover(x, c, seed=4))
    y = iman_conover(x, np.eye(3), seed=0)
    assert np.max(np.abs(spearman(y) - np.eye(3))) < 1.5 / math.sqrt(499)


def test_iman_conover_errors() -> None:
    x = unit_sample(100, 3, "random", seed=0)
    bad = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]
    with pytest.raises(ValueError, match=r"not positive definite.*nearest_correlation"):
        iman_conover(x, bad)
    with pytest.raises(ValueError, match=r"c has shape \(2, 2\) but x has 3 columns"):
        iman_conover(x, np.eye(2))
    with pytest.raises(ValueError, match="need more rows than columns"):
        iman_conover(x[:3], np.eye(3))
    with pytest.raises(ValueError, match=r"x must have shape \(n, d\)"):
        iman_conover(x[:, 0], np.eye(1))
    repaired, _ = nearest_correlation(bad)
    y = iman_conover(x, repaired, seed=0)
    assert y.shape == x.shape


def test_spearman_matches_scipy() -> None:
    x = unit_sample(300, 4, "random", seed=9)
    x[:, 1] = x[:, 0] + 0.3 * x[:, 1]
    x[:, 3] = np.round(x[:, 3] * 5)  # ties
    np.testing.assert_allclose(spearman(x), stats.spearmanr(x).statistic, atol=1e-12)
    assert spearman(x[:, :1]).shape == (1, 1)
