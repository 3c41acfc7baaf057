"""The analytical sections of the report: sensitivity, risk (Monte Carlo), checks and
qualifications, and the appendix of standard tables."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from renewfin import __version__
from renewfin.metrics import metric_info
from renewfin.report import charts
from renewfin.report.context import Ctx, sentence
from renewfin.report.html import esc, figure, indicator_table, standard_table, table, td, tr
from renewfin.report.i18n import distribution_text, enum_label, threshold_text
from renewfin.report.responses import responses_block
from renewfin.tables import TABLES

if TYPE_CHECKING:
    from renewfin.simulation import Simulation
    from renewfin.spec.scenario import ScenarioSpec

SUMMARY_STATS = ("mean", "std", "p5", "p10", "p50", "p90", "p95")
"""Statistics of the simulated metrics shown."""

MAX_RISK_METRICS = 8
"""Metrics in the risk summary table."""


def _labels(ctx: Ctx, keys: list[str]) -> dict[str, tuple[str, str]]:
    return {k: (ctx.label(k), metric_info(k).unit) for k in keys}


# ------------------------------------------------------------------------ sensitivity


def sensitivity_section(ctx: Ctx) -> str:
    """The ±5 %/±10 % table with 敏感度系数, the 临界点 table, tornado and spider."""
    d = ctx.data
    ev = d.evaluation
    metrics = [c for c in ev.columns if c not in ("factor", "factor_en", "change", "saf")]
    out = [f"<h3>{esc(ctx.t('sens.table'))}</h3>"]
    rows = []
    for i, r in ev.iterrows():
        name = r["factor"] if ctx.lang == "zh" else (r["factor_en"] or r["factor"])
        cells = [
            td(name),
            ctx.fmt.fig(
                r["change"], "share", tag="td", decimals=0, sens="evaluation", row=i, col="change"
            ),
        ]
        cells += [
            ctx.fmt.fig(r[m], ctx.kind(m), tag="td", sens="evaluation", row=i, col=m)
            for m in metrics
        ]
        cells.append(ctx.fmt.fig(r["saf"], "number", tag="td", sens="evaluation", row=i, col="saf"))
        rows.append(tr(cells, "total" if i == 0 else ""))
    out.append(
        table(
            [
                ctx.t("sens.factor"),
                ctx.t("sens.change"),
                *(ctx.label(m) for m in metrics),
                ctx.t("sens.saf"),
            ],
            rows,
        )
    )
    out.append(f'<p class="note">{esc(ctx.t("sens.saf_note", metric=ctx.label(metrics[0])))}</p>')

    out += _switching_blocks(ctx)
    out += _tornado_and_spider_blocks(ctx)
    return "".join(out)


def _switching_blocks(ctx: Ctx) -> list[str]:
    """The switching values (临界点) of the standard factors (HTML blocks; none when none
    was computed)."""
    out: list[str] = []
    d = ctx.data
    sw = d.switching
    if len(sw):
        out.append(f"<h3>{esc(ctx.t('sens.switching'))}</h3>")
        rows = []
        for i, r in sw.iterrows():
            kind = ctx.kind(str(r["metric"]))
            status = str(r["status"])
            rows.append(
                tr(
                    [
                        td(_switching_threshold(ctx, r["threshold_label"], r)),
                        td(_factor_name(ctx, str(r["factor"]))),
                        ctx.fmt.fig(
                            r["threshold"], kind, tag="td", sens="switching", row=i, col="threshold"
                        ),
                        ctx.fmt.fig(r["base"], kind, tag="td", sens="switching", row=i, col="base"),
                        ctx.fmt.fig(
                            r["change"], "share", tag="td", sens="switching", row=i, col="change"
                        ),
                        td(
                            ctx.t(f"status.{status}") if f"status.{status}" in _STATUS else status,
                            "text",
                        ),
                    ]
                )
            )
        out.append(
            table(
                [
                    ctx.t("sens.threshold"),
                    ctx.t("sens.factor"),
                    ctx.t("bond.floor"),
                    ctx.t("ch.base"),
                    ctx.t("sens.critical"),
                    ctx.t("sens.status"),
                ],
                rows,
            )
        )

    return out


def _tornado_and_spider_blocks(ctx: Ctx) -> list[str]:
    """The tornado chart and table of the factors' swings, and the spider chart (HTML
    blocks)."""
    out: list[str] = []
    d = ctx.data
    tor = d.tornado
    title = ctx.t("sens.tornado_scenario" if d.tornado_from_scenario else "sens.tornado_standard")
    out.append(f"<h3>{esc(title)}</h3>")
    keys = list(dict.fromkeys(tor["metric"])) if len(tor) else []
    low = ctx.t("sens.low") if d.tornado_from_scenario else "−10%"
    high = ctx.t("sens.high") if d.tornado_from_scenario else "+10%"
    chart = (
        charts.tornado_chart(tor, _labels(ctx, keys), ctx.lang, title, low, high) if keys else None
    )
    if chart is not None:
        ctx.charts[chart.id] = chart
        out.append(figure(chart))
    rows = []
    for i, r in tor.iterrows():
        kind = ctx.kind(str(r["metric"]))
        rows.append(
            tr(
                [
                    td(r["input"]),
                    td(ctx.label(str(r["metric"]))),
                    *(
                        ctx.fmt.fig(r[c], kind, tag="td", sens="tornado", row=i, col=c)
                        for c in ("base", "low_value", "high_value", "swing")
                    ),
                ]
            )
        )
    if rows:
        out.append(
            table(
                [
                    ctx.t("sens.input"),
                    ctx.t("col.metric"),
                    ctx.t("ch.base"),
                    low,
                    high,
                    ctx.t("sens.swing"),
                ],
                rows,
            )
        )
    spider_keys = list(dict.fromkeys(d.spider["metric"])) if len(d.spider) else []
    chart = (
        charts.spider_chart(d.spider, _labels(ctx, spider_keys), ctx.lang) if spider_keys else None
    )
    if chart is not None:
        ctx.charts[chart.id] = chart
        out.append(f"<h3>{esc(ctx.t('sens.spider'))}</h3>")
        out.append(figure(chart))
    return out


_STATUS = {
    f"status.{s}"
    for s in (
        "found",
        "breached at base",
        "at the threshold at base",
        "not reached within the search range",
        "metric undefined at base",
        "crosses where the metric is undefined",
        "metric undefined inside the bracket",
    )
}


# ------------------------------------------------------------------------------ risk


def risk_metrics(ctx: Ctx) -> list[str]:
    """Metrics the risk section shows: the scenario's sensitivity metrics, then those its
    thresholds test, then the headline ones; only those with a defined simulated value."""
    sim = ctx.data.simulation
    assert sim is not None
    keys = [
        *sim.scenario.sensitivity.metrics,
        *(th.metric for th in sim.scenario.thresholds),
        "project_irr_after_tax",
        "equity_irr",
        "bond_coverage",
        "min_dscr",
        "min_cumulative_cash",
    ]
    out = []
    for k in dict.fromkeys(keys):
        if (
            k in sim.metrics
            and metric_info(k).unit != "flag"
            and np.isfinite(sim.metrics[k].to_numpy(float)).any()
        ):
            out.append(k)
    return out[:MAX_RISK_METRICS]


def risk_section(ctx: Ctx) -> str:
    """Distributions, breach probabilities with standard errors, the fan chart of
    cumulative cash and the stress cases; a note when there is no scenario."""
    d = ctx.data
    sim = d.simulation
    if sim is None or d.scenario is None:
        return f'<p class="note">{esc(ctx.t("risk.none"))}</p>'
    sc = d.scenario
    out = [
        "<p>"
        + sentence(
            ctx,
            "risk.intro",
            name=esc(sc.name),
            n=ctx.fmt.fig(sim.n, "number", decimals=0, calc="sim_n"),
            sampler=esc(enum_label(sc.sampler, ctx.lang)),
            seed=esc(sim.seed),
        )
        + "</p>"
    ]
    out += _risk_inputs(ctx, sc)
    keys = risk_metrics(ctx)
    out += _risk_summary(ctx, sim, sc, keys)
    out += _risk_breaches(ctx, sim, sc)
    out += _risk_fan(ctx)
    out += _risk_stress(ctx, keys)
    out.append(responses_block(ctx))
    return "".join(out)


def _risk_inputs(ctx: Ctx, sc: ScenarioSpec) -> list[str]:
    """The uncertain inputs of scenario ``sc``: each one's distribution, how it applies and
    its basis (HTML blocks)."""
    out: list[str] = []
    out.append(f"<h3>{esc(ctx.t('risk.inputs'))}</h3>")
    rows = []
    for inp in sc.inputs:
        dist = inp.distribution.model_dump(exclude_none=True)
        dist_text = distribution_text(dist, str(inp.apply.value), ctx.lang)
        rows.append(
            tr(
                [
                    td(inp.name),
                    *([] if ctx.lang == "zh" else [td(inp.path, "text")]),
                    td(dist_text, "text"),
                    td(enum_label(inp.apply, ctx.lang), "text"),
                    td(inp.basis or "", "doc"),
                ]
            )
        )
    out.append(
        table(
            [
                ctx.t("sens.input"),
                *([] if ctx.lang == "zh" else [ctx.t("col.path")]),
                ctx.t("risk.distribution"),
                ctx.t("risk.apply"),
                ctx.t("risk.basis"),
            ],
            rows,
        )
    )

    return out


def _risk_summary(ctx: Ctx, sim: Simulation, sc: ScenarioSpec, keys: list[str]) -> list[str]:
    """The summary statistics of the risk metrics ``keys`` and their histograms, with the
    scenario's thresholds (HTML blocks)."""
    out: list[str] = []
    summary = sim.summary(keys)
    out.append(f"<h3>{esc(ctx.t('risk.summary'))}</h3>")
    stat_names = {"mean": ctx.t("risk.mean"), "std": ctx.t("risk.std")}
    rows = []
    for k in keys:
        kind = ctx.kind(k)
        rows.append(
            tr(
                [td(ctx.label(k)), ctx.metric(k, tag="td")]
                + [
                    ctx.fmt.fig(
                        float(cast(float, summary.loc[k, s])), kind, tag="td", sim=k, stat=s
                    )
                    for s in SUMMARY_STATS
                ]
            )
        )
    out.append(
        table(
            [
                ctx.t("col.metric"),
                ctx.t("ch.base"),
                *(stat_names.get(s, s.upper()) for s in SUMMARY_STATS),
            ],
            rows,
        )
    )
    thresholds: dict[str, list[float]] = {}
    for th in sc.thresholds:
        thresholds.setdefault(th.metric, []).append(th.value)
    chart = charts.histogram_chart(
        {k: sim.metrics[k].to_numpy(float) for k in keys},
        {k: ctx.value(k) for k in keys},
        thresholds,
        _labels(ctx, keys),
        ctx.lang,
    )
    if chart is not None:
        ctx.charts[chart.id] = chart
        out.append(figure(chart))

    return out


def _risk_breaches(ctx: Ctx, sim: Simulation, sc: ScenarioSpec) -> list[str]:
    """The probability of each threshold's breach with its standard error (HTML blocks;
    none without thresholds)."""
    out: list[str] = []
    if sc.thresholds:
        out.append(f"<h3>{esc(ctx.t('risk.breaches'))}</h3>")
        br = sim.breaches()
        rows = []
        for j, (i, r) in enumerate(br.iterrows()):
            rows.append(
                tr(
                    [
                        td(ctx.breach_label(j)),
                        td(ctx.threshold_text(j), "text"),
                        ctx.fmt.fig(r["p"], "share", tag="td", breach=i, stat="p"),
                        ctx.fmt.fig(r["se"], "share", tag="td", breach=i, stat="se"),
                        ctx.fmt.fig(
                            r["n_breach"], "number", tag="td", decimals=0, breach=i, stat="n_breach"
                        ),
                        ctx.fmt.fig(
                            r["n_nan"], "number", tag="td", decimals=0, breach=i, stat="n_nan"
                        ),
                    ]
                )
            )
        out.append(
            table(
                [
                    ctx.t("sens.threshold"),
                    "",
                    ctx.t("risk.p"),
                    ctx.t("risk.se"),
                    ctx.t("risk.n_breach"),
                    ctx.t("risk.n_nan"),
                ],
                rows,
            )
        )

    return out


def _risk_fan(ctx: Ctx) -> list[str]:
    """The fan chart of cumulative cash and its P5/P50/P95 table by year (HTML blocks; none
    without the fan)."""
    out: list[str] = []
    d = ctx.data
    fan = d.fan
    if fan is not None and fan.bands.size:
        out.append(f"<h3>{esc(ctx.t('risk.fan'))}</h3>")
        plan = d.tables["financial_plan"]
        base = plan.loc["cash.cumulative_surplus", fan.years].to_numpy(float)
        chart = charts.fan_chart(
            fan.years, fan.percentiles, fan.bands, base, ctx.money_unit, ctx.lang
        )
        ctx.charts[chart.id] = chart
        out.append(figure(chart))
        shown = [q for q in (5, 50, 95) if q in fan.percentiles]
        for start in range(0, len(fan.years), 12):
            cols = list(range(start, min(start + 12, len(fan.years))))
            rows = [
                tr(
                    [td(ctx.t("ch.base"))]
                    + [
                        ctx.fmt.fig(
                            float(base[j]),
                            "money",
                            tag="td",
                            unit=False,
                            table="financial_plan",
                            key="cash.cumulative_surplus",
                            col=fan.years[j],
                        )
                        for j in cols
                    ]
                )
            ]
            for q in shown:
                row = fan.bands[fan.percentiles.index(q)]
                rows.append(
                    tr(
                        [td(f"P{q}")]
                        + [
                            ctx.fmt.fig(
                                float(row[j]),
                                "money",
                                tag="td",
                                unit=False,
                                fan=f"p{q}",
                                col=fan.years[j],
                            )
                            for j in cols
                        ]
                    )
                )
            out.append(
                table(
                    [ctx.t("col.item"), *(fan.years[j] for j in cols)],
                    rows,
                    unit=ctx.t("money_unit", unit=ctx.money_unit) if start == 0 else "",
                )
            )
    return out


def _risk_stress(ctx: Ctx, keys: list[str]) -> list[str]:
    """The stress cases' risk metrics ``keys`` (HTML blocks; none without stress cases)."""
    out: list[str] = []
    d = ctx.data
    if d.stress is not None and len(d.stress):
        out.append(f"<h3>{esc(ctx.t('risk.stress'))}</h3>")
        skeys = [k for k in keys if k in d.stress.columns]
        rows = []
        for i, (name, r) in enumerate(d.stress.iterrows()):
            rows.append(
                tr(
                    [td(ctx.t("ch.base") if i == 0 else name)]  # row 0: 基准 Base
                    + [
                        ctx.fmt.fig(float(r[k]), ctx.kind(k), tag="td", stress=i, col=k)
                        for k in skeys
                    ]
                )
            )
        out.append(table([ctx.t("risk.case"), *(ctx.label(k) for k in skeys)], rows))
    return out


def _factor_name(ctx: Ctx, factor: str) -> str:
    """A sensitivity factor (its Chinese name, as the switching table holds it) in the
    report's language, from the evaluation table's ``factor_en``."""
    if ctx.lang == "zh":
        return factor
    ev = ctx.data.evaluation
    en = ev.loc[ev["factor"] == factor, "factor_en"]
    return str(en.iloc[0]) if len(en) and en.iloc[0] else factor


def _switching_threshold(ctx: Ctx, label: object, row: object) -> str:
    """The threshold of a switching-table row: its label in Chinese, else the metric and
    bound in words (``Project IRR (after tax) below 0.05``)."""
    if ctx.lang == "zh":
        return str(label)
    r = cast("dict[str, object]", row)
    value = r["threshold"]
    assert isinstance(value, int | float)
    return threshold_text(ctx.label(str(r["metric"])), str(r["op"]), float(value), ctx.lang)


# ---------------------------------------------------------------------------- checks


def checks_section(ctx: Ctx) -> str:
    """Every check with its result, the diagnostics, the solved values and known limits."""
    d = ctx.data
    rows = []
    for c in d.checks:
        ok = bool(c.passed[0])
        rows.append(
            tr(
                [
                    td(ctx.pick(c.zh, c.en)),
                    f'<td class="{"ok" if ok else "bad"}">'
                    f"{esc(ctx.t('pass' if ok else 'fail'))}</td>",
                    td("" if ok else c.message(0), "doc"),
                ]
            )
        )
    out = [
        f"<h3>{esc(ctx.t('chk.checks'))}</h3>",
        table([ctx.t("col.item"), ctx.t("col.status"), ctx.t("col.message")], rows),
    ]
    out.append(f"<h3>{esc(ctx.t('chk.diagnostics'))}</h3>")
    if d.result.diagnostics:
        out.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in d.result.diagnostics) + "</ul>")
    else:
        out.append(f"<p>{esc(ctx.t('chk.diag_none'))}</p>")
    sizing = d.result.sizing
    if sizing is not None:
        out.append(f"<h3>{esc(ctx.t('chk.solved'))}</h3>")
        extra = [
            (
                ctx.t("chk.iterations"),
                ctx.fmt.fig(
                    sizing.iterations, "number", tag="td", decimals=0, calc="sizing_iterations"
                ),
            ),
            (ctx.t("chk.residual"), f'<td class="num">{esc(f"{sizing.residual:.2e}")}</td>'),
        ]
        keys = [k for k in ctx.values if k.startswith("loan_size[")]
        out.append(ctx.metric_table(keys, extra))
    out.append(f"<h3>{esc(ctx.t('chk.limits'))}</h3><ul>")
    out += [f"<li>{esc(ctx.t(f'chk.limit.{i}'))}</li>" for i in range(1, 6)]
    out.append("</ul>")
    out.append(f'<p class="note">renewfin {esc(__version__)}</p>')
    return "".join(out)


# -------------------------------------------------------------------------- appendix


def appendix_section(ctx: Ctx) -> str:
    """The 13 standard tables with their indicators."""
    out = []
    for i, (key, info) in enumerate(TABLES.items(), start=1):
        df = ctx.data.tables[key]
        title = f"附表{i} {info.zh}" if ctx.lang == "zh" else f"Table A{i}. {info.en}"
        out.append(
            f'<section class="appendix-table" id="table-{esc(key)}">'
            f"<h3>{esc(title)}</h3>"
            + standard_table(df, ctx.fmt, ctx.lang)
            + indicator_table(df, ctx.fmt, ctx.lang)
            + "</section>"
        )
    return "".join(out)
