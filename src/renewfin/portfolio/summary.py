"""Readable summary and JSON document of a portfolio simulation."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from renewfin.portfolio.run import PortfolioResult
from renewfin.portfolio.spec import PortfolioSpec


def format_portfolio(portfolio: PortfolioSpec, res: PortfolioResult, scheduler: str) -> str:
    """Totals, breach counts, per-project summaries and the cross-project correlation."""
    lines = [
        f"{portfolio.name}: {len(res.keys)} projects × {res.n:,} scenarios (scheduler {scheduler})",
        "\n组合合计 Portfolio totals [万元]",
        res.totals_summary()[["mean", "std", "p5", "p50", "p95"]].round(1).to_string(),
    ]
    if res.thresholds:
        lines += ["\n违约项目数 Projects breaching", res.breach_summary().round(3).to_string()]
    if res.bond_capital is not None:
        bc = res.bond_capital
        verdict = "within" if bc.within_cap else "EXCEEDS"
        lines += [
            f"\n专项债用作资本金 Special bonds as project capital [万元] (国办发〔2024〕52号: "
            f"at most {bc.cap:.0%} of the portfolio's bonds; {verdict} the cap)",
            bc.table.round(4).to_string(),
        ]
    lines += [
        "\n项目 Projects",
        res.projects.round(4).to_string(),
        f"\n项目间相关性 Correlation across projects ({portfolio.correlation_metric})",
        res.correlation.round(3).to_string(),
    ]
    return "\n".join(lines)


def _plain(df: pd.DataFrame) -> Any:
    return json.loads(df.to_json(force_ascii=False))


def portfolio_document(portfolio: PortfolioSpec, res: PortfolioResult) -> dict[str, Any]:
    """A JSON-ready document of a portfolio simulation (NaN becomes null)."""
    return {
        "portfolio": portfolio.name,
        "n": res.n,
        "projects": res.keys,
        "totals": _plain(res.totals_summary()),
        "breaches": _plain(res.breach_summary()) if res.thresholds else {},
        "per_project": _plain(res.projects),
        "correlation": _plain(res.correlation),
        "bond_capital": (
            {
                "cap": res.bond_capital.cap,
                "ratio": res.bond_capital.ratio,
                "within_cap": res.bond_capital.within_cap,
                "per_project": _plain(res.bond_capital.table),
            }
            if res.bond_capital is not None
            else None
        ),
    }
