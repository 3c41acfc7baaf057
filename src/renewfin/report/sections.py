"""The sections of the report that describe the project and its base case: overview,
investment and financing, revenue and costs, the special-bond balance, the bank view and
the investor view."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from renewfin.checks import minimum_capital_ratio
from renewfin.core.opex_basis import BASES
from renewfin.metrics import EQUITY_RETURNS, PROJECT_RETURNS
from renewfin.metrics_funding import FUND_TIERS
from renewfin.report import charts
from renewfin.report.basis import cost_unit, price_unit
from renewfin.report.context import Ctx, sentence
from renewfin.report.funding_tables import (
    bond_blocks,
    fiscal_funds_blocks,
    input_or_spec,
    loan_blocks,
)
from renewfin.report.html import esc, figure, indicator_table, standard_table, table, td, tr
from renewfin.report.i18n import Lang, enum_label, unit_label
from renewfin.spec.labels import choice_label
from renewfin.spec.opex import OpexBasis, OpexItem

FLOOR_KEYS = {"bond_coverage": "min_bond_coverage", "total_debt_coverage": "min_total_coverage"}
"""Coverage metrics and the covenant that sets their floor."""


def _opex_driver(ctx: Ctx, o: OpexItem) -> str:
    """The field that sizes an operating cost: its basis's ``amount`` (``BASES``)."""
    rule = BASES[o.basis]
    at, value = f"opex[{o.name}].{rule.amount}", getattr(o, rule.amount)
    if value is None:
        return "—"
    if rule.unit != "price":
        return input_or_spec(ctx, at, value, rule.unit, tag="span", unit=rule.unit == "money")
    return input_or_spec(ctx, at, value, "number", tag="span") + f" {esc(cost_unit(o, ctx.lang))}"


def ledger_by_year(ctx: Ctx, id: str) -> np.ndarray:
    """A ledger flow summed by model year for the base run, (Y,)."""
    r = ctx.data.result
    year = np.arange(r.ledger.n_periods) // r.timeline.ppy
    return np.bincount(year, weights=np.asarray(r.ledger[id][0], dtype=float))


# ------------------------------------------------------------------------- overview


def overview_section(ctx: Ctx) -> str:
    """Project facts, headline figures and key findings."""
    spec = ctx.data.spec
    p, tl = spec.project, spec.timeline
    en_name = bool(p.name_en) and ctx.lang == "en"
    rows = [
        tr([td(ctx.t("ov.name")), td(p.name + (f" ({p.name_en})" if en_name else ""), "text")]),
        tr([td(ctx.t("ov.kind")), td(enum_label(p.kind, ctx.lang), "text")]),
    ]
    if p.location:
        rows.append(tr([td(ctx.t("ov.location")), td(p.location, "text")]))
    if p.implementing_entity:
        rows.append(tr([td(ctx.t("ov.implementing_entity")), td(p.implementing_entity, "text")]))
    rows += [
        tr([td(ctx.t("ov.sector")), td(enum_label(p.sector, ctx.lang), "text")]),
        tr([td(ctx.t("ov.city_tier")), td(enum_label(p.city_tier, ctx.lang), "text")]),
    ]
    if p.description:
        rows.append(tr([td(ctx.t("ov.description")), td(p.description, "text")]))
    rows += [
        tr([td(ctx.t("ov.start")), td(tl.start_date.isoformat(), "text")]),
        tr([td(ctx.t("ov.periodicity")), td(ctx.t(f"periodicity.{tl.periodicity.value}"), "text")]),
        tr(
            [
                td(ctx.t("ov.horizon")),
                ctx.spec_fig(
                    "timeline.horizon_years", tl.horizon_years, "years", tag="td", decimals=0
                ),
            ]
        ),
        tr([td(ctx.t("col.unit")), td(ctx.money_unit, "text")]),
    ]
    for ph in tl.phases:
        path = f"timeline.phases[{ph.name}]"
        start = ctx.spec_fig(path + ".start_year", ph.start_year, "number", decimals=0)
        duration = input_or_spec(
            ctx, path + ".duration_years", ph.duration_years, "years", tag="span", unit=True
        )
        cell = f'<td class="text">{esc(ph.name)}: {start} → {duration}</td>'
        rows.append(tr([td(ctx.t("ov.phases")), cell]))
    out = [table([ctx.t("col.item"), ctx.t("col.value")], rows, cls="overview")]
    if p.regional_context:
        out.append(f"<h3>{esc(ctx.t('ov.regional_context'))}</h3><p>{esc(p.regional_context)}</p>")

    out.append(f"<h3>{esc(ctx.t('ov.headline'))}</h3>")
    keys = [
        "total_project_investment",
        "total_investment",
        "project_irr_after_tax",
        "project_npv",
        "equity_irr",
        "capital_ratio",
        "bond_coverage",
        "total_debt_coverage",
        "min_dscr",
        "fiscal_outlay",
        "fiscal_leverage",
        "min_cumulative_cash",
        "reit_exit_value",
    ]
    fiscal = bool(spec.funding.fiscal_funds)
    out.append(
        ctx.cards(
            [
                k
                for k in keys
                if ctx.has(k) and (fiscal or k not in ("fiscal_outlay", "fiscal_leverage"))
            ]
        )
    )
    out.append(f"<h3>{esc(ctx.t('ov.conclusion'))}</h3><ul>{''.join(_findings(ctx))}</ul>")
    return "".join(out)


def _findings(ctx: Ctx) -> list[str]:
    spec = ctx.data.spec
    items = []
    failed = [c for c in ctx.data.checks if not bool(c.passed[0])]
    if failed:
        names = (
            "、".join(ctx.pick(c.zh, c.en) for c in failed)
            if ctx.lang == "zh"
            else ", ".join(c.en for c in failed)
        )
        items.append(
            f'<li class="bad">{esc(ctx.t("ov.checks_failed", n=len(failed), names=names))}</li>'
        )
    else:
        items.append(f'<li class="ok">{esc(ctx.t("ov.checks_ok", n=len(ctx.data.checks)))}</li>')
    irr = ctx.value("project_irr_after_tax")
    bench = spec.evaluation.benchmark_irr
    if np.isfinite(irr):
        key = "ov.irr_ok" if irr >= bench else "ov.irr_bad"
        items.append(
            "<li>"
            + sentence(
                ctx,
                key,
                value=ctx.metric("project_irr_after_tax"),
                floor=ctx.spec_fig("evaluation.benchmark_irr", bench, "rate"),
            )
            + "</li>"
        )
    if spec.funding.special_bonds and ctx.has("bond_coverage"):
        floor = spec.funding.covenants.min_bond_coverage
        key = "ov.cover_ok" if ctx.value("bond_coverage") >= floor else "ov.cover_bad"
        items.append(
            "<li>"
            + sentence(
                ctx,
                key,
                value=ctx.metric("bond_coverage"),
                floor=ctx.spec_fig("funding.covenants.min_bond_coverage", floor, "ratio"),
            )
            + "</li>"
        )
    ok, text = viability(ctx)
    items.append(f'<li class="{"ok" if ok else "bad"}">{text}</li>')
    sim = ctx.data.simulation
    if sim is not None and sim.scenario.thresholds:
        br = sim.breaches()
        i = int(np.nanargmax(br["p"].to_numpy(float))) if len(br) else 0
        row = br.iloc[i]
        items.append(
            "<li>"
            + sentence(
                ctx,
                "ov.risk",
                n=ctx.fmt.fig(sim.n, "number", decimals=0, calc="sim_n"),
                label=esc(ctx.breach_label(i)),
                p=ctx.fmt.fig(row["p"], "share", breach=i, stat="p"),
                se=ctx.fmt.fig(row["se"], "share", breach=i, stat="se"),
            )
            + "</li>"
        )
    return items


def lowest(ctx: Ctx, table: str, key: str) -> tuple[str, float, str]:
    """The year a standard-table row is lowest, its value there and that value as a figure
    located by ``data-table``/``data-key``/``data-col`` (the cell the table shows).

    Parameters
    ----------
    ctx : Ctx
        The report context.
    table, key : str
        Standard table and row id (``financial_plan``, ``cash.cumulative_surplus``).

    Returns
    -------
    tuple of (str, float, str)
        Year label, value [money], the figure's HTML.
    """
    years = ctx.data.years
    row = ctx.data.tables[table].loc[key, years].to_numpy(dtype=float)
    j = int(np.argmin(row))
    value = float(row[j])
    return years[j], value, ctx.fmt.fig(value, "money", table=table, key=key, col=years[j])


def viability(ctx: Ctx) -> tuple[bool, str]:
    """The financial-sustainability (财务生存能力) statement, from the figure the 财务计划现金流量表
    shows: its lowest year-end 累计盈余资金 over the whole computation period, judged by the
    table's own indicator (``viable``).

    Returns
    -------
    tuple of (bool, str)
        Whether the plan is sustainable, and the sentence (HTML).
    """
    plan = ctx.data.tables["financial_plan"]
    ok = float(plan.attrs["indicators"]["viable"]["value"]) > 0.5
    year, _, fig = lowest(ctx, "financial_plan", "cash.cumulative_surplus")
    return ok, sentence(ctx, "ov.cash_ok" if ok else "ov.cash_bad", value=fig, year=esc(year))


# ------------------------------------------------------------- investment and financing


def investment_section(ctx: Ctx) -> str:
    """Investment estimate, sources and uses, capital and fiscal funds, bonds and loans."""
    d = ctx.data
    out = [
        f"<h3>{esc(ctx.t('inv.estimate'))}</h3>",
        standard_table(d.tables["investment_estimate"], ctx.fmt, ctx.lang),
    ]
    plan = d.tables["investment_plan"]
    out.append(f"<h3>{esc(ctx.t('inv.sources_uses'))}</h3>")
    out.append(standard_table(plan, ctx.fmt, ctx.lang, years=[]))
    parts = {}
    label_col = "项目" if ctx.lang == "zh" else "Item"
    for key in (
        "equity.sponsor",
        "sources.injections",
        "sources.fund",
        "sources.capital_grants",
        "sources.bond_capital",
        "sources.bonds",
        "loan.draw",
        "loan.capitalised",
        "sources.other_grants",
        "sources.operating_cash",
        "sources.interest_subsidies",
    ):
        if key in plan.index:
            parts[str(plan.loc[key, label_col])] = float(cast(float, plan.loc[key, "合计 Total"]))
    chart = charts.funding_chart(parts, ctx.money_unit, ctx.lang)
    if chart is not None:
        ctx.charts[chart.id] = chart
        out.append(figure(chart))

    out.append(f"<h3>{esc(ctx.t('inv.capital'))}</h3>")
    floor = minimum_capital_ratio(d.result)
    keys = [
        "total_project_investment",
        "idc",
        "capital_ratio",
        "sponsor_equity",
        "fiscal_outlay",
        "fiscal_leverage",
        "bond_amount",
        "loan_amount",
    ]
    out.append(ctx.metric_table(keys))
    out.append(
        '<p class="note">'
        + sentence(
            ctx, "inv.capital_note", floor=ctx.fmt.fig(floor, "share", calc="minimum_capital_ratio")
        )
        + "</p>"
    )

    out += fiscal_funds_blocks(ctx)
    out += bond_blocks(ctx)
    out += loan_blocks(ctx)
    return "".join(out)


def _taxes_by_year(ctx: Ctx, rev: pd.DataFrame) -> str:
    """Each tax by year from the 营业收入、税金及附加和增值税估算表 (``rev``): 税金及附加 and
    its lines, the other taxes (loan contracts' stamp duty, a REIT exit's taxes) and the VAT
    payable; the revenue rows and the VAT workings (output, input, credit) are left out."""
    keys = [
        k
        for k in rev.index
        if k.startswith("tax.")
        and k not in ("tax.output_vat", "tax.input_vat", "tax.vat_credit")
        and not k.startswith("tax.exit_output_vat")
    ]
    return f"<h3>{esc(ctx.t('taxes.by_year'))}</h3>" + standard_table(
        rev, ctx.fmt, ctx.lang, keys=keys
    )


def _cost_driver_blocks(ctx: Ctx) -> list[str]:
    """The operating costs' drivers: each item's basis, the figure that sizes it, its cycle
    and growth and, where stated, its cost basis (HTML blocks; none without costs)."""
    spec = ctx.data.spec
    out: list[str] = []
    if not spec.opex:
        return out
    out.append(f"<h3>{esc(ctx.t('cost.drivers'))}</h3>")
    costed = any(o.cost_basis for o in spec.opex)
    rows = []
    for o in spec.opex:
        at = f"opex[{o.name}]"
        param = _opex_driver(ctx, o)
        if o.every_years:
            n = ctx.spec_fig(at + ".every_years", o.every_years, "number", decimals=0)
            param += " · " + sentence(ctx, "opex.every", n=n)
        rows.append(
            tr(
                [
                    td(o.name),
                    td(
                        ctx.pick(choice_label(OpexBasis, o.basis.value) or "", BASES[o.basis].en),
                        "text",
                    ),
                    f'<td class="num">{param}</td>',
                    input_or_spec(ctx, at + ".growth_rate", o.growth_rate, "share"),
                    *([td(o.cost_basis or "—", "doc")] if costed else []),
                ]
            )
        )
    out.append(
        table(
            [
                ctx.t("col.item"),
                ctx.t("cost.basis"),
                ctx.t("cost.parameter"),
                ctx.t("rev.growth"),
                *([ctx.t("cost.cost_basis")] if costed else []),
            ],
            rows,
        )
    )
    return out


def revenue_section(ctx: Ctx) -> str:
    """Revenue drivers and forecast, cost drivers and forecast, and the cash flow."""
    d = ctx.data
    spec = d.spec
    out = []
    if spec.revenues:
        out.append(f"<h3>{esc(ctx.t('rev.drivers'))}</h3>")
        priced = any(r.price_basis for r in spec.revenues)
        rows = []
        for r in spec.revenues:
            at = f"revenues[{r.name}]"
            growth = input_or_spec(ctx, at + ".growth_rate", r.growth_rate, "share", tag="span")
            if r.growth_every_years > 1:
                growth += "，" if ctx.lang == "zh" else ", "
                growth += sentence(
                    ctx,
                    "rev.growth_every",
                    n=ctx.spec_fig(
                        at + ".growth_every_years", r.growth_every_years, "number", decimals=0
                    ),
                )
            ramp = (
                ctx.fmt.vector(
                    list(r.ramp_up), "share", decimals=0, **_vector_locator(ctx, at + ".ramp_up")
                )
                if r.ramp_up
                else "—"
            )
            rows.append(
                tr(
                    [
                        td(r.name),
                        td(enum_label(r.kind, ctx.lang, "revenue."), "text"),
                        '<td class="num">'
                        + input_or_spec(ctx, at + ".quantity", r.quantity, "number", tag="span")
                        + f" {esc(unit_label(str(r.quantity_unit), ctx.lang))}</td>",
                        '<td class="num">'
                        + input_or_spec(ctx, at + ".unit_price", r.unit_price, "number", tag="span")
                        + f" {esc(price_unit(r, ctx.lang))}</td>",
                        input_or_spec(ctx, at + ".utilisation", r.utilisation, "share"),
                        f'<td class="num">{growth}</td>',
                        f'<td class="num">{ramp}</td>',
                        *([td(r.price_basis or "—", "doc")] if priced else []),
                    ]
                )
            )
        out.append(
            table(
                [
                    ctx.t("col.item"),
                    ctx.t("col.section"),
                    ctx.t("rev.quantity"),
                    ctx.t("rev.price"),
                    ctx.t("rev.utilisation"),
                    ctx.t("rev.growth"),
                    ctx.t("rev.ramp"),
                    *([ctx.t("rev.price_basis")] if priced else []),
                ],
                rows,
            )
        )
    rev = d.tables["revenue_and_taxes"]
    chart = charts.revenue_chart(rev, d.years, ctx.money_unit, ctx.lang)
    if chart is not None:
        ctx.charts[chart.id] = chart
        out.append(figure(chart))
    out.append(f"<h3>{esc(ctx.t('rev.by_year'))}</h3>")
    keys = [k for k in rev.index if k == "revenue.total" or k.startswith("revenue.stream[")]
    out.append(standard_table(rev, ctx.fmt, ctx.lang, keys=keys))

    out += _cost_driver_blocks(ctx)
    cost = d.tables["total_cost"]
    out.append(f"<h3>{esc(ctx.t('cost.by_year'))}</h3>")
    keys = [
        k for k in cost.index if k in ("opex.total", "opex.safety") or k.startswith("opex.item[")
    ]
    out.append(standard_table(cost, ctx.fmt, ctx.lang, keys=keys))
    out.append(_taxes_by_year(ctx, rev))
    out.append(f"<h3>{esc(ctx.t('rev.totals'))}</h3>")
    out.append(ctx.metric_table(["total_revenue", "land_set_asides", "total_opex", "total_taxes"]))
    chart = charts.cash_flow_chart(
        d.tables["project_cash_flow"], d.tables["financial_plan"], d.years, ctx.money_unit, ctx.lang
    )
    ctx.charts[chart.id] = chart
    out.append(figure(chart))
    return "".join(out)


def _vector_locator(ctx: Ctx, path: str) -> dict[str, object]:
    inputs = ctx.data.result.inputs
    if inputs is not None and path in inputs.bases:
        return {"input": path}
    return {"spec": path}


# ------------------------------------------------------------------ special bonds


def bond_section(ctx: Ctx) -> str:
    """Coverage multiples against their floors, the annual cash test and cumulative cash."""
    d = ctx.data
    fs = d.spec.funding
    if not fs.special_bonds:
        return f'<p class="note">{esc(ctx.t("bond.none"))}</p>'
    out = [f"<h3>{esc(ctx.t('bond.multiples'))}</h3>"]
    rows = []
    keys = ["bond_coverage", "bond_coverage_with_exit", "total_debt_coverage", "residual_coverage"]
    for key in (k for k in keys if k in ctx.values):
        cells = [td(ctx.label(key)), ctx.metric(key, tag="td")]
        floor_key = FLOOR_KEYS.get(key)
        if floor_key is not None:
            floor = float(getattr(fs.covenants, floor_key))
            cells.append(ctx.spec_fig(f"funding.covenants.{floor_key}", floor, "ratio", tag="td"))
            ok = ctx.value(key) >= floor
            cells.append(
                f'<td class="{"ok" if ok else "bad"}">{esc(ctx.t("pass" if ok else "fail"))}</td>'
            )
        else:
            cells += ["<td></td>", "<td></td>"]
        rows.append(tr(cells))
    out.append(
        table(
            [ctx.t("col.metric"), ctx.t("col.value"), ctx.t("bond.floor"), ctx.t("col.status")],
            rows,
        )
    )
    out.append(f'<p class="note">{esc(ctx.t("bond.note"))}</p>')
    out.append(f"<h3>{esc(ctx.t('bond.annual'))}</h3>")
    keys = ["min_annual_cash_coverage", "min_cumulative_cash", "escrow_deposit"]
    out.append(ctx.metric_table([k for k in keys if k in ctx.values]))
    out.append(standard_table(d.tables["bond_balance"], ctx.fmt, ctx.lang))
    note = _cumulative_note(ctx)
    if note:
        out.append(f'<p class="note">{note}</p>')
    return "".join(out)


def _cumulative_note(ctx: Ctx) -> str:
    """What a negative 累计资金结余（偿债准备） in the bond table means: funded by the financing
    plan when the plan's cumulative cash that year is not negative, a gap otherwise ('' when
    the row never falls below zero)."""
    year, value, fig = lowest(ctx, "bond_balance", "surplus.cumulative")
    if value >= -1e-9:
        return ""
    plan = ctx.data.tables["financial_plan"].loc["cash.cumulative_surplus", year]
    cash = float(cast(float, plan))
    held = ctx.fmt.fig(
        cash, "money", table="financial_plan", key="cash.cumulative_surplus", col=year
    )
    key = "bond.cum_funded" if cash >= -1e-9 else "bond.cum_gap"
    return sentence(ctx, key, year=esc(year), value=fig, plan=held)


# ------------------------------------------------------------------------ bank view


def bank_section(ctx: Ctx) -> str:
    """DSCR, ICR and LLCR by year, minimums against covenants, debt profiles."""
    d = ctx.data
    cov = d.spec.funding.covenants
    out = [f"<h3>{esc(ctx.t('bank.ratios'))}</h3>"]
    debt = d.tables["debt_service"]
    out.append(
        standard_table(debt, ctx.fmt, ctx.lang, keys=["dscr", "loan_dscr", "icr"], total=False)
    )
    if d.spec.funding.loans:
        blocks = [list(range(i, min(i + 12, len(d.years)))) for i in range(0, len(d.years), 12)]
        for idx in blocks:
            rows = [
                tr(
                    [td(ctx.t("bank.llcr"))]
                    + [
                        ctx.fmt.fig(
                            float(d.llcr[i]), "ratio", tag="td", calc="llcr", col=d.years[i]
                        )
                        for i in idx
                    ]
                )
            ]
            out.append(table([ctx.t("col.item"), *(d.years[i] for i in idx)], rows))
    else:
        out.append(f'<p class="note">{esc(ctx.t("bank.none"))}</p>')
    floors = [
        (
            ctx.t("bank.covenants") + " DSCR",
            ctx.spec_fig("funding.covenants.min_dscr", cov.min_dscr, "ratio", tag="td"),
        ),
        (
            ctx.t("bank.covenants") + " ICR",
            ctx.spec_fig("funding.covenants.min_icr", cov.min_icr, "ratio", tag="td"),
        ),
        (
            ctx.t("bank.covenants") + " LLCR",
            ctx.spec_fig("funding.covenants.min_llcr", cov.llcr_floor, "ratio", tag="td"),
        ),
    ]
    out.append(
        ctx.metric_table(
            ["min_dscr", "avg_dscr", "min_loan_dscr", "min_icr", "min_llcr", "plcr"], floors
        )
    )
    out.append(f'<p class="note">{esc(ctx.t("bank.norms"))}</p>')
    floor_values = {"min_dscr": cov.min_dscr, "min_bond_coverage": cov.min_bond_coverage}
    chart = charts.coverage_chart(
        debt, d.tables["bond_balance"], d.llcr, d.years, floor_values, ctx.lang
    )
    if chart is not None:
        ctx.charts[chart.id] = chart
        out.append(figure(chart))
    out.append(f"<h3>{esc(ctx.t('bank.profile'))}</h3>")
    chart = charts.debt_chart(debt, d.years, ctx.money_unit, ctx.lang)
    if chart is not None:
        ctx.charts[chart.id] = chart
        out.append(figure(chart))
    keys = [k for k in debt.index if k.startswith("total")]
    out.append(standard_table(debt, ctx.fmt, ctx.lang, keys=keys))
    return "".join(out)


# -------------------------------------------------------------------- investor view


FUND_LINES = (
    "fund.contribution",
    "fund.senior_return",
    "fund.senior_capital",
    "fund.junior_return",
    "fund.junior_capital",
    "fund.upside",
    "fund.paid",
)
"""Ledger lines of the fund waterfall shown by year."""


def _reinvestment_convention(ctx: Ctx) -> list[str]:
    """The sentence naming how the equity IRR treats reinvested recovered REIT money, with
    the figure under the other treatment, where there is any."""
    rx = ctx.data.spec.funding.reit_exit
    if rx is None or "equity_irr_other_convention" not in ctx.values:
        return []
    key = "inv.reinvest_counted" if rx.reinvestment_counts_as_return else "inv.reinvest_excluded"
    text = sentence(
        ctx, key, irr=ctx.metric("equity_irr"), other=ctx.metric("equity_irr_other_convention")
    )
    return [f'<p class="note">{text}</p>']


def party_label(party: str, fund: str | None, lang: Lang) -> str:
    """A party's name in ``lang``: a fund tier's Chinese suffix (``FUND_TIERS``) as its
    English name (``省城市更新基金 senior tranche``); other parties as the spec names them.

    Parameters
    ----------
    party : str
        The party's name in the metrics (``party_irr[…]``).
    fund : str, optional
        The fund's name, when the spec has one.
    lang : {"zh", "en"}
        Report language.
    """
    for zh, en in FUND_TIERS.values():
        if lang == "en" and fund is not None and party == fund + zh:
            return f"{fund} {en}"
    return party


def investor_section(ctx: Ctx) -> str:
    """Project and equity returns, each party's IRR and MOIC, the fund waterfall and the
    REIT exit."""
    d = ctx.data
    fs = d.spec.funding
    out = [
        f"<h3>{esc(ctx.t('inv.returns'))}</h3>",
        ctx.metric_table([*PROJECT_RETURNS, *EQUITY_RETURNS]),
        *_reinvestment_convention(ctx),
    ]
    parties = [k[len("party_irr[") : -1] for k in ctx.values if k.startswith("party_irr[")]
    if parties:
        rows = [
            tr(
                [
                    td(party_label(p, fs.fund.name if fs.fund else None, ctx.lang)),
                    ctx.metric(f"party_irr[{p}]", tag="td"),
                    ctx.metric(f"party_moic[{p}]", tag="td"),
                ]
            )
            for p in parties
        ]
        out.append(f"<h3>{esc(ctx.t('inv.parties'))}</h3>")
        out.append(table([ctx.t("inv.party"), "IRR", "MOIC"], rows))
    out.append(f"<h3>{esc(ctx.t('inv.fund'))}</h3>")
    if fs.fund is not None:
        f = fs.fund
        out.append(
            "<p>"
            + sentence(
                ctx,
                "inv.fund_terms",
                senior=ctx.spec_fig("funding.fund.senior_share", f.senior_share, "share"),
                junior=ctx.fmt.fig(1.0 - f.senior_share, "share", calc="fund_junior_share"),
                sr=ctx.spec_fig("funding.fund.senior_return", f.senior_return, "rate"),
                jr=ctx.spec_fig("funding.fund.junior_return", f.junior_return, "rate"),
                term=ctx.spec_fig("funding.fund.term_years", f.term_years, "number", decimals=0),
            )
            + "</p>"
        )
        led = d.result.ledger
        lines = [i for i in FUND_LINES if i in led]
        for start in range(0, len(d.years), 12):
            cols = list(range(start, min(start + 12, len(d.years))))
            rows = []
            for id in lines:
                item = led.item(id)
                by_year = ledger_by_year(ctx, id)
                rows.append(
                    tr(
                        [td(ctx.pick(item.zh, item.en))]
                        + [
                            ctx.fmt.fig(
                                float(by_year[i]),
                                "money",
                                tag="td",
                                unit=False,
                                ledger=id,
                                col=d.years[i],
                            )
                            for i in cols
                        ]
                    )
                )
            out.append(
                table(
                    [ctx.t("col.item"), *(d.years[i] for i in cols)],
                    rows,
                    unit=ctx.t("money_unit", unit=ctx.money_unit) if start == 0 else "",
                )
            )
    else:
        out.append(f'<p class="note">{esc(ctx.t("inv.fund_none"))}</p>')
    out.append(f"<h3>{esc(ctx.t('inv.reit'))}</h3>")
    if fs.reit_exit is not None:
        out.append(
            ctx.metric_table(
                [
                    "reit_exit_value",
                    "reit_distribution_yield",
                    "reit_asset_irr",
                    "reit_operating_years",
                    "reit_size_yi_yuan",
                    "reit_eligible",
                    *(k for k in ("reit_retained_units", "reit_reinvested") if k in ctx.values),
                ]
            )
        )
        check = next((c for c in d.checks if c.id == "reit_eligible"), None)
        if check is not None:
            ok = bool(check.passed[0])
            text = ctx.t("inv.reit_ok") if ok else check.message(0)
            out.append(f'<p class="{"ok" if ok else "bad"}">{esc(text)}</p>')
    else:
        out.append(f'<p class="note">{esc(ctx.t("inv.reit_none"))}</p>')
    return "".join(out)


__all__ = [
    "bank_section",
    "bond_section",
    "indicator_table",
    "investment_section",
    "investor_section",
    "overview_section",
    "revenue_section",
]
