"""Construction investment (建设投资): spend profile, basic and price contingency, input VAT,
capex overrun and construction delay. Every expected number is a hand calculation written
out in the test; the contingency formulas are those of 《建设项目经济评价方法与参数》(第三版):
基本预备费 = (工程费用 + 工程建设其他费用) × 基本预备费率 and
涨价预备费 PF = Σ I_t [(1+f)^m (1+f)^0.5 (1+f)^(t−1) − 1]."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from renewfin.core.context import PhaseTiming
from renewfin.core.investment import spend_profile
from renewfin.engine import run
from renewfin.spec import ProjectSpec, validate_data
from renewfin.testing import minimal_spec

ITEM = "capex.item[建安工程]"


def spec_of(**overrides: object) -> ProjectSpec:
    return validate_data(ProjectSpec, minimal_spec(**overrides))


# --- spend profile ----------------------------------------------------------------------


def test_spend_profile_two_year_phase_quarterly() -> None:
    # Schedule [0.4, 0.6] over 2 years, quarterly: 0.4 / 4 = 0.1 in each quarter of year 1,
    # 0.6 / 4 = 0.15 in each quarter of year 2, nothing after.
    t = np.arange(12)[None, :]
    phase = PhaseTiming("一期", 0, 2.0, np.array([[8]]))
    share = spend_profile(t, phase, [0.4, 0.6])
    assert_allclose(share, [[0.1] * 4 + [0.15] * 4 + [0.0] * 4], atol=1e-15)

    res = run(spec_of(timeline={"periodicity": "quarterly"}))
    assert_allclose(res.ledger[ITEM][0], [100.0] * 4 + [150.0] * 4 + [0.0] * 32, atol=1e-12)
    assert res.ledger["flag.construction"][0].tolist() == [1.0] * 8 + [0.0] * 32


def test_spend_profile_default_is_even_over_the_phase() -> None:
    # No schedule: 1000 over 2 years = 500 a year; 1.5 years in half-years: 1000 / 3 each.
    spec = minimal_spec()
    del spec["investment"][0]["schedule"]
    res = run(validate_data(ProjectSpec, spec))
    assert_allclose(res.ledger[ITEM][0, :3], [500.0, 500.0, 0.0])

    spec = minimal_spec(
        timeline={"periodicity": "semiannual", "phases": [{"name": "一期", "duration_years": 1.5}]}
    )
    del spec["investment"][0]["schedule"]
    res = run(validate_data(ProjectSpec, spec))
    assert_allclose(res.ledger[ITEM][0, :4], [1000 / 3] * 3 + [0.0])


def test_spend_profile_later_phase_and_short_schedule() -> None:
    # 二期 starts in year 3 and lasts 3 years; schedule [0.5, 0.5] covers its first two
    # years only: 500, 500, 0 in years 3, 4, 5.
    spec = spec_of(
        timeline={
            "phases": [
                {"name": "一期", "duration_years": 2},
                {"name": "二期", "start_year": 3, "duration_years": 3},
            ]
        },
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1000,
                "schedule": [0.4, 0.6],
            },
            {
                "name": "二期工程",
                "category": "construction",
                "amount": 1000,
                "phase": "二期",
                "schedule": [0.5, 0.5],
            },
        ],
    )
    led = run(spec).ledger
    assert_allclose(led[ITEM][0, :4], [400, 600, 0, 0])
    assert_allclose(led["capex.item[二期工程]"][0, :7], [0, 0, 0, 500, 500, 0, 0])


# --- basic contingency ----------------------------------------------------------------

FOUR_ITEMS = [
    {"name": "建安工程", "category": "construction", "amount": 1000, "schedule": [0.4, 0.6]},
    {"name": "设备", "category": "equipment", "amount": 200, "schedule": [0.5, 0.5]},
    {"name": "其他费用", "category": "other_costs", "amount": 100, "schedule": [1.0]},
    {"name": "征拆补偿", "category": "land", "amount": 500, "schedule": [1.0]},
]


def test_basic_contingency_is_rate_times_base() -> None:
    # Base = 工程费用 + 工程建设其他费用 (land excluded): year 1: 400 + 100 + 100 = 600,
    # year 2: 600 + 100 = 700. 5 % of it: 30 and 35; total 0.05 × 1300 = 65.
    spec = spec_of(
        investment=[*FOUR_ITEMS, {"name": "基本预备费", "category": "contingency", "rate": 0.05}]
    )
    led = run(spec).ledger
    assert_allclose(led["capex.item[基本预备费]"][0, :3], [30.0, 35.0, 0.0])
    assert_allclose(led["capex.category[contingency]"][0, :2], [30.0, 35.0])
    assert led["capex.total"][0].sum() == pytest.approx(1800 + 65)


def test_basic_contingency_on_chosen_categories() -> None:
    # Only construction in the base: 0.1 × (400, 600) = (40, 60).
    spec = spec_of(
        investment=[
            *FOUR_ITEMS,
            {
                "name": "基本预备费",
                "category": "contingency",
                "rate": 0.1,
                "base_categories": ["construction"],
            },
        ]
    )
    assert_allclose(run(spec).ledger["capex.item[基本预备费]"][0, :3], [40.0, 60.0, 0.0])


# --- price contingency ----------------------------------------------------------------


def test_price_contingency_textbook_formula() -> None:
    # 3-year construction, works 1000 spent 30/50/20 %, basic contingency 5 % → I_t =
    # 315, 525, 210 (I_t includes 基本预备费). f = 5 %, m = 1 year before construction.
    # Land (escalate: false) stays out of the base.
    f, m = 0.05, 1.0
    spec = spec_of(
        timeline={"phases": [{"name": "一期", "duration_years": 3}]},
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1000,
                "schedule": [0.3, 0.5, 0.2],
            },
            {
                "name": "征拆补偿",
                "category": "land",
                "amount": 400,
                "schedule": [1.0],
                "escalate": False,
            },
            {"name": "基本预备费", "category": "contingency", "rate": 0.05},
        ],
        price_contingency={"rate": f, "years_before_start": m},
    )
    pf = [
        315 * ((1 + f) ** m * (1 + f) ** 0.5 * (1 + f) ** (1 - 1) - 1),  # t = 1: 23.9178
        525 * ((1 + f) ** m * (1 + f) ** 0.5 * (1 + f) ** (2 - 1) - 1),  # t = 2: 68.1063
        210 * ((1 + f) ** m * (1 + f) ** 0.5 * (1 + f) ** (3 - 1) - 1),  # t = 3: 39.1047
    ]
    led = run(spec).ledger
    assert_allclose(led["capex.price_contingency"][0, :4], [*pf, 0.0], rtol=1e-12)
    assert sum(pf) == pytest.approx(131.1288, abs=1e-4)
    assert led["capex.total"][0].sum() == pytest.approx(1000 + 400 + 50 + sum(pf))


def test_price_contingency_of_a_later_phase_escalates_from_the_estimate() -> None:
    # 二期 spends 1000 in model year 2 (its first construction year). Its price level is
    # m + 2 years later than the estimate: PF = 1000 [(1+f)^m (1+f)^0.5 (1+f)^2 − 1].
    f, m = 0.04, 0.5
    spec = spec_of(
        timeline={
            "phases": [
                {"name": "一期", "duration_years": 1},
                {"name": "二期", "start_year": 2, "duration_years": 1},
            ]
        },
        investment=[
            {"name": "二期工程", "category": "construction", "amount": 1000, "phase": "二期"}
        ],
        price_contingency={"rate": f, "years_before_start": m},
    )
    expected = 1000 * ((1 + f) ** m * (1 + f) ** 0.5 * (1 + f) ** 2 - 1)
    assert_allclose(
        run(spec).ledger["capex.price_contingency"][0, :4], [0, 0, expected, 0], rtol=1e-12
    )


# --- input VAT ------------------------------------------------------------------------


def test_input_vat_is_amount_times_r_over_one_plus_r() -> None:
    # cn_default rates included in the amounts: works 9 %, equipment 13 %, other costs
    # 6 %, land 0 %; an item may set its own rate (3 %, simplified method).
    # 1090 × 0.09/1.09 = 90; 113 × 0.13/1.13 = 13; 106 × 0.06/1.06 = 6; 103 × 0.03/1.03 = 3.
    spec = spec_of(
        tax={"preset": "cn_default"},
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1090,
                "schedule": [0.4, 0.6],
            },
            {"name": "设备", "category": "equipment", "amount": 113, "schedule": [0.0, 1.0]},
            {"name": "其他费用", "category": "other_costs", "amount": 106, "schedule": [1.0]},
            {"name": "征拆补偿", "category": "land", "amount": 500, "schedule": [1.0]},
            {
                "name": "小额工程",
                "category": "construction",
                "amount": 103,
                "schedule": [1.0],
                "input_vat_rate": 0.03,
            },
        ],
    )
    led = run(spec).ledger
    # Year 1: 0.4 × 90 + 6 + 3 = 45; year 2: 0.6 × 90 + 13 = 67.
    assert_allclose(led["capex.input_vat"][0, :3], [45.0, 67.0, 0.0], rtol=1e-12)
    assert led["capex.input_vat"][0].sum() == pytest.approx(90 + 13 + 6 + 3)


# --- risk overrides -------------------------------------------------------------------


def test_capex_overrun_scales_the_items_it_applies_to() -> None:
    # Overrun 0 / 10 % / 25 %: works and the contingency on them scale; land
    # (overrun_applies: false) does not. Works 1000 → 1000, 1100, 1250; contingency
    # 5 % of works → 50, 55, 62.5; land stays 500.
    spec = spec_of(
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1000,
                "schedule": [0.4, 0.6],
            },
            {
                "name": "征拆补偿",
                "category": "land",
                "amount": 500,
                "schedule": [1.0],
                "overrun_applies": False,
            },
            {"name": "基本预备费", "category": "contingency", "rate": 0.05},
        ]
    )
    res = run(spec, {"risk.capex_overrun": np.array([0.0, 0.10, 0.25])})
    led = res.ledger
    assert_allclose(led[ITEM].sum(axis=1), [1000, 1100, 1250])
    assert_allclose(led["capex.item[征拆补偿]"].sum(axis=1), [500, 500, 500])
    assert_allclose(led["capex.item[基本预备费]"].sum(axis=1), [50, 55, 62.5])
    assert_allclose(res.values["total_investment"], [1550, 1655, 1812.5])
    # Timing is unchanged: 40 % in year 1 in every scenario.
    assert_allclose(led[ITEM][:, 0], [400, 440, 500])


def test_construction_delay_stretches_spending_and_shifts_revenue() -> None:
    # Annual, 2-year phase [0.4, 0.6], delayed by 2 periods: the cumulative curve
    # (0, 0.4, 1.0 at 0, 1/2, 1 of the phase) stretched over 4 years is 0.2, 0.4, 0.7, 1.0,
    # so spending is 200, 200, 300, 300; the total stays 1000. Revenue (240 a year) starts
    # in model year 4 instead of 2.
    res = run(spec_of(), {"risk.construction_delay_periods": np.array([0.0, 2.0])})
    led = res.ledger
    assert_allclose(led[ITEM][:, :5], [[400, 600, 0, 0, 0], [200, 200, 300, 300, 0]])
    assert_allclose(led["capex.total"].sum(axis=1), [1000, 1000])
    assert_allclose(
        led["revenue.total"][:, :6], [[0, 0, 240, 240, 240, 240], [0, 0, 0, 0, 240, 240]]
    )
    assert led["flag.operation"][1].tolist() == [0.0] * 4 + [1.0] * 6
    # Depreciation starts with operation.
    assert led["dep.total"][1, 3] == 0.0 and led["dep.total"][1, 4] > 0.0


def test_construction_delay_quarterly() -> None:
    # Quarterly, 8 quarters + 2 of delay = 10: the first half of the curve (0.4) spreads
    # over 5 quarters (80 each), the second (0.6) over 5 more (120 each).
    res = run(
        spec_of(timeline={"periodicity": "quarterly"}),
        {"risk.construction_delay_periods": np.array([2.0])},
    )
    assert_allclose(res.ledger[ITEM][0, :11], [80.0] * 5 + [120.0] * 5 + [0.0], rtol=1e-12)
    assert res.ledger["revenue.total"][0, 9] == 0.0
    assert res.ledger["revenue.total"][0, 10] == pytest.approx(60.0)  # 240 / 4


def test_delay_past_the_horizon_is_reported() -> None:
    # Horizon 10 years; 2 years of construction + 12 periods of delay = 14 years: only
    # 10/14 of the stretched curve falls inside the horizon — 0.4 + 0.6 × (10 − 7) / 7 =
    # 0.657 of the amount — and the run says so instead of dropping the rest silently.
    res = run(spec_of(), {"risk.construction_delay_periods": np.array([0.0, 12.0])})
    assert_allclose(res.ledger[ITEM].sum(axis=1), [1000, 1000 * (0.4 + 0.6 * 3 / 7)])
    assert len(res.diagnostics) == 1
    assert res.diagnostics[0].startswith(
        "investment[建安工程]: construction runs past the horizon in 1 of 2 scenarios; up to 34.3%"
    )
    assert run(spec_of()).diagnostics == []


@settings(max_examples=200, deadline=None)
@given(
    shares=st.lists(st.floats(0, 1), min_size=1, max_size=4).filter(lambda x: sum(x) > 0),
    ppy=st.sampled_from([1, 2, 4, 12]),
    delay=st.integers(0, 6),
    start=st.integers(0, 3),
)
def test_spend_profile_property(shares: list[float], ppy: int, delay: int, start: int) -> None:
    # For any schedule, period length and delay inside the horizon: the profile is
    # non-negative, sums to 1, is zero outside [start, start + duration) and its cumulative
    # curve passes through the schedule's year ends (stretched by the delay).
    schedule = [s / sum(shares) for s in shares]
    years = len(schedule)
    duration = years * ppy + delay
    t = np.arange(start + duration + 3)[None, :]
    phase = PhaseTiming("一期", start, float(years), np.array([[duration]]))
    p = spend_profile(t, phase, schedule)[0]
    assert np.all(p >= -1e-15)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert not p[:start].any() and not p[start + duration :].any()
    if delay == 0:
        yearly = p[start : start + duration].reshape(years, ppy).sum(axis=1)
        assert_allclose(yearly, schedule, atol=1e-12)
