"""Benchmark: write the evaluation report of a 30-year model (the REIT example) with a
10,000-scenario simulation.

Prints the seconds spent running the model and its tables, in the sensitivity analyses,
in the simulation (which also collects the cumulative-cash fan), in rendering
(charts and HTML) and writing, the total, and the size of the file; then the time to write
the same report as Word (.docx) and, when Chromium is installed, to print it as PDF, each
on top of the collected data and from the charts up (not reusing the HTML's rendering);
last, the Word layout alone on the rendering already made. Never asserts.

    python bench/bench_report.py [--n 10000] [--lang zh] [--workers 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import renewfin  # noqa: E402
from renewfin.report import (  # noqa: E402
    ReportData,
    collect,
    render_docx,
    render_pdf,
    render_report,
)
from renewfin.report.pdf import ConverterNotFoundError  # noqa: E402
from renewfin.spec.io import atomic_write  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--lang", choices=["zh", "en"], default="zh")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    spec = renewfin.load_spec(ROOT / "models/industrial_park_reit.yaml")
    scenario = renewfin.load_scenario(ROOT / "scenarios/industrial_park_reit.yaml")
    collect(spec, scenario, n=200)  # warm up (imports, font cache)
    t0 = time.perf_counter()
    data = collect(spec, scenario, n=args.n, workers=args.workers)
    t1 = time.perf_counter()
    rendered = render_report(data, args.lang)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.html"
        atomic_write(out, lambda fh: fh.write(rendered.html))
        size = out.stat().st_size
    t3 = time.perf_counter()
    years = data.result.timeline.n_periods // data.result.timeline.ppy
    n = data.simulation.n if data.simulation else 0
    print(f"report of {spec.project.name} ({years} years), {n:,} scenarios, lang={args.lang}")
    for key, value in data.timings.items():
        print(f"  {key:<12} {value:8.2f} s")
    print(f"  {'render':<12} {t2 - t1:8.2f} s  ({len(rendered.charts)} charts)")
    print(f"  {'write':<12} {t3 - t2:8.2f} s  ({size / 1e6:.1f} MB)")
    print(f"total: {t3 - t0:.2f} s to write the report (HTML)")
    t4 = time.perf_counter()
    blob = render_docx(fresh(data), args.lang)
    t5 = time.perf_counter()
    print(f"  {'docx':<12} {t5 - t4:8.2f} s  ({len(blob) / 1e6:.1f} MB; render and lay out)")
    print(f"total: {t1 - t0 + t5 - t4:.2f} s to write the report (Word)")
    try:
        t5 = time.perf_counter()
        pdf = render_pdf(fresh(data), args.lang)
    except ConverterNotFoundError as exc:
        print(f"  pdf          skipped: {exc}")
        return
    t6 = time.perf_counter()
    print(f"  {'pdf':<12} {t6 - t5:8.2f} s  ({len(pdf) / 1e6:.1f} MB; render and print)")
    print(f"total: {t1 - t0 + t6 - t5:.2f} s to write the report (PDF)")
    t7 = time.perf_counter()
    render_docx(data, args.lang)  # on the HTML's rendering: charts and text shared
    t8 = time.perf_counter()
    print(f"  {'docx, shared':<12} {t8 - t7:8.2f} s  (after the HTML: layout only)")


def fresh(data: ReportData) -> ReportData:
    """``data`` without its renderings, so that each format is timed from the charts up."""
    return dataclasses.replace(data)


if __name__ == "__main__":
    main()
