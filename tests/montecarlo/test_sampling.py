"""Tests of renewfin.montecarlo.sampling.

References: the Latin hypercube definition (McKay, Beckman & Conover 1979:
each of the n equal strata of every dimension holds exactly one point); the
(t, m, s)-net property of Sobol' points, kept by Owen scrambling (Owen 1995;
Sobol' 1967: first two dimensions form a (0, m, 2)-net); numpy's PCG64 stream
for ``SeedSequence(0)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renewfin.montecarlo import UNIT_EPS, spawn_seeds, unit_sample

METHODS = ["lhs", "sobol", "random"]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 8), st.integers(0, 2**32))
def test_lhs_every_stratum_hit_exactly_once(n: int, d: int, seed: int) -> None:
    u = unit_sample(n, d, "lhs", seed=seed)
    strata = np.floor(u * n).astype(int)
    np.testing.assert_array_equal(np.sort(strata, axis=0), np.tile(np.arange(n)[:, None], (1, d)))


@pytest.mark.parametrize(("n", "d"), [(1, 1), (7, 3), (1000, 12), (4096, 2)])
def test_lhs_strata_fixed_cases(n: int, d: int) -> None:
    u = unit_sample(n, d, "lhs", seed=0)
    counts = np.apply_along_axis(np.bincount, 0, np.floor(u * n).astype(int), minlength=n)
    assert np.all(counts == 1)


@pytest.mark.parametrize("method", METHODS)
def test_shape_and_open_interval(method: str) -> None:
    u = unit_sample(256, 5, method, seed=1)  # type: ignore[arg-type]
    assert u.shape == (256, 5) and u.dtype == np.float64
    assert u.min() >= UNIT_EPS and u.max() <= 1 - UNIT_EPS
    assert 0.0 < u.min() and u.max() < 1.0


@pytest.mark.parametrize("method", METHODS)
def test_seeded_runs_identical_and_seeds_differ(method: str) -> None:
    a = unit_sample(128, 4, method, seed=0)  # type: ignore[arg-type]
    b = unit_sample(128, 4, method, seed=0)  # type: ignore[arg-type]
    c = unit_sample(128, 4, method, seed=1)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a, b)  # seed 0 is a real seed, not "unseeded"
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("method", METHODS)
def test_seed_none_is_fresh_entropy(method: str) -> None:
    a = unit_sample(64, 2, method, seed=None)  # type: ignore[arg-type]
    b = unit_sample(64, 2, method, seed=None)  # type: ignore[arg-type]
    assert not np.array_equal(a, b)


def test_random_method_is_pcg64_stream() -> None:
    """Machine-independent: SeedSequence(0) → PCG64 → first double 0.6369616873214543."""
    u = unit_sample(3, 2, "random", seed=0)
    np.testing.assert_array_equal(u, np.random.default_rng(0).random((3, 2)))
    assert u[0, 0] == 0.6369616873214543


@pytest.mark.parametrize("m", [4, 8, 10])
def test_sobol_one_dimensional_strata_balanced(m: int) -> None:
    """n = 2**m scrambled Sobol' points: each interval [k/n, (k+1)/n) of every dimension once."""
    n = 2**m
    u = unit_sample(n, 6, "sobol", seed=3)
    strata = np.floor(u * n).astype(int)
    np.testing.assert_array_equal(np.sort(strata, axis=0), np.tile(np.arange(n)[:, None], (1, 6)))


@pytest.mark.parametrize("m", [6, 9])
def test_sobol_first_two_dimensions_form_a_0m2_net(m: int) -> None:
    """Every elementary box of volume 2**-m in dims (0, 1) holds exactly one point."""
    n = 2**m
    u = unit_sample(n, 2, "sobol", seed=5)
    for a in range(m + 1):
        b = m - a
        cell = np.floor(u[:, 0] * 2**a).astype(int) * 2**b + np.floor(u[:, 1] * 2**b).astype(int)
        assert np.all(np.bincount(cell, minlength=n) == 1), (a, b)


def test_sobol_non_power_of_two_warns_but_works() -> None:
    with pytest.warns(UserWarning, match="not a power of two"):
        u = unit_sample(100, 3, "sobol", seed=0)
    assert u.shape == (100, 3)


def test_sobol_power_of_two_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unit_sample(128, 3, "sobol", seed=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0, "d": 2}, "n must be >= 1, got 0"),
        ({"n": 10, "d": 0}, "d must be >= 1, got 0"),
        ({"n": 2.5, "d": 2}, "n must be an integer"),
        ({"n": 10, "d": 2, "method": "halton"}, "method must be one of"),
        ({"n": 10, "d": 2, "seed": -1}, "seed must be >= 0, got -1"),
        ({"n": 10, "d": 2, "seed": 1.5}, "seed must be a non-negative int"),
        ({"n": 10, "d": 2, "seed": True}, "seed must be a non-negative int"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        unit_sample(**kwargs)  # type: ignore[arg-type]


def test_spawn_seeds_reproducible_and_independent() -> None:
    kids = spawn_seeds(42, 4)
    again = spawn_seeds(42, 4)
    assert len(kids) == 4
    samples = [unit_sample(1000, 2, "random", seed=k) for k in kids]
    for k, s in zip(again, samples, strict=True):
        np.testing.assert_array_equal(unit_sample(1000, 2, "random", seed=k), s)
    stacked = np.concatenate([s[:, 0] for s in samples]).reshape(4, -1)
    corr = np.corrcoef(stacked)
    assert np.all(np.abs(corr[np.triu_indices(4, 1)]) < 5 / np.sqrt(1000))
    assert not np.array_equal(samples[0], unit_sample(1000, 2, "random", seed=42))
    assert spawn_seeds(0, 0) == []
