"""Urban-renewal fund waterfall (renewfin.instruments.fund) against a hand calculation.

Reference: DOMAIN.md §5 — senior : junior about 4 : 1; waterfall senior preferred return,
senior capital, junior return, junior capital, then a split; returns accrue simply on
unreturned capital (the waterfall tests below, ``compound=False``) or compound from each
contribution date (a tier paid in full earns exactly its rate), and are paid only from
cash (财预〔2017〕50号: no guaranteed return). Every figure below is worked out by hand in
the docstring of its test.
"""

from __future__ import annotations

import numpy as np
from numpy.testing import assert_allclose

from renewfin import finance
from renewfin.instruments import fund


def _state(senior: float = 800.0, junior: float = 200.0) -> fund.FundState:
    st = fund.FundState.zeros(1)
    fund.invest(st, np.array([senior + junior]), senior / (senior + junior))
    return st


def test_invest_splits_senior_and_junior() -> None:
    """1,000 at a senior share of 80 %: senior 800, junior 200; claim 1,000."""
    st = _state()
    assert_allclose(st.senior_capital, [800.0])
    assert_allclose(st.junior_capital, [200.0])
    assert_allclose(st.claim, [1000.0])


def test_returns_accrue_simply_on_unreturned_capital() -> None:
    """Senior 6 %, junior 10 %, semiannual (Δt = 0.5): per half year 800 × 6 % × 0.5 = 24
    and 200 × 10 % × 0.5 = 10; after three half years 72 and 30 (simple, not compounded)."""
    st = _state()
    for _ in range(3):
        fund.accrue(st, np.array([0.06]), np.array([0.10]), 0.5, compound=False)
    assert_allclose(st.senior_accrued, [72.0], rtol=1e-14)
    assert_allclose(st.junior_accrued, [30.0], rtol=1e-14)


def test_nothing_is_paid_without_cash_and_returns_keep_accruing() -> None:
    """No cash (0) or a shortfall (−50): nothing paid, all cash (none) left; the accrued
    returns stay owed and grow: after two years 2 × 48 = 96 senior, 2 × 20 = 40 junior."""
    st = _state()
    for cash in (0.0, -50.0):
        fund.accrue(st, np.array([0.06]), np.array([0.10]), 1.0, compound=False)
        pay, left = fund.distribute(st, np.array([cash]), True, 0.2)
        assert_allclose(pay.total, [0.0])
        assert_allclose(left, [0.0])
    assert_allclose(st.senior_accrued, [96.0])
    assert_allclose(st.junior_accrued, [40.0])
    assert_allclose(st.claim, [1136.0])


def test_waterfall_hand_calculation() -> None:
    """Senior 800 at 6 %, junior 200 at 10 %, upside share 20 %, annual.

    Year 1: accrue 48 / 20. Cash 30, capital not due: senior return 30 (18 still owed),
    nothing else.
    Year 2: accrue → senior 18 + 48 = 66, junior 20 + 20 = 40. Cash 200, capital not due:
    senior return 66, junior return 40, left 94; upside 20 % × 94 = 18.8 to junior (junior
    capital outstanding, term running); 75.2 left for sponsor equity.
    Year 3 (end of term, capital due): accrue 48 / 20. Cash 1,200: senior return 48, senior
    capital 800, junior return 20, junior capital 200, no upside after the term; 132 left.
    Fund totals: senior 30 + 66 + 848 = 944, junior 40 + 18.8 + 220 = 278.8."""
    st = _state()
    rs, rj = np.array([0.06]), np.array([0.10])

    fund.accrue(st, rs, rj, 1.0, compound=False)
    p1, left1 = fund.distribute(st, np.array([30.0]), False, 0.2)
    assert_allclose(
        [
            p1.senior_return[0],
            p1.senior_capital[0],
            p1.junior_return[0],
            p1.junior_capital[0],
            p1.upside[0],
            left1[0],
        ],
        [30, 0, 0, 0, 0, 0],
    )
    assert_allclose(st.senior_accrued, [18.0])

    fund.accrue(st, rs, rj, 1.0, compound=False)
    p2, left2 = fund.distribute(st, np.array([200.0]), False, 0.2)
    assert_allclose(
        [p2.senior_return[0], p2.junior_return[0], p2.upside[0], left2[0]],
        [66.0, 40.0, 18.8, 75.2],
        rtol=1e-14,
    )
    assert_allclose([p2.senior_capital[0], p2.junior_capital[0]], [0.0, 0.0])

    fund.accrue(st, rs, rj, 1.0, compound=False)
    p3, left3 = fund.distribute(st, np.array([1200.0]), True, 0.2)
    assert_allclose(
        [
            p3.senior_return[0],
            p3.senior_capital[0],
            p3.junior_return[0],
            p3.junior_capital[0],
            p3.upside[0],
            left3[0],
        ],
        [48.0, 800.0, 20.0, 200.0, 0.0, 132.0],
        rtol=1e-14,
    )
    assert_allclose(st.claim, [0.0])

    senior = p1.senior + p2.senior + p3.senior
    junior = p1.junior + p2.junior + p3.junior
    assert_allclose(senior, [944.0], rtol=1e-14)
    assert_allclose(junior, [278.8], rtol=1e-14)


def test_senior_capital_before_junior_return_when_capital_is_due() -> None:
    """Capital due, senior accrued 48, junior accrued 20, cash 500: senior return 48, senior
    capital 452 (of 800) and nothing to the junior tier — the senior tier ranks first."""
    st = _state()
    fund.accrue(st, np.array([0.06]), np.array([0.10]), 1.0, compound=False)
    pay, left = fund.distribute(st, np.array([500.0]), True, 0.0)
    assert_allclose(
        [
            pay.senior_return[0],
            pay.senior_capital[0],
            pay.junior_return[0],
            pay.junior_capital[0],
            left[0],
        ],
        [48.0, 452.0, 0.0, 0.0, 0.0],
    )
    assert_allclose(st.senior_capital, [348.0])
    assert_allclose(st.junior_accrued, [20.0])


def test_distribute_is_vectorised_with_capital_due_by_scenario() -> None:
    """Two scenarios with cash 100 and 2,000, capital due only in the second: the first pays
    returns 48 + 20 and 20 % × 32 = 6.4 upside; the second returns everything (1,068) and
    leaves 932."""
    st = fund.FundState.zeros(2)
    fund.invest(st, np.array([1000.0, 1000.0]), 0.8)
    fund.accrue(st, np.array([0.06, 0.06]), np.array([0.10, 0.10]), 1.0, compound=False)
    pay, left = fund.distribute(st, np.array([100.0, 2000.0]), np.array([False, True]), 0.2)
    assert_allclose(pay.total, [74.4, 1068.0], rtol=1e-14)
    assert_allclose(left, [25.6, 932.0], rtol=1e-14)
    assert_allclose(pay.upside, [6.4, 0.0], rtol=1e-14)


def test_returns_limited_by_distributable_profit_but_capital_is_not() -> None:
    """Senior 800 at 6 %, junior 200 at 10 %, one year accrued (48 / 20); cash 1,000,
    capital due, returns capped at 50 of distributable profit (by hand):
    senior return 48 (room 2 left) → senior capital 800 → junior return min(20, 2) = 2 →
    junior capital min(200, 1000 − 48 − 800 − 2 = 150) = 150; nothing left, no upside.
    Still owed: junior return 18 and junior capital 50."""
    st = _state()
    fund.accrue(st, np.array([0.06]), np.array([0.10]), 1.0, compound=False)
    pay, left = fund.distribute(st, np.array([1000.0]), True, 0.2, returns_cap=np.array([50.0]))
    assert_allclose(
        [pay.senior_return, pay.senior_capital, pay.junior_return, pay.junior_capital, pay.upside],
        [[48.0], [800.0], [2.0], [150.0], [0.0]],
    )
    assert_allclose(left, [0.0])
    assert_allclose(st.junior_accrued, [18.0])
    assert_allclose(st.junior_capital, [50.0])
    assert_allclose(st.claim, [68.0])


def test_compounding_senior_tier_paid_in_full_earns_exactly_its_rate() -> None:
    """A "5 %" senior tier of 800 (junior 200 at 9 %), contributed at the end of year 0
    (``DrawTiming.END``: nothing accrues in its own period), compounding annually and paid
    everything at the end of year 5: senior 800 × 1.05⁵ = 1,021.02525 (return 221.02525),
    junior 200 × 1.09⁵ = 307.72479 (return 107.72479). Flows −800, 0, 0, 0, 0, 1,021.02525
    have an IRR of exactly 5 % (simple interest, 800 × (1 + 5 × 5 %) = 1,000, would give
    4.56 %); the junior's is exactly 9 %."""
    st = fund.FundState.zeros(1)
    fund.invest(st, np.array([1000.0]), 0.8, senior_rate=0.05, junior_rate=0.09, stub=0.0)
    for _ in range(5):
        fund.accrue(st, 0.05, 0.09, 1.0)
    assert_allclose(st.senior_accrued, [221.02525], rtol=1e-12)
    assert_allclose(st.junior_accrued, [107.72479098], rtol=1e-10)
    pay, _ = fund.distribute(st, np.array([1e6]), True, 0.0)
    senior = np.array([[-800.0, 0, 0, 0, 0, pay.senior[0]]])
    junior = np.array([[-200.0, 0, 0, 0, 0, pay.junior[0]]])
    assert_allclose(finance.irr(senior, 1), [0.05], rtol=1e-12)
    assert_allclose(finance.irr(junior, 1), [0.09], rtol=1e-12)
    assert_allclose(st.claim, [0.0], atol=1e-9)


def test_contribution_accrues_from_its_date_quarterly() -> None:
    """Quarterly (Δt = 0.25), 1,000 senior at 5 % contributed mid-quarter (weight ½, stub
    0.125 yr), compounding: in its quarter 1,000 × (1.05^0.125 − 1) = 6.117406; after one
    more quarter the claim is 1,000 × 1.05^0.375 = 1,018.465 (6.117406 + 1,006.117406 ×
    (1.05^0.25 − 1) = 18.465); simple: 1,000 × 5 % × 0.375 = 18.75."""
    st = fund.FundState.zeros(1)
    fund.invest(st, np.array([1000.0]), 1.0, senior_rate=0.05, stub=0.125)
    assert_allclose(st.senior_accrued, [1000.0 * (1.05**0.125 - 1)], rtol=1e-12)
    assert_allclose(st.senior_accrued, [6.117406], rtol=1e-6)
    fund.accrue(st, 0.05, 0.0, 0.25)
    assert_allclose(st.claim, [1000.0 * 1.05**0.375], rtol=1e-12)
    simple = fund.FundState.zeros(1)
    fund.invest(simple, np.array([1000.0]), 1.0, senior_rate=0.05, stub=0.125, compound=False)
    fund.accrue(simple, 0.05, 0.0, 0.25, compound=False)
    assert_allclose(simple.senior_accrued, [18.75], rtol=1e-12)
