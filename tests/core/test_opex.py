"""Operating costs (经营成本, excluding VAT): fixed, per unit, driven by a stream's units,
a share of revenue, a share of asset value, and cyclical items every N years. Every
expected figure is a hand calculation written out in the test.

The minimal spec builds for 2 years (model years 0–1) and operates in model years 2–9;
operating year k (0-based) is model year 2 + k."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec


def run_with(opex: list[dict[str, Any]], **overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(opex=opex, **overrides)))


def cost(res: Result, name: str) -> np.ndarray:
    return res.ledger[f"opex.item[{name}]"][0]


def test_fixed_amount_with_growth() -> None:
    # 120 a year from completion, +2 % a year: 120 × 1.02^k in operating year k.
    res = run_with([{"name": "管理费", "amount": 120, "growth_rate": 0.02}])
    assert_allclose(cost(res, "管理费"), [0, 0] + [120 * 1.02**k for k in range(8)], rtol=1e-12)
    # Quarterly: a quarter of the year's amount each quarter, stepping up each year.
    q = run_with(
        [{"name": "管理费", "amount": 120, "growth_rate": 0.02}],
        timeline={"periodicity": "quarterly"},
    )
    expected = [0.0] * 8 + [30 * 1.02**k for k in range(8) for _ in range(4)]
    assert_allclose(cost(q, "管理费"), expected, rtol=1e-12)


def test_fixed_amount_during_construction() -> None:
    # timing: construction — 12 a year while building, growing from the construction start.
    res = run_with(
        [{"name": "前期管理", "amount": 12, "growth_rate": 0.05, "timing": "construction"}]
    )
    assert_allclose(cost(res, "前期管理"), [12, 12 * 1.05] + [0] * 8, rtol=1e-12)


def test_per_unit_with_fixed_quantity() -> None:
    # 10,000 m² × 2 元/m²/month × 12 = 240,000 元 = 24 万元 a year.
    res = run_with(
        [
            {
                "name": "保洁",
                "basis": "per_unit",
                "unit_cost": 2,
                "cost_per": "month",
                "quantity": 10_000,
            }
        ]
    )
    assert_allclose(cost(res, "保洁"), [0, 0] + [24.0] * 8, rtol=1e-12)


def test_per_unit_driven_by_a_stream() -> None:
    # Driver: the parking stream's utilised units, 500 × ramp 0.5 then 1 = 250, 500 spaces;
    # 100 元/space/year → 2.5 then 5 万元.
    res = run_with(
        [{"name": "车位运维", "basis": "per_unit", "unit_cost": 100, "driver": "停车位"}],
        revenues=[
            {
                "name": "停车位",
                "kind": "parking",
                "quantity": 500,
                "unit_price": 400,
                "ramp_up": [0.5],
            }
        ],
    )
    assert_allclose(cost(res, "车位运维"), [0, 0, 2.5] + [5.0] * 7, rtol=1e-12)


def test_revenue_share() -> None:
    # 10 % of the parking revenue (240 a year) = 24; 5 % of all streams (240 + 30) = 13.5.
    ads = {
        "name": "广告位",
        "kind": "advertising",
        "quantity": 100,
        "unit_price": 3000,
        "price_per": "year",
    }
    parking = minimal_spec()["revenues"][0]
    res = run_with(
        [
            {"name": "停车分成", "basis": "revenue_share", "share": 0.1, "revenues": ["停车位"]},
            {"name": "运营分成", "basis": "revenue_share", "share": 0.05},
        ],
        revenues=[parking, ads],
    )
    assert_allclose(cost(res, "停车分成"), [0, 0] + [24.0] * 8, rtol=1e-12)
    assert_allclose(cost(res, "运营分成"), [0, 0] + [13.5] * 8, rtol=1e-12)


def test_asset_share_of_original_value_excluding_vat() -> None:
    # cn_default: works of 1090 include 9 % VAT, so the building's original value is
    # 1090 / 1.09 = 1000 (input VAT is deductible, not capitalised). 0.5 % a year = 5,
    # +3 % a year from completion.
    res = run_with(
        [{"name": "维修", "basis": "asset_share", "share": 0.005, "growth_rate": 0.03}],
        tax={"preset": "cn_default"},
        investment=[
            {"name": "建安工程", "category": "construction", "amount": 1090, "schedule": [0.4, 0.6]}
        ],
    )
    assert_allclose(cost(res, "维修"), [0, 0] + [5 * 1.03**k for k in range(8)], rtol=1e-12)


def test_cyclical_item_every_n_years() -> None:
    # 50 every 3 operating years (years 3 and 6 → k = 2, 5 → model years 4 and 7),
    # +10 % a year: 50 × 1.1^2 = 60.5 and 50 × 1.1^5 = 80.5255.
    item = {
        "name": "大中修",
        "category": "major_maintenance",
        "amount": 50,
        "every_years": 3,
        "growth_rate": 0.1,
    }
    res = run_with([item])
    assert_allclose(cost(res, "大中修"), [0, 0, 0, 0, 60.5, 0, 0, 50 * 1.1**5, 0, 0], rtol=1e-12)
    # Quarterly: the whole amount in the first quarter of those years (periods 16 and 28).
    q = cost(run_with([item], timeline={"periodicity": "quarterly"}), "大中修")
    assert np.flatnonzero(q).tolist() == [16, 28]
    assert_allclose(q[[16, 28]], [60.5, 50 * 1.1**5], rtol=1e-12)


def test_input_vat_total_and_safety_lines() -> None:
    # Input VAT is charged on top of the cost: 100 × 6 % = 6. Safety items (inspection,
    # fund, insurance) are also reported together: 10 + 4 = 14.
    res = run_with(
        [
            {"name": "物业外包", "amount": 100, "input_vat_rate": 0.06},
            {"name": "安全体检", "category": "safety_inspection", "amount": 10},
            {"name": "安全资金", "category": "safety_fund", "amount": 4},
        ]
    )
    led = res.ledger
    assert_allclose(led["opex.input_vat"][0], [0, 0] + [6.0] * 8, rtol=1e-12)
    assert_allclose(led["opex.safety"][0], [0, 0] + [14.0] * 8, rtol=1e-12)
    assert_allclose(led["opex.total"][0], [0, 0] + [114.0] * 8, rtol=1e-12)
    assert res.values["total_opex"][0] == pytest.approx(114 * 8)


def test_leasable_area_indexed_to_a_cpi_path() -> None:
    # 8,000 m² × 3 元/m²/month × 12 = 288,000 元 = 28.8 万元 in the first operating year
    # (the base, index 1); CPI 2 % then 3 % (the last rate holding): operating year 2 is
    # 28.8 × 1.02 = 29.376, year 3 28.8 × 1.02 × 1.03 = 30.25728, year k + 1 28.8 × 1.02 ×
    # 1.03^(k − 1).
    item = {
        "name": "物业管理",
        "basis": "leasable_area",
        "area_cost": 3,
        "cost_per": "month",
        "quantity": 8000,
        "cpi": [0.02, 0.03],
    }
    res = run_with([item])
    expected = [0, 0, 28.8] + [28.8 * 1.02 * 1.03 ** (k - 1) for k in range(1, 8)]
    assert_allclose(cost(res, "物业管理")[2:5], [28.8, 29.376, 30.25728], rtol=1e-12)
    assert_allclose(cost(res, "物业管理"), expected, rtol=1e-12)
    # Quarterly: a quarter of the year's cost each quarter, indexed once a year.
    q = run_with([item], timeline={"periodicity": "quarterly"})
    assert_allclose(
        cost(q, "物业管理"), [0.0] * 8 + [v / 4 for v in expected[2:] for _ in "1234"], rtol=1e-12
    )


def test_leasable_area_cpi_path_per_scenario() -> None:
    # A per-scenario CPI path (a Monte Carlo override, shape (S, n)): scenario 1 at 2 %
    # then 3 % as above, scenario 2 at 5 % flat: 28.8 × 1.05^k in operating year k + 1.
    item = {
        "name": "物业管理",
        "basis": "leasable_area",
        "area_cost": 3,
        "cost_per": "month",
        "quantity": 8000,
        "cpi": [0.02, 0.03],
    }
    spec = validate_data(ProjectSpec, minimal_spec(opex=[item]))
    res = run(spec, {"opex[物业管理].cpi": np.array([[0.02, 0.03], [0.05, 0.05]])})
    got = res.ledger["opex.item[物业管理]"]
    assert_allclose(
        got[0], [0, 0, 28.8] + [28.8 * 1.02 * 1.03 ** (k - 1) for k in range(1, 8)], rtol=1e-12
    )
    assert_allclose(got[1], [0, 0] + [28.8 * 1.05**k for k in range(8)], rtol=1e-12)


def test_leasable_area_of_the_rent_streams_at_a_single_cpi_rate() -> None:
    # The area is the rent stream's quantity, 5,000 m² lettable (let or not: utilisation
    # 0.8 does not reduce it); 10 元/m²/year → 5 万元, at a single CPI rate of 2.5 %:
    # 5 × 1.025^k in operating year k + 1.
    rent = {
        "name": "商铺租金",
        "kind": "rent",
        "quantity": 5000,
        "unit_price": 50,
        "utilisation": 0.8,
    }
    res = run_with(
        [
            {
                "name": "公共维护",
                "basis": "leasable_area",
                "area_cost": 10,
                "revenues": ["商铺租金"],
                "cpi": 0.025,
            }
        ],
        revenues=[rent],
    )
    assert_allclose(cost(res, "公共维护"), [0, 0] + [5 * 1.025**k for k in range(8)], rtol=1e-12)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"growth_rate": 0.02}, "growth_rate"),
        ({"timing": "construction"}, "timing"),
        ({"revenues": ["停车位"]}, "quantity"),
        ({"cpi": None}, "cpi"),
        ({"cpi": [-1.0]}, "cpi"),
    ],
)
def test_leasable_area_refuses_what_it_cannot_mean(change: dict[str, Any], field: str) -> None:
    item = {
        "name": "物业管理",
        "basis": "leasable_area",
        "area_cost": 3,
        "quantity": 8000,
        "cpi": [0.02],
        **change,
    }
    with pytest.raises(SpecError, match=rf"opex\[0 物业管理\]\.{field}"):
        validate_data(ProjectSpec, minimal_spec(opex=[item]))
