"""Sensitivity analysis (``renewfin.sensitivity``).

References: the 敏感度系数 SAF = (ΔA/A)/(ΔF/F) and the 临界点 of 《建设项目经济评价方法与参数》
(第三版) checked on a spec whose metric is linear in the factor (hand calculations below);
the factors an evaluation report (一案两书) varies (DOMAIN.md §3); the Sobol' indices of
an additive linear model, S1 = ST = a_i² Var(X_i) / Σ a_j² Var(X_j) (Saltelli et al. 2008,
*Global Sensitivity Analysis: The Primer*, §4.1); @RISK's scenario analysis (an input is
significant when the breach subset shifts it by more than 0.5 standard deviations).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import renewfin.simulation_chunks as chunks_module
from renewfin import sensitivity as sv
from renewfin.engine import Result, run
from renewfin.paths import base_inputs
from renewfin.simulation import Simulation, simulate
from renewfin.spec import ProjectSpec, ScenarioSpec, load_scenario, load_spec, validate_data
from renewfin.spec.base import Money, SpecModel, StandardFactor
from renewfin.spec.funding import Loan, LprSpec, SpecialBond
from renewfin.spec.investment import InvestmentItem
from renewfin.spec.opex import OpexItem
from renewfin.spec.registry import InputPath, _factor, _numeric, _walk
from renewfin.spec.revenue import RevenueStream
from renewfin.testing import minimal_spec

ROOT = Path(__file__).resolve().parents[1]
PARK = ROOT / "models" / "industrial_park_reit.yaml"
PARK_SCENARIO = ROOT / "scenarios" / "industrial_park_reit.yaml"
RENT = "revenues[研发及厂房租金].unit_price"
PRICE = "revenues[停车位].unit_price"

# minimal_spec: 500 spaces × 400 元/month × 12 = 240 万元 a year, from year 2 to year 9
# (8 years) → total_revenue = 1,920 万元, exactly proportional to the unit price.
TOTAL_REVENUE = 1920.0


@pytest.fixture(scope="module")
def tiny() -> ProjectSpec:
    """Tax preset none, no funding, one revenue stream, no operating costs."""
    return validate_data(ProjectSpec, minimal_spec())


@pytest.fixture(scope="module")
def park() -> ProjectSpec:
    return load_spec(PARK)


@pytest.fixture(scope="module")
def park_base(park: ProjectSpec) -> Result:
    return run(park)


def scenario(inputs: list[dict[str, Any]], **extra: Any) -> ScenarioSpec:
    return validate_data(ScenarioSpec, {"name": "测试", "seed": 11, "inputs": inputs, **extra})


def revenue(spec: ProjectSpec) -> sv.Factor:
    return next(f for f in sv.standard_factors(spec) if f.name == "营业收入")


@pytest.fixture(scope="module")
def rent_sim(park: ProjectSpec) -> Simulation:
    """Rent that matters and a five-yearly inspection fee (45 万元) that barely does."""
    sc = scenario(
        [
            {
                "name": "租金",
                "path": RENT,
                "distribution": {"type": "triangular", "low": 0.8, "mode": 1.0, "high": 1.1},
            },
            {
                "name": "体检费",
                "path": "opex[房屋安全体检].amount",
                "distribution": {"type": "uniform", "low": 0.9, "high": 1.1},
            },
        ]
    )
    return simulate(park, sc, n=300, seed=5)


# ------------------------------------------------------------------------- factors


def test_standard_factors_of_the_park_model(park: ProjectSpec) -> None:
    """The five factors of an evaluation report, with every path the park model has."""
    factors = {f.name: f for f in sv.standard_factors(park)}
    assert list(factors) == ["营业收入", "经营成本", "利率", "专项债规模", "建设投资"]
    assert factors["营业收入"].paths == (
        RENT,
        "revenues[物业服务费].unit_price",
        "revenues[停车位].unit_price",
    )
    assert set(factors["经营成本"].paths) == {
        "opex[物业运营成本].share",
        "opex[园区运营管理].amount",
        "opex[招商营销].share",
        "opex[维修养护].share",
        "opex[房屋安全体检].amount",
        "opex[财产保险].share",
    }
    assert set(factors["利率"].paths) == {
        "funding.lpr.five_year",
        "funding.special_bonds[2026年产业园区专项债].coupon",
    }
    assert factors["专项债规模"].paths == ("funding.special_bonds[2026年产业园区专项债].amount",)
    items = (
        "厂房改造及新建研发楼",
        "室外工程及停车设施",
        "设备购置",
        "工程建设其他费用",
        "土地使用权",
    )
    assert set(factors["建设投资"].paths) == {f"investment[{n}].amount" for n in items}
    assert factors["营业收入"].label == "营业收入 Revenue"


NOT_FACTORS: dict[type[SpecModel], dict[str, str]] = {
    OpexItem: {
        "quantity": "a driver quantity (m², units), not a cost",
        "every_years": "the cycle of a periodic cost, not its size",
        "growth_rate": "escalation, varied as its own input",
        "cpi": "a CPI path: escalation, varied as its own input",
        "input_vat_rate": "a tax rate",
    },
    RevenueStream: {
        "quantity": "units let or sold: volume, not price",
        "utilisation": "occupancy, a volume driver",
        "ramp_up": "the ramp-up shares",
        "growth_rate": "price escalation, varied as its own input",
        "growth_every_years": "the escalation cycle",
        "start_after_years": "timing",
        "end_year": "timing",
        "schedule": "the sales schedule (shares)",
        "vat_rate": "a tax rate",
        "set_aside_rate": "a statutory set-aside rate",
        "property_tax_rate": "a tax rate",
        "land_cost_rate": "the land cost share deducted before the set-asides (a base)",
        "management_fee_rate": "the land-reserve management fee on the reimbursed cost",
    },
    InvestmentItem: {
        "rate": "a contingency rate on other items (follows its base)",
        "schedule": "the spending schedule (shares)",
        "input_vat_rate": "a tax rate",
        "input_vat_credit_share": "a tax-law allocation share (by floor area or sales), not a cost",
    },
    SpecialBond: {
        "issue_year": "timing",
        "tenor_years": "term",
        "repayment_schedule": "principal shares",
        "issuance_fee_rate": "a fee rate",
        "payment_fee_rate": "a fee rate",
        "capital_share": "a capital-treatment share",
        "refinance_share": "a refinancing share",
        "refinance_tenor_years": "term",
    },
    Loan: {
        "spread": "LPR spreads are not scaled with the LPR level (the factor's rule)",
        "tenor_years": "term",
        "grace_years": "term",
        "repayment_schedule": "principal shares",
        "target_dscr": "a sculpting target",
        "repayment_growth": "the shape of the principal profile (等比递增还本), not an amount",
        "upfront_fee_rate": "a fee rate",
        "commitment_fee_rate": "a fee rate",
        "dsra_months": "a reserve size",
        "cash_sweep": "a sweep share",
        "lockup_dscr": "a covenant",
    },
    LprSpec: {
        "one_year_path": "a path moves with its level's factor (factors._factor_overrides)",
        "five_year_path": "a path moves with its level's factor (factors._factor_overrides)",
    },
}
"""Numeric fields of the models that hold the standard factors' inputs that are not in a
factor, each with the reason."""


@pytest.mark.parametrize("model", list(NOT_FACTORS), ids=lambda m: m.__name__)
def test_every_numeric_field_is_a_factor_or_excluded_with_a_reason(
    model: type[SpecModel],
) -> None:
    """A numeric field added to an item that holds a factor's inputs (a new opex amount) can
    no longer drop out of the ±10 % table silently (issue 15): it carries its
    ``StandardFactor`` in its annotation, or is listed above with the reason it is not one."""
    fields = model.model_fields
    factored = {n for n, i in fields.items() if _factor(i) is not None}
    numeric = {n for n, i in fields.items() if _numeric(i.annotation, list(i.metadata))}
    unexplained = numeric - factored - set(NOT_FACTORS[model])
    assert not unexplained, f"{model.__name__}: a StandardFactor or a reason for {unexplained}"
    assert not factored & set(NOT_FACTORS[model]), "a field both in a factor and excluded"
    assert factored <= numeric


class _NewCost(SpecModel):
    """A cost item as a future model change might write it."""

    amount: Annotated[Money, StandardFactor.OPEX] = 10.0
    cleaning_fee: Annotated[Money | None, StandardFactor.OPEX] = 2.0
    """A new amount field, declared with its factor and nothing else."""
    quantity: float = 1.0


def test_a_field_declared_with_its_factor_joins_it() -> None:
    """The registry reads the factor from the annotation, outside or inside ``Optional``:
    a new field so declared joins its factor with no change elsewhere."""
    entries: list[InputPath] = []
    _walk(_NewCost(), "", "", entries)  # the registry's walk of a model's fields
    assert {e.path: e.factor for e in entries} == {
        "amount": StandardFactor.OPEX,
        "cleaning_fee": StandardFactor.OPEX,
        "quantity": None,
    }


def test_a_cost_per_leasable_area_joins_the_operating_cost_factor() -> None:
    """The ``leasable_area`` basis's ``area_cost`` carries ``StandardFactor.OPEX`` and so is
    the operating-cost factor's path with no change to the factor; +10 % of it is
    8,000 m² × 3.3 元/m²/month × 12 = 316,800 元 = 31.68 万元 in the first operating year
    (28.8 × 1.1)."""
    item = {
        "name": "物业管理",
        "basis": "leasable_area",
        "area_cost": 3,
        "cost_per": "month",
        "quantity": 8000,
        "cpi": [0.02],
    }
    spec = validate_data(ProjectSpec, minimal_spec(opex=[item]))
    factors = {f.name: f for f in sv.standard_factors(spec)}
    assert factors["经营成本"].paths == ("opex[物业管理].area_cost",)
    moved = run(spec, {"opex[物业管理].area_cost": np.array([3.3])})
    assert moved.ledger["opex.item[物业管理]"][0][2] == pytest.approx(31.68, rel=1e-12)


def test_standard_factors_omit_what_the_project_lacks(tiny: ProjectSpec) -> None:
    """No operating costs, loans or bonds: only revenue and construction investment."""
    factors = sv.standard_factors(tiny)
    assert [(f.name, f.paths) for f in factors] == [
        ("营业收入", (PRICE,)),
        ("建设投资", ("investment[建安工程].amount",)),
    ]


def test_scenario_factors_skip_zero_inputs_not_multiplied(park: ProjectSpec) -> None:
    """scenarios/industrial_park_reit.yaml: delay and overrun are `set` on a zero spec value."""
    names = [f.name for f in sv.scenario_factors(park, load_scenario(PARK_SCENARIO))]
    assert names == [
        "租金水平",
        "稳定期出租率",
        "租金增长率",
        "运营成本",
        "LPR变动",
        "退出资本化率",
    ]
    assert [
        f.name for f in sv.scenario_factors(park, load_scenario(PARK_SCENARIO), names=["LPR变动"])
    ] == ["LPR变动"]


def test_unknown_factor_path_is_named(tiny: ProjectSpec) -> None:
    with pytest.raises(ValueError, match=r"revenues\[停车位\]\.unit_prise.*did you mean"):
        sv.spider(tiny, [sv.Factor("x", ("revenues[停车位].unit_prise",))])


def test_index_paths_are_canonicalised(tiny: ProjectSpec) -> None:
    a = sv.spider(tiny, [sv.Factor("p", ("revenues[0].unit_price",))], metrics=["total_revenue"])
    assert_allclose(a["value"], TOTAL_REVENUE * (1 + np.array(sv.STEPS_5PCT)), rtol=1e-12)


# -------------------------------------------------------------------------- spider


def test_spider_step_zero_equals_the_base_run(park: ProjectSpec, park_base: Result) -> None:
    """DESIGN.md §2: the batch row at step 0 is the deterministic run (S = 1)."""
    long = sv.spider(park, sv.standard_factors(park))
    zero = long[long["step"] == 0.0]
    for factor, rows in zero.groupby("factor"):
        expected = np.array([park_base.values[m][0] for m in rows["metric"]])
        assert_allclose(
            rows["value"].to_numpy(), expected, rtol=1e-12, equal_nan=True, err_msg=str(factor)
        )


def test_spider_is_one_batched_run(tiny: ProjectSpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every point in one engine call of S = factors × steps (chunked when smaller)."""
    sizes: list[int] = []

    def counting_run(spec: ProjectSpec, overrides: Any = None, **kw: Any) -> Result:
        sizes.append(kw["n_scenarios"])
        return run(spec, overrides, **kw)

    monkeypatch.setattr(chunks_module, "run", counting_run)
    factors = sv.standard_factors(tiny)
    a = sv.spider(tiny, factors, metrics=["project_npv"])
    assert sizes == [len(factors) * len(sv.STEPS_5PCT)]
    b = sv.spider(tiny, factors, metrics=["project_npv"], chunk_size=3)
    assert sizes[1:] == [3, 3, 3, 1]
    pd.testing.assert_frame_equal(a, b)


def test_spider_wide(tiny: ProjectSpec) -> None:
    long = sv.spider(tiny, sv.standard_factors(tiny), steps=sv.STEPS_2PCT)
    wide = sv.spider_wide(long, "total_revenue")
    assert list(wide.index) == ["营业收入", "建设投资"]
    assert list(wide.columns) == list(sv.STEPS_2PCT)
    assert_allclose(wide.loc["营业收入"], TOTAL_REVENUE * (1 + np.array(sv.STEPS_2PCT)))
    assert_allclose(wide.loc["建设投资"], TOTAL_REVENUE)


# ------------------------------------------------------------------------- tornado


def test_tornado_base_is_the_deterministic_run(park: ProjectSpec, park_base: Result) -> None:
    sc = load_scenario(PARK_SCENARIO)
    t = sv.tornado(park, sc)
    assert list(dict.fromkeys(t["metric"])) == sc.sensitivity.metrics
    assert len(t) == len(sc.inputs) * len(sc.sensitivity.metrics)
    for metric, rows in t.groupby("metric"):
        assert_allclose(rows["base"], park_base.values[str(metric)][0], rtol=1e-12)
        swings = rows["swing"].to_numpy()
        assert np.all(np.diff(swings[np.isfinite(swings)]) <= 0)  # sorted, largest first
    irr = t[t["metric"] == "project_irr_after_tax"].set_index("input")
    assert irr.index[0] == "租金水平"  # the rent leads the project IRR
    assert (
        irr.loc["租金水平", "low_value"]
        < irr.loc["租金水平", "base"]
        < irr.loc["租金水平", "high_value"]
    )
    # a `set` input (construction delay) takes its 10th / 90th percentile: 0 and 1 period
    assert (irr.loc["建设延期", "low_sample"], irr.loc["建设延期", "high_sample"]) == (0.0, 1.0)
    # the LPR does not enter the pre-financing project IRR
    assert irr.loc["LPR变动", "swing"] == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------------------- elasticities


def test_elasticity_of_a_proportional_metric_is_one(tiny: ProjectSpec) -> None:
    """Total revenue ∝ unit price: SAF = (±10 % / A) / (±10 %) = 1 both ways; the
    construction investment does not move it (SAF 0)."""
    e = sv.elasticities(tiny, sv.standard_factors(tiny), ["total_revenue"], change=0.10)
    rev = e[e["factor"] == "营业收入"]
    assert list(rev["change"]) == [-0.10, 0.10]
    assert_allclose(rev["saf"], 1.0, rtol=1e-12)
    assert_allclose(rev["value"], [0.9 * TOTAL_REVENUE, 1.1 * TOTAL_REVENUE], rtol=1e-12)
    assert_allclose(e.loc[e["factor"] == "建设投资", "saf"], 0.0, atol=1e-15)


def test_elasticity_is_nan_when_the_base_is_zero(tiny: ProjectSpec) -> None:
    """The tiny spec has no operating costs: A₀ = 0 and the relative change is undefined."""
    e = sv.elasticities(tiny, sv.standard_factors(tiny), ["total_opex"])
    assert e["saf"].isna().all()
    assert e["note"].str.contains("base value is 0").all()


def test_npv_elasticity_by_hand(tiny: ProjectSpec) -> None:
    """NPV = R·p − C (tax none, no funding): SAF(price) = R / NPV₀ = (NPV₀ + C) / NPV₀,
    with C the NPV of the costs alone, read from a run at zero price."""
    npv0 = run(tiny).metric("project_npv")
    cost = -run(tiny, {PRICE: np.array([0.0])}).metric("project_npv")
    e = sv.elasticities(tiny, [revenue(tiny)], ["project_npv"], change=0.05)
    assert_allclose(e["saf"], (npv0 + cost) / npv0, rtol=1e-9)


# ------------------------------------------------------------------ switching values


def test_switching_value_by_hand(tiny: ProjectSpec) -> None:
    """total_revenue < 1,500 when the price falls by 1 − 1500/1920 = 21.875 %, i.e. to
    0.78125 × 400 = 312.5 元 a month."""
    sw = sv.switching_values(tiny, sv.standard_factors(tiny), "total_revenue", "<", 1500.0)
    rev = sw.set_index("factor").loc["营业收入"]
    assert rev["status"] == "found" and rev["direction"] == "decrease"
    assert rev["change"] == pytest.approx(1500 / 1920 - 1, abs=1e-6)
    assert rev["multiplier"] == pytest.approx(0.78125, abs=1e-6)
    assert rev["critical_value"] == pytest.approx(312.5, abs=1e-3)
    assert rev["value_at_change"] == pytest.approx(1500.0, abs=1e-2)
    capex = sw.set_index("factor").loc["建设投资"]
    assert capex["status"] == "not reached within the search range"
    assert np.isnan(capex["change"])
    assert capex["value_at_low"] == capex["value_at_high"] == pytest.approx(TOTAL_REVENUE)


def test_switching_value_of_npv_by_hand(tiny: ProjectSpec) -> None:
    """NPV linear in price, NPV = 0 at x = −NPV₀ / (R·p₀) = −NPV₀ / (NPV₀ + C)."""
    npv0 = run(tiny).metric("project_npv")
    cost = -run(tiny, {PRICE: np.array([0.0])}).metric("project_npv")
    sw = sv.switching_values(tiny, [revenue(tiny)], "project_npv", "<", 0.0)
    assert sw.loc[0, "change"] == pytest.approx(-npv0 / (npv0 + cost), abs=1e-6)


def test_switching_value_breached_at_base(tiny: ProjectSpec) -> None:
    sw = sv.switching_values(tiny, [revenue(tiny)], "total_revenue", "<", 2000.0)
    assert sw.loc[0, "status"] == "breached at base"
    assert sw.loc[0, "change"] == 0.0 and sw.loc[0, "multiplier"] == 1.0


def test_switching_value_runs_back_to_the_threshold(park: ProjectSpec) -> None:
    """Re-running the engine at the change found gives the benchmark IRR (6 %)."""
    factor = revenue(park)
    sw = sv.switching_values(park, [factor], "project_irr_after_tax", "<", 0.06)
    x = sw.loc[0, "change"]
    assert sw.loc[0, "status"] == "found" and -0.3 < x < 0
    bases = base_inputs(park)
    back = run(park, {p: np.array([bases[p] * (1 + x)]) for p in factor.paths})
    assert back.metric("project_irr_after_tax") == pytest.approx(0.06, abs=1e-6)
    assert sw.loc[0, "value_at_change"] == pytest.approx(0.06, abs=1e-6)


def test_switching_table_defaults(park: ProjectSpec) -> None:
    """Benchmark IRR and the bond-coverage floor (the park has a special bond)."""
    th = sv.default_thresholds(park)
    assert [(t.metric, t.value) for t in th] == [
        ("project_irr_after_tax", 0.06),
        ("bond_coverage", park.funding.covenants.min_bond_coverage),
    ]
    table = sv.switching_table(park, grid=31)
    assert len(table) == 2 * len(sv.standard_factors(park))
    found = table[table["status"] == "found"]
    assert_allclose(found["value_at_change"], found["threshold"], atol=1e-5)


# ------------------------------------------------------------- the standard table


def test_evaluation_table_rows_and_signs(park: ProjectSpec, park_base: Result) -> None:
    t = sv.evaluation_table(park)
    assert t.loc[0, "factor"] == "基本方案" and t.loc[0, "change"] == 0.0
    assert len(t) == 1 + len(sv.standard_factors(park)) * len(sv.STANDARD_CHANGES)
    for m in sv.DEFAULT_METRICS:
        assert t.loc[0, m] == pytest.approx(park_base.metric(m), rel=1e-12)
    row = t.set_index(["factor", "change"])
    irr = "project_irr_after_tax"
    base = t.loc[0, irr]
    assert row.loc[("营业收入", 0.10), irr] > base > row.loc[("营业收入", -0.10), irr]
    assert row.loc[("建设投资", 0.10), irr] < base
    assert row.loc[("经营成本", 0.10), irr] < base
    assert row.loc[("利率", 0.10), "equity_irr"] < t.loc[0, "equity_irr"]
    assert row.loc[("专项债规模", 0.10), "bond_coverage"] < t.loc[0, "bond_coverage"]
    assert row.loc[("营业收入", 0.10), "saf"] > 0 > row.loc[("建设投资", 0.10), "saf"]
    assert np.isnan(t.loc[0, "saf"]) and t.attrs["saf_metric"] == irr


# ------------------------------------------------------------- global sensitivity


def test_global_sensitivity_ranks_rent_first(rent_sim: Simulation) -> None:
    g = sv.global_sensitivity(rent_sim, "project_irr_after_tax")
    assert list(g["input"]) == ["租金", "体检费"]
    assert g.loc[0, "spearman"] > 0.95 and abs(g.loc[1, "spearman"]) < 0.2
    assert g.loc[0, "r2"] > 0.9 and g.loc[0, "path"] == RENT


def test_sobol_of_an_additive_model(tiny: ProjectSpec) -> None:
    """NPV = a·p − b·c + k with p, c ~ U(0.8, 1.2): S1 = ST = a²/(a² + b²) for the price;
    the price contingency lead time does nothing at a 0 % contingency rate (indices 0)."""
    sc = scenario(
        [
            {
                "name": "价格",
                "path": PRICE,
                "distribution": {"type": "uniform", "low": 0.8, "high": 1.2},
            },
            {
                "name": "投资",
                "path": "investment[建安工程].amount",
                "distribution": {"type": "uniform", "low": 0.8, "high": 1.2},
            },
            {
                "name": "无关",
                "path": "price_contingency.years_before_start",
                "apply": "set",
                "distribution": {"type": "uniform", "low": 0.0, "high": 3.0},
            },
        ]
    )
    npv0 = run(tiny).metric("project_npv")
    a = npv0 - run(tiny, {PRICE: np.array([0.0])}).metric("project_npv")
    b = run(tiny, {"investment[建安工程].amount": np.array([0.0])}).metric("project_npv") - npv0
    share = a**2 / (a**2 + b**2)
    s = sv.sobol(tiny, sc, "project_npv", n=512, seed=1).set_index("input")
    assert s.attrs["evaluations"] == 512 * 5
    assert s.loc["价格", "ST"] == pytest.approx(share, abs=0.05)
    assert s.loc["投资", "ST"] == pytest.approx(1 - share, abs=0.05)
    assert s.loc["价格", "S1"] == pytest.approx(share, abs=0.1)
    assert abs(s.loc["无关", "S1"]) < 1e-9 and abs(s.loc["无关", "ST"]) < 1e-9
    again = sv.sobol(tiny, sc, "project_npv", n=512, seed=1).set_index("input")
    pd.testing.assert_frame_equal(s, again)


def test_sobol_refuses_correlated_inputs(park: ProjectSpec) -> None:
    with pytest.raises(ValueError, match="independent inputs"):
        sv.sobol(park, load_scenario(PARK_SCENARIO), "equity_irr", n=8)


def test_scenario_analysis_flags_the_driver(rent_sim: Simulation) -> None:
    """Scenarios with an equity IRR below its median are those with low rents."""
    cut = float(rent_sim.metrics["equity_irr"].median())
    sa = sv.scenario_analysis(rent_sim, "equity_irr", "<", cut).set_index("input")
    assert sa.index[0] == "租金"
    assert bool(sa.loc["租金", "significant"]) and sa.loc["租金", "shift"] < -0.5
    assert not bool(sa.loc["体检费", "significant"])
    assert sa.loc["租金", "ks"] > 0.5 > sa.loc["体检费", "ks"]
    assert sa.attrs["n_breach"] == int((rent_sim.metrics["equity_irr"] < cut).sum())
    none = sv.scenario_analysis(rent_sim, "equity_irr", "<", -1.0)
    assert not none["significant"].any() and none["shift"].isna().all()


def test_crossing_inside_an_undefined_gap_is_not_bracketed() -> None:
    """A sign change across NaN points (an IRR with no root) is reported, not solved."""
    from renewfin.sensitivity.switching import _first_crossing

    xs = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
    g = np.array([-1.0, np.nan, 1.0, 0.5, np.nan, -1.0])
    up = _first_crossing(xs, g, 2, +1)
    assert up is not None and up.status == "crosses where the metric is undefined"
    assert up.bracket == (1.0, 3.0)
    assert _first_crossing(xs, np.array([1.0, 0.2, 1.0, 0.5, 0.1, 1.0]), 2, -1) is None


def test_bad_op_is_rejected(tiny: ProjectSpec) -> None:
    with pytest.raises(ValueError, match="op must be one of"):
        sv.switching_values(tiny, [revenue(tiny)], "total_revenue", "==", 1.0)  # type: ignore[arg-type]
