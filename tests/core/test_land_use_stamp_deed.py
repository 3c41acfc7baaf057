"""城镇土地使用税, 印花税 and 契税 (issue 17.2).

References: 城镇土地使用税暂行条例 第三条 (taxable area), 第四条 (annual 元/m² ranges by city
size: large 1.5–30, medium 1.2–24, small 0.9–18, county and town 0.6–12), 第五条 (floor 30 %
of the range's minimum); 印花税法 (2022) 税目税率表 — 租赁合同 1‰, 建设工程合同 0.3‰, 买卖
合同 0.3‰, 产权转移书据 0.5‰ — and 第五条 (bases exclude VAT); 契税法 第三条 (3–5 %), with the
tax capitalised into the land (企业会计准则第6号 第十二条: 外购无形资产的成本包括相关税费).
Every expected figure is worked out by hand in the test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

CN = {"preset": "cn_default"}
WORKS_1090 = {
    "name": "建安工程",
    "category": "construction",
    "amount": 1090,
    "schedule": [0.4, 0.6],
}
LAND_500 = {"name": "土地出让金", "category": "land", "amount": 500, "schedule": [1.0]}
PARKING = minimal_spec()["revenues"][0]
RENT = {"name": "商铺", "kind": "rent", "quantity": 1000, "unit_price": 50}  # 60 a year
OPERATING = np.arange(10) >= 2


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**overrides)))


def test_land_use_tax_from_completion_at_the_preset_rate() -> None:
    # 10,000 m² in a large city at the preset 15.75 元/m² (the middle of 1.5–30): 157,500 元
    # = 15.75 万元 a year from completion (year 2).
    res = run_with(tax={**CN, "land_use_tax_area": 10000})
    assert_allclose(res.ledger["tax.land_use"][0], 15.75 * OPERATING, rtol=1e-12)


def test_land_use_tax_from_acquisition_quarterly_at_a_county_rate() -> None:
    # 20,000 m² in a county town at 4 元/m²: 8 万元 a year, from the start of construction,
    # 2 万元 a quarter; the same 8 a year as the annual model.
    tax = {
        **CN,
        "land_use_tax_area": 20000,
        "land_use_tax_grade": "county_town",
        "land_use_tax_rate": 4.0,
        "land_use_tax_from": "acquisition",
    }
    q = run_with(tax=tax, timeline={"periodicity": "quarterly"}).ledger["tax.land_use"][0]
    assert_allclose(q, 2.0, rtol=1e-12)
    annual = run_with(tax=tax).ledger["tax.land_use"][0]
    assert_allclose(q.reshape(-1, 4).sum(axis=1), annual, rtol=1e-12)


def test_stamp_duty_by_contract() -> None:
    # Leases: rent 60 × 1‰ = 0.06 a year. Construction contract: works 1,090 incl. 9 % VAT →
    # 1,000 × 0.3‰ = 0.3, spent 40 % / 60 %: 0.12, 0.18. Land acquired: 500 × 0.5‰ = 0.25 in
    # year 0. Parking (not a lease in the model) bears none.
    res = run_with(tax=CN, investment=[WORKS_1090, LAND_500], revenues=[PARKING, RENT])
    led = res.ledger
    assert_allclose(led["tax.stamp_lease"][0], 0.06 * OPERATING, rtol=1e-12)
    assert_allclose(led["tax.stamp_construction"][0], [0.12, 0.18] + [0] * 8, rtol=1e-12)
    assert_allclose(led["tax.stamp_transfer"][0], [0.25] + [0] * 9, rtol=1e-12)
    assert_allclose(led["tax.stamp_duty"][0], [0.37, 0.18] + [0.06] * 8, rtol=1e-12)


def test_stamp_duty_on_a_sale() -> None:
    # A sale of 3,000 (excl. VAT) over years 2–3: transfer deed 0.5‰ = 0.75 a year.
    sale = {
        "name": "销售",
        "kind": "sale",
        "quantity": 1000,
        "unit_price": 30000,
        "price_per": "once",
        "schedule": [0.5, 0.5],
    }
    res = run_with(tax={**CN, "land_appreciation": {"enabled": False}}, revenues=[sale])
    assert_allclose(res.ledger["tax.stamp_transfer"][0], [0, 0, 0.75, 0.75] + [0] * 6, rtol=1e-12)


def test_deed_tax_capitalised_into_the_land() -> None:
    # 契税 3 % × 500 = 15, paid with the land in year 0: construction investment 1,090 + 500
    # + 15; the land-use right 515 amortised over 40 years = 12.875 a year, plus the building
    # 1,000 × 0.95 / 30 = 31.666…; 契税 is in the 建设投资估算表 under 工程建设其他费用.
    from renewfin.tables import investment_estimate

    res = run_with(tax=CN, investment=[WORKS_1090, LAND_500])
    led = res.ledger
    assert_allclose(led["capex.deed_tax"][0], [15] + [0] * 9, rtol=1e-12)
    assert_allclose(led["capex.total"][0].sum(), 1605.0, rtol=1e-12)
    assert_allclose(led["dep.total"][0], (12.875 + 1000 * 0.95 / 30) * OPERATING, rtol=1e-12)
    table = investment_estimate(res)
    assert_allclose(table.loc["capex.deed_tax"].iloc[3], 15.0, rtol=1e-12)
    assert_allclose(table.loc["other_costs"].iloc[3], 515.0, rtol=1e-12)


def test_compensation_bears_no_deed_tax_nor_transfer_stamp_duty() -> None:
    # 征收补偿 transfers no title to the company (契税法 第一条; 印花税法 税目税率表 产权转移书据
    # lists transfers of title only): no 契税, and the transfer-deed stamp duty is 0 where
    # 500 of land acquired bears 500 × 0.5‰ = 0.25 (test_stamp_duty_by_contract); the
    # construction contract still bears 1,000 × 0.3‰ = 0.3.
    comp = {**LAND_500, "deed_taxable": False}
    led = run_with(tax=CN, investment=[WORKS_1090, comp]).ledger
    assert "capex.deed_tax" not in led
    assert_allclose(led["tax.stamp_transfer"][0], 0.0, atol=1e-15)
    assert_allclose(led["tax.stamp_construction"][0].sum(), 0.3, rtol=1e-12)


def test_unknown_city_grade_is_refused() -> None:
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(tax={**CN, "land_use_tax_grade": "megacity"}))
    assert "land_use_tax_grade" in str(err.value)


def test_land_use_rate_below_the_statutory_floor_is_refused() -> None:
    # Medium city: floor 1.2 元/m², reducible to 30 % of it (0.36) at most (条例 第五条).
    tax = {**CN, "land_use_tax_grade": "medium_city", "land_use_tax_rate": 0.3}
    with pytest.raises(SpecError) as err:
        validate_data(ProjectSpec, minimal_spec(tax=tax))
    assert "tax.land_use_tax_rate" in str(err.value) and "0.36" in str(err.value)


def test_resettlement_housing_exempt_share() -> None:
    """财税〔2013〕101号 第一条(一)(二): resettlement housing (改造安置住房) of a 棚户区改造 is
    exempt from 城镇土地使用税 and from the company's 印花税 on its contracts. With 60 % of the
    land and works for resettlement: land-use tax 40 % × 15.75 = 6.3 a year; construction
    contracts 40 % × (0.12, 0.18) = 0.048, 0.072; the land's deed 40 % × 0.25 = 0.1; the
    lease's 0.06 a year is not exempt."""
    tax = {**CN, "land_use_tax_area": 10000, "resettlement_housing_share": 0.6}
    led = run_with(tax=tax, investment=[WORKS_1090, LAND_500], revenues=[PARKING, RENT]).ledger
    assert_allclose(led["tax.land_use"][0], 6.3 * OPERATING, rtol=1e-12)
    assert_allclose(led["tax.stamp_construction"][0], [0.048, 0.072] + [0] * 8, rtol=1e-12)
    assert_allclose(led["tax.stamp_transfer"][0], [0.1] + [0] * 9, rtol=1e-12)
    assert_allclose(led["tax.stamp_lease"][0], 0.06 * OPERATING, rtol=1e-12)
