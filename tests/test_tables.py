"""The standard tables of 《建设项目经济评价方法与参数》(第三版) (``renewfin.tables``).

Every table renders for every model in ``models/`` and for variants of the example that
exercise the whole funding stack (two phases, land, equity injection, operating and
interest subsidies, bond capital share and refinancing, DSRA and sweep, fund, REIT exit),
no funding at all, and quarterly periods. Each table is checked against the ledger lines
it reads, naming the identity it relies on: the textbook's own (sources = uses,
assets = liabilities + equity, cumulative = Σ net …) or the ledger's (``capex.total``,
``revenue.total``, ``result.values`` …).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from numpy.testing import assert_allclose

from renewfin import metrics_funding
from renewfin import tables as T
from renewfin.engine import Result, run
from renewfin.spec import ProjectSpec, load_spec, validate_data
from renewfin.spec.tax import resolve_tax
from renewfin.testing import minimal_spec

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted((ROOT / "models").glob("*.yaml"))
EXAMPLE = ROOT / "models" / "old_community.yaml"


# --- specs ------------------------------------------------------------------------------


def example_data() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def rich(d: dict[str, Any]) -> dict[str, Any]:
    """The example with a second phase, land, an injection, operating and interest
    subsidies, a bond used partly as capital, a refinanced bond, a DSRA, a cash sweep and
    a fund; one revenue stream starts with phase 1 so that cash comes in during
    construction of phase 2."""
    d = copy.deepcopy(d)
    d["timeline"]["horizon_years"] = 24
    d["timeline"]["phases"] = [
        {"name": "一期", "start_year": 0, "duration_years": 2},
        {"name": "二期", "start_year": 2, "duration_years": 1},
    ]
    d["investment"] += [
        {"name": "二期工程", "category": "construction", "amount": 2000, "phase": "二期"},
        {
            "name": "征拆补偿",
            "category": "land",
            "amount": 500,
            "schedule": [1.0, 0.0],
            "escalate": False,
        },
    ]
    d["depreciation"]["classes"].append(
        {"name": "land_use_right", "life_years": 40, "residual_rate": 0.0, "label_zh": "土地使用权"}
    )
    d["price_contingency"] = {"rate": 0.02}
    d["revenues"][0]["phase"] = "一期"
    f = d["funding"]
    f["fiscal_funds"] += [
        {"name": "国资注资", "use": "equity_injection", "amount": 1000},
        {"name": "运营补贴", "use": "operating_subsidy", "amount": 200, "years": 10},
        {
            "name": "贷款贴息",
            "use": "interest_subsidy",
            "loan": "国开行城市更新贷款",
            "share": 0.3,
            "years": 5,
            "taxable": False,
        },
    ]
    f["special_bonds"][0]["capital_share"] = 0.2
    f["special_bonds"].append(
        {
            "name": "2027年专项债",
            "amount": 1500,
            "issue_year": 1,
            "tenor_years": 10,
            "coupon": 0.024,
            "refinance_share": 0.5,
        }
    )
    f["loans"][0]["dsra_months"] = 6
    f["loans"][0]["cash_sweep"] = 0.2
    # Sized on gearing only: the 2027 bond's unrefinanced bullet (750 in 2036) leaves no
    # cash for a loan in that year, so a DSCR bound would be 0 and the loan, its 贴息 and
    # its construction interest would not be exercised.
    f["loans"][0]["sizing"] = {"gearing": 0.12}
    f["fund"] = {"amount": 3000, "term_years": 8}
    # 流动资金 (第三版 分项详细估算法): 30 days of receivables on the operating costs, 15 of
    # stock and 30 of payables on the electricity bought in (外购燃料动力), 15 of cash on
    # the wages and other costs (the rest but maintenance).
    for o in d["opex"]:
        o["purchased"] = o["name"] == "充电购电成本"
    d["working_capital"] = {
        "receivable_days": 30,
        "inventory_days": 15,
        "cash_days": 15,
        "payable_days": 30,
    }
    return d


def reit(d: dict[str, Any]) -> dict[str, Any]:
    d = rich(d)
    d["funding"]["reit_exit"] = {"exit_year": 12, "cap_rate": 0.05, "min_size_yi_yuan": 0}
    return d


def bank(d: dict[str, Any]) -> dict[str, Any]:
    """The example with the choices of issue 16: the loan drawn at the start of each period
    with its construction interest paid in cash (债贷组合), the bond issued at the end of
    its first year with its coupons paid from own funds, a 6-month DSRA funded at
    completion as a use of the funding plan, and 1.5 % interest earned on cash."""
    d = copy.deepcopy(d)
    f = d["funding"]
    f["loans"][0].update(
        {"construction_interest": "paid", "draw_timing": "start", "dsra_months": 6}
    )
    f["special_bonds"][0].update({"construction_interest": "paid", "draw_timing": "end"})
    f["dsra_funding"] = "construction"
    f["cash_interest_rate"] = 0.015
    return d


def unfunded(d: dict[str, Any]) -> dict[str, Any]:
    """No grants, bonds, loans or fund: the sponsor pays for everything."""
    d = copy.deepcopy(d)
    d["funding"] = {}
    return d


def profitable(d: dict[str, Any]) -> dict[str, Any]:
    """Higher rents and prices after a slow start (10 % then 30 % of the steady state in
    the first two years of operation), so that the project first makes a loss, then pays
    income tax and uses it (the rebuilt example, unfunded, makes a profit from its first
    year of operation, so higher prices alone leave no loss to use)."""
    d = unfunded(d)
    for r in d["revenues"]:
        r["unit_price"] *= 2.5
        r["ramp_up"] = [0.1, 0.3]
    return d


def vat_refund(d: dict[str, Any]) -> dict[str, Any]:
    """增值税留抵退税 (2022年第14号): the construction input VAT refunded as it arises, not
    carried."""
    d = copy.deepcopy(d)
    d.setdefault("tax", {})["vat_credit_refund"] = True
    return d


def quarterly(d: dict[str, Any]) -> dict[str, Any]:
    d = copy.deepcopy(d)
    d["timeline"]["periodicity"] = "quarterly"
    return d


VARIANTS = {
    "rich": rich,
    "reit_exit": reit,
    "bank": bank,
    "unfunded": unfunded,
    "profitable": profitable,
    "quarterly": quarterly,
    "vat_refund": vat_refund,
    "rich_quarterly": lambda d: quarterly(rich(d)),
    "reit_quarterly": lambda d: quarterly(reit(d)),
    "bank_quarterly": lambda d: quarterly(bank(d)),
}


def run_data(data: dict[str, Any]) -> Result:
    return run(validate_data(ProjectSpec, data))


_CACHE: dict[str, Result] = {}


def result_of(name: str) -> Result:
    """A run of a model file (``model:<stem>``) or of a variant of the example, cached."""
    if name not in _CACHE:
        if name.startswith("model:"):
            _CACHE[name] = run(load_spec(ROOT / "models" / f"{name[6:]}.yaml"))
        else:
            _CACHE[name] = run_data(VARIANTS[name](example_data()))
    return _CACHE[name]


CASES = [f"model:{p.stem}" for p in MODELS] + list(VARIANTS)


# --- helpers ------------------------------------------------------------------------------


def yearly(res: Result, id: str | np.ndarray, scenario: int = 0) -> np.ndarray:
    """A ledger flow summed by model year, the reference the tables must match."""
    x = res.ledger[id][scenario] if isinstance(id, str) else id
    ppy = res.timeline.ppy
    return np.asarray(x, dtype=float).reshape(-1, ppy).sum(axis=1)


def year_end(res: Result, id: str, scenario: int = 0) -> np.ndarray:
    ppy = res.timeline.ppy
    return np.asarray(res.ledger[id][scenario], dtype=float)[ppy - 1 :: ppy]


def years(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c not in (T.NO, T.ZH, T.EN, T.TOTAL, T.VAT, T.SHARE)]


def row(df: pd.DataFrame, key: str) -> np.ndarray:
    return df.loc[key, years(df)].to_numpy(dtype=float)


def close(a: Any, b: Any, scale: float = 1.0) -> None:
    assert_allclose(
        np.asarray(a, dtype=float),
        np.asarray(b, dtype=float),
        rtol=1e-9,
        atol=1e-9 * max(scale, 1.0),
        equal_nan=True,
    )


def money_scale(res: Result) -> float:
    return float(np.abs(res.ledger["capex.total"]).sum()) + 1.0


def nan_min(x: np.ndarray) -> float:
    return float(np.nanmin(x)) if np.any(~np.isnan(x)) else np.nan


# --- every table renders --------------------------------------------------------------


def test_models_folder_is_not_empty() -> None:
    assert MODELS, "models/ holds no YAML file"


@pytest.mark.parametrize("case", CASES)
def test_every_table_renders(case: str) -> None:
    res = result_of(case)
    out = T.standard_tables(res)
    assert list(out) == list(T.TABLES)
    labels = [str(d.year) for d in res.timeline.starts[:: res.timeline.ppy]]
    for key, df in out.items():
        zh, en, _ = T.TABLES[key]
        assert isinstance(df, pd.DataFrame) and len(df) > 0, key
        assert df.attrs["id"] == key and df.attrs["title_zh"] == zh and df.attrs["title_en"] == en
        assert df.attrs["unit"] == res.spec.project.money_unit.value
        assert list(df.columns[:4]) == [T.NO, T.ZH, T.EN, T.TOTAL], key
        assert df.index.is_unique, key
        assert set(df.attrs["kinds"]) == set(df.index), key
        # Year columns: a subset of the model years, in order.
        ys = years(df)
        assert ys == [y for y in labels if y in ys], key
        numbers = [n for n in df[T.NO] if n]
        assert len(numbers) == len(set(numbers)), key
        values = df[[T.TOTAL, *ys]].to_numpy(dtype=float)
        assert not np.isinf(values).any(), key
        # Totals only for flows.
        kinds = df.attrs["kinds"]
        for k in df.index:
            assert np.isnan(df.loc[k, T.TOTAL]) == (kinds[k] != "flow"), (key, k)
    # Yearly tables cover the whole calendar; construction tables the construction years.
    assert years(out["revenue_and_taxes"]) == labels
    flag = yearly(res, "flag.construction") > 0
    assert years(out["investment_plan"]) == [y for y, f in zip(labels, flag, strict=True) if f]
    assert years(out["construction_interest"]) == years(out["investment_plan"])
    assert list(out["investment_estimate"].columns) == [T.NO, T.ZH, T.EN, T.TOTAL, T.VAT, T.SHARE]


def test_textbook_numbering_of_the_investment_estimate() -> None:
    # 《建设项目经济评价方法与参数》(第三版) 建设投资估算表: 1 工程费用, 2 工程建设其他费用,
    # 3 预备费 (基本预备费, 涨价预备费), 4 建设投资合计, with sub-rows numbered 1.1, 1.1.1 …
    df = T.investment_estimate(result_of("model:old_community"))
    # models/old_community.yaml: two construction items (停车设施及充电桩, 社区配套用房改造),
    # one equipment item, one other-cost item and a lone basic contingency (shown by its
    # category row 3.1, no item row).
    assert list(df[T.NO]) == [
        "1",
        "1.1",
        "1.1.1",
        "1.1.2",
        "1.2",
        "1.2.1",
        "2",
        "2.1",
        "3",
        "3.1",
        "3.2",
        "4",
    ]
    assert list(df.loc[df[T.NO].isin(["1", "2", "3", "4"]), T.ZH]) == [
        "工程费用",
        "工程建设其他费用",
        "预备费",
        "建设投资合计",
    ]


def test_registry_and_footer() -> None:
    res = result_of("model:old_community")
    assert len(T.TABLES) == 13
    assert T.TABLES["balance_sheet"].zh == "资产负债表"
    df = T.TABLES["project_cash_flow"].build(res, 0)
    footer = T.indicators(df)
    assert list(footer.columns) == [T.ZH, T.EN, "value", "unit"]
    assert footer.loc["project_irr_after_tax", "value"] == pytest.approx(
        res.values["project_irr_after_tax"][0], nan_ok=True
    )
    assert T.indicators(T.revenue_and_taxes(res)).empty


def test_scenario_selects_a_row_of_a_batch() -> None:
    spec = load_spec(EXAMPLE)
    res = run(spec, {"risk.capex_overrun": [0.0, 0.2]})
    base, over = T.investment_estimate(res, 0), T.investment_estimate(res, 1)
    for s, df in ((0, base), (1, over)):
        assert df.loc["capex.total", T.TOTAL] == pytest.approx(res.ledger["capex.total"][s].sum())
        assert df.attrs["scenario"] == s
    assert over.loc["capex.total", T.TOTAL] > base.loc["capex.total", T.TOTAL]
    tables = T.standard_tables(res, 1)
    close(row(tables["revenue_and_taxes"], "revenue.total"), yearly(res, "revenue.total", 1))
    with pytest.raises(IndexError):
        T.balance_sheet(res, 2)


# --- each table against the ledger --------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_investment_estimate_totals_equal_the_ledger(case: str) -> None:
    res = result_of(case)
    df = T.investment_estimate(res)
    led = res.ledger
    # Reference: the ledger's capex.total and capex.input_vat summed over the periods.
    total = led["capex.total"][0].sum()
    assert df.loc["capex.total", T.TOTAL] == pytest.approx(total, rel=1e-12)
    assert df.loc["capex.total", T.VAT] == pytest.approx(
        led["capex.input_vat"][0].sum(), rel=1e-10, abs=1e-9
    )
    assert df.loc["capex.total", T.SHARE] == pytest.approx(1.0)
    # Items listed: all but a lone basic-contingency item (its category row shows it).
    cont = [i for i in res.spec.investment if i.category.value == "contingency"]
    items = [k for k in df.index if k.startswith("capex.item[")]
    assert len(items) == len(res.spec.investment) - (len(cont) == 1)
    for k in df.index:
        if k.startswith(("capex.item[", "capex.category[")) and k in led:
            assert df.loc[k, T.TOTAL] == pytest.approx(led[k][0].sum(), rel=1e-12, abs=1e-9), k
    # 建设投资 = 工程费用 + 工程建设其他费用 + 预备费; 预备费 = 基本 + 涨价.
    top = df.loc[["engineering", "other_costs", "contingencies"]]
    assert top[T.TOTAL].sum() == pytest.approx(total, rel=1e-12)
    assert top[T.VAT].sum() == pytest.approx(df.loc["capex.total", T.VAT], rel=1e-12, abs=1e-12)
    assert df.loc["contingencies", T.TOTAL] == pytest.approx(
        df.loc["capex.category[contingency]", T.TOTAL] + df.loc["capex.price_contingency", T.TOTAL],
        rel=1e-12,
        abs=1e-12,
    )
    assert df.attrs["indicators"]["total_investment"]["value"] == pytest.approx(total)


@pytest.mark.parametrize("case", CASES)
def test_construction_interest_totals(case: str) -> None:
    res = result_of(case)
    df = T.construction_interest(res)
    scale = money_scale(res)
    # Reference: finance.interest_capitalised is the IDC, result.values["idc"] its sum.
    idc = df.loc["finance.interest_capitalised", T.TOTAL]
    assert idc == pytest.approx(res.values["idc"][0], rel=1e-10, abs=1e-9)
    assert df.attrs["indicators"]["idc"]["value"] == pytest.approx(idc, rel=1e-12, abs=1e-12)
    # IDC = Σ bond interest in construction + Σ loan interest rolled into the balances or
    # paid in cash − the interest on phases already in operation (expensed, issue 17.6;
    # the row shows only when there is any, so with one phase there is none).
    interest = [k for k in df.index if k.endswith(("].idc", "].idc_paid"))]
    fees = [k for k in df.index if k.endswith("].idc_fees")]
    expensed = row(df, "idc.expensed") if "idc.expensed" in df.index else 0.0
    if len(res.spec.timeline.phases) < 2:
        assert "idc.expensed" not in df.index
    close(
        df.loc[interest, years(df)].sum().to_numpy() - expensed,
        row(df, "finance.interest_capitalised"),
        scale,
    )
    close(df.loc[fees, years(df)].sum().to_numpy(), row(df, "finance.fees_capitalised"), scale)
    close(
        row(df, "total"),
        row(df, "finance.interest_capitalised") + row(df, "finance.fees_capitalised"),
        scale,
    )
    # Each loan (建设期利息资本化): capitalised + paid in cash = accrued − 贴息 in every
    # construction year, the capitalised row is the ledger's loan[…].capitalised, and the
    # corkscrew closes with it: opening + drawdown + capitalised − repaid = closing.
    ys = [int(y) - int(res.timeline.starts[0].year) for y in years(df)]
    for name in [
        k[len("loan[") : -len("].opening")]
        for k in df.index
        if k.startswith("loan[") and k.endswith("].opening")
    ]:
        at = f"loan[{name}]"
        subsidy = row(df, f"{at}.subsidy") if f"{at}.subsidy" in df.index else 0.0
        cash = row(df, f"{at}.idc_paid") if f"{at}.idc_paid" in df.index else 0.0
        close(row(df, f"{at}.accrued") - subsidy, row(df, f"{at}.idc") + cash, scale)
        close(row(df, f"{at}.idc"), yearly(res, f"{at}.capitalised")[ys], scale)
        close(
            row(df, f"{at}.opening")
            + row(df, f"{at}.draw")
            + row(df, f"{at}.idc")
            - row(df, f"{at}.repaid"),
            row(df, f"{at}.closing"),
            scale,
        )


@pytest.mark.parametrize("case", CASES)
def test_financing_sources_equal_uses_in_every_construction_year(case: str) -> None:
    res = result_of(case)
    df = T.investment_plan(res)
    scale = money_scale(res)
    # The textbook identity 资金筹措 = 资金使用, and the ledger's su.uses / su.sources.
    close(row(df, "su.sources"), row(df, "su.uses"), scale)
    ys = [int(y) - int(res.timeline.starts[0].year) for y in years(df)]
    close(row(df, "su.uses"), yearly(res, "su.uses")[ys], scale)
    close(row(df, "su.sources"), yearly(res, "su.sources")[ys], scale)
    # Uses: the interest of construction is the IDC plus the part paid by 贴息 (a source
    # below) plus, with several phases, the interest on phases already in operation
    # (expensed); only the IDC enters the total investment. A DSRA funded at completion
    # is a use too. Rows a run does not need are left out of the table.
    uses = [
        "capex.total",
        "finance.interest_capitalised",
        "uses.subsidised_interest",
        "uses.expensed_interest",
        "finance.fees_capitalised",
        "uses.dsra",
        "uses.principal",
        "uses.income_tax",
    ]
    uses = [k for k in uses if k in df.index]
    close(df.loc[uses, years(df)].sum().to_numpy(), row(df, "su.uses"), scale)
    if len(res.spec.timeline.phases) < 2:
        assert "uses.expensed_interest" not in df.index
    close(
        row(df, "capex.total")
        + row(df, "finance.interest_capitalised")
        + row(df, "finance.fees_capitalised"),
        row(df, "invest.project_total"),
        scale,
    )
    close(row(df, "uses.subsidised_interest"), row(df, "sources.interest_subsidies"), scale)
    sections = {
        "sources.capital": [
            "equity.sponsor",
            "sources.injections",
            "sources.fund",
            "sources.capital_grants",
            "sources.bond_capital",
        ],
        "sources.debt": ["sources.bonds", "loan.draw", "loan.capitalised"],
        "sources.other": [
            "sources.other_grants",
            "sources.operating_cash",
            "sources.interest_subsidies",
            "sources.interest_income",
            "sources.cash_used",
        ],
    }
    for key, parts in sections.items():
        parts = [k for k in parts if k in df.index]
        close(df.loc[parts, years(df)].sum().to_numpy(), row(df, key), scale)
    close(df.loc[list(sections), years(df)].sum().to_numpy(), row(df, "su.sources"), scale)
    # Bonds split into capital and debt add up to what was issued in construction.
    close(
        row(df, "sources.bond_capital") + row(df, "sources.bonds"),
        yearly(res, res.ledger["bond.issue"][0] * res.ledger["flag.construction"][0])[ys],
        scale,
    )


@pytest.mark.parametrize("case", CASES)
def test_revenue_table_totals_equal_the_ledger(case: str) -> None:
    res = result_of(case)
    df = T.revenue_and_taxes(res)
    scale = money_scale(res)
    # Reference: revenue.total by year and in total.
    assert df.loc["revenue.total", T.TOTAL] == pytest.approx(
        res.ledger["revenue.total"][0].sum(), rel=1e-12, abs=1e-9
    )
    close(row(df, "revenue.total"), yearly(res, "revenue.total"), scale)
    streams = [k for k in df.index if k.startswith("revenue.stream[")]
    close(df.loc[streams, years(df)].sum().to_numpy(), row(df, "revenue.total"), scale)
    lat = row(df, "tax.land_appreciation") if "tax.land_appreciation" in df.index else 0.0
    close(
        row(df, "tax.taxes_and_surcharges"),
        row(df, "tax.surcharges")
        + row(df, "tax.property_rental")
        + row(df, "tax.property_ad_valorem")
        + row(df, "tax.land_use")
        + row(df, "tax.stamp_duty")
        + lat,
        scale,
    )
    close(
        row(df, "tax.stamp_duty"),
        row(df, "tax.stamp_lease")
        + row(df, "tax.stamp_construction")
        + row(df, "tax.stamp_transfer"),
        scale,
    )
    split = [
        k
        for k in ("tax.urban_maintenance", "tax.education", "tax.local_education")
        if k in df.index
    ]
    if split:
        close(df.loc[split, years(df)].sum().to_numpy(), row(df, "tax.surcharges"), scale)
    close(row(df, "tax.input_vat"), row(df, "capex.input_vat") + row(df, "opex.input_vat"), scale)
    close(row(df, "tax.vat_credit"), year_end(res, "tax.vat_credit"), scale)


def test_other_taxes_of_a_reit_exit() -> None:
    """The taxes outside 税金及附加 are lines of the revenue table under their total: the
    loan contracts' stamp duty (印花税法: 借款合同 0.05‰ of the facility) and the exit's
    surcharges, transfer-deed stamp duty (0.5‰ of the price excl. VAT) and 土地增值税; the
    exit's output VAT is shown within the output VAT."""
    res = result_of("reit_exit")
    df = T.revenue_and_taxes(res)
    scale = money_scale(res)
    parts = [id for id, *_ in T.OTHER_TAXES if id in df.index]
    assert {"tax.stamp_loan", "tax.exit_surcharges", "tax.exit_stamp_duty"} <= set(parts)
    close(row(df, "tax.other"), df.loc[parts, years(df)].sum().to_numpy(), scale)
    price = yearly(res, "reit.value") - yearly(res, "tax.exit_output_vat")
    close(row(df, "tax.exit_stamp_duty"), 0.0005 * price, scale)
    assert row(df, "tax.exit_output_vat").sum() > 0


def test_surcharges_split_by_rate() -> None:
    # 城建税 7 % (市区), 教育费附加 3 %, 地方教育附加 2 % of the VAT paid (DOMAIN.md §6).
    res = result_of("profitable")
    df = T.revenue_and_taxes(res)
    vat = row(df, "tax.vat_payable")
    assert vat.sum() > 0
    close(row(df, "tax.urban_maintenance"), 0.07 * vat, money_scale(res))
    close(row(df, "tax.education"), 0.03 * vat, money_scale(res))
    close(row(df, "tax.local_education"), 0.02 * vat, money_scale(res))


@pytest.mark.parametrize("case", CASES)
def test_total_cost_adds_up(case: str) -> None:
    res = result_of(case)
    df = T.total_cost(res)
    scale = money_scale(res)
    # Reference: pl.total_cost = 经营成本 + 折旧摊销 + 利息支出 + 融资费用.
    close(row(df, "pl.total_cost"), yearly(res, "pl.total_cost"), scale)
    close(
        row(df, "opex.total")
        + row(df, "dep_fin.total")
        + row(df, "finance.interest_expensed")
        + row(df, "finance.fees_expensed"),
        row(df, "pl.total_cost"),
        scale,
    )
    items = [k for k in df.index if k.startswith("opex.item[")]
    close(df.loc[items, years(df)].sum().to_numpy(), row(df, "opex.total"), scale)
    # Interest expense: outside construction, and (several phases) the construction-period
    # interest on the phases already in operation.
    construction = row(df, "interest.construction") if "interest.construction" in df.index else 0.0
    close(
        row(df, "interest.bond") + row(df, "interest.loan") + construction,
        row(df, "finance.interest_expensed"),
        scale,
    )
    close(row(df, "cost.variable") + row(df, "cost.fixed"), row(df, "pl.total_cost"), scale)


@pytest.mark.parametrize("case", CASES)
def test_depreciation_table(case: str) -> None:
    res = result_of(case)
    df = T.depreciation(res)
    scale = money_scale(res)
    close(row(df, "dep_fin.total.charge"), yearly(res, "dep_fin.total"), scale)
    charges = [k for k in df.index if k.startswith("dep.class[") and k.endswith(".charge")]
    close(df.loc[charges, years(df)].sum().to_numpy(), row(df, "dep_fin.total.charge"), scale)
    # Original values: construction investment net of input VAT plus capitalised financing
    # costs (the ledger's capex.total − capex.input_vat + IDC + fees).
    led = res.ledger
    ov = (
        led["capex.total"]
        - led["capex.input_vat"]
        + led["finance.interest_capitalised"]
        + led["finance.fees_capitalised"]
    )[0].sum()
    assert np.nanmax(row(df, "dep_fin.total.original_value")) == pytest.approx(ov, rel=1e-10)
    # Net book value = the balance sheet's fixed assets once construction is over and while
    # the asset is held (before a REIT exit).
    after = (yearly(res, "flag.construction") == 0) & (year_end(res, "flag.held") > 0)
    if "reit.flag_exit" in led:
        after &= np.cumsum(yearly(res, "reit.flag_exit")) == 0
    after &= np.cumsum(yearly(res, "flag.construction")) > 0
    close(row(df, "dep_fin.total.net_value")[after], year_end(res, "bs.fixed_assets")[after], scale)


@pytest.mark.parametrize("case", CASES)
def test_debt_service_balances_close_and_ratios_match_the_metrics(case: str) -> None:
    res = result_of(case)
    df = T.debt_service(res)
    scale = money_scale(res)
    closing = [k for k in df.index if k.endswith(".closing")]
    assert "total.closing" in closing
    for k in closing:  # every loan and bond is repaid by the end of the model
        assert abs(df.loc[k, years(df)[-1]]) <= 1e-9 * scale, k
    # Corkscrew by year: opening + draws (+ construction interest capitalised, loans) −
    # principal = closing, and next opening = closing.
    for at in [k[: -len(".closing")] for k in closing]:
        if f"{at}.draw" in df.index:  # a loan, or the total
            added = row(df, f"{at}.draw") + row(df, f"{at}.capitalised")
        else:
            added = row(df, f"{at}.issue")
        repaid = row(df, f"{at}.principal") + (
            row(df, f"{at}.prepayment") if f"{at}.prepayment" in df.index else 0.0
        )
        close(row(df, f"{at}.opening") + added - repaid, row(df, f"{at}.closing"), scale)
        close(row(df, f"{at}.opening")[1:], row(df, f"{at}.closing")[:-1], scale)
        if f"{at}.interest_paid" in df.index:  # interest paid = accrued − capitalised
            close(
                row(df, f"{at}.interest_paid"),
                row(df, f"{at}.interest") - row(df, f"{at}.capitalised"),
                scale,
            )
            close(
                row(df, f"{at}.service"),
                row(df, f"{at}.principal")
                + row(df, f"{at}.prepayment")
                + row(df, f"{at}.interest_paid"),
                scale,
            )
    close(
        row(df, "total.closing"),
        year_end(res, "loan.closing") + year_end(res, "bond.closing"),
        scale,
    )
    close(row(df, "total.capitalised"), yearly(res, "loan.capitalised"), scale)
    close(row(df, "total.service"), row(df, "total.principal") + row(df, "total.interest"), scale)
    # Outside construction nothing is capitalised: the total service is the ledger's debt
    # service plus the bond principal repaid by refinancing tranches.
    op = yearly(res, "flag.construction") == 0
    close(
        row(df, "total.service")[op],
        (
            yearly(res, "cash.bond_debt_service")
            + yearly(res, "cash.loan_debt_service")
            + yearly(res, "bond.refinanced")
        )[op],
        scale,
    )
    # Reference: metrics_funding's min/avg DSCR, loan DSCR and ICR over the same years.
    # A year whose cover is negative while service is due shows n/a and makes the minimum
    # NaN (issue 16: a negative cover is not a ratio), so the minimum is the row's only
    # when no such year exists (the 2027 bond's bullet in the rich variant leaves the loan
    # a negative cover in 2036).
    v = res.values
    loan_cover = yearly(res, "cash.cfads") - yearly(res, "cash.bond_debt_service")
    due = (yearly(res, "cash.loan_service_due") > 1e-12) & op
    for key, metric in (("dscr", "min_dscr"), ("loan_dscr", "min_loan_dscr"), ("icr", "min_icr")):
        if key == "loan_dscr" and np.any(due & (loan_cover < 0)):
            assert np.isnan(v[metric][0])
            assert np.all(np.isnan(row(df, key)[due & (loan_cover < 0)]))
            continue
        assert nan_min(row(df, key)) == pytest.approx(v[metric][0], nan_ok=True, rel=1e-12), key
    dscr = row(df, "dscr")
    if np.any(~np.isnan(dscr)):
        assert np.nanmean(dscr) == pytest.approx(v["avg_dscr"][0], rel=1e-12)
    for key in ("min_dscr", "min_icr", "min_llcr", "plcr"):
        assert df.attrs["indicators"][key]["value"] == pytest.approx(v[key][0], nan_ok=True)


@pytest.mark.parametrize("case", CASES)
def test_profit_table(case: str) -> None:
    res = result_of(case)
    df = T.profit_and_distribution(res)
    scale = money_scale(res)
    # 利润总额 = 营业收入 − 税金及附加 − 总成本费用 + 补贴收入 (+ 其他收益: deferred grant
    # income released, 企业会计准则第16号 第八条 + 资产处置收益 + 利息收入).
    released = row(df, "grant.release") if "grant.release" in df.index else 0.0
    close(
        row(df, "revenue.total")
        - row(df, "tax.taxes_and_surcharges")
        - row(df, "pl.total_cost")
        + row(df, "pl.subsidy_income")
        + released
        + row(df, "pl.gain_on_exit")
        + row(df, "finance.interest_income"),
        row(df, "pl.profit_before_tax"),
        scale,
    )
    close(
        row(df, "pl.profit_before_tax") - row(df, "tax.income_tax"), row(df, "pl.net_profit"), scale
    )
    close(row(df, "pl.net_profit"), yearly(res, "pl.net_profit"), scale)
    # 所得税 = 税率 × 应纳税所得额 (企业所得税法: 25 % under the cn_default preset).
    rate = resolve_tax(res.spec.tax, res.spec.project.city_tier).income_tax
    close(row(df, "tax.income_tax"), rate * row(df, "tax.taxable_after_losses"), scale)
    # Distribution corkscrew: undistributed = available − reserve − paid; carried forward.
    close(
        row(df, "pl.available"),
        row(df, "pl.net_profit") + row(df, "pl.opening_undistributed"),
        scale,
    )
    close(
        row(df, "pl.undistributed"),
        row(df, "pl.available_to_investors") - row(df, "pl.paid"),
        scale,
    )
    close(row(df, "pl.opening_undistributed")[1:], row(df, "pl.undistributed")[:-1], scale)
    close(row(df, "equity.distribution"), yearly(res, "equity.distribution"), scale)


def test_profit_table_uses_losses_and_pays_tax() -> None:
    res = result_of("profitable")
    df = T.profit_and_distribution(res)
    assert df.loc["tax.income_tax", T.TOTAL] > 0
    assert df.loc["tax.loss_used", T.TOTAL] > 0
    assert df.loc["pl.statutory_reserve", T.TOTAL] > 0


@pytest.mark.parametrize("case", CASES)
def test_project_cash_flow(case: str) -> None:
    res = result_of(case)
    df = T.project_cash_flow(res)
    scale = money_scale(res)
    # The cumulative rows are the running sums of the net rows (年末累计).
    close(row(df, "cf.project.pre_tax_cumulative"), np.cumsum(row(df, "cf.project.pre_tax")), scale)
    close(
        row(df, "cf.project.after_tax_cumulative"),
        np.cumsum(row(df, "cf.project.after_tax")),
        scale,
    )
    inflow = [
        "revenue.total",
        "tax.output_vat",
        "fiscal.operating_subsidies",
        "dep.residual_value",
        "reit.net_proceeds",
    ]
    outflow = [
        "capex.total",
        "opex.total",
        "opex.input_vat",
        "tax.vat_payable",
        "tax.taxes_and_surcharges",
    ]
    if "tax.vat_refund" in df.index:  # 留抵退税 received
        inflow.append("tax.vat_refund")
    if "wc.investment" in df.index:  # 流动资金 and its recovery (第三版)
        inflow.append("wc.recovery")
        outflow.append("wc.investment")
        close(row(df, "wc.recovery").sum(), row(df, "wc.investment").sum(), scale)
    close(df.loc[inflow, years(df)].sum().to_numpy(), row(df, "cf.project.inflow"), scale)
    close(df.loc[outflow, years(df)].sum().to_numpy(), row(df, "cf.project.outflow"), scale)
    close(
        row(df, "cf.project.inflow") - row(df, "cf.project.outflow"),
        row(df, "cf.project.pre_tax"),
        scale,
    )
    ind = df.attrs["indicators"]
    for key in ("project_irr_pre_tax", "project_irr_after_tax", "project_npv", "payback_pre_tax"):
        assert ind[key]["value"] == pytest.approx(res.values[key][0], nan_ok=True)


@pytest.mark.parametrize("case", CASES)
def test_equity_cash_flow(case: str) -> None:
    res = result_of(case)
    df = T.equity_cash_flow(res)
    scale = money_scale(res)
    close(row(df, "net.cumulative"), np.cumsum(row(df, "net")), scale)
    ins = [k for k in df.index if df.loc[k, T.NO].startswith("1.")]
    outs = [k for k in df.index if df.loc[k, T.NO].startswith("2.")]
    close(df.loc[ins, years(df)].sum().to_numpy(), row(df, "in.total"), scale)
    close(df.loc[outs, years(df)].sum().to_numpy(), row(df, "out.total"), scale)
    # Over the whole life the shareholders' net cash flow is what they received less what
    # they put in, plus any cash left in the company: Σ net = Σ (distributions + terminal
    # value + their net cash from a REIT's retained units and reinvestment − contributions)
    # + 累计盈余资金 at the end.
    led = res.ledger
    owners = (metrics_funding.owners_cash(led) - led["equity.shareholders_in"])[0].sum()
    assert df.loc["net", T.TOTAL] == pytest.approx(
        owners + led["cash.cumulative_surplus"][0, -1], rel=1e-9, abs=1e-9 * scale
    )
    ind = df.attrs["indicators"]
    assert ind["equity_irr"]["value"] == pytest.approx(res.values["equity_irr"][0], nan_ok=True)
    assert ind["equity_npv"]["value"] == pytest.approx(res.values["equity_npv"][0], nan_ok=True)


@pytest.mark.parametrize("case", CASES)
def test_financial_plan_cumulates_its_net_cash_flow(case: str) -> None:
    res = result_of(case)
    df = T.financial_plan(res)
    scale = money_scale(res)
    # 累计盈余资金 is the running sum of 净现金流量 (the company starts with no cash) and
    # equals the ledger's cash.cumulative_surplus.
    close(row(df, "cash.cumulative_surplus"), np.cumsum(row(df, "net")), scale)
    close(row(df, "cash.cumulative_surplus"), year_end(res, "cash.cumulative_surplus"), scale)
    close(row(df, "operating") + row(df, "investing") + row(df, "financing"), row(df, "net"), scale)
    for sec in ("operating", "investing", "financing"):
        close(row(df, f"{sec}.inflow") - row(df, f"{sec}.outflow"), row(df, sec), scale)
    ind = df.attrs["indicators"]
    low = res.values["min_cumulative_cash"][0]
    assert ind["min_cumulative_cash"]["value"] == pytest.approx(low)
    assert ind["viable"]["value"] == float(low >= -1e-9 * scale)
    # 各种利息支出 is the whole interest accrued; in construction the loans' part of it is
    # met by capitalisation into the loans and by 贴息, both shown as financing inflows, and
    # by cash (loan[…].idc_paid), so only the bond interest and the loan interest paid in
    # cash are paid from the other construction sources.
    c = yearly(res, "flag.construction") > 0
    close(
        row(df, "fin.interest"), yearly(res, "bond.interest") + yearly(res, "loan.interest"), scale
    )
    led = res.ledger
    close(
        row(df, "loan.capitalised")[c] + row(df, "fin.construction_subsidies")[c],
        yearly(
            res, (led["loan.interest"][0] - led["loan.idc_paid"][0]) * led["flag.construction"][0]
        )[c],
        scale,
    )
    close(row(df, "fin.construction_subsidies")[~c], 0.0, scale)


@pytest.mark.parametrize("case", CASES)
def test_balance_sheet_balances(case: str) -> None:
    res = result_of(case)
    df = T.balance_sheet(res)
    assets = row(df, "bs.assets")
    scale = max(float(np.abs(assets).max()), 1.0)
    # 资产 = 负债 + 所有者权益, to a relative 1e-9.
    assert np.abs(row(df, "bs.difference")).max() <= 1e-9 * scale
    assert np.abs(assets - row(df, "bs.liabilities_and_equity")).max() <= 1e-9 * scale
    close(row(df, "bs.current") + row(df, "bs.fixed_assets"), assets, scale)
    wc = row(df, "wc.level") if "wc.level" in df.index else 0.0  # 流动资金 (net)
    close(row(df, "bs.cash") + row(df, "bs.vat_credit") + wc, row(df, "bs.current"), scale)
    # 递延收益 of gross-method grants is a liability (企业会计准则第16号 第八条).
    deferred = row(df, "grant.deferred_income") if "grant.deferred_income" in df.index else 0.0
    close(
        row(df, "bond.closing") + row(df, "loan.closing") + deferred,
        row(df, "bs.liabilities"),
        scale,
    )
    parts = ["equity.paid_in", "equity.fund", "equity.retained"]
    close(df.loc[parts, years(df)].sum().to_numpy(), row(df, "bs.equity"), scale)
    close(row(df, "bs.difference"), year_end(res, "bs.check"), scale)
    ratio = row(df, "bs.debt_ratio")
    held = np.abs(assets) > 1e-9
    close(ratio[held], row(df, "bs.liabilities")[held] / assets[held])


@pytest.mark.parametrize("case", CASES)
def test_bond_balance_table(case: str) -> None:
    res = result_of(case)
    df = T.bond_balance(res)
    scale = money_scale(res)
    ind = df.attrs["indicators"]
    # Reference: the whole-life coverage multiples of metrics_funding (DOMAIN.md §3).
    for key in (
        "bond_coverage",
        "total_debt_coverage",
        "residual_coverage",
        "min_annual_cash_coverage",
        "min_cumulative_cash",
    ):
        assert ind[key]["value"] == pytest.approx(res.values[key][0], nan_ok=True), key
    assert nan_min(row(df, "coverage.bond")) == pytest.approx(
        res.values["min_annual_cash_coverage"][0], nan_ok=True, rel=1e-12
    )
    close(
        row(df, "cash.net_income_for_coverage"), yearly(res, "cash.net_income_for_coverage"), scale
    )
    # Project income = revenue − costs − taxes (+ interest on cash − the maintenance
    # reserve's net contributions, which CFADS takes before debt service, and the working
    # capital invested net of recovered); the exit proceeds are a line apart (DOMAIN.md §5)
    # that the surplus adds.
    extra = sum(
        (
            row(df, k) * sign
            for k, sign in (
                ("finance.interest_income", 1.0),
                ("income.mmra", -1.0),
                ("income.working_capital", -1.0),
                ("tax.vat_refund", 1.0),
            )
            if k in df.index
        ),
        np.zeros(len(years(df))),
    )
    if "reserve.mmra.contribution" in res.ledger:
        close(
            row(df, "income.mmra"),
            yearly(res, "reserve.mmra.contribution") - yearly(res, "reserve.mmra.release"),
            scale,
        )
    close(
        row(df, "income.revenue") - row(df, "income.opex") - row(df, "income.taxes") + extra,
        row(df, "cash.net_income_for_coverage"),
        scale,
    )
    close(
        row(df, "surplus"),
        row(df, "cash.net_income_for_coverage")
        + row(df, "reit.net_proceeds")
        - row(df, "cash.bond_debt_service")
        - row(df, "cash.loan_debt_service"),
        scale,
    )
    close(
        row(df, "bond.principal_net") + row(df, "bond.interest"),
        row(df, "cash.bond_debt_service"),
        scale,
    )
    close(
        row(df, "loan.principal_all") + row(df, "loan.interest_paid"),
        row(df, "cash.loan_debt_service"),
        scale,
    )
    close(row(df, "surplus.cumulative"), np.cumsum(row(df, "surplus")), scale)
    close(row(df, "cash.cumulative_surplus"), year_end(res, "cash.cumulative_surplus"), scale)


def test_hand_case_construction_interest_and_debt_service() -> None:
    """One-year build of 1,000 with a 400 bond at 3 % (5 years, bullet, no fees) and a 5 %
    loan capped at 300 (tenor 6, grace 1, 等额本金), as in tests/financing (hand case):
    year 0: draw D = 300 / 1.025 = 292.6829, interest 5 % × D / 2 = 7.3171 rolled into the
    balance (建设期利息资本化), closing 300; bond interest 12. 建设期利息 = 12 + 7.3171 =
    19.3171. 借款还本付息计划表: the loan's service is 0 in year 0 (nothing paid in cash),
    then 60 + 15, 60 + 12, … ; its corkscrew 0 + 292.6829 + 7.3171 − 0 = 300.
    项目总投资使用计划与资金筹措表: uses 1,000 + 19.3171; sources: equity 1,000 + 12 − 400 −
    D = 319.3171, bond 400, loan drawn D and interest capitalised 7.3171."""
    res = run_data(
        minimal_spec(
            timeline={
                "horizon_years": 8,
                "phases": [{"name": "一期", "start_year": 0, "duration_years": 1}],
            },
            investment=[{"name": "建安工程", "category": "construction", "amount": 1000.0}],
            funding={
                "special_bonds": [
                    {
                        "name": "B",
                        "amount": 400,
                        "tenor_years": 5,
                        "coupon": 0.03,
                        "issuance_fee_rate": 0,
                        "payment_fee_rate": 0,
                    }
                ],
                "loans": [
                    {
                        "name": "L",
                        "rate_type": "fixed",
                        "rate": 0.05,
                        "tenor_years": 6,
                        "grace_years": 1,
                        "sizing": {"amount": 300},
                    }
                ],
            },
        )
    )
    d = 300 / 1.025
    q = 0.025 * d
    ci = T.construction_interest(res)
    assert years(ci) == ["2026"]
    expected = {
        "loan[L].opening": 0.0,
        "loan[L].draw": d,
        "loan[L].accrued": q,
        "loan[L].idc": q,
        "loan[L].repaid": 0.0,
        "loan[L].closing": 300.0,
        "bond[B].idc": 12.0,
        "finance.interest_capitalised": 12 + q,
        "total": 12 + q,
    }
    for key, value in expected.items():
        assert ci.loc[key, "2026"] == pytest.approx(value, rel=1e-12, abs=1e-12), key
    assert "loan[L].subsidy" not in ci.index  # no 贴息 on this loan
    ds = T.debt_service(res)
    assert_allclose(row(ds, "loan[L].capitalised"), [q, 0, 0, 0, 0, 0, 0, 0], atol=1e-12)
    assert_allclose(row(ds, "loan[L].interest_paid"), [0, 15, 12, 9, 6, 3, 0, 0], atol=1e-12)
    assert_allclose(row(ds, "loan[L].service"), [0, 75, 72, 69, 66, 63, 0, 0], atol=1e-12)
    assert_allclose(row(ds, "loan[L].closing"), [300, 240, 180, 120, 60, 0, 0, 0], atol=1e-12)
    assert_allclose(row(ds, "total.service"), [12, 87, 84, 81, 478, 63, 0, 0], atol=1e-12)
    ip = T.investment_plan(res)
    for key, value in {
        "su.uses": 1000 + 12 + q,
        "capex.total": 1000.0,
        "finance.interest_capitalised": 12 + q,
        "uses.subsidised_interest": 0.0,
        "equity.sponsor": 1000 + 12 - 400 - d,
        "sources.bonds": 400.0,
        "loan.draw": d,
        "loan.capitalised": q,
        "sources.debt": 400 + 300,
        "su.sources": 1000 + 12 + q,
    }.items():
        assert ip.loc[key, "2026"] == pytest.approx(value, rel=1e-12, abs=1e-12), key


def test_interest_subsidy_rows_in_construction() -> None:
    """The rich variant has a 30 % 贴息 on its loan for 5 years: in construction the table
    shows the interest accrued, the 30 % paid by the subsidy and the 70 % capitalised; the
    subsidised part is a use paid by the 贴息 source of the financing table."""
    res = result_of("rich")
    ci = T.construction_interest(res)
    name = "国开行城市更新贷款"
    accrued = row(ci, f"loan[{name}].accrued")
    assert accrued.sum() > 0
    close(row(ci, f"loan[{name}].subsidy"), 0.3 * accrued, money_scale(res))
    close(row(ci, f"loan[{name}].idc"), 0.7 * accrued, money_scale(res))
    ip = T.investment_plan(res)
    close(row(ip, "uses.subsidised_interest"), 0.3 * accrued, money_scale(res))
    close(row(ip, "sources.interest_subsidies"), 0.3 * accrued, money_scale(res))


def test_construction_interest_on_a_phase_in_operation_is_expensed() -> None:
    """Hand case (issue 17.6, IDC by phase): in the rich variant (annual) 2028 builds 二期
    while 一期 operates. 二期 has spent nothing before 2028, so none of the debt outstanding
    at the start of 2028 finances a phase under construction: the interest on opening
    balances is expensed — the bonds' coupons 1,800 × 2.3 % + 1,500 × 2.4 % = 77.4 and the
    loan's (LPR 3.5 % − 0.6 % = 2.9 %) on its opening balance P, net of the 30 % 贴息 —
    and only the interest on 2028's own drawings D (half a year: drawn mid-period) is IDC:
    0.7 × 2.9 % × D / 2."""
    res = result_of("rich")
    ci = T.construction_interest(res)
    name = "国开行城市更新贷款"
    p_open = ci.loc[f"loan[{name}].opening", "2028"]
    d = ci.loc[f"loan[{name}].draw", "2028"]
    assert p_open > 0 and d > 0
    assert ci.loc["idc.expensed", "2028"] == pytest.approx(77.4 + 0.7 * 0.029 * p_open, rel=1e-12)
    assert ci.loc["finance.interest_capitalised", "2028"] == pytest.approx(
        0.7 * 0.029 * d / 2, rel=1e-12
    )
    assert ci.loc["idc.expensed", ["2026", "2027"]].abs().max() <= 1e-9  # 一期 only
    # The expensed part is interest expense of 2028 (总成本费用估算表) and a use of the plan.
    tc = T.total_cost(res)
    assert tc.loc["interest.construction", "2028"] == pytest.approx(
        77.4 + 0.029 * p_open, rel=1e-12
    )  # gross: the 贴息 on it is subsidy income
    ip = T.investment_plan(res)
    assert ip.loc["uses.expensed_interest", "2028"] == pytest.approx(
        ci.loc["idc.expensed", "2028"], rel=1e-12
    )


def test_bank_choices_in_the_financing_table() -> None:
    """The bank variant: the loan's construction interest is paid in cash (none rolled into
    it), the DSRA is filled at completion as a use, and interest on cash is a source."""
    res = result_of("bank")
    ci = T.construction_interest(res)
    name = "国开行城市更新贷款"
    close(row(ci, f"loan[{name}].idc"), 0.0)
    paid = row(ci, f"loan[{name}].idc_paid")
    assert paid.sum() > 0
    close(paid, row(ci, f"loan[{name}].accrued"), money_scale(res))
    ip = T.investment_plan(res)
    led = res.ledger
    assert ip.loc["uses.dsra", T.TOTAL] == pytest.approx(
        float((led["cash.dsra_change"][0] * led["flag.construction"][0]).sum()), rel=1e-12
    )
    assert ip.loc["uses.dsra", T.TOTAL] > 0
    # Six months of the first year of service due after completion (2028): the DSRA target
    # (read from the solve's previous pass: equal to the solver's tolerance).
    first = yearly(res, "cash.bond_debt_service")[2] + yearly(res, "cash.loan_service_due")[2]
    assert ip.loc["uses.dsra", T.TOTAL] == pytest.approx(first / 2, rel=1e-4)
    assert ip.loc["sources.interest_income", T.TOTAL] > 0


def test_tables_render_without_debt_or_fund() -> None:
    res = result_of("unfunded")
    out = T.standard_tables(res)
    ds = out["debt_service"]
    assert not any(k.startswith(("loan[", "bond[")) for k in ds.index)
    assert np.all(np.isnan(row(ds, "dscr")))
    assert np.all(row(ds, "total.closing") == 0)
    assert out["construction_interest"].loc["total", T.TOTAL] == 0
    bb = out["bond_balance"]
    assert np.isnan(bb.attrs["indicators"]["bond_coverage"]["value"])
    plan = out["investment_plan"]
    # Sources = uses: equity meets the uses and the construction-period operating cash
    # outflow (印花税 on the construction contracts).
    assert plan.loc["equity.sponsor", T.TOTAL] == pytest.approx(
        plan.loc["su.uses", T.TOTAL] - plan.loc["sources.operating_cash", T.TOTAL]
    )


# --- years from sub-annual periods ----------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_rows_keyed_by_a_ledger_id_are_that_line(case: str) -> None:
    # The index convention: a row keyed by a ledger id shows that line, summed over each
    # model year (flows), at the year end (balances, ratios) or at the year start (openings).
    res = result_of(case)
    checked = 0
    for df in T.standard_tables(res).values():
        if df.attrs["id"] == "investment_estimate":
            continue  # static: checked against the ledger's totals above
        ys = [int(y) - res.timeline.starts[0].year for y in years(df)]
        for key, kind in df.attrs["kinds"].items():
            if key not in res.ledger or kind == "heading":
                continue
            if kind == "flow":
                want = yearly(res, key)[ys]
            elif key.endswith(".opening"):
                want = np.asarray(res.ledger[key][0])[:: res.timeline.ppy][ys]
            else:
                want = year_end(res, key)[ys]
            close(row(df, key), want, money_scale(res))
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("case", ["quarterly", "rich_quarterly", "reit_quarterly"])
def test_quarterly_model_aggregates_to_years(case: str) -> None:
    # Reference: the ledger's own period labels (2026Q1 …), grouped by calendar year.
    res = result_of(case)
    assert res.timeline.ppy == 4
    frame = res.ledger_frame()
    quarters = [c for c in frame.columns if isinstance(c, str) and "Q" in c]
    by_year: dict[str, list[str]] = {}
    for q in quarters:
        by_year.setdefault(q[:4], []).append(q)
    assert all(len(v) == 4 for v in by_year.values())
    checked = 0
    for df in T.standard_tables(res).values():
        ys = years(df)
        for key, kind in df.attrs["kinds"].items():
            if key not in frame.index or not ys:
                continue
            if kind == "flow":
                # Each year is the sum of its four quarters; 合计 the sum of those periods.
                want = [frame.loc[key, by_year[y]].sum() for y in ys]
                close(row(df, key), want, money_scale(res))
                assert df.loc[key, T.TOTAL] == pytest.approx(sum(want), rel=1e-9, abs=1e-9)
                checked += 1
            elif kind == "balance" and not key.endswith(".opening"):
                # A balance at the end of a year is its fourth quarter's.
                close(row(df, key), [frame.loc[key, by_year[y][-1]] for y in ys], money_scale(res))
                checked += 1
    assert checked > 50


def test_quarterly_and_annual_tables_agree_on_totals() -> None:
    # With no growth the quarterly model spends, earns and costs the same each year as the
    # annual one (tests/test_engine.py), so the pre-financing tables agree by year.
    data = example_data()
    for r in data["revenues"]:
        r["growth_rate"] = 0.0
    for o in data["opex"]:
        o["growth_rate"] = 0.0
    data["funding"] = {}
    a, q = run_data(data), run_data(quarterly(data))
    for fn, keys in (
        (T.revenue_and_taxes, ["revenue.total", "tax.output_vat"]),
        (T.total_cost, ["opex.total"]),
        (T.investment_estimate, []),
    ):
        ta, tq = fn(a), fn(q)
        assert list(ta.columns) == list(tq.columns)
        for key in keys:
            close(row(tq, key), row(ta, key), money_scale(a))
    close(T.investment_estimate(q)[T.TOTAL], T.investment_estimate(a)[T.TOTAL], money_scale(a))


def test_year_columns_follow_a_mid_year_start() -> None:
    # A model year starting in July is labelled by the calendar year it starts in and sums
    # its four quarters (2026Q3 … 2027Q2).
    data = quarterly(example_data())
    data["timeline"]["start_date"] = "2026-07-01"
    res = run_data(data)
    df = T.revenue_and_taxes(res)
    assert years(df) == [str(2026 + k) for k in range(res.spec.timeline.horizon_years)]
    frame = res.ledger_frame()
    close(
        row(df, "revenue.total")[3],
        frame.loc["revenue.total", ["2029Q3", "2029Q4", "2030Q1", "2030Q2"]].sum(),
    )
