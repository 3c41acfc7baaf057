"""Operating revenue (营业收入, excluding VAT): quantity × unit price × periods a year ×
utilisation × ramp-up × growth step index, converted from 元 to the spec's money unit.
Every expected figure is a hand calculation written out in the test."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose

from renewfin.engine import run
from renewfin.spec import ProjectSpec, SpecError, validate_data
from renewfin.testing import minimal_spec

PARKING = {
    "name": "停车位",
    "kind": "parking",
    "quantity": 200,
    "unit_price": 250,
    "price_per": "month",
    "utilisation": 0.8,
}


def revenue(stream: dict[str, Any], **overrides: Any) -> np.ndarray:
    """Revenue of one stream per period (scenario 0), in a minimal spec."""
    res = run(validate_data(ProjectSpec, minimal_spec(revenues=[stream], **overrides)))
    return res.ledger[f"revenue.stream[{stream['name']}]"][0]


def test_quantity_price_utilisation_ramp_and_growth_steps() -> None:
    # 200 spaces × 250 元/month × 12 × 0.8 = 480,000 元 = 48 万元 a year at full ramp.
    # Construction 2 years, so operating year k is model year 2 + k. Ramp 0.5, 0.75, then 1;
    # price +3 % a year stepped every 2 years: index 1.03^(2 × floor(k / 2)).
    base = 200 * 250 * 12 * 0.8 / 10_000
    assert base == 48.0
    expected = [
        0,
        0,
        base * 0.5,
        base * 0.75,
        base * 1.03**2,
        base * 1.03**2,
        base * 1.03**4,
        base * 1.03**4,
        base * 1.03**6,
        base * 1.03**6,
    ]
    got = revenue({**PARKING, "ramp_up": [0.5, 0.75], "growth_rate": 0.03, "growth_every_years": 2})
    assert_allclose(got, expected, rtol=1e-12)


def test_utilised_units_line() -> None:
    # Units = 200 × 0.8 × ramp: 80, 120, then 160 a year while active.
    res = run(
        validate_data(ProjectSpec, minimal_spec(revenues=[{**PARKING, "ramp_up": [0.5, 0.75]}]))
    )
    assert_allclose(res.ledger["revenue.units[停车位]"][0], [0, 0, 80, 120] + [160] * 6)
    assert res.ledger.item("revenue.units[停车位]").unit == "unit"


def test_growth_from_project_start() -> None:
    # growth_from: start — the price is that of 2026 and grows with calendar years:
    # model year y earns 48 × 1.02^y.
    got = revenue({**PARKING, "growth_rate": 0.02, "growth_from": "start"})
    assert_allclose(got, [0, 0] + [48 * 1.02**y for y in range(2, 10)], rtol=1e-12)


@pytest.mark.parametrize(
    ("price", "per", "currency", "annual"),
    [
        (2.0, "day", "元", 100 * 2.0 * 365 / 10_000),  # 7.3 万元
        (3000.0, "year", "元", 100 * 3000.0 / 10_000),  # 30 万元
        (0.05, "month", "万元", 100 * 0.05 * 12),  # 60 万元
    ],
)
def test_price_bases_and_currencies(price: float, per: str, currency: str, annual: float) -> None:
    stream = {
        "name": "广告位",
        "kind": "advertising",
        "quantity": 100,
        "unit_price": price,
        "price_per": per,
        "price_currency": currency,
    }
    assert_allclose(revenue(stream), [0, 0] + [annual] * 8, rtol=1e-12)


def test_money_unit_yuan() -> None:
    # The same stream in a spec counted in 元: 480,000 a year.
    got = revenue(PARKING, project={"money_unit": "元"})
    assert_allclose(got, [0, 0] + [480_000.0] * 8, rtol=1e-12)


def test_start_after_completion_and_end_year() -> None:
    # Completion at year 2, 1 year before the stream starts (year 3); it ends at year 6,
    # so it earns in model years 3, 4 and 5 only. Growth counts from its own start.
    got = revenue({**PARKING, "start_after_years": 1, "end_year": 6, "growth_rate": 0.1})
    assert_allclose(got, [0, 0, 0, 48, 48 * 1.1, 48 * 1.1**2, 0, 0, 0, 0], rtol=1e-12)


def test_stream_of_an_earlier_phase() -> None:
    # A stream tied to 一期 (completes at year 2) while 二期 completes at year 4; by default
    # a stream starts when the last phase completes.
    phases = {
        "phases": [
            {"name": "一期", "duration_years": 2},
            {"name": "二期", "start_year": 2, "duration_years": 2},
        ]
    }
    got = revenue({**PARKING, "phase": "一期"}, timeline=phases)
    assert_allclose(got, [0, 0] + [48.0] * 8)
    assert_allclose(revenue(PARKING, timeline=phases), [0, 0, 0, 0] + [48.0] * 6)


def test_quarterly_revenue_and_ramp_by_operating_year() -> None:
    # Quarterly: a quarter earns a quarter of the year; the ramp steps each operating year.
    got = revenue({**PARKING, "ramp_up": [0.5]}, timeline={"periodicity": "quarterly"})
    assert_allclose(got, [0] * 8 + [6.0] * 4 + [12.0] * 28, rtol=1e-12)


def test_one_off_sale_schedule() -> None:
    # 10,000 m² at 8,000 元/m², sold 30 % / 70 % in the first two years after completion,
    # price +5 % a year: 10,000 × 0.3 × 8,000 = 2,400 万元; 10,000 × 0.7 × 8,000 × 1.05 =
    # 5,880 万元. Units sold: 3,000 and 7,000 m².
    sale = {
        "name": "住宅销售",
        "kind": "sale",
        "quantity": 10_000,
        "quantity_unit": "m²",
        "unit_price": 8000,
        "price_per": "once",
        "schedule": [0.3, 0.7],
        "growth_rate": 0.05,
    }
    res = run(validate_data(ProjectSpec, minimal_spec(revenues=[sale])))
    assert_allclose(
        res.ledger["revenue.stream[住宅销售]"][0], [0, 0, 2400, 5880, 0, 0, 0, 0, 0, 0], rtol=1e-12
    )
    assert_allclose(
        res.ledger["revenue.units[住宅销售]"][0], [0, 0, 3000, 7000, 0, 0, 0, 0, 0, 0], rtol=1e-12
    )
    # Quarterly: each year's sales spread evenly over its quarters.
    q = run(
        validate_data(
            ProjectSpec, minimal_spec(revenues=[sale], timeline={"periodicity": "quarterly"})
        )
    )
    assert_allclose(
        q.ledger["revenue.stream[住宅销售]"][0, 8:17], [600] * 4 + [1470] * 4 + [0], rtol=1e-12
    )


def test_total_is_the_sum_of_streams() -> None:
    # 48 (parking) + 30 (advertising, 100 × 3,000 元/year) = 78 a year.
    ads = {
        "name": "广告位",
        "kind": "advertising",
        "quantity": 100,
        "unit_price": 3000,
        "price_per": "year",
    }
    res = run(validate_data(ProjectSpec, minimal_spec(revenues=[PARKING, ads])))
    assert_allclose(res.ledger["revenue.total"][0], [0, 0] + [78.0] * 8, rtol=1e-12)
    assert res.values["total_revenue"][0] == pytest.approx(78 * 8)


LAND = {
    "name": "土地出让",
    "kind": "land_transfer",
    "quantity": 30,
    "quantity_unit": "亩",
    "unit_price": 150,
    "price_currency": "万元",
    "price_per": "once",
    "schedule": [0.6, 0.4],
    "land_cost_rate": 0.4,
    "set_asides": {"land_fund": 0.02, "agriculture": 0.01},
}


def test_land_transfer_set_asides_each_on_its_base() -> None:
    """30 亩 × 150 万元 = 4,500 万元 of gross land-transfer income, sold 60 % / 40 % in the
    first two operating years (model years 2 and 3): 2,700 and 1,800. The land's cost is
    40 % of the gross, so 土地出让收益 = 1,620 and 1,080. 农田水利 and 教育资金 10 % of 收益
    (162 and 108 each; the defaults), 保障性安居工程 10 % of 净收益 (162, 108), 国有土地收益基金
    2 % of the gross (54, 36), 农业土地开发资金 1 % of the gross (27, 18). Available to the
    project: 2,700 − 3 × 162 − 54 − 27 = 2,133 and 1,800 − 3 × 108 − 36 − 18 = 1,422 (one
    rate of 12 % on the gross would have been 2,376 and 1,584)."""
    res = run(validate_data(ProjectSpec, minimal_spec(revenues=[LAND])))
    led = res.ledger
    pad = lambda a, b: [0, 0, a, b] + [0] * 6  # noqa: E731
    assert_allclose(led["revenue.land_gross[土地出让]"][0], pad(2700, 1800), rtol=1e-12)
    assert_allclose(led["revenue.land_net_income[土地出让]"][0], pad(1620, 1080), rtol=1e-12)
    for name in ("农田水利建设资金", "教育资金", "保障性安居工程资金"):
        assert_allclose(led[f"revenue.set_aside[土地出让][{name}]"][0], pad(162, 108), rtol=1e-12)
    assert_allclose(
        led["revenue.set_aside[土地出让][国有土地收益基金]"][0], pad(54, 36), rtol=1e-12
    )
    assert_allclose(
        led["revenue.set_aside[土地出让][农业土地开发资金]"][0], pad(27, 18), rtol=1e-12
    )
    assert_allclose(led["revenue.stream[土地出让]"][0], pad(2133, 1422), rtol=1e-12)


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"set_aside_rate": 0.1}, "set_aside_rate"),
        ({"set_asides": {"education": 1.5}}, r"set_asides\.education"),
    ],
)
def test_land_set_asides_given_one_way(patch: dict[str, Any], field: str) -> None:
    """A single rate and the itemised set-asides together, or a rate above 100 %, is an
    error naming the field."""
    with pytest.raises(SpecError, match=rf"revenues\[0 土地出让\]\.{field}"):
        validate_data(ProjectSpec, minimal_spec(revenues=[{**LAND, **patch}]))
