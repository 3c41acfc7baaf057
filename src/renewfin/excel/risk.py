"""Risk sheets of a simulation workbook: distributions, breach probabilities, stress cases,
histograms, the tornado, and the per-scenario sample. These hold the simulation's
results as values (a Monte Carlo cannot be a worksheet formula); the Control sheet
records the seed, the sampler and the sample size."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.styles import Font

from renewfin.excel.book import HEAD_FILL, HEAD_FONT, MONEY, PCT, RATIO, put_text
from renewfin.metrics import metric_info

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.simulation import Simulation

from renewfin.summary_mc import HEADLINE


def _fmt(key: str) -> str:
    return {"rate": PCT, "share": PCT, "money": MONEY}.get(metric_info(key).unit, RATIO)


def _header(ws, row: int, labels: list[str]) -> None:  # type: ignore[no-untyped-def]
    for c, h in enumerate(labels, start=1):
        cell = put_text(ws, row, c, h)
        cell.fill, cell.font = HEAD_FILL, HEAD_FONT


def add_risk_sheets(
    w: ModelWriter,
    sim: Simulation,
    tornado: pd.DataFrame | None = None,
    stress: pd.DataFrame | None = None,
    sample_rows: int | None = None,
) -> None:
    """Append the risk sheets to a model workbook under construction."""
    wb = w.book.wb
    keys = [k for k in HEADLINE if k in sim.metrics]
    ws = wb.create_sheet("Risk")
    title = f"{sim.spec.project.name} — {sim.scenario.name}"
    put_text(ws, 1, 1, title).font = Font(bold=True, size=13)
    ws.cell(
        2,
        1,
        f"蒙特卡洛 Monte Carlo: n = {sim.n:,}, sampler {sim.scenario.sampler.value}, "
        f"seed {sim.seed}, {len(sim.inputs)} inputs, "
        f"{len(sim.scenario.correlations)} correlations",
    )
    if sim.repair is not None and sim.repair.repaired:
        ws.cell(
            3,
            1,
            f"相关矩阵已修复 Correlation matrix repaired to the nearest valid one "
            f"(Frobenius distance {sim.repair.distance:.4f})",
        )
    cols = [
        "metric",
        "指标",
        "Metric",
        "mean",
        "std",
        "sem",
        "P5",
        "P10",
        "P50",
        "P90",
        "P95",
        "n/a",
    ]
    _header(ws, 5, cols)
    summary = sim.summary(keys)
    for i, k in enumerate(keys):
        r = 6 + i
        info = metric_info(k)
        for c, text in enumerate((k, info.zh, info.en), start=1):
            put_text(ws, r, c, text)
        row = cast("pd.Series[float]", summary.loc[k])  # the statistics of metric k
        for c, stat in enumerate(("mean", "std", "sem", "p5", "p10", "p50", "p90", "p95"), start=4):
            v = float(row[stat])
            if math.isfinite(v):
                ws.cell(r, c, v).number_format = _fmt(k)
        ws.cell(r, 12, int(row["n_nan"]))
    r = 8 + len(keys)
    ws.cell(r, 1, "违约概率 Breach probabilities (± Monte Carlo standard error)").font = Font(
        bold=True
    )
    _header(ws, r + 1, ["threshold", "说明 Label", "", "P", "SE", "breaches", "n", "n/a"])
    b: Any  # a row of sim.breaches(): threshold, label, p, se, n_breach, n, n_nan
    for i, b in enumerate(sim.breaches().itertuples()):
        rr = r + 2 + i
        put_text(ws, rr, 1, b.threshold)
        put_text(ws, rr, 2, b.label)
        ws.cell(rr, 4, float(b.p)).number_format = "0.00%"
        ws.cell(rr, 5, float(b.se)).number_format = "0.00%"
        ws.cell(rr, 6, int(b.n_breach))
        ws.cell(rr, 7, int(b.n))
        ws.cell(rr, 8, int(b.n_nan))
    r = r + 4 + len(sim.scenario.thresholds)
    if stress is not None and len(stress):
        ws.cell(r, 1, "压力测试 Stress cases").font = Font(bold=True)
        _header(ws, r + 1, ["case", *keys])
        for i, (name, row) in enumerate(stress.iterrows()):
            put_text(ws, r + 2 + i, 1, str(name))
            for c, k in enumerate(keys, start=2):
                v = float(row[k])
                if math.isfinite(v):
                    ws.cell(r + 2 + i, c, v).number_format = _fmt(k)
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 30
    _histograms(wb, sim, keys)
    if tornado is not None and len(tornado):
        _tornado(wb, tornado)
    if sim.lines:
        _fans(wb, sim)
    _sample(wb, sim, keys, sample_rows)


def _fans(wb, sim: Simulation) -> None:  # type: ignore[no-untyped-def]
    """The per-period percentiles of ``sim.lines`` (``renewfin.simulation_lines``): a table
    per line (percentiles down, periods across) and its fan as a line chart."""
    from renewfin.simulation_lines import RATIO_LABELS

    ws = wb.create_sheet("Fan")
    put_text(ws, 1, 1, "逐期分位数 Per-period percentiles").font = Font(bold=True, size=13)
    r = 3
    for line, b in sim.lines.items():
        fmt = RATIO if line in RATIO_LABELS else MONEY
        put_text(ws, r, 1, f"{line} — {RATIO_LABELS.get(line, 'ledger line')} ({b.method})")
        ws.cell(r, 1).font = Font(bold=True)
        _header(ws, r + 1, ["", *b.columns])
        names = [*(f"P{q}" for q in b.percentiles), "mean"]
        rows = [*b.bands, b.mean]
        for i, (name, values) in enumerate(zip(names, rows, strict=True)):
            put_text(ws, r + 2 + i, 1, name)
            for j, v in enumerate(values):
                if math.isfinite(float(v)):
                    ws.cell(r + 2 + i, 2 + j, float(v)).number_format = fmt
        chart = LineChart()
        chart.title = line
        last = r + 1 + len(b.percentiles)
        chart.add_data(
            Reference(ws, min_col=1, max_col=1 + len(b.columns), min_row=r + 2, max_row=last),
            from_rows=True,
            titles_from_data=True,
        )
        chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(b.columns), min_row=r + 1))
        chart.width, chart.height = 22, 9
        ws.add_chart(chart, f"A{last + 3}")
        r = last + 24
    ws.column_dimensions["A"].width = 14


def _histograms(wb, sim: Simulation, keys: list[str]) -> None:  # type: ignore[no-untyped-def]
    ws = wb.create_sheet("Risk charts")
    col = 1
    for j, k in enumerate(keys[:6]):
        v = sim.metrics[k].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            continue
        counts, edges = np.histogram(v, bins=30)
        put_text(ws, 1, col, f"{metric_info(k).en} bin")
        put_text(ws, 1, col + 1, "count")
        for i, (lo, hi, c) in enumerate(zip(edges[:-1], edges[1:], counts, strict=True)):
            ws.cell(2 + i, col, float((lo + hi) / 2)).number_format = _fmt(k)
            ws.cell(2 + i, col + 1, int(c))
        chart = BarChart()
        chart.title = f"{metric_info(k).zh} {metric_info(k).en}"
        chart.add_data(Reference(ws, min_col=col + 1, min_row=1, max_row=31), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=col, min_row=2, max_row=31))
        chart.gapWidth = 10
        chart.legend = None
        chart.width, chart.height = 16, 8
        ws.add_chart(chart, f"{'M' if j % 2 == 0 else 'W'}{2 + (j // 2) * 18}")
        col += 3


def _tornado(wb, tornado: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    ws = wb.create_sheet("Tornado")
    metric = str(tornado["metric"].iloc[0])
    part = tornado[tornado["metric"] == metric]
    row: Any  # a row of the tornado: input, base, low_value, high_value, ...
    _header(ws, 1, ["input", "low − base", "high − base", "base", "low value", "high value"])
    for i, row in enumerate(part.itertuples()):
        r = 2 + i
        put_text(ws, r, 1, str(row.input))
        for c, v in enumerate(
            (
                row.low_value - row.base,
                row.high_value - row.base,
                row.base,
                row.low_value,
                row.high_value,
            ),
            start=2,
        ):
            if math.isfinite(float(v)):
                ws.cell(r, c, float(v)).number_format = _fmt(metric)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "clustered", 100
    chart.title = f"龙卷风图 Tornado — {metric_info(metric).zh}"
    n = len(part)
    chart.add_data(
        Reference(ws, min_col=2, max_col=3, min_row=1, max_row=1 + n), titles_from_data=True
    )
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=1 + n))
    chart.width, chart.height = 18, 10
    ws.add_chart(chart, "H2")
    ws.column_dimensions["A"].width = 24


def _sample(wb, sim: Simulation, keys: list[str], limit: int | None) -> None:  # type: ignore
    ws = wb.create_sheet("Sample")
    inputs = list(sim.samples.columns)
    _header(ws, 1, ["scenario", *[f"input:{c}" for c in inputs], *keys])
    n = sim.n if limit is None else min(limit, sim.n)
    x = sim.samples.to_numpy(dtype=float)[:n]
    m = sim.metrics[keys].to_numpy(dtype=float)[:n]
    for i in range(n):
        row = [i, *x[i].tolist(), *m[i].tolist()]
        ws.append([None if isinstance(v, float) and not math.isfinite(v) else v for v in row])
    ws.freeze_panes = "B2"


def write_risk(
    sim: Simulation,
    path: str | os.PathLike[str],
    *,
    tornado: pd.DataFrame | None = None,
    stress: pd.DataFrame | None = None,
    sample_rows: int | None = None,
) -> Path:
    """The model workbook of the base case plus the risk sheets, written atomically."""
    from renewfin.engine import run
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.io import atomic_write

    writer = ModelWriter(run(sim.spec), seed=sim.seed)
    book = writer.build()
    add_risk_sheets(writer, sim, tornado, stress, sample_rows)
    ctrl = book.wb["Control"]
    ctrl.cell(9, 5, f"{sim.seed} (sampler {sim.scenario.sampler.value}, n = {sim.n:,})")
    atomic_write(path, lambda fh: book.wb.save(fh), mode="wb")
    return Path(path)
