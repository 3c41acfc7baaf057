"""Readable summaries and JSON documents of a Monte Carlo simulation."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, cast

import numpy as np
import pandas as pd

from renewfin.metrics import metric_info
from renewfin.simulation import Simulation
from renewfin.simulation_lines import line_document
from renewfin.summary import _pad, _width, format_value

HEADLINE = [
    "project_irr_after_tax",
    "equity_irr",
    "project_npv",
    "bond_coverage",
    "total_debt_coverage",
    "min_dscr",
    "min_llcr",
    "min_cumulative_cash",
    "capital_ratio",
    "reit_exit_value",
]
"""Metrics shown in the text summary when present."""


def _clean(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if math.isnan(v) or math.isinf(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def format_simulation(sim: Simulation, stress: pd.DataFrame | None = None) -> str:
    """A bilingual plain-text summary of a simulation."""
    unit = sim.spec.project.money_unit.value
    sc = sim.scenario
    lines = [
        f"{sim.spec.project.name} — {sc.name}",
        f"蒙特卡洛模拟 Monte Carlo: {sim.n:,} scenarios · {sc.sampler.value} · seed {sim.seed}"
        f" · {len(sim.inputs)} inputs · {len(sc.correlations)} correlations",
    ]
    if sim.repair is not None:
        if sim.repair.repaired:
            lines.append(
                f"  correlation matrix was not valid: repaired to the nearest valid one "
                f"(Frobenius distance {sim.repair.distance:.4f}, minimum eigenvalue "
                f"{sim.repair.min_eigenvalue_before:.4f} → "
                f"{sim.repair.min_eigenvalue_after:.4f})"
            )
        else:
            lines.append("  correlation matrix valid (no repair needed)")
    if sim.failed:
        lines.append(
            f"  未收敛 UNCONVERGED: the funding solve failed in {len(sim.failed):,} of "
            f"{sim.n:,} scenarios; their metrics are NaN and left out of every statistic "
            f"(first: scenario {sim.failed[0]})"
        )
    keys = [k for k in HEADLINE if k in sim.metrics]
    summary = sim.summary(keys)
    lines += [
        "",
        "分布 Distributions          mean            sd            P5           P10"
        "           P50           P90           P95",
    ]
    wz = max(_width(metric_info(k).zh) for k in keys) + 2
    for k in keys:
        info = metric_info(k)
        row = cast("pd.Series[float]", summary.loc[k])  # the statistics of metric k
        u = info.unit

        def f(v: float, u: str = u) -> str:
            return format_value(float(v), u, "").strip()

        cells = [f(row[c]) for c in ("mean", "std", "p5", "p10", "p50", "p90", "p95")]
        nan = f"  ({int(row['n_nan'])} n/a)" if row["n_nan"] else ""
        lines.append(f"  {_pad(info.zh, wz)}" + "".join(f"{c:>14}" for c in cells) + nan)
    lines.append(f"  (money in {unit})")
    breaches = sim.breaches()
    if len(breaches):
        lines += ["", "违约概率 Breach probabilities (± Monte Carlo standard error)"]
        for _, b in breaches.iterrows():
            lines.append(
                f"  {b['label']:<28} P({b['threshold']}) = {b['p']:.2%} ± {b['se']:.2%}"
                f"  ({b['n_breach']:,} of {b['n']:,}"
                + (f"; {b['n_nan']} n/a" if b["n_nan"] else "")
                + ")"
            )
    if stress is not None and len(stress):
        cols = [
            k
            for k in (
                "equity_irr",
                "project_irr_after_tax",
                "bond_coverage",
                "min_dscr",
                "min_cumulative_cash",
            )
            if k in stress
        ]
        lines += ["", "压力测试 Stress cases"]
        wc = max(_width(str(i)) for i in stress.index) + 2
        lines.append("  " + _pad("", wc) + "".join(f"{c:>22}" for c in cols))
        for name, row in stress.iterrows():
            lines.append(
                "  "
                + _pad(str(name), wc)
                + "".join(
                    f"{format_value(float(row[c]), metric_info(c).unit, '').strip():>22}"
                    for c in cols
                )
            )
    if sim.convergence is not None:
        last = sim.convergence.iloc[-1]
        lines += [
            "",
            f"收敛 Convergence: {'reached' if last['converged'] else 'not reached'}"
            f" after {int(last['n']):,} scenarios",
        ]
    if sim.lines:
        methods = sorted({b.method for b in sim.lines.values()})
        lines += [
            "",
            f"逐期分位数 Per-period percentiles ({', '.join(methods)}): " + ", ".join(sim.lines),
        ]
    return "\n".join(lines)


def format_timings(sim: Simulation) -> str:
    """Where the time went (it differs from run to run, so ``format_simulation`` and the
    JSON document leave it out unless asked)."""
    t = sim.timings
    if not t:
        return ""
    total = t.get("wall", sum(t.values()))
    return (
        f"用时 Time: {total:.2f} s elapsed (sampling {t['sampling']:.2f}, engine "
        f"{t['engine']:.2f}, metrics {t['metrics']:.2f}, summaries "
        f"{t['summaries']:.2f}); {sim.n / max(total, 1e-9):,.0f} scenarios/s"
    )


def simulation_document(
    sim: Simulation, stress: pd.DataFrame | None = None, *, timings: bool = False
) -> dict[str, Any]:
    """A JSON-ready document of a simulation: settings, summaries, breaches, stress cases;
    the same for the same inputs and seed, unless ``timings`` adds the seconds spent."""
    summary = sim.summary()
    doc = {
        "project": sim.spec.project.name,
        "scenario": sim.scenario.name,
        "n": sim.n,
        "n_unconverged": len(sim.failed),
        "seed": sim.seed,
        "sampler": sim.scenario.sampler.value,
        "inputs": [{"name": p.name, "path": p.path, "apply": p.apply.value} for p in sim.inputs],
        "correlation_repair": None
        if sim.repair is None
        else {k: _clean(v) for k, v in dataclasses.asdict(sim.repair).items()},
        "summary": {k: {c: _clean(v) for c, v in row.items()} for k, row in summary.iterrows()},
        "breaches": [
            {c: _clean(v) for c, v in row.items()} for _, row in sim.breaches().iterrows()
        ],
        "stress": None
        if stress is None
        else {str(i): {c: _clean(v) for c, v in row.items()} for i, row in stress.iterrows()},
        "convergence": None
        if sim.convergence is None
        else [{c: _clean(v) for c, v in row.items()} for _, row in sim.convergence.iterrows()],
    }
    if sim.lines:
        doc["lines"] = line_document(sim.lines)
    if timings:
        doc["timings"] = sim.timings
    return doc
