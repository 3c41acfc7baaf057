"""Short text and HTML summaries of a run and of a simulation, for the REPL and notebooks
(``repr(result)``, Jupyter's ``_repr_html_``): a few lines, never the whole ledger.

Every piece of user text (project and scenario names) is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import numpy as np

from renewfin.metrics import metric_info

if TYPE_CHECKING:
    from renewfin.engine import Result
    from renewfin.simulation import Simulation

HEADLINE = (
    "total_investment",
    "project_irr_after_tax",
    "project_npv",
    "equity_irr",
    "bond_coverage",
    "total_debt_coverage",
    "min_dscr",
    "min_cumulative_cash",
)
"""Metrics shown when the run has them."""

_SHORT = 3
"""Headline metrics in the one-line repr."""


def _fmt(value: float, unit: str, money: str) -> str:
    from renewfin.summary import format_value

    return format_value(float(value), unit, money)


def _headline(values: dict[str, np.ndarray]) -> list[str]:
    return [k for k in HEADLINE if k in values]


def _periods(result: Result) -> str:
    tl = result.timeline
    return f"{tl.n_periods} {tl.periodicity.value} periods from {tl.start.date()}"


def result_repr(result: Result) -> str:
    """``<renewfin.Result 'name': S=1, 22 annual periods from 2026-01-01, 130 line items,
    35 metrics; project_irr_after_tax=-7.01%, …>`` (scenario 0, or the mean when S > 1)."""
    money = result.spec.project.money_unit.value
    s = result.n_scenarios
    stat = (
        (lambda v: v[0])
        if s == 1
        else (lambda v: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan)
    )
    shown = ", ".join(
        f"{k}={_fmt(stat(result.values[k]), metric_info(k).unit, money)}"
        for k in _headline(result.values)[:_SHORT]
    )
    mean = " (means)" if s > 1 else ""
    return (
        f"<renewfin.Result {result.spec.project.name!r}: S={s}, {_periods(result)}, "
        f"{len(result.ledger)} line items, {len(result.values)} metrics; "
        f"{shown}{mean}>"
    )


def _table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def result_html(result: Result) -> str:
    """A heading and a table of the headline metrics (each scenario's when S <= 5, else
    mean, P5, P50, P95)."""
    money = result.spec.project.money_unit.value
    s = result.n_scenarios
    keys = _headline(result.values)
    if s <= 5:
        head = ["指标", "metric", *(f"scenario {j}" for j in range(s))]
        cols = [[result.values[k][j] for j in range(s)] for k in keys]
    else:
        head = ["指标", "metric", "mean", "P5", "P50", "P95"]
        cols = [
            [float(np.nanmean(v)), *np.nanpercentile(v, [5, 50, 95])]
            if np.isfinite(v).any()
            else [math.nan] * 4
            for v in (result.values[k] for k in keys)
        ]
    rows = [
        [metric_info(k).zh, metric_info(k).en, *(_fmt(x, metric_info(k).unit, money) for x in c)]
        for k, c in zip(keys, cols, strict=True)
    ]
    title = html.escape(result.spec.project.name)
    return (
        f"<div><strong>renewfin.Result</strong> · {title} · S={s} · "
        f"{html.escape(_periods(result))} · {len(result.ledger)} line items · "
        f"{len(result.values)} metrics{_table(head, rows)}</div>"
    )


def simulation_repr(sim: Simulation) -> str:
    """``<renewfin.Simulation 'project' — 'scenario': n=10,000, seed …, 8 inputs;
    P(bond_coverage < 1.1)=23.10%, …>``."""
    breaches = sim.breaches()
    shown = ", ".join(f"P({r['threshold']})={r['p']:.2%}" for _, r in breaches.head(2).iterrows())
    tail = f"; {shown}" if shown else ""
    return (
        f"<renewfin.Simulation {sim.spec.project.name!r} — {sim.scenario.name!r}: "
        f"n={sim.n:,}, seed {sim.seed}, {len(sim.inputs)} inputs, "
        f"{len(sim.metrics.columns)} metrics{tail}>"
    )


def simulation_html(sim: Simulation) -> str:
    """A heading, the headline metrics' mean and percentiles, and the breach table."""
    money = sim.spec.project.money_unit.value
    keys = [k for k in HEADLINE if k in sim.metrics]
    stats = sim.summary(keys)[["mean", "p5", "p50", "p95"]].to_numpy(dtype=float)
    rows = [
        [
            metric_info(k).zh,
            metric_info(k).en,
            *(_fmt(x, metric_info(k).unit, money) for x in stats[i]),
        ]
        for i, k in enumerate(keys)
    ]
    parts = [_table(["指标", "metric", "mean", "P5", "P50", "P95"], rows)]
    breaches = sim.breaches()
    if len(breaches):
        parts.append(
            _table(
                ["threshold", "P(breach)", "± s.e."],
                [
                    [str(r["label"]), f"{r['p']:.2%}", f"{r['se']:.2%}"]
                    for _, r in breaches.iterrows()
                ],
            )
        )
    title = f"{html.escape(sim.spec.project.name)} — {html.escape(sim.scenario.name)}"
    return (
        f"<div><strong>renewfin.Simulation</strong> · {title} · n={sim.n:,} · "
        f"seed {sim.seed} · {len(sim.inputs)} inputs{''.join(parts)}</div>"
    )
