"""Engine invariants (DESIGN.md §2, STYLE.md "property tests"): totals equal the sum of
their parts, S = 1 equals row 0 of a batch, overrides are checked as the spec is (paths
from the spec models, bounds, rules across fields), runs are deterministic, the money unit
and the period length change nothing but the scale and the grid. References: the
accounting identities of the 项目投资现金流量表 (《建设项目经济评价方法与参数》(第三版)) and
the hand calculations written out below."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from renewfin.engine import Result, run
from renewfin.ledger import Kind
from renewfin.metrics import METRICS, metric_info
from renewfin.spec import ProjectSpec, SpecError, load_spec, validate_data
from renewfin.spec.registry import UnknownInputError
from renewfin.testing import assert_ledger_close, minimal_spec

FAST = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def spec_of(data: dict[str, Any]) -> ProjectSpec:
    return validate_data(ProjectSpec, data)


def rich_spec(**overrides: Any) -> dict[str, Any]:
    """A minimal spec with two phases and a bit of everything, taxes on; ``overrides``
    update its sections (a mapping updates a section, anything else replaces it)."""
    data = minimal_spec(
        timeline={
            "horizon_years": 12,
            "phases": [
                {"name": "一期", "duration_years": 2},
                {"name": "二期", "start_year": 1, "duration_years": 2},
            ],
        },
        investment=[
            {
                "name": "建安工程",
                "category": "construction",
                "amount": 1090,
                "schedule": [0.4, 0.6],
            },
            {"name": "二期工程", "category": "construction", "amount": 545, "phase": "二期"},
            {"name": "设备", "category": "equipment", "amount": 226, "schedule": [0.0, 1.0]},
            {
                "name": "征拆补偿",
                "category": "land",
                "amount": 300,
                "schedule": [1.0],
                "escalate": False,
                "overrun_applies": False,
            },
            {"name": "基本预备费", "category": "contingency", "rate": 0.05},
        ],
        price_contingency={"rate": 0.03, "years_before_start": 0.5},
        revenues=[
            {
                "name": "停车位",
                "kind": "parking",
                "quantity": 500,
                "unit_price": 400,
                "ramp_up": [0.6, 0.8],
                "growth_rate": 0.02,
                "growth_every_years": 3,
            },
            {
                "name": "商铺",
                "kind": "rent",
                "quantity": 2000,
                "unit_price": 60,
                "utilisation": 0.9,
                "phase": "一期",
                "growth_rate": 0.03,
            },
            {
                "name": "广告位",
                "kind": "advertising",
                "quantity": 50,
                "unit_price": 5000,
                "price_per": "year",
                "end_year": 9,
            },
        ],
        opex=[
            {"name": "管理费", "amount": 60, "growth_rate": 0.025, "input_vat_rate": 0.06},
            {"name": "停车运营", "basis": "revenue_share", "share": 0.15, "revenues": ["停车位"]},
            {"name": "车位维护", "basis": "per_unit", "unit_cost": 80, "driver": "停车位"},
            {"name": "维修", "category": "maintenance", "basis": "asset_share", "share": 0.004},
            {
                "name": "保险",
                "category": "insurance",
                "basis": "asset_share",
                "asset_class": "equipment",
                "share": 0.003,
            },
            {"name": "大修", "category": "major_maintenance", "amount": 120, "every_years": 4},
        ],
        tax={"preset": "cn_default"},
    )
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return data


def items(res: Result, prefix: str) -> np.ndarray:
    ids = res.ledger.ids(prefix=prefix)
    return sum((res.ledger[i] for i in ids), np.zeros((res.n_scenarios, res.ledger.n_periods)))


PROJECT_METRICS = [
    "total_investment",
    "total_revenue",
    "total_opex",
    "total_taxes",
    "project_irr_pre_tax",
    "project_irr_after_tax",
    "project_npv_pre_tax",
    "project_npv",
    "payback_pre_tax",
    "payback_after_tax",
    "discounted_payback",
]
"""The pre-financing metrics, every run has them."""


def check_identities(res: Result) -> None:
    """The accounting identities every run must satisfy, in every scenario."""
    led = res.ledger

    def close(a: np.ndarray, b: np.ndarray) -> None:
        assert_allclose(a, b, rtol=1e-10, atol=1e-9)

    def line(id: str) -> np.ndarray:  # a line recorded only when its feature is present
        return led[id] if id in led else np.zeros(led["capex.total"].shape)

    close(
        led["capex.total"],
        items(res, "capex.item[") + led["capex.price_contingency"] + line("capex.deed_tax"),
    )
    close(items(res, "capex.category["), items(res, "capex.item["))
    close(led["revenue.total"], items(res, "revenue.stream["))
    close(led["opex.total"], items(res, "opex.item[") + line("opex.vat_not_creditable"))
    close(
        led["tax.taxes_and_surcharges"],
        led["tax.surcharges"]
        + led["tax.property_rental"]
        + led["tax.property_ad_valorem"]
        + led["tax.land_use"]
        + led["tax.stamp_duty"]
        + line("tax.land_appreciation"),
    )
    close(
        led["tax.stamp_duty"],
        led["tax.stamp_lease"] + led["tax.stamp_construction"] + led["tax.stamp_transfer"],
    )
    close(led["tax.input_vat"], led["capex.input_vat"] + led["opex.input_vat"])
    # VAT: payable − output + input accumulates as the input credit carried forward.
    close(
        np.cumsum(led["tax.vat_payable"] - led["tax.output_vat"] + led["tax.input_vat"], axis=1),
        led["tax.vat_credit"],
    )
    close(led["dep.total"], items(res, "dep.class["))
    close(
        led["pl.ebitda"], led["revenue.total"] - led["opex.total"] - led["tax.taxes_and_surcharges"]
    )
    close(led["cf.project.pre_tax"], led["cf.project.inflow"] - led["cf.project.outflow"])
    close(led["cf.project.after_tax"], led["cf.project.pre_tax"] - led["tax.adjusted_income_tax"])
    close(led["cf.project.pre_tax_cumulative"], np.cumsum(led["cf.project.pre_tax"], axis=1))
    close(led["cf.project.after_tax_cumulative"], np.cumsum(led["cf.project.after_tax"], axis=1))
    v = res.values
    close(v["total_investment"], led["capex.total"].sum(axis=1))
    close(v["total_revenue"], led["revenue.total"].sum(axis=1))
    close(v["total_opex"], led["opex.total"].sum(axis=1))
    assert set(PROJECT_METRICS) <= set(v)
    # Every metric is labelled: listed in METRICS, or a per-party / per-loan key.
    assert all(k in METRICS or ("[" in k and metric_info(k).zh != k) for k in v), list(v)
    assert all(np.shape(x) == (res.n_scenarios,) for x in v.values())


def test_identities_on_the_example_model(old_community_data: dict[str, Any]) -> None:
    data = old_community_data
    res = run(spec_of(data))
    check_identities(res)
    # Hand check: construction investment = Σ amounts × (1 + 5 % basic contingency)
    # (29,600 × 1.05 = 31,080 when this test was written).
    amounts = sum(i["amount"] for i in data["investment"] if "amount" in i)
    (cont,) = [i["rate"] for i in data["investment"] if i["category"] == "contingency"]
    assert res.values["total_investment"][0] == pytest.approx(amounts * (1 + cont))
    # Parking in its first operating year (2028): spaces × 元/month × 12 × utilisation ×
    # first ramp factor (1 without a ramp), in 万元 (1150 × 260 × 12 × 0.8 / 10,000 = 287.04).
    p = next(r for r in data["revenues"] if r["name"] == "停车位")
    ramp = p.get("ramp_up", [1.0])[0]
    assert res.ledger["revenue.stream[停车位]"][0, 2] == pytest.approx(
        p["quantity"] * p["unit_price"] * 12 * p["utilisation"] * ramp / 10_000
    )


MODELS = sorted((Path(__file__).resolve().parents[1] / "models").glob("*.yaml"))


@pytest.mark.parametrize("path", MODELS, ids=lambda p: p.stem)
def test_identities_on_every_example_model(path: Path) -> None:
    res = run(load_spec(path))
    check_identities(res)
    assert all(np.isfinite(item.data).all() for item in res.ledger), "non-finite line items"


def test_identities_on_a_rich_spec() -> None:
    res = run(spec_of(rich_spec()))
    check_identities(res)
    # Items: 1090 + 545 + 226 + 300 + 0.05 × (1090 + 545 + 226) = 2254.05 (land outside).
    assert items(res, "capex.item[").sum() == pytest.approx(2161 + 0.05 * 1861)


@FAST
@given(
    amount=st.floats(0, 5e4),
    rate=st.floats(0, 0.2),
    f=st.floats(0, 0.1),
    price=st.floats(0, 2000),
    util=st.floats(0, 1),
    growth=st.floats(-0.05, 0.1),
    share=st.floats(0, 0.5),
    opex=st.floats(0, 500),
    delay=st.integers(0, 3),
    overrun=st.floats(-0.2, 0.5),
    periodicity=st.sampled_from(["annual", "quarterly"]),
)
def test_identities_hold_for_generated_inputs(
    amount: float,
    rate: float,
    f: float,
    price: float,
    util: float,
    growth: float,
    share: float,
    opex: float,
    delay: int,
    overrun: float,
    periodicity: str,
) -> None:
    data = rich_spec(price_contingency={"rate": f})
    data["timeline"]["periodicity"] = periodicity
    data["investment"][0]["amount"] = amount
    data["investment"][4]["rate"] = rate
    data["revenues"][0].update(unit_price=price, utilisation=util, growth_rate=growth)
    data["opex"][0]["amount"] = opex
    data["opex"][1]["share"] = share
    # Two scenarios: the spec as is, and a delayed, overrun one.
    res = run(
        spec_of(data),
        {
            "risk.construction_delay_periods": [0.0, float(delay)],
            "risk.capex_overrun": [0.0, overrun],
        },
    )
    check_identities(res)
    # Total capex before price contingency: a delay moves spending, never changes it.
    items_total = items(res, "capex.item[").sum(axis=1)
    base = (amount + 545 + 226) * np.array([1.0, 1.0 + overrun])
    assert_allclose(items_total, base * (1 + rate) + 300, rtol=1e-10, atol=1e-9)


# --- S = 1 equals row 0 of a batch ----------------------------------------------------


def assert_same_metrics(a: Result, b: Result, row: int = 0) -> None:
    assert list(a.values) == list(b.values)
    for key in a.values:
        assert_array_equal(a.values[key][0], b.values[key][row], err_msg=key)


BATCH_PATHS = {
    "revenues[停车位].unit_price": 400.0,
    "revenues[停车位].ramp_up": [0.6, 0.8],
    "investment[建安工程].amount": 1090.0,
    "opex[管理费].amount": 60.0,
    "price_contingency.rate": 0.03,
    "tax.income_tax_rate": 0.25,
    "risk.construction_delay_periods": 0.0,
    "risk.capex_overrun": 0.0,
}


def test_single_run_equals_row_0_of_a_batch() -> None:
    spec = spec_of(rich_spec())
    single = run(spec)
    rng = np.random.default_rng(7)
    s = 6
    overrides: dict[str, np.ndarray] = {}
    for path, base in BATCH_PATHS.items():
        if isinstance(base, list):
            rows = rng.uniform(0.3, 1.0, size=(s, len(base)))
            rows[0] = base
        else:
            rows = rng.uniform(0.5, 1.5, size=s) * (base or 1.0)
            rows[0] = base
        overrides[path] = rows
    overrides["risk.construction_delay_periods"] = np.array([0.0, 1, 2, 3, 0, 1])
    batch = run(spec, overrides)
    assert batch.n_scenarios == s
    assert_ledger_close(single, batch, rtol=0.0, atol=0.0, scenario=0)
    assert_same_metrics(single, batch)
    # The other rows really differ.
    assert not np.array_equal(batch.ledger["capex.total"][1], batch.ledger["capex.total"][0])


def test_single_run_equals_row_0_on_the_example_with_funding(
    old_community_data: dict[str, Any],
) -> None:
    # The whole engine, funding stack included: row 0 carries the spec's own values.
    spec = spec_of(old_community_data)
    price = spec.revenue("停车位").unit_price
    batch = run(
        spec,
        {
            "revenues[停车位].unit_price": [price, 1.2 * price, 0.8 * price, price],
            "risk.construction_delay_periods": [0.0, 1.0, 2.0, 0.0],
            "risk.capex_overrun": [0.0, 0.1, 0.2, -0.1],
        },
    )
    single = run(spec)
    assert_ledger_close(single, batch, rtol=0.0, atol=0.0, scenario=0)
    assert_same_metrics(single, batch)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s=st.integers(2, 5), data=st.data())
def test_single_run_equals_row_0_property(s: int, data: st.DataObject) -> None:
    price = data.draw(st.lists(st.floats(0, 2000), min_size=s - 1, max_size=s - 1))
    delay = data.draw(st.lists(st.integers(0, 4), min_size=s - 1, max_size=s - 1))
    spec = spec_of(rich_spec())
    batch = run(
        spec,
        {
            "revenues[商铺].unit_price": [60.0, *price],
            "risk.construction_delay_periods": [0.0, *map(float, delay)],
        },
    )
    single = run(spec)
    assert_ledger_close(single, batch, rtol=0.0, atol=0.0, scenario=0)
    assert_same_metrics(single, batch)


def test_n_scenarios_without_overrides_broadcasts() -> None:
    spec = spec_of(minimal_spec())
    res = run(spec, n_scenarios=3)
    assert res.ledger["capex.total"].shape == (3, 10)
    assert res.metrics.shape == (3, len(res.values))
    for key, values in res.values.items():
        assert_array_equal(values, np.repeat(values[0], 3), err_msg=key)


# --- overrides: one registry of paths, the spec's own checks --------------------------


@pytest.mark.parametrize(
    "path",
    [
        "revenues[不存在].unit_price",  # no such stream
        "revenues[停车位].unit_prize",  # misspelt field
        "risk.capex_overun",  # misspelt risk input
        "project.name",  # a field, but not a number
    ],
)
def test_unknown_override_path_is_named_with_suggestions(path: str) -> None:
    """Reference: the spec models (renewfin.spec.registry), not what one run reads."""
    spec = spec_of(minimal_spec())
    with pytest.raises(UnknownInputError, match="not a numeric input of this spec") as info:
        run(spec, {path: np.array([0.1, 0.2])})
    assert isinstance(info.value, KeyError) and isinstance(info.value, SpecError)
    assert path in str(info.value)


@pytest.mark.parametrize("value", [-5.0, [0.1, -5.0], np.array([0.0, np.nan])])
def test_override_outside_bounds_is_rejected_scalar_or_array(value: Any) -> None:
    """The same check for a plain number and an array (issue 13 item 5: -5 as a number
    used to run and give a capex of -4,000); the virtual input's bound is > -1."""
    spec = spec_of(minimal_spec())
    with pytest.raises(SpecError, match=r"risk\.capex_overrun: expected a finite number > -1"):
        run(spec, {"risk.capex_overrun": value})


def test_override_bounds_come_from_the_field() -> None:
    """revenues[*].utilisation is a Share (0..1 in renewfin.spec.base), whole numbers for
    int fields, and rules across fields through the changed spec (grace < tenor)."""
    spec = spec_of(rich_spec())
    with pytest.raises(SpecError, match=r"utilisation: expected a finite number >= 0 and <= 1"):
        run(spec, {"revenues[0].utilisation": [0.5, 1.2]})
    with pytest.raises(SpecError, match="whole number"):
        run(spec, {"risk.construction_delay_periods": [0.0, 1.5]})


def test_index_and_name_paths_are_the_same_input() -> None:
    spec = spec_of(minimal_spec())
    by_name = run(spec, {"revenues[停车位].unit_price": [300.0, 400.0]})
    by_index = run(spec, {"revenues[0].unit_price": [300.0, 400.0]})
    assert_same_metrics(by_name, by_index)
    with pytest.raises(SpecError, match="the same input"):
        run(spec, {"revenues[0].unit_price": 1.0, "revenues[停车位].unit_price": 2.0})


def test_discount_rate_override_equals_the_changed_spec() -> None:
    """Reference: the spec with the rate changed, run alone (``with_changes``)."""
    spec = spec_of(rich_spec())
    batch = run(
        spec,
        {"evaluation.discount_rate": [0.04, 0.09], "evaluation.equity_discount_rate": [0.07, 0.12]},
    )
    for k, (rate, equity) in enumerate([(0.04, 0.07), (0.09, 0.12)]):
        alone = run(
            spec.with_changes(
                {"evaluation.discount_rate": rate, "evaluation.equity_discount_rate": equity}
            )
        )
        for key in ("project_npv", "project_npv_pre_tax", "equity_npv", "discounted_payback"):
            assert_array_equal(batch.values[key][k], alone.values[key][0], err_msg=key)


def test_override_shape_mismatch_raises() -> None:
    spec = spec_of(minimal_spec())
    with pytest.raises(SpecError, match="disagree"):
        run(spec, {"risk.capex_overrun": [0.0, 0.1], "price_contingency.rate": [0.0] * 3})


# --- determinism, money unit, periodicity ---------------------------------------------


def test_same_spec_twice_gives_identical_numbers() -> None:
    spec = spec_of(rich_spec())
    a, b = run(spec), run(spec)
    assert_ledger_close(a, b, rtol=0.0, atol=0.0)
    assert_same_metrics(a, b)
    assert a.diagnostics == b.diagnostics


def in_yuan(data: dict[str, Any]) -> dict[str, Any]:
    """The same project with money in 元: every amount × 10,000 (prices stay in their own
    currency, 元 by default)."""
    out = copy.deepcopy(data)
    out["project"]["money_unit"] = "元"
    for section in ("investment", "opex"):
        for item in out[section]:
            if item.get("amount") is not None:
                item["amount"] *= 10_000
    return out


@pytest.mark.parametrize("source", ["rich", "example"])
def test_money_unit_scales_money_and_leaves_irr(
    source: str, old_community_data: dict[str, Any]
) -> None:
    # Pre-financing scope: the example's funding section is dropped (its amounts would need
    # the same scaling; the funding stack has its own tests).
    data = rich_spec() if source == "rich" else old_community_data
    data.pop("funding", None)
    wan, yuan = run(spec_of(data)), run(spec_of(in_yuan(data)))
    assert yuan.ledger.money_unit == "元"
    # Noise floor for lines that are zero up to rounding (checks): 1e-9 of the investment.
    atol = 1e-9 * float(np.abs(yuan.ledger["capex.total"]).sum())
    for item in wan.ledger:
        other = yuan.ledger.item(item.id)
        money = item.kind in (Kind.FLOW, Kind.BALANCE) and item.unit == "万元"
        assert other.unit == ("元" if money else item.unit), item.id
        factor = 10_000.0 if money else 1.0
        assert_allclose(
            yuan.ledger[item.id],
            factor * wan.ledger[item.id],
            rtol=1e-12,
            atol=atol if money else 1e-12,
            err_msg=item.id,
        )
    assert list(yuan.values) == list(wan.values)
    for key in wan.values:
        factor = 10_000.0 if metric_info(key).unit == "money" else 1.0
        assert_allclose(
            yuan.values[key],
            factor * wan.values[key],
            rtol=1e-9,
            atol=1e-12,
            equal_nan=True,
            err_msg=key,
        )


def test_irr_defined_and_unchanged_by_money_unit() -> None:
    # The rich spec pays back, so its IRRs are numbers, the same in 元 and in 万元.
    wan, yuan = run(spec_of(rich_spec())), run(spec_of(in_yuan(rich_spec())))
    for key in ("project_irr_pre_tax", "project_irr_after_tax"):
        assert np.isfinite(wan.values[key][0])
        assert yuan.values[key][0] == pytest.approx(wan.values[key][0], rel=1e-9)


@pytest.mark.parametrize("growth", [False, True], ids=["no-growth", "growth"])
@pytest.mark.parametrize(("periodicity", "ppy"), [("quarterly", 4), ("monthly", 12)])
@pytest.mark.parametrize("source", ["rich", "example"])
def test_annual_and_sub_annual_give_the_same_totals(
    source: str, periodicity: str, ppy: int, growth: bool, old_community_data: dict[str, Any]
) -> None:
    # Spending follows the same yearly schedule and revenue and costs the same yearly
    # amounts whatever the period length: ramp-up and growth step by whole operating years,
    # which start on year boundaries here. The price contingency is off: it escalates to
    # each period's midpoint, so it legitimately differs between period lengths.
    annual = rich_spec(price_contingency={"rate": 0.0}) if source == "rich" else old_community_data
    if not growth:
        for r in annual["revenues"]:
            r["growth_rate"] = 0.0
        for o in annual["opex"]:
            o["growth_rate"] = 0.0
    finer = copy.deepcopy(annual)
    finer["timeline"]["periodicity"] = periodicity
    a, q = run(spec_of(annual)), run(spec_of(finer))
    assert q.ledger.n_periods == ppy * a.ledger.n_periods
    for id in ("capex.total", "revenue.total", "opex.total", "capex.input_vat", "dep.total"):
        assert q.ledger[id].sum() == pytest.approx(a.ledger[id].sum(), rel=1e-12), id
        # Year by year too: each year's periods add up to the annual period.
        yearly = q.ledger[id].reshape(1, -1, ppy).sum(axis=2)
        assert_allclose(yearly, a.ledger[id], rtol=1e-12, atol=1e-9, err_msg=id)


def test_result_tables() -> None:
    res = run(spec_of(minimal_spec()))
    frame = res.ledger_frame()
    assert frame.loc["capex.total", "total"] == pytest.approx(1000)
    assert list(frame.columns[-10:]) == [str(y) for y in range(2026, 2036)]
    table = res.metrics_table()
    assert list(table.index) == list(res.values)
    assert table.loc["total_revenue", "value"] == pytest.approx(8 * 240)


# --- renewfin.testing helpers ---------------------------------------------------------


def test_minimal_spec_merges_mappings_and_replaces_lists() -> None:
    a = minimal_spec(timeline={"periodicity": "quarterly"}, revenues=[])
    assert a["timeline"]["periodicity"] == "quarterly"
    assert a["timeline"]["horizon_years"] == 10  # kept from the default
    assert a["revenues"] == []
    a["investment"][0]["amount"] = -1  # a fresh copy every time
    assert minimal_spec()["investment"][0]["amount"] == 1000.0
    spec = spec_of(minimal_spec())
    assert (spec.project.money_unit.value, spec.n_periods, len(spec.revenues)) == ("万元", 10, 1)


def test_assert_ledger_close_names_what_differs() -> None:
    base = run(spec_of(minimal_spec()))
    assert_ledger_close(base, run(spec_of(minimal_spec())), rtol=0.0, atol=0.0)
    assert_ledger_close(base.ledger, base.ledger)  # ledgers work as well as results
    dearer = run(
        spec_of(
            minimal_spec(
                investment=[
                    {
                        "name": "建安工程",
                        "category": "construction",
                        "amount": 1000.001,
                        "schedule": [0.4, 0.6],
                    }
                ]
            )
        )
    )
    with pytest.raises(AssertionError, match=r"capex\.total: values differ"):
        assert_ledger_close(dearer, base)
    assert_ledger_close(dearer, base, rtol=1e-5, atol=1e-2)
    with pytest.raises(AssertionError, match=r"missing line items: .*opex\.item\[管理费\]"):
        assert_ledger_close(
            base, run(spec_of(minimal_spec(opex=[{"name": "管理费", "amount": 1}])))
        )
    batch = run(spec_of(minimal_spec()), {"risk.capex_overrun": [0.0, 0.1]})
    with pytest.raises(AssertionError, match="differ in scenarios"):
        assert_ledger_close(base, batch)
    assert_ledger_close(base, batch, rtol=0.0, atol=0.0, scenario=0)
    with pytest.raises(AssertionError, match="out of range"):
        assert_ledger_close(base, batch, scenario=1)
    other = run(spec_of(minimal_spec()), {"risk.capex_overrun": [0.0, 0.2]})
    with pytest.raises(AssertionError, match=r"capex\.total: values differ") as info:
        assert_ledger_close(other, batch, scenario=1, ids=["capex.total", "revenue.total"])
    assert "revenue.total" not in str(info.value)
