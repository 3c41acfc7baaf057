"""Taxes: VAT payable with input credit carried forward (留抵), surcharges on VAT paid
(城建税 7 % + 教育费附加 3 % + 地方教育附加 2 %), property tax 12 % of rent (房产税从租), and
income tax with five-year loss carry-forward (企业所得税法 第十八条). References: DOMAIN.md §6
and the hand tables written out in each test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin.core.tax import income_tax, vat_payable
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

CN = {"preset": "cn_default"}
WORKS_1090 = [
    {"name": "建安工程", "category": "construction", "amount": 1090, "schedule": [0.4, 0.6]}
]


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**overrides)))


# --- VAT ------------------------------------------------------------------------------


def test_vat_payable_hand_table() -> None:
    # period  output  input  credit b/f  output − input − credit  payable  credit c/f
    #   0        0     100        0              −100                 0        100
    #   1       40       5      100               −65                 0         65
    #   2       60       5       65               −10                 0         10
    #   3       50      10       10                30                30          0
    #   4       30       5        0                25                25          0
    output = np.array([[0.0, 40, 60, 50, 30]])
    inp = np.array([[100.0, 5, 5, 10, 5]])
    payable, credit, _ = vat_payable(output, inp)
    assert_allclose(payable, [[0, 0, 0, 30, 25]])
    assert_allclose(credit, [[100, 65, 10, 0, 0]])


def test_vat_payable_vectorised_over_scenarios() -> None:
    # Row 0 is the hand table above; row 1 has no input VAT: payable = output.
    output = np.array([[0.0, 40, 60, 50, 30], [0.0, 40, 60, 50, 30]])
    inp = np.array([[100.0, 5, 5, 10, 5], [0, 0, 0, 0, 0]])
    payable, credit, _ = vat_payable(output, inp)
    assert_allclose(payable, [[0, 0, 0, 30, 25], [0, 40, 60, 50, 30]])
    assert_allclose(credit[1], 0)
    # Broadcasting a (1, T) input against (S, T) output.
    payable_b, _, _ = vat_payable(output, inp[:1])
    assert_allclose(payable_b, [[0, 0, 0, 30, 25]] * 2)


def test_engine_vat_credit_surcharges_hand_table() -> None:
    # cn_default. Works 1090 incl. 9 % VAT: input VAT 90, 36 in year 0 and 54 in year 1.
    # Parking 240 a year excl. VAT at 9 %: output VAT 21.6. Opex 100 + 6 % VAT: input 6.
    # year  output  input  credit b/f  net     payable  credit c/f
    #   0     0      36       0       −36        0        36
    #   1     0      54      36       −90        0        90
    #   2   21.6      6      90       −74.4      0        74.4
    #   3   21.6      6     74.4      −58.8      0        58.8
    #   4   21.6      6     58.8      −43.2      0        43.2
    #   5   21.6      6     43.2      −27.6      0        27.6
    #   6   21.6      6     27.6      −12.0      0        12.0
    #   7   21.6      6     12.0        3.6     3.6        0
    #   8   21.6      6       0        15.6    15.6        0
    #   9   21.6      6       0        15.6    15.6        0
    # Surcharges: 12 % of VAT paid = 0.432, 1.872, 1.872.
    res = run_with(
        tax=CN,
        investment=WORKS_1090,
        opex=[{"name": "外包", "amount": 100, "input_vat_rate": 0.06}],
    )
    led = res.ledger
    assert_allclose(led["tax.output_vat"][0], [0, 0] + [21.6] * 8, rtol=1e-12)
    assert_allclose(led["tax.input_vat"][0], [36, 54] + [6] * 8, rtol=1e-12)
    assert_allclose(
        led["tax.vat_credit"][0], [36, 90, 74.4, 58.8, 43.2, 27.6, 12.0, 0, 0, 0], atol=1e-9
    )
    assert_allclose(led["tax.vat_payable"][0], [0] * 7 + [3.6, 15.6, 15.6], atol=1e-9)
    assert_allclose(led["tax.surcharges"][0], [0] * 7 + [0.432, 1.872, 1.872], atol=1e-9)


@pytest.mark.parametrize(
    ("tier", "rate"),
    [("city", 0.07 + 0.03 + 0.02), ("county", 0.05 + 0.03 + 0.02), ("other", 0.01 + 0.03 + 0.02)],
)
def test_surcharges_by_city_tier(tier: str, rate: float) -> None:
    # No input VAT (preset rates with works input VAT set to 0): VAT paid = 21.6 a year.
    res = run_with(
        project={"city_tier": tier}, tax={**CN, "capex_input_vat_rates": {"construction": 0.0}}
    )
    assert_allclose(res.ledger["tax.vat_payable"][0], [0, 0] + [21.6] * 8, rtol=1e-12)
    assert_allclose(res.ledger["tax.surcharges"][0], [0, 0] + [21.6 * rate] * 8, rtol=1e-12)


# --- property tax ---------------------------------------------------------------------


def test_property_tax_on_rent() -> None:
    # Rent: 1000 m² × 50 元/m²/month × 12 = 60 万元 a year; 房产税 12 % = 7.2. Housing let
    # to individuals at 4 %: 2.4. Parking bears no rental property tax.
    shops = {"name": "商铺", "kind": "rent", "quantity": 1000, "unit_price": 50}
    flats = {
        "name": "公寓",
        "kind": "rent",
        "quantity": 1000,
        "unit_price": 50,
        "property_tax_rate": 0.04,
    }
    parking = minimal_spec()["revenues"][0]
    res = run_with(tax=CN, revenues=[shops, flats, parking])
    assert_allclose(res.ledger["tax.property_rental"][0], [0, 0] + [7.2 + 2.4] * 8, rtol=1e-12)


def test_property_tax_ad_valorem_on_self_used_share() -> None:
    # 从价: original value 1000 × 1.2 % × (1 − 30 %) × 50 % self-used = 4.2 a year.
    res = run_with(
        tax={
            **CN,
            "property_tax_ad_valorem_share": 0.5,
            "capex_input_vat_rates": {"construction": 0.0},
        }
    )
    assert_allclose(res.ledger["tax.property_ad_valorem"][0], [0, 0] + [4.2] * 8, rtol=1e-12)
    total = res.ledger["tax.taxes_and_surcharges"][0]
    stamp = res.ledger["tax.stamp_duty"][0]  # 印花税 (tests/core/test_land_use_stamp_deed.py)
    assert_allclose(total, res.ledger["tax.surcharges"][0] + 4.2 * (np.arange(10) >= 2) + stamp)


# --- income tax -----------------------------------------------------------------------


def test_income_tax_five_year_carry_forward_with_expiry() -> None:
    # Annual, rate 25 %, losses carried 5 years, oldest first.
    # year  profit  loss A (y0)  loss B (y1)  used  taxable  tax   balance c/f
    #   0    −100      100                      0      0      0       100
    #   1     −50      100           50         0      0      0       150
    #   2      20       80           50        20      0      0       130
    #   3      10       70           50        10      0      0       120
    #   4      10       60           50        10      0      0       110
    #   5      10       50           50        10      0      0        50  (A's 50 expires)
    #   6      30        —           20        30      0      0         0  (B's 20 expires)
    #   7     200        —            —         0    200     50         0
    profit = np.array([[-100.0, -50, 20, 10, 10, 10, 30, 200]])
    tax, used, balance = income_tax(profit, 0.25, 5, 1)
    assert_allclose(used, [[0, 0, 20, 10, 10, 10, 30, 0]])
    assert_allclose(tax, [[0, 0, 0, 0, 0, 0, 0, 50]])
    assert_allclose(balance, [[100, 150, 130, 120, 110, 50, 0, 0]])


def test_income_tax_without_carry_forward() -> None:
    profit = np.array([[-100.0, 40, 60]])
    tax, used, balance = income_tax(profit, 0.25, 0, 1)
    assert_allclose(tax, [[0, 10, 15]])
    assert not used.any() and not balance.any()


def test_income_tax_rate_per_scenario() -> None:
    # (S, 1) rates on a (1, T) profit give (S, T) tax.
    tax, _, _ = income_tax(np.array([[-10.0, 50]]), np.array([[0.25], [0.15]]), 5, 1)
    assert_allclose(tax, [[0, 10], [0, 6]])


def test_income_tax_quarterly_within_a_year() -> None:
    """The tax year is the calendar year (企业所得税法 第五十三条), prepaid quarterly on the
    profit to date and settled after the year end (第五十四条). A loss offsets later
    periods of the same year: Q1 −40, Q2 +100 → taxable 60, tax 15 in Q2. A loss after a
    profit in the same year reduces the year's profit: Q1 +100 (prepaid 25), Q2 −40 (the
    year to date is 60, tax 15: −10 back), Q3 0, Q4 0; the year is profitable, so nothing
    is carried forward and next Q1 +40 pays 10 — as the annual model (60 → 15, 40 → 10)."""
    tax, _, _ = income_tax(np.array([[-40.0, 100, 0, 0]]), 0.25, 5, 4)
    assert_allclose(tax, [[0, 15, 0, 0]])
    tax, used, balance = income_tax(np.array([[100.0, -40, 0, 0, 40]]), 0.25, 5, 4)
    assert_allclose(tax, [[25, -10, 0, 0, 10]])
    assert_allclose(used, 0.0)
    assert_allclose(balance, 0.0)
    # A year that ends in a loss carries it, counted in tax years: Q1 +30, Q2 −100 (year
    # −70, prepaid 7.5 back), the next year +100 uses 70 → tax 7.5 on 30.
    tax, used, balance = income_tax(np.array([[30.0, -100, 0, 0, 100, 0, 0, 0]]), 0.25, 5, 4)
    assert_allclose(tax, [[7.5, -7.5, 0, 0, 7.5, 0, 0, 0]])
    assert_allclose(used, [[0, 0, 0, 0, 70, 0, 0, 0]])
    assert_allclose(balance, [[0, 70, 70, 70, 0, 0, 0, 0]])


def test_engine_adjusted_income_tax_carries_construction_losses() -> None:
    # Preset none but income tax 25 % with 5-year carry-forward. Costs of 100 a year while
    # building make EBIT −100, −100. In operation EBIT = 240 − 1000 × 0.95 / 30 = 208.333.
    # Year 2: taxable 208.333 − 200 = 8.333, tax 2.0833; later years 52.0833.
    res = run_with(
        tax={"preset": "none", "income_tax_rate": 0.25, "loss_carryforward_years": 5},
        opex=[{"name": "前期费用", "amount": 100, "timing": "construction"}],
    )
    ebit = 240 - 1000 * 0.95 / 30
    led = res.ledger
    assert_allclose(led["pl.ebit_pre_financing"][0], [-100, -100] + [ebit] * 8, rtol=1e-12)
    assert_allclose(
        led["tax.adjusted_income_tax"][0],
        [0, 0, 0.25 * (ebit - 200)] + [0.25 * ebit] * 7,
        rtol=1e-12,
    )
    assert_allclose(
        led["cf.project.after_tax"][0],
        led["cf.project.pre_tax"][0] - led["tax.adjusted_income_tax"][0],
    )


@settings(max_examples=60, deadline=None)
@given(
    profits=st.lists(st.floats(-200, 200, allow_subnormal=False), min_size=4, max_size=48),
    ppy=st.sampled_from([2, 4, 12]),
    carry=st.integers(0, 6),
)
def test_sub_annual_income_tax_is_the_annual_tax_of_each_year(
    profits: list[float], ppy: int, carry: int
) -> None:
    """Property (企业所得税法 第五十三条、第十八条: the tax year is the calendar year, losses
    carried forward by tax year): the periods of each year pay together the tax the annual
    model computes on the year's profit, to 1e-9; the tax of a year is never negative (a
    period's negative tax is a refund of what the year prepaid)."""
    n = len(profits) // ppy * ppy
    if n == 0:
        return
    x = np.array([profits[:n]])
    tax, used, _ = income_tax(x, 0.25, carry, ppy)
    annual_tax, annual_used, _ = income_tax(x.reshape(-1, ppy).sum(axis=1)[None, :], 0.25, carry, 1)
    assert_allclose(tax.reshape(-1, ppy).sum(axis=1), annual_tax[0], rtol=1e-9, atol=1e-9)
    assert_allclose(used.reshape(-1, ppy).sum(axis=1), annual_used[0], rtol=1e-9, atol=1e-9)
    assert (tax.reshape(-1, ppy).sum(axis=1) >= -1e-9).all()


def test_retained_vat_credit_refunded_by_hand() -> None:
    """增值税期末留抵退税 (财政部 税务总局公告2022年第14号 第二条: the whole incremental retained
    credit): input 90 and 60 in two construction periods against no output are refunded as
    they arise (90, 60) instead of carried; then output 20 a period is paid in full (no
    credit left), where without the refund the 150 carried would cover 7.5 periods. Over
    the horizon payments less refunds are the same either way once the credit is used."""
    output = np.array([[0, 0, 20, 20, 20, 20, 20, 20, 20, 20.0]])
    inp = np.array([[90, 60, 0, 0, 0, 0, 0, 0, 0, 0.0]])
    payable, credit, refunded = vat_payable(output, inp, refund=True)
    assert_allclose(refunded, [[90, 60, 0, 0, 0, 0, 0, 0, 0, 0]])
    assert_allclose(credit, 0.0)
    assert_allclose(payable, [[0, 0, 20, 20, 20, 20, 20, 20, 20, 20]])
    kept, carried, none = vat_payable(output, inp)
    assert_allclose(none, 0.0)
    assert_allclose(carried[0, 1], 150.0)
    # Paid net of refunds: 160 − 150 = 10 with the refund, and 160 − 150 credited = 10
    # without (the credit is used up by period 9).
    assert_allclose([payable.sum() - refunded.sum(), kept.sum()], [10.0, 10.0], atol=1e-12)
