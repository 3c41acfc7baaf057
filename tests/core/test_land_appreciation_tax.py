"""土地增值税 (land appreciation tax), issue 17.1.

References: 中华人民共和国土地增值税暂行条例 第六条 (deductions), 第七条 (four progressive
brackets), 第八条(一) (ordinary housing with appreciation ≤ 20 % exempt); 实施细则 第七条
(扣除项目: land, development cost, development expenses ≤ 10 % of them, taxes on the
transfer, the developers' 20 % 加计扣除) and 第十条 (quick-deduction factors 0, 5 %, 15 %,
35 %); 国税发〔2010〕53号 (prepayment), 国税发〔2006〕187号 (settlement). Each expected figure
is worked out by hand in the test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin.core.tax import lat_due
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

STATUTE = [(0.5, 0.30, 0.0), (1.0, 0.40, 0.05), (2.0, 0.50, 0.15), (None, 0.60, 0.35)]
SALE = {
    "name": "住宅销售",
    "kind": "sale",
    "quantity": 1000,
    "unit_price": 30000,
    "price_per": "once",
    "schedule": [0.5, 0.5],
}  # 3,000 万元 in years 2 and 3
LAT_ON = {"preset": "none", "land_appreciation": {"enabled": True}}


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**overrides)))


@pytest.mark.parametrize(
    ("proceeds", "expected"),
    [
        (900.0, 0.0),  # appreciation −100: no tax
        (1400.0, 120.0),  # 400 / 1000 = 40 %: 400 × 30 %
        (1500.0, 150.0),  # exactly 50 %: 500 × 30 % (= 500 × 40 % − 1000 × 5 %)
        (1800.0, 270.0),  # 80 %: 800 × 40 % − 1000 × 5 %
        (2500.0, 600.0),  # 150 %: 1500 × 50 % − 1000 × 15 %
        (4000.0, 1450.0),  # 300 %: 3000 × 60 % − 1000 × 35 %
    ],
)
def test_each_bracket_by_hand(proceeds: float, expected: float) -> None:
    # Deductions 1,000 (条例 第七条, 实施细则 第十条).
    assert_allclose(lat_due(proceeds, 1000.0, STATUTE), expected, rtol=1e-12, atol=1e-12)


def test_ordinary_housing_exemption() -> None:
    # 条例 第八条(一): ordinary housing with appreciation ≤ 20 % of deductions is exempt;
    # above 20 % the whole appreciation is taxed. Deductions 1,000:
    # proceeds 1,150 → 15 %: exempt (45 if not ordinary); 1,200 → exactly 20 %: exempt;
    # 1,250 → 25 %: 250 × 30 % = 75.
    p = np.array([1150.0, 1200.0, 1250.0])
    assert_allclose(lat_due(p, 1000.0, STATUTE, True, 0.2), [0, 0, 75], atol=1e-12)
    assert_allclose(lat_due(p, 1000.0, STATUTE, False), [45, 60, 75], atol=1e-12)


def test_no_deductions_falls_in_the_top_bracket() -> None:
    # Deductions 0: every yuan is appreciation, ratio unbounded: 100 × 60 % − 0 = 60.
    assert_allclose(lat_due(100.0, 0.0, STATUTE), 60.0)


def test_engine_prepays_and_settles_a_sale() -> None:
    # Works 1,000 (preset none: no VAT); sale 3,000 in years 2–3. 扣除项目 = 1,000 land and
    # development cost + 10 % development expenses + 20 % 加计扣除 = 1,300. Appreciation
    # 1,700 = 130.8 % → 1,700 × 50 % − 1,300 × 15 % = 655. Prepaid 2 % × 1,500 = 30 in years
    # 2 and 3; settled in year 4 (one year after the last sale): 655 − 60 = 595.
    led = run_with(tax=LAT_ON, revenues=[SALE]).ledger
    assert_allclose(led["tax.lat_prepaid"][0], [0, 0, 30, 30, 0, 0, 0, 0, 0, 0], atol=1e-9)
    assert_allclose(led["tax.lat_settlement"][0], [0, 0, 0, 0, 595, 0, 0, 0, 0, 0], atol=1e-9)
    assert_allclose(led["tax.land_appreciation"][0].sum(), 655.0, rtol=1e-12)
    assert_allclose(led["tax.lat_deductions"][0][4], 1300.0, rtol=1e-12)
    assert_allclose(led["tax.lat_appreciation"][0][4], 1700.0, rtol=1e-12)
    # 土地增值税 is in 税金及附加 (and so in the profit and the cash flows).
    assert_allclose(led["tax.taxes_and_surcharges"][0], led["tax.land_appreciation"][0])


def test_engine_simplified_vat_sale_with_surcharges_deducted() -> None:
    # cn_default, the sale on the simplified method at 5 %: output VAT 3,000 × 5 % = 150,
    # surcharges 12 % × 150 = 18 (deductible, 实施细则 第七条(五)). The only stream is
    # simplified, so the works' VAT is not credited: cost 1,090. 扣除项目 = 1,090 × (1 + 10 %
    # + 20 %) + 18 = 1,435; appreciation 3,000 − 1,435 = 1,565 = 109.06 % → 1,565 × 50 % −
    # 1,435 × 15 % = 567.25. Prepaid 2 % × 1,500 = 30, 30; settled 567.25 − 60 = 507.25.
    works = [
        {"name": "建安工程", "category": "construction", "amount": 1090, "schedule": [0.4, 0.6]}
    ]
    led = run_with(
        tax={"preset": "cn_default"},
        investment=works,
        revenues=[{**SALE, "vat_method": "simplified"}],
    ).ledger
    assert_allclose(led["tax.lat_deductions"][0][4], 1435.0, rtol=1e-12)
    assert_allclose(led["tax.lat_settlement"][0][4], 507.25, rtol=1e-12)
    assert_allclose(led["tax.land_appreciation"][0].sum(), 567.25, rtol=1e-12)


def test_engine_deducts_the_works_net_of_the_share_of_vat_credited() -> None:
    # cn_default, the sale on the general method at 9 %: output VAT 270 (135 a year). Half
    # the works' 90 of VAT is credited (input_vat_credit_share 0.5, 国家税务总局公告2016年第18号
    # 第十三条): 45, so VAT paid 135 − 45 = 90 then 135, and the works' cost net of the
    # credit 1,090 − 45 = 1,045. 扣除项目 = 1,045 × (1 + 10 % + 20 %) + the surcharges actually
    # paid on the transfer (国家税务总局公告2016年第70号 第三条: 12 % × (270 − 45) = 27) =
    # 1,385.5; appreciation 3,000 − 1,385.5 = 1,614.5 = 116.53 % → 1,614.5 × 50 % −
    # 1,385.5 × 15 % = 599.425. Prepaid 2 % × 1,500 = 30, 30; settled 599.425 − 60 = 539.425.
    works = [
        {
            "name": "建安工程",
            "category": "construction",
            "amount": 1090,
            "schedule": [0.4, 0.6],
            "input_vat_credit_share": 0.5,
        }
    ]
    led = run_with(tax={"preset": "cn_default"}, investment=works, revenues=[SALE]).ledger
    assert_allclose(led["tax.vat_payable"][0][2:4], [90, 135], rtol=1e-12)
    assert_allclose(led["tax.lat_deductions"][0][4], 1385.5, rtol=1e-12)
    assert_allclose(led["tax.lat_settlement"][0][4], 539.425, rtol=1e-12)


def test_prepayment_refunded_when_no_appreciation() -> None:
    # Sale 1,200 against deductions 1,300: no appreciation, no LAT; the 30 % prepayment
    # (180 a year) is refunded at settlement: −360, the only negative tax.
    sale = {**SALE, "unit_price": 12000}
    tax = {"preset": "none", "land_appreciation": {"enabled": True, "prepayment_rate": 0.3}}
    led = run_with(tax=tax, revenues=[sale]).ledger
    assert_allclose(led["tax.lat_prepaid"][0][2:4], [180, 180], rtol=1e-12)
    assert_allclose(led["tax.lat_settlement"][0][4], -360.0, rtol=1e-12)
    assert_allclose(led["tax.land_appreciation"][0].sum(), 0.0, atol=1e-9)


def test_quarterly_pays_the_same_lat_per_year_as_annual() -> None:
    # The same project on quarters: prepaid per quarter, settled in the first quarter of
    # year 4 (last sale in the last quarter of year 3, plus 4 quarters); yearly totals equal.
    annual = run_with(tax=LAT_ON, revenues=[SALE]).ledger["tax.land_appreciation"][0]
    q = run_with(tax=LAT_ON, revenues=[SALE], timeline={"periodicity": "quarterly"})
    quarterly = q.ledger["tax.land_appreciation"][0].reshape(-1, 4).sum(axis=1)
    assert_allclose(quarterly, annual, atol=1e-9)


def test_land_transfer_bears_no_lat_unless_switched_on() -> None:
    # Government 出让 is not a transfer by a taxpayer (条例 第二条): no LAT lines by default.
    land = {
        "name": "出让",
        "kind": "land_transfer",
        "quantity": 10,
        "unit_price": 300,
        "price_currency": "万元",
        "price_per": "once",
        "schedule": [1.0],
    }
    assert "tax.land_appreciation" not in run_with(tax=LAT_ON, revenues=[land]).ledger
    on = run_with(tax=LAT_ON, revenues=[{**land, "land_appreciation_tax": True}]).ledger
    # 3,000 against 1,300: 655 as in the sale example.
    assert_allclose(on["tax.land_appreciation"][0].sum(), 655.0, rtol=1e-12)


def test_expense_rate_above_the_statutory_cap_is_refused() -> None:
    tax = {"preset": "cn_default", "land_appreciation": {"expense_rate": 0.12}}
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(tax=tax, revenues=[SALE]))
    text = str(err.value)
    assert "tax.land_appreciation.expense_rate" in text and "10 %" in text


def test_lat_on_a_recurring_stream_is_refused() -> None:
    parking = {**minimal_spec()["revenues"][0], "land_appreciation_tax": True}
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(revenues=[parking]))
    assert "land_appreciation_tax" in str(err.value)


def test_brackets_out_of_order_are_refused() -> None:
    brackets = [{"up_to": 1.0, "rate": 0.3}, {"up_to": 0.5, "rate": 0.4}, {"rate": 0.6}]
    tax = {"preset": "cn_default", "land_appreciation": {"brackets": brackets}}
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(tax=tax))
    assert "brackets" in str(err.value)


@settings(max_examples=40, deadline=None)
@given(
    price=st.floats(5000, 60000),
    prepay=st.floats(0.0, 0.1),
    share=st.floats(0.1, 1.0),
    periodicity=st.sampled_from(["annual", "semiannual", "quarterly"]),
)
def test_lat_properties(price: float, prepay: float, share: float, periodicity: str) -> None:
    """Whatever the price, prepayment rate, cost share and periods: the LAT paid over the
    project equals ``lat_due`` on total proceeds and the deductions (hand rule: 1,000 of
    works × share × 1.3), is never negative in total, and only the settlement can be a
    negative (refund) payment; the yearly totals do not depend on the periodicity."""
    tax = {
        "preset": "none",
        "land_appreciation": {"enabled": True, "prepayment_rate": prepay, "cost_share": share},
    }
    sale = {**SALE, "unit_price": price}
    led = run_with(tax=tax, revenues=[sale], timeline={"periodicity": periodicity}).ledger
    paid = led["tax.land_appreciation"][0]
    deductions = 1000.0 * share * 1.3
    expected = lat_due(3000.0 * price / 30000, deductions, STATUTE)
    assert_allclose(paid.sum(), expected, rtol=1e-9, atol=1e-9)
    assert paid.sum() >= -1e-9
    assert (led["tax.lat_prepaid"][0] >= 0).all()
    ppy = {"annual": 1, "semiannual": 2, "quarterly": 4}[periodicity]
    annual = run_with(tax=tax, revenues=[sale]).ledger["tax.land_appreciation"][0]
    assert_allclose(paid.reshape(-1, ppy).sum(axis=1), annual, rtol=1e-9, atol=1e-9)
