"""Debt ratios and coverage multiples (renewfin.ratios) against hand calculations.

References: DOMAIN.md §3 (本息覆盖倍数: bond-only = Σ NI / Σ bond P+I; total = Σ NI /
Σ (bond + market P+I); residual = (Σ NI − Σ bond P+I) / Σ market P+I) and §4 (DSCR, LLCR as
PV of CFADS / debt outstanding); Excel NPV through numpy_financial for the present values.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from renewfin import ratios


def test_by_year_sums_periods() -> None:
    """Quarterly 1…8 → years 1+2+3+4 = 10 and 5+6+7+8 = 26."""
    x = np.arange(1.0, 9.0)[None, :]
    assert_allclose(ratios.by_year(x, 4), [[10.0, 26.0]])
    assert_allclose(ratios.by_year(x, 1), x)


def test_safe_ratio_is_nan_where_undefined() -> None:
    """6 / 3 = 2; x / 0 and rows masked out → NaN (never inf)."""
    num = np.array([[6.0, 1.0, 4.0]])
    den = np.array([[3.0, 0.0, 2.0]])
    got = ratios.safe_ratio(num, den)
    assert_allclose(got, [[2.0, np.nan, 2.0]])
    got = ratios.safe_ratio(num, den, np.array([[True, True, False]]))
    assert_allclose(got, [[2.0, np.nan, np.nan]])


def test_nan_min_and_mean() -> None:
    """Row [1, NaN, 3] → min 1, mean 2; an all-NaN row → NaN, without a warning."""
    x = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
    assert_allclose(ratios.nan_min(x), [1.0, np.nan])
    low, mean = ratios.nan_min_mean(x)
    assert_allclose(low, [1.0, np.nan])
    assert_allclose(mean, [2.0, np.nan])


def test_pv_from_matches_excel_npv() -> None:
    """PV at the start of each period of the flows from then on, end-of-period discounting
    at 5 %: PV_0 = NPV(5 %, 100, 200, 300) (Excel) = 535.7953; PV_2 = 300 / 1.05."""
    x = np.array([[100.0, 200.0, 300.0]])
    pv = ratios.pv_from(x, np.full((1, 3), 0.05))
    assert_allclose(pv[0, 0], npf.npv(0.05, [0, 100, 200, 300]), rtol=1e-13)
    assert pv[0, 0] == pytest.approx(535.7953, abs=5e-5)
    assert_allclose(pv[0, 1], npf.npv(0.05, [0, 200, 300]), rtol=1e-13)
    assert_allclose(pv[0, 2], 300 / 1.05, rtol=1e-13)


def test_pv_from_with_period_varying_rates() -> None:
    """Rates 10 % then 0 %: PV_1 = 50 / 1.0 = 50, PV_0 = (100 + 50) / 1.1."""
    pv = ratios.pv_from(np.array([[100.0, 50.0]]), np.array([[0.10, 0.0]]))
    assert_allclose(pv, [[150.0 / 1.1, 50.0]], rtol=1e-14)


def test_window_spans_first_to_last_flag() -> None:
    """[F, T, F, T, F] → [F, T, T, T, F]; no flag → all False."""
    mask = np.array([[False, True, False, True, False], [False] * 5])
    assert_array_equal(ratios.window(mask), [[False, True, True, True, False], [False] * 5])


def test_coverage_multiples_hand_calculation() -> None:
    """A bond over years 0–4 and a loan over years 0–5 (the hand-built case of
    tests/financing/test_funding_engine.py): NI 0, 240 × 7; bond P+I 12, 12, 12, 12, 412;
    loan P+I 7.5, 75, 72, 69, 66, 63.
    bond-only = (4 × 240) / 460 = 2.0870; total = (5 × 240) / (460 + 352.5) = 1.4769;
    residual = (1200 − 460) / 352.5 = 2.0993."""
    ni = np.array([[0.0, 240, 240, 240, 240, 240, 240, 240]])
    bond = np.array([[12.0, 12, 12, 12, 412, 0, 0, 0]])
    loan = np.array([[7.5, 75, 72, 69, 66, 63, 0, 0]])
    bond_life = ratios.window(bond > 0)
    debt_life = ratios.window((bond > 0) | (loan > 0))
    b, t, r = ratios.coverage_multiples(ni, bond, loan, bond_life, debt_life)
    assert_allclose(b, [960 / 460], rtol=1e-14)
    assert_allclose(t, [1200 / 812.5], rtol=1e-14)
    assert_allclose(r, [(1200 - 460) / 352.5], rtol=1e-14)


def test_coverage_multiples_without_market_financing() -> None:
    """No loan: the residual multiple is undefined (NaN) and total = bond-only."""
    ni = np.array([[100.0, 100.0]])
    bond = np.array([[10.0, 110.0]])
    life = np.array([[True, True]])
    b, t, r = ratios.coverage_multiples(ni, bond, np.zeros((1, 2)), life, life)
    assert_allclose(b, [200 / 120])
    assert_allclose(t, b)
    assert np.isnan(r[0])


def test_coverage_multiples_are_vectorised() -> None:
    """Two scenarios: NI halved in the second halves every multiple's numerator."""
    ni = np.array([[100.0, 100.0], [50.0, 50.0]])
    bond = np.array([[10.0, 110.0]] * 2)
    loan = np.array([[20.0, 20.0]] * 2)
    life = np.ones((2, 2), dtype=bool)
    b, t, r = ratios.coverage_multiples(ni, bond, loan, life, life)
    assert_allclose(b, [200 / 120, 100 / 120])
    assert_allclose(t, [200 / 160, 100 / 160])
    assert_allclose(r, [80 / 40, -20 / 40])
