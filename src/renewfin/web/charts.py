"""The page's charts: the report's (``renewfin.report.charts``, PNG in a CJK font) as
``data:`` URIs the page shows in ``<img>`` (an image cannot run script).

matplotlib's ``rc_context`` and warning capture are process-wide, so the server draws one
chart at a time (:data:`LOCK`). A chart that cannot be drawn (no CJK font, a name with a
character no font has) is left out with a note, never an error.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from renewfin.engine import Result
    from renewfin.report.charts import ChartImage
    from renewfin.simulation import Simulation

__all__ = ["LOCK", "draw", "risk_charts", "run_charts", "sensitivity_charts"]

LOCK = threading.Lock()
"""Held while a chart is drawn."""

Charts = tuple[list[dict[str, str]], list[str]]
"""Charts (id, title, src) and notes on those left out."""


def draw(makers: list[Callable[[], ChartImage | None]]) -> Charts:
    """Call each chart maker under :data:`LOCK`; a maker that fails is noted and skipped."""
    from renewfin.report.charts import MissingGlyphError
    from renewfin.report.fonts import FontNotFoundError

    charts: list[dict[str, str]] = []
    notes: list[str] = []
    for make in makers:
        try:
            with LOCK:
                image = make()
        except (FontNotFoundError, MissingGlyphError) as exc:
            notes.append(str(exc))
            continue
        if image is not None:
            charts.append({"id": image.id, "title": image.title, "src": image.data_uri()})
    return charts, notes


def _years(tables: dict[str, pd.DataFrame]) -> list[str]:
    from renewfin.report.html import LABEL_COLUMNS

    return [str(c) for c in tables["debt_service"].columns if c not in LABEL_COLUMNS]


def run_charts(result: Result, tables: dict[str, pd.DataFrame], lang: str) -> Charts:
    """Cash flows, debt balances, and DSCR and annual coverage against their floors."""
    from renewfin.report import charts as rc
    from renewfin.report.data import llcr_by_year

    lg: Any = lang
    years = _years(tables)
    unit = result.spec.project.money_unit.value
    cov = result.spec.funding.covenants
    floors = {"min_dscr": cov.min_dscr, "min_bond_coverage": cov.min_bond_coverage}
    debt = tables["debt_service"]
    return draw(
        [
            lambda: rc.cash_flow_chart(
                tables["project_cash_flow"], tables["financial_plan"], years, unit, lg
            ),
            lambda: rc.debt_chart(debt, years, unit, lg),
            lambda: rc.coverage_chart(
                debt, tables["bond_balance"], llcr_by_year(result), years, floors, lg
            ),
        ]
    )


def labels(keys: list[str], lang: str) -> dict[str, tuple[str, str]]:
    """Metric → (label in ``lang``, unit), as the report's charts take them."""
    from renewfin.metrics import metric_info

    return {
        k: (metric_info(k).zh if lang == "zh" else metric_info(k).en, metric_info(k).unit)
        for k in keys
    }


def risk_charts(
    sim: Simulation, base: dict[str, float], tornado: pd.DataFrame | None, lang: str
) -> Charts:
    """Histograms of the simulated headline metrics (base case and thresholds marked)
    and the tornado of the scenario's inputs."""
    from renewfin.report import charts as rc
    from renewfin.summary_mc import HEADLINE

    lg: Any = lang
    keys = [k for k in HEADLINE if k in sim.metrics]
    values = {k: sim.metrics[k].to_numpy(dtype=float) for k in keys}
    thresholds: dict[str, list[float]] = {}
    for th in sim.scenario.thresholds:
        thresholds.setdefault(th.metric, []).append(float(th.value))
    makers: list[Callable[[], ChartImage | None]] = [
        lambda: rc.histogram_chart(values, base, thresholds, labels(keys, lang), lg)
    ]
    if tornado is not None and len(tornado):
        makers.append(lambda: _tornado(tornado, lang))
    return draw(makers)


def _tornado(frame: pd.DataFrame, lang: str) -> ChartImage | None:
    from renewfin.report import charts as rc

    keys = list(dict.fromkeys(frame["metric"]))
    zh = lang == "zh"
    return rc.tornado_chart(
        frame,
        labels(keys, lang),
        "zh" if zh else "en",
        "龙卷风图" if zh else "Tornado",
        "低值" if zh else "low",
        "高值" if zh else "high",
    )


def sensitivity_charts(tornado: pd.DataFrame, spider: pd.DataFrame, lang: str) -> Charts:
    """The tornado and the spider of the sensitivity analysis."""
    from renewfin.report import charts as rc

    lg: Any = lang
    keys = list(dict.fromkeys(spider["metric"])) if len(spider) else []
    return draw(
        [
            lambda: _tornado(tornado, lang) if len(tornado) else None,
            lambda: rc.spider_chart(spider, labels(keys, lang), lg) if keys else None,
        ]
    )
