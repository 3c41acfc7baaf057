"""A deterministic run as the page shows it: the headline metrics by section with their
labels and floors, the checks split into integrity and covenant tests, the standard
tables and the charts.

Labels come from the metric registry (``renewfin.metrics.metric_info``) and the checks
from ``renewfin.checks.run_checks``, so metrics and checks added there appear here
without a change. Values stay numbers (NaN as null); the page formats them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from renewfin.metrics import metric_info
from renewfin.summary import SECTIONS, json_document

if TYPE_CHECKING:
    from renewfin.checks import Check
    from renewfin.engine import Result

__all__ = [
    "FLOORS",
    "INTEGRITY_CHECKS",
    "check_group",
    "checks_view",
    "metric_view",
    "run_view",
    "sections_view",
    "table_view",
]

FLOORS = {
    "bond_coverage": "min_bond_coverage",
    "total_debt_coverage": "min_total_coverage",
    "min_loan_dscr": "min_dscr",
    "min_llcr": "llcr_floor",
    "min_dscr_cn": "min_dscr_cn",
    "min_icr": "min_icr",
}
"""Metric → the attribute of ``funding.covenants`` that sets its floor, as the covenant
tests of ``renewfin.checks`` pair them (the bank DSCR floor ``min_dscr`` is tested on the
loan DSCR after special-bond service, the LLCR on ``llcr_floor``, the DSCR floor when
``min_llcr`` is not given); an attribute the spec no longer has is skipped."""

INTEGRITY_CHECKS = frozenset({"sources_uses", "balance_sheet", "funding_converged"})
"""Checks that say the model is broken (DESIGN §6), for checks that do not say their kind
themselves (a ``kind`` attribute of ``integrity`` or ``covenant``)."""

LABEL_COLUMNS = ("序号", "项目", "Item")
"""Columns of a standard table that label its rows."""


def number(value: Any) -> float | None:
    """A finite float, or None."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def metric_view(result: Result, key: str) -> dict[str, Any]:
    """One metric: key, labels, unit, value and, where a covenant sets one, its floor."""
    info = metric_info(key)
    out: dict[str, Any] = {
        "key": key,
        "zh": info.zh,
        "en": info.en,
        "unit": info.unit,
        "value": number(result.metric(key)),
    }
    floor_field = FLOORS.get(key)
    floor = getattr(result.spec.funding.covenants, floor_field or "", None)
    if floor is not None:
        out["floor"] = float(floor)
        out["ok"] = None if out["value"] is None else out["value"] >= floor - 1e-12
    return out


def sections_view(result: Result) -> list[dict[str, Any]]:
    """The summary's sections (``renewfin.summary.SECTIONS``), per-party and per-loan
    metrics in theirs, and every other metric of the run under 其他 Other."""
    keys = list(result.values)
    listed: set[str] = set()
    out = []
    for title, section_keys in SECTIONS:
        zh, _, en = title.partition(" ")
        present = [k for k in section_keys if k in result.values]
        if en.startswith("Returns"):
            present += [k for k in keys if k.startswith(("party_irr[", "party_moic["))]
        if en.startswith("Investment"):
            present += [k for k in keys if k.startswith("loan_size[")]
        if en.startswith("REIT") and result.spec.funding.reit_exit is None:
            listed.update(present)
            continue
        listed.update(present)
        out.append({"zh": zh, "en": en, "metrics": [metric_view(result, k) for k in present]})
    rest = [k for k in keys if k not in listed]
    if rest:
        out.append({"zh": "其他", "en": "Other", "metrics": [metric_view(result, k) for k in rest]})
    return [s for s in out if s["metrics"]]


def check_group(check: Check) -> str:
    """``integrity`` or ``covenant``: the check's own ``kind`` when it has one, else by
    :data:`INTEGRITY_CHECKS`."""
    kind = str(getattr(check, "kind", "") or "")
    if kind:
        return "integrity" if "integrity" in kind.lower() else "covenant"
    return "integrity" if check.id in INTEGRITY_CHECKS else "covenant"


def checks_view(checks: list[Check]) -> dict[str, list[dict[str, Any]]]:
    """The checks of scenario 0, integrity apart from covenant and policy tests."""
    out: dict[str, list[dict[str, Any]]] = {"integrity": [], "covenant": []}
    for c in checks:
        out[check_group(c)].append(
            {
                "id": c.id,
                "zh": c.zh,
                "en": c.en,
                "passed": bool(c.passed[0]),
                "message": c.message(0),
            }
        )
    return out


def table_view(df: pd.DataFrame) -> dict[str, Any]:
    """A standard table: title, unit, value columns and rows (key, number, labels, kind,
    values)."""
    kinds: dict[str, str] = df.attrs.get("kinds", {})
    columns = [str(c) for c in df.columns if c not in LABEL_COLUMNS]
    rows = [
        {
            "key": str(key),
            "no": str(row["序号"]),
            "zh": str(row["项目"]),
            "en": str(row["Item"]),
            "kind": kinds.get(str(key), "flow"),
            "values": [number(row[c]) for c in columns],
        }
        for key, row in df.iterrows()
    ]
    return {
        "id": df.attrs.get("id", ""),
        "zh": df.attrs.get("title_zh", ""),
        "en": df.attrs.get("title_en", ""),
        "unit": df.attrs.get("unit", ""),
        "columns": columns,
        "rows": rows,
    }


def run_view(result: Result, lang: str = "zh", charts: bool = True) -> dict[str, Any]:
    """Everything the Run tab shows about scenario 0 of ``result``."""
    from renewfin.checks import run_checks
    from renewfin.tables import standard_tables
    from renewfin.web.charts import run_charts

    tables = standard_tables(result)
    doc = json_document(result)
    view: dict[str, Any] = {
        "project": result.spec.project.name,
        "money_unit": result.spec.project.money_unit.value,
        "sections": sections_view(result),
        "checks": checks_view(run_checks(result)),
        "loan_sizing": doc["loan_sizing"],
        "diagnostics": doc["diagnostics"],
        "metrics": doc["metrics"],
        "tables": [table_view(t) for t in tables.values()],
        "charts": [],
        "chart_notes": [],
    }
    if charts:
        view["charts"], view["chart_notes"] = run_charts(result, tables, lang)
    return view
