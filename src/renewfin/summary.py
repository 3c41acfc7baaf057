"""Readable bilingual summaries and JSON documents of a run."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from renewfin.metrics import METRICS

if TYPE_CHECKING:
    from renewfin.engine import Result


def format_value(value: float, unit: str, money_unit: str) -> str:
    """Render a metric value with its unit: money with thousands separators, rates in %."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "money":
        return f"{value:,.2f} {money_unit}"
    if unit == "rate":
        return f"{value:.2%}"
    if unit == "years":
        return f"{value:.2f} 年 yr"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.3f}"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_summary(result: Result, scenario: int = 0) -> str:
    """A bilingual plain-text summary of one scenario of a run."""
    spec = result.spec
    unit = spec.project.money_unit.value
    tl = spec.timeline
    lines = [
        spec.project.name,
        spec.project.name_en or "",
        f"{tl.start_date.isoformat()} · {tl.periodicity.value} · {tl.horizon_years} 年 years"
        f" · {unit}",
        "",
    ]
    rows = [
        (info.zh, info.en, format_value(result.metric(key, scenario), info.unit, unit))
        for key, info in METRICS.items()
        if key in result.values
    ]
    wz = max(_width(zh) for zh, _, _ in rows) + 2
    we = max(_width(en) for _, en, _ in rows) + 2
    lines += [f"  {_pad(zh, wz)}{_pad(en, we)}{value:>20}" for zh, en, value in rows]
    if result.diagnostics:
        lines += ["", "注意 Notes:"] + [f"  - {d}" for d in result.diagnostics]
    return "\n".join(line for line in lines if line is not None)


def json_document(result: Result, scenario: int = 0) -> dict[str, Any]:
    """Metrics of one scenario as a JSON-ready document (NaN becomes null)."""

    def clean(v: float) -> float | None:
        return None if math.isnan(v) else v

    return {
        "project": result.spec.project.name,
        "money_unit": result.spec.project.money_unit.value,
        "metrics": {k: clean(float(v[scenario])) for k, v in result.values.items()},
        "units": {k: METRICS[k].unit for k in result.values if k in METRICS},
        "diagnostics": list(result.diagnostics),
    }
