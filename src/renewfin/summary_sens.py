"""Readable summaries and JSON documents of the deterministic sensitivity analysis."""

from __future__ import annotations

from typing import Any

import pandas as pd

from renewfin.metrics import metric_info
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import ScenarioSpec
from renewfin.summary import _pad, _width, format_value
from renewfin.summary_mc import _clean


def _fmt(key: str, v: float) -> str:
    return format_value(float(v), metric_info(key).unit, "").strip()


def format_sensitivity(
    spec: ProjectSpec, scenario: ScenarioSpec, tables: dict[str, pd.DataFrame]
) -> str:
    """A bilingual plain-text report of the sensitivity tables."""
    metrics = scenario.sensitivity.metrics
    lines = [f"{spec.project.name} — 敏感性分析 Sensitivity analysis", ""]
    ev = tables["evaluation"]
    cols = [m for m in metrics if m in ev]
    lines.append(f"敏感性分析表 Sensitivity table (敏感度系数 SAF of {metric_info(cols[0]).zh})")
    head = (
        "  "
        + _pad("因素 Factor", 22)
        + _pad("变化", 8)
        + "".join(f"{metric_info(c).zh[:10]:>16}" for c in cols)
        + f"{'SAF':>10}"
    )
    lines.append(head)
    for _, row in ev.iterrows():
        label = f"{row['factor']}"
        change = "" if row["change"] == 0 else f"{row['change']:+.0%}"
        saf = "" if pd.isna(row["saf"]) else f"{row['saf']:.3f}"
        lines.append(
            "  "
            + _pad(label, 22)
            + _pad(change, 8)
            + "".join(f"{_fmt(c, row[c]):>16}" for c in cols)
            + f"{saf:>10}"
        )
    sw = tables["switching"]
    if len(sw):
        lines += [
            "",
            "临界点 Switching values (change of the factor at which the metric crosses "
            "its threshold)",
        ]
        for _, row in sw.iterrows():
            what = f"{row['change']:+.2%}" if row["status"] == "found" else row["status"]
            lines.append(f"  {row['threshold_label']}: {row['factor']} → {what}")
    tor = tables["tornado"]
    for m in cols[:2]:
        part = tor[tor["metric"] == m].head(8)
        if not len(part):
            continue
        lines += [
            "",
            f"龙卷风图 Tornado — {metric_info(m).zh} (base {_fmt(m, part['base'].iloc[0])})",
        ]
        w = max(_width(str(x)) for x in part["input"]) + 2
        for _, row in part.iterrows():
            lines.append(
                "  " + _pad(str(row["input"]), w) + f"low {_fmt(m, row['low_value']):>12}   high "
                f"{_fmt(m, row['high_value']):>12}   swing {row['swing']:.4g}"
            )
    if "global" in tables:
        g = tables["global"]
        lines += [
            "",
            f"全局敏感性 Global sensitivity — {metric_info(cols[0]).zh} "
            "(Spearman, standardised rank regression)",
        ]
        w = max(_width(str(x)) for x in g["input"]) + 2
        for _, row in g.iterrows():
            lines.append(
                "  "
                + _pad(str(row["input"]), w)
                + f"ρs {row['spearman']:+.3f}   SRRC {row['srrc']:+.3f}"
            )
    for key, table in tables.items():
        if not key.startswith("scenario_analysis:"):
            continue
        sig = table[table["significant"]]
        names = ", ".join(f"{r['input']} ({r['shift']:+.2f} sd)" for _, r in sig.iterrows())
        lines += [
            "",
            f"情景分析 Scenario analysis — {key.split(':', 1)[1]}: "
            f"{names or 'no input stands out'}",
        ]
    return "\n".join(lines)


def sensitivity_document(
    spec: ProjectSpec, scenario: ScenarioSpec, tables: dict[str, pd.DataFrame]
) -> dict[str, Any]:
    """Every sensitivity table as JSON-ready records."""
    return {
        "project": spec.project.name,
        "scenario": scenario.name,
        "tables": {
            k: [{c: _clean(v) for c, v in row.items()} for _, row in t.iterrows()]
            for k, t in tables.items()
        },
    }
