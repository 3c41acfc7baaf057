"""Depreciation and amortisation (折旧摊销), straight line, and the residual value recovered
at the end of the horizon. Reference: 《建设项目经济评价方法与参数》(第三版), 平均年限法:
年折旧额 = 原值 × (1 − 净残值率) / 折旧年限; 回收固定资产余值 = 原值 − 累计折旧.
Every expected figure is a hand calculation written out in the test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.core.depreciation import straight_line
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

CLASSES = {
    "classes": [
        {"name": "building", "life_years": 20, "residual_rate": 0.05},
        {"name": "equipment", "life_years": 5, "residual_rate": 0.05},
    ]
}


def run_with(**overrides: Any) -> Result:
    return run(validate_data(ProjectSpec, minimal_spec(**overrides)))


def test_straight_line_charge() -> None:
    # 1000 × (1 − 5 %) / 10 = 95 a period for 10 periods from period 2, then nothing.
    t = np.arange(15)[None, :]
    dep = straight_line(t, np.array([[1000.0]]), 2, 10, 0.05)
    assert_allclose(dep, [[0, 0] + [95.0] * 10 + [0, 0, 0]], rtol=1e-12)
    assert dep.sum() == pytest.approx(1000 * 0.95)


def test_straight_line_fractional_life() -> None:
    # Life 2.5 periods: 1000 × 0.95 / 2.5 = 380 a period, the half period charged pro rata.
    t = np.arange(5)[None, :]
    assert_allclose(
        straight_line(t, np.array([[1000.0]]), 0, 2.5, 0.05), [[380, 380, 190, 0, 0]], rtol=1e-12
    )


def test_straight_line_vectorised_over_scenarios() -> None:
    # (S, 1) original values and service starts give (S, T) charges.
    t = np.arange(4)[None, :]
    dep = straight_line(t, np.array([[100.0], [200.0]]), np.array([[0], [2]]), 2, 0.0)
    assert_allclose(dep, [[50, 50, 0, 0], [0, 0, 100, 100]])


def test_engine_depreciation_by_class_and_residual_value() -> None:
    # cn_default: original values exclude input VAT: works 1090 / 1.09 = 1000 (building),
    # equipment 113 / 1.13 = 100. Building: 1000 × 0.95 / 20 = 47.5 a year from year 2.
    # Equipment: 100 × 0.95 / 5 = 19 a year in years 2–6, then fully depreciated.
    # Residual value in year 9: building 1000 − 8 × 47.5 = 620, equipment 100 × 5 % = 5.
    res = run_with(
        tax={"preset": "cn_default"},
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1090,
                "schedule": [0.4, 0.6],
            },
            {"name": "电梯", "category": "equipment", "amount": 113, "schedule": [0.0, 1.0]},
        ],
        depreciation=CLASSES,
    )
    led = res.ledger
    assert_allclose(led["dep.class[building]"][0], [0, 0] + [47.5] * 8, rtol=1e-12)
    assert_allclose(led["dep.class[equipment]"][0], [0, 0] + [19.0] * 5 + [0] * 3, rtol=1e-12)
    assert_allclose(led["dep.total"][0], [0, 0] + [66.5] * 5 + [47.5] * 3, rtol=1e-12)
    assert_allclose(led["dep.residual_value"][0], [0] * 9 + [625.0], rtol=1e-12)


def test_residual_value_can_be_excluded() -> None:
    res = run_with(evaluation={"include_residual_value": False}, depreciation=CLASSES)
    assert not res.ledger["dep.residual_value"].any()
    assert res.ledger["dep.total"][0].sum() == pytest.approx(8 * 47.5)


def test_quarterly_depreciation() -> None:
    # Tax preset none: original value 1000; 47.5 a year = 11.875 a quarter from period 8.
    res = run_with(timeline={"periodicity": "quarterly"}, depreciation=CLASSES)
    assert_allclose(res.ledger["dep.total"][0], [0] * 8 + [11.875] * 32, rtol=1e-12)
    assert res.ledger["dep.residual_value"][0, -1] == pytest.approx(1000 - 8 * 47.5)


def test_price_contingency_is_capitalised_into_buildings() -> None:
    # f = 5 %, m = 0: PF = 400 (1.05^0.5 − 1) + 600 (1.05^1.5 − 1) = 9.8809 + 45.5579;
    # the building's original value is 1000 + PF, depreciated over 20 years at 5 % residual.
    pf = 400 * (1.05**0.5 - 1) + 600 * (1.05**1.5 - 1)
    res = run_with(price_contingency={"rate": 0.05}, depreciation=CLASSES)
    assert res.ledger["capex.price_contingency"][0].sum() == pytest.approx(pf, rel=1e-12)
    assert_allclose(res.ledger["dep.total"][0, 2], (1000 + pf) * 0.95 / 20, rtol=1e-12)


def test_land_use_right_amortised_in_its_own_class() -> None:
    # Land 800 → land_use_right (default class: 40 years, no residual): 20 a year.
    res = run_with(
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1000,
                "schedule": [0.4, 0.6],
            },
            {"name": "土地", "category": "land", "amount": 800, "schedule": [1.0]},
        ]
    )
    assert_allclose(res.ledger["dep.class[land_use_right]"][0], [0, 0] + [20.0] * 8)
    # Residual: 800 − 8 × 20 = 640 of land plus 1000 − 8 × 1000 × 0.95 / 30 of building.
    assert res.ledger["dep.residual_value"][0, -1] == pytest.approx(
        640 + 1000 - 8 * 1000 * 0.95 / 30
    )
