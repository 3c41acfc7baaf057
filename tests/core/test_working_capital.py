"""Working capital (issue 17.7): 流动资金 by the itemised method (分项详细估算法) of
《建设项目经济评价方法与参数》(第三版): each item = a year's base ÷ 周转次数, with 周转次数 =
360 ÷ 最低周转天数 — the operating costs (经营成本) for 应收账款 (= 年经营成本 ÷ 周转次数),
the bought-in materials and fuel for 存货 (外购原材料、燃料 = 年外购费用 ÷ 周转次数), the wages
and other costs for 现金 (= (年工资及福利费 + 年其他费用) ÷ 周转次数, repairs 修理费 left out),
the bought-in materials, fuel and power for 应付账款 (= 外购原材料、燃料动力及其他材料年费用 ÷
周转次数); the increase invested, the balance recovered in the last year (回收流动资金).
Expected figures worked out by hand in each test.

The project (``renewfin.testing.minimal_spec``): built in years 0–1, parking of 240 a year
from year 2, operating costs from year 2 of 100 a year of management wages and 50 a year
of electricity and water bought in (``purchased``), ten annual periods, no tax.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin.core.working_capital import changes
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.spec.errors import SpecError
from renewfin.testing import minimal_spec

OPEX = [
    {"name": "运营管理", "amount": 100.0},
    {"name": "水电能耗", "amount": 50.0, "purchased": True},
]
DAYS = {"receivable_days": 36, "inventory_days": 18, "cash_days": 18, "payable_days": 36}


def run_with(days: dict[str, float] | None = None, **overrides: Any) -> Result:
    data = minimal_spec(**{"opex": OPEX, **overrides}, working_capital=days or {})
    return run(validate_data(ProjectSpec, data))


def test_itemised_working_capital_by_hand() -> None:
    """第三版 分项详细估算法 on 150 a year of operating costs: 100 of wages (工资及福利费),
    50 bought in (外购). 应收账款 on all: 150 ÷ (360 ÷ 36) = 15; 存货 on the bought-in 50:
    50 ÷ (360 ÷ 18) = 2.5 (on all the costs it would be 7.5); 现金 on the wages 100:
    100 ÷ 20 = 5 (not 7.5); 应付账款 on the bought-in 50: 50 ÷ 10 = 5; 流动资金 = 15 + 2.5
    + 5 − 5 = 17.5 from year 2 to year 8, 17.5 invested in year 2 and recovered in year 9
    (the last year). The project cash flow before tax falls by 17.5 in year 2 and rises by
    17.5 in year 9 against the run without working capital; CFADS likewise."""
    led, ref = run_with(DAYS).ledger, run_with().ledger
    held = np.r_[0, 0, [1.0] * 7, 0]
    assert_allclose(led["opex.purchased"][0], np.r_[0, 0, [50.0] * 8], rtol=1e-12, atol=1e-12)
    assert_allclose(led["opex.wages_other"][0], np.r_[0, 0, [100.0] * 8], rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.receivables"][0], 15 * held, rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.inventory"][0], 2.5 * held, rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.cash"][0], 5 * held, rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.payables"][0], 5 * held, rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.level"][0], 17.5 * held, rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.investment"][0], np.r_[0, 0, 17.5, [0] * 7], atol=1e-12)
    assert_allclose(led["wc.recovery"][0], np.r_[[0] * 9, 17.5], atol=1e-12)
    delta = np.r_[0, 0, -17.5, [0] * 6, 17.5]
    for id in ("cf.project.pre_tax", "cash.cfads"):
        assert_allclose(led[id][0] - ref[id][0], delta, rtol=1e-12, atol=1e-9, err_msg=id)
    assert_allclose(led["bs.check"][0], 0.0, atol=1e-9)


def test_cash_leaves_out_repairs_unless_stated() -> None:
    """现金 = (年工资及福利费 + 年其他费用) ÷ 周转次数 (第三版); 其他费用 leaves out 修理费. Costs
    100 wages, 50 bought in, 30 routine maintenance (修理费, out by default) and 10 of
    maintenance staff wages stated ``wages_or_other: true``: cash base 100 + 10 = 110,
    现金 110 × 18 ÷ 360 = 5.5; 应收账款 (100 + 50 + 30 + 10) × 36 ÷ 360 = 19; 存货 2.5 and
    应付账款 5 as before; 流动资金 = 19 + 2.5 + 5.5 − 5 = 22."""
    opex = [
        *OPEX,
        {"name": "日常维修", "amount": 30.0, "category": "maintenance"},
        {"name": "维修人员工资", "amount": 10.0, "category": "maintenance", "wages_or_other": True},
    ]
    led = run_with(DAYS, opex=opex).ledger
    held = np.r_[0, 0, [1.0] * 7, 0]
    assert_allclose(led["opex.wages_other"][0], np.r_[0, 0, [110.0] * 8], rtol=1e-12)
    assert_allclose(led["wc.cash"][0], 5.5 * held, rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.receivables"][0], 19 * held, rtol=1e-12, atol=1e-12)
    assert_allclose(led["wc.level"][0], 22 * held, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    ("opex", "days", "field"),
    [
        (
            [{"name": "运营管理", "amount": 100.0}],
            {"receivable_days": 30, "inventory_days": 10},
            "inventory_days",
        ),
        (
            [
                {"name": "水电能耗", "amount": 50.0, "purchased": True},
                {"name": "日常维修", "amount": 30.0, "category": "maintenance"},
            ],
            {"receivable_days": 30, "cash_days": 10},
            "cash_days",
        ),
    ],
)
def test_days_without_their_base_are_refused(
    opex: list[dict[str, Any]], days: dict[str, float], field: str
) -> None:
    """存货 needs a bought-in cost, 现金 a wage or other cost (第三版); 10 days on no base."""
    with pytest.raises(SpecError, match=rf"working_capital\.{field}.*got 10"):
        validate_data(ProjectSpec, minimal_spec(opex=opex, working_capital=days))


def test_a_bought_in_cost_stated_as_wages_is_refused() -> None:
    """A cost cannot be both 外购原材料、燃料及动力 and 工资及福利费/其他费用."""
    opex = [{"name": "水电能耗", "amount": 50.0, "purchased": True, "wages_or_other": True}]
    with pytest.raises(SpecError, match=r"wages_or_other.*purchased: true.*got True"):
        validate_data(ProjectSpec, minimal_spec(opex=opex))


def test_changes_by_hand() -> None:
    """Levels 0, 4, 6, 5, 0 (the last period): invested 0, 4, 2, −1, 0; recovered 5 at the
    end."""
    invested, recovered = changes(np.array([[0, 4, 6, 5, 0.0]]), 4)
    assert_allclose(invested, [[0, 4, 2, -1, 0]])
    assert_allclose(recovered, [[0, 0, 0, 0, 5]])


def test_payables_without_a_bought_in_cost_are_refused() -> None:
    """第三版 puts the payables on the bought-in materials, fuel and power: payable days
    with no operating cost marked ``purchased`` have no base."""
    with pytest.raises(SpecError, match=r"working_capital\.payable_days.*purchased: true.*got 30"):
        validate_data(
            ProjectSpec,
            minimal_spec(
                opex=[{"name": "运营管理", "amount": 100.0}],
                working_capital={"receivable_days": 30, "payable_days": 30},
            ),
        )


def test_payables_above_current_assets_are_refused() -> None:
    with pytest.raises(SpecError, match=r"working_capital\.payable_days.*got 90"):
        validate_data(
            ProjectSpec, minimal_spec(working_capital={"receivable_days": 30, "payable_days": 90})
        )


@settings(max_examples=15, deadline=None)
@given(
    receivable=st.floats(0, 120),
    inventory=st.floats(0, 60),
    payable_share=st.floats(0, 1),
    periodicity=st.sampled_from(["annual", "quarterly", "monthly"]),
    growth=st.floats(-0.05, 0.1),
)
def test_working_capital_recovered_equals_invested(
    receivable: float, inventory: float, payable_share: float, periodicity: str, growth: float
) -> None:
    """Property: the working capital recovered at the end equals the sum invested (第三版:
    回收流动资金 = 流动资金 in total), the balance is never negative, and the balance sheet
    balances."""
    days = {
        "receivable_days": receivable,
        "inventory_days": inventory,
        "payable_days": payable_share * (receivable + inventory),
    }
    opex = [{"name": "运营管理", "amount": 100.0, "growth_rate": growth, "purchased": True}]
    led = run(
        validate_data(
            ProjectSpec,
            minimal_spec(opex=opex, working_capital=days, timeline={"periodicity": periodicity}),
        )
    ).ledger
    assert_allclose(led["wc.recovery"].sum(), led["wc.investment"].sum(), rtol=1e-12, atol=1e-9)
    assert (led["wc.level"] >= -1e-12).all()
    assert_allclose(led["bs.check"], 0.0, atol=1e-8)
