"""Special-bond tranches (renewfin.instruments.special_bond) against hand tables.

References (DOMAIN.md §3): coupon cash per year = coupon × outstanding principal, paid
annually or semi-annually (semi-annual for tenors of 10 years and more); 到期一次还本 or
分期还本 at anniversaries; issuance costs 0.08 % + 0.0064 % = 0.0864 % of principal and
0.005 % of each payment; a refinancing tranche (再融资) whose proceeds arrive at the end of
the maturity period and which bears interest from the next period; early redemption from
exit proceeds with accrued coupon paid. Every figure below is a hand calculation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin.engine import run
from renewfin.instruments import special_bond as sb
from renewfin.spec import ProjectSpec, validate_data
from renewfin.spec.errors import SpecError
from renewfin.spec.funding import InterestFrequency, SpecialBond
from renewfin.testing import minimal_spec


def _by_year(x: np.ndarray, ppy: int) -> np.ndarray:
    return x.reshape(x.shape[0], -1, ppy).sum(axis=2)


@pytest.mark.parametrize("ppy", [1, 2, 4])
@pytest.mark.parametrize("coupons", [1, 2])
def test_coupon_cash_per_year_is_coupon_times_balance(ppy: int, coupons: int) -> None:
    """1,000 at 3 % for 10 years on annual, semiannual and quarterly grids, with annual or
    semiannual coupons: 30 of coupon a year (3 % × 1,000), 300 in all; bullet 1,000 at the
    last anniversary (period 10·ppy − 1); balance 1,000 to then."""
    n = 12 * ppy
    s = sb.schedule(1000.0, 0, 10, 0.03, ppy, n, coupons_per_year=coupons)
    assert_allclose(_by_year(s.interest, ppy)[0], [30.0] * 10 + [0.0, 0.0], rtol=1e-13)
    assert s.principal[0, 10 * ppy - 1] == 1000.0
    assert s.principal.sum() == 1000.0
    assert_allclose(s.closing[0, : 10 * ppy - 1], 1000.0)
    assert_allclose(s.closing[0, 10 * ppy - 1 :], 0.0)


@pytest.mark.parametrize(
    ("ppy", "coupons", "dates", "amount"),
    [
        (1, 1, range(0, 10), 30.0),  # every year
        (1, 2, range(0, 10), 30.0),  # two coupons inside each annual period
        (2, 1, range(1, 20, 2), 30.0),  # every second half year
        (2, 2, range(0, 20), 15.0),  # every half year
        (4, 1, range(3, 40, 4), 30.0),  # every fourth quarter
        (4, 2, range(1, 40, 2), 15.0),  # every second quarter
    ],
)
def test_coupon_dates(ppy: int, coupons: int, dates: range, amount: float) -> None:
    """Coupons are paid every ppy/frequency periods from issue: annual coupons of 30 at the
    end of each bond year, semiannual coupons of 15 at each half year."""
    s = sb.schedule(1000.0, 0, 10, 0.03, ppy, 10 * ppy, coupons_per_year=coupons)
    expected = np.zeros(10 * ppy)
    expected[list(dates)] = amount
    assert_allclose(s.interest[0], expected, rtol=1e-13)
    assert_allclose(s.accrued[0], 30.0 / ppy, rtol=1e-13)


def test_default_frequency_rule() -> None:
    """Semi-annual for tenors of 10 years and more, annual below (DOMAIN.md §3)."""
    assert SpecialBond(name="a", amount=1, tenor_years=9).frequency is InterestFrequency.ANNUAL
    assert SpecialBond(name="a", amount=1, tenor_years=10).frequency is (
        InterestFrequency.SEMIANNUAL
    )
    bond = SpecialBond(name="a", amount=1, tenor_years=20, interest_frequency="annual")
    assert bond.frequency is InterestFrequency.ANNUAL


def test_issue_later_than_period_zero() -> None:
    """Issued in year 2 for 3 years at 4 % (annual): proceeds 500 in period 2, coupons 20 in
    periods 2, 3, 4, principal 500 in period 4; nothing before or after."""
    s = sb.schedule(500.0, 2, 3, 0.04, 1, 8)
    assert_allclose(s.issue[0], [0, 0, 500, 0, 0, 0, 0, 0])
    assert_allclose(s.interest[0], [0, 0, 20, 20, 20, 0, 0, 0])
    assert_allclose(s.principal[0], [0, 0, 0, 0, 500, 0, 0, 0])
    assert_allclose(s.opening[0], [0, 0, 0, 500, 500, 0, 0, 0])
    assert_allclose(s.closing[0], [0, 0, 500, 500, 0, 0, 0, 0])


def test_custom_principal_hand_table() -> None:
    """分期还本 10 / 20 / 30 / 40 % of 1,000 at 3 %, annual: principal 100, 200, 300, 400 at the
    anniversaries; coupon on the balance of each year 1000, 900, 700, 400 → 30, 27, 21, 12."""
    shares = sb.principal_shares(4, [0.1, 0.2, 0.3, 0.4])
    s = sb.schedule(1000.0, 0, 4, 0.03, 1, 5, shares=shares)
    assert_allclose(s.principal[0], [100, 200, 300, 400, 0], rtol=1e-14)
    assert_allclose(s.interest[0], [30, 27, 21, 12, 0], rtol=1e-14)
    assert_allclose(s.closing[0], [900, 700, 400, 0, 0], atol=1e-12)


def test_custom_principal_on_a_semiannual_grid() -> None:
    """The same tranche on a semiannual grid with semiannual coupons: principal at the end of
    each bond year (periods 1, 3, 5, 7); coupons 15, 15, 13.5, 13.5, 10.5, 10.5, 6, 6."""
    shares = sb.principal_shares(4, [0.1, 0.2, 0.3, 0.4])
    s = sb.schedule(1000.0, 0, 4, 0.03, 2, 8, coupons_per_year=2, shares=shares)
    assert_allclose(s.principal[0], [0, 100, 0, 200, 0, 300, 0, 400], rtol=1e-14)
    assert_allclose(s.interest[0], [15, 15, 13.5, 13.5, 10.5, 10.5, 6, 6], rtol=1e-13)


def test_bullet_shares() -> None:
    """到期一次还本: share 1 at the last anniversary."""
    assert_allclose(sb.principal_shares(3, None), [0, 0, 1])


def test_issuance_and_payment_fees() -> None:
    """1,000 for 3 years at 3 %: issuance fee 0.0864 % × 1,000 = 0.864 at issue; payment fee
    0.005 % of each payment: 0.005 % × 30 = 0.0015 on a coupon, 0.005 % × 1,030 = 0.0515
    at maturity. Year by year: 0.864 + 0.0015 (issue and the first coupon, both in period
    0), 0.0015, 0.0515."""
    s = sb.schedule(1000.0, 0, 3, 0.03, 1, 4, issuance_fee_rate=0.000864, payment_fee_rate=0.00005)
    assert_allclose(s.fees[0], [0.864 + 0.0015, 0.0015, 0.0515, 0.0], rtol=1e-12)
    assert_allclose(s.service[0], [30.8655, 30.0015, 1030.0515, 0.0], rtol=1e-12)
    default = SpecialBond(name="a", amount=1, tenor_years=3)
    assert default.issuance_fee_rate == pytest.approx(0.0008 + 0.000064)
    assert default.payment_fee_rate == pytest.approx(0.00005)


def test_refinancing_tranche_starts_after_the_maturity_period() -> None:
    """proceeds_at_end: 600 raised at the end of period 4 (the old tranche's maturity), so
    the balance is 600 at the close of period 4, interest (2.5 % × 600 = 15) is paid from
    period 5 and the 2-year tranche repays in period 6."""
    s = sb.schedule(600.0, 4, 2, 0.025, 1, 9, proceeds_at_end=True)
    assert_allclose(s.issue[0], [0, 0, 0, 0, 600, 0, 0, 0, 0])
    assert_allclose(s.closing[0], [0, 0, 0, 0, 600, 600, 0, 0, 0])
    assert_allclose(s.opening[0], [0, 0, 0, 0, 0, 600, 600, 0, 0])
    assert_allclose(s.interest[0], [0, 0, 0, 0, 0, 15, 15, 0, 0])
    assert_allclose(s.principal[0], [0, 0, 0, 0, 0, 0, 600, 0, 0])


def test_refinancing_in_the_engine() -> None:
    """A 5-year 400 bullet at 3 % with refinance_share 0.5, a 3-year refinancing at 2 %
    (annual model, no fees): at the maturity period 4 the old tranche repays 400, of which
    200 is refinanced (bond.refinanced 200, the new tranche issues 200 at the end of period
    4); the new tranche pays 2 % × 200 = 4 in periods 5–7 and 200 in period 7; the bond
    debt service paid from project cash in period 4 is 12 + 400 − 200 = 212."""
    data = minimal_spec(
        timeline={"horizon_years": 10},
        funding={
            "special_bonds": [
                {
                    "name": "B",
                    "amount": 400,
                    "tenor_years": 5,
                    "coupon": 0.03,
                    "refinance_share": 0.5,
                    "refinance_tenor_years": 3,
                    "refinance_coupon": 0.02,
                    "issuance_fee_rate": 0,
                    "payment_fee_rate": 0,
                }
            ]
        },
    )
    res = run(validate_data(ProjectSpec, data))
    led = res.ledger
    new = "B（再融资）"
    assert_allclose(led["bond[B].principal"][0], [0, 0, 0, 0, 400, 0, 0, 0, 0, 0])
    assert_allclose(led["bond.refinanced"][0], [0, 0, 0, 0, 200, 0, 0, 0, 0, 0])
    assert_allclose(led[f"bond[{new}].issue"][0], [0, 0, 0, 0, 200, 0, 0, 0, 0, 0])
    assert_allclose(led[f"bond[{new}].interest"][0], [0, 0, 0, 0, 0, 4, 4, 4, 0, 0])
    assert_allclose(led[f"bond[{new}].principal"][0], [0, 0, 0, 0, 0, 0, 0, 200, 0, 0])
    assert_allclose(
        led["cash.bond_debt_service"][0], [12, 12, 12, 12, 212, 4, 4, 204, 0, 0], rtol=1e-13
    )
    assert res.metric("bond_amount") == pytest.approx(400.0)


def test_prepay_at_pays_balance_and_accrued_coupon() -> None:
    """1,000 for 10 years at 3 % with annual coupons on a semiannual grid, redeemed at the
    end of period 6 (year 3.5): coupons of 30 were paid in periods 1, 3, 5; the half year
    accrued since (15) is paid with the 1,000 in period 6; payment fee 0.005 % × 1,015 =
    0.05075; nothing afterwards."""
    base = sb.schedule(1000.0, 0, 10, 0.03, 2, 24, coupons_per_year=1)
    s = sb.prepay_at(base, 6, payment_fee_rate=0.00005)
    expected_int = np.zeros(24)
    expected_int[[1, 3, 5]] = 30.0
    expected_int[6] = 15.0
    assert_allclose(s.interest[0], expected_int, rtol=1e-13)
    expected_prin = np.zeros(24)
    expected_prin[6] = 1000.0
    assert_allclose(s.principal[0], expected_prin)
    assert_allclose(s.fees[0, 6], 0.00005 * 1015.0, rtol=1e-12)
    assert_allclose(s.closing[0, 6:], 0.0)
    assert_allclose(s.opening[0, 7:], 0.0)
    assert_allclose(s.accrued[0, 7:], 0.0)
    assert s.interest.sum() + s.principal.sum() == pytest.approx(1105.0)


def test_prepay_at_after_maturity_changes_nothing() -> None:
    """Redeeming after a 3-year tranche has matured leaves its cash flows unchanged."""
    base = sb.schedule(1000.0, 0, 3, 0.03, 1, 8)
    s = sb.prepay_at(base, 5)
    for key in ("interest", "principal", "fees", "closing", "issue"):
        assert_allclose(getattr(s, key), getattr(base, key))


def test_schedule_is_vectorised_over_amount_and_coupon() -> None:
    """Amounts (S, 1) and coupons (S, 1) give one row per scenario: 3 % × 1,000 = 30 and
    2 % × 500 = 10 a year."""
    s = sb.schedule(np.array([[1000.0], [500.0]]), 0, 3, np.array([[0.03], [0.02]]), 1, 4)
    assert_allclose(s.interest, [[30, 30, 30, 0], [10, 10, 10, 0]])
    assert_allclose(s.principal[:, 2], [1000.0, 500.0])


def test_bond_held_to_maturity_from_the_escrow() -> None:
    """1,000 bullet at 3 % (annual coupons) for 5 years on an annual grid, a REIT exit at
    the end of year 2 (period 1), the reserve earning 2 %. Remaining service: 30, 30 and
    1,030 in years 3–5, so the deposit is 30/1.02 + 30/1.02² + 1,030/1.02³ = 29.41176 +
    28.83506 + 970.59200 = 1,028.83883. The reserve: year 3 opens at 1,028.83883, earns
    20.57678, pays 30 → 1,019.41561; year 4 earns 20.38831, pays 30 → 1,009.80392; year 5
    earns 20.19608, pays 1,030 → 0. The company pays its coupon of year 2 (30) and the
    deposit at the exit: principal 1,000 (the balance handed over), interest 30 + 28.83883,
    nothing after."""
    full = sb.schedule(1000.0, 0, 5, 0.03, 1, 7)
    company, escrow = sb.escrow_at(full, 1, 0.02, 1)
    deposit = 30 / 1.02 + 30 / 1.02**2 + 1030 / 1.02**3
    assert_allclose(deposit, 1028.83883, atol=5e-6)
    assert_allclose(escrow.deposit[0], [0, deposit, 0, 0, 0, 0, 0], rtol=1e-13)
    assert_allclose(escrow.release[0], [0, 0, 30, 30, 1030, 0, 0], rtol=1e-13)
    assert_allclose(escrow.closing[0], [0, deposit, 1019.41561, 1009.80392, 0, 0, 0], atol=5e-6)
    assert_allclose(escrow.earned[0, 2:5], [20.57678, 20.38831, 20.19608], atol=5e-6)
    assert_allclose(company.principal[0], [0, 1000, 0, 0, 0, 0, 0], atol=1e-12)
    assert_allclose(company.interest[0], [30, 30 + deposit - 1000, 0, 0, 0, 0, 0], rtol=1e-13)
    assert_allclose(company.closing[0], [1000, 0, 0, 0, 0, 0, 0], atol=1e-12)
    assert_allclose(company.service.sum(), 30 + 30 + deposit, rtol=1e-13)


@given(
    amount=st.floats(10.0, 1e5),
    tenor=st.integers(2, 20),
    coupon=st.floats(0.0, 0.06),
    rate=st.floats(0.0, 0.06),
    ppy=st.sampled_from([1, 2, 4]),
    exit_share=st.floats(0.0, 1.0),
    semiannual=st.booleans(),
)
def test_escrow_never_negative_and_repays_at_maturity(
    amount: float,
    tenor: int,
    coupon: float,
    rate: float,
    ppy: int,
    exit_share: float,
    semiannual: bool,
) -> None:
    """Property: with the deposit the escrow_at sizes (the proceeds suffice), the reserve
    never goes negative, pays every coupon and the bullet at the bond's maturity (its
    releases are the schedule's service after the exit, principal included), and is empty
    from maturity on."""
    n = tenor * ppy + 3
    full = sb.schedule(amount, 0, tenor, coupon, ppy, n, coupons_per_year=2 if semiannual else 1)
    exit_period = int(exit_share * (tenor * ppy - 2))
    _, escrow = sb.escrow_at(full, exit_period, rate, ppy)
    scale = amount * (1 + coupon) ** tenor
    assert escrow.closing.min() >= -1e-9 * scale
    maturity = tenor * ppy - 1
    assert_allclose(escrow.release[0, maturity], full.service[0, maturity], rtol=1e-12)
    assert full.principal[0, maturity] == pytest.approx(amount)
    assert_allclose(escrow.closing[0, maturity:], 0.0, atol=1e-9 * scale)
    assert_allclose(escrow.release.sum(), full.service[0, exit_period + 1 :].sum(), rtol=1e-12)


def test_spec_names_an_unknown_bond_for_early_redemption() -> None:
    """A bond named in ``reit_exit.early_redemption`` that the funding does not have is a
    clear error naming the field and the bonds there are."""
    data = minimal_spec(
        funding={
            "special_bonds": [{"name": "甲", "amount": 100.0, "tenor_years": 10, "coupon": 0.03}],
            "reit_exit": {"exit_year": 8, "early_redemption": ["乙"]},
        }
    )
    with pytest.raises(SpecError, match=r"reit_exit\.early_redemption: unknown special bond '乙'"):
        validate_data(ProjectSpec, data)
