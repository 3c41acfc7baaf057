"""Readable summary and JSON document of a goal seek (``renewfin solve``)."""

from __future__ import annotations

from typing import Any

from renewfin.solve import SolveResult
from renewfin.spec.model import ProjectSpec

_WHAT = {"max": "最大值 largest value", "min": "最小值 smallest value", "root": "临界值 value"}


def format_goal(spec: ProjectSpec, res: SolveResult, goal: str, lo: float, hi: float) -> str:
    """The solved value, its status, the binding constraint and every margin, bilingual."""
    lines = [
        f"{spec.project.name}\n求解 Goal seek: {_WHAT[goal]} of {res.path} in [{lo:g}, {hi:g}]"
        f" with {', '.join(c for c in res.constraints['constraint'])}",
        f"  结果 Result: {res.value:,.6g}   ({res.status}; tolerance {res.tolerance:g}, "
        f"{res.evaluations} evaluations)",
    ]
    if res.binding:
        lines.append(f"  约束 Binding: {res.binding}")
    for _, row in res.constraints.iterrows():
        mark = "✓" if row["holds"] else "✗"
        lines.append(f"  {mark} {row['constraint']}  (margin {row['margin']:+.6g})")
    return "\n".join(lines)


def goal_document(res: SolveResult, goal: str) -> dict[str, Any]:
    """A JSON-ready document of a goal seek."""
    return {
        "path": res.path,
        "goal": goal,
        "value": res.value,
        "status": res.status,
        "binding": res.binding,
        "tolerance": res.tolerance,
        "constraints": res.constraints.to_dict(orient="records"),
    }
