"""Benchmark: time to write workbooks (printed, never asserted).

- the model workbook of a 30-year annual model (models/industrial_park_reit.yaml),
- the same project monthly (360 periods),
- a risk workbook with 100,000 sample rows.

    python bench/bench_excel.py [--sample 100000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import renewfin  # noqa: E402
from renewfin.engine import run  # noqa: E402
from renewfin.excel.risk import write_risk  # noqa: E402
from renewfin.excel.writer import write_model  # noqa: E402
from renewfin.simulation import simulate  # noqa: E402
from renewfin.spec import ProjectSpec, load_scenario  # noqa: E402


def timed(label: str, fn) -> None:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    path = fn()
    secs = time.perf_counter() - t
    print(f"  {label:<44} {secs:8.2f} s   {path.stat().st_size / 1e6:7.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sample", type=int, default=100_000)
    args = ap.parse_args()
    spec = renewfin.load_spec(ROOT / "models/industrial_park_reit.yaml")
    data = spec.model_dump(mode="json")
    data["timeline"]["periodicity"] = "monthly"
    monthly = ProjectSpec.model_validate(data)
    print("renewfin workbook benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        annual = run(spec)
        timed(
            f"model workbook, annual ({spec.n_periods} periods)",
            lambda: write_model(annual, Path(tmp) / "annual.xlsx"),
        )
        month = run(monthly)
        timed(
            f"model workbook, monthly ({monthly.n_periods} periods)",
            lambda: write_model(month, Path(tmp) / "monthly.xlsx"),
        )
        scenario = load_scenario(ROOT / "scenarios/industrial_park_reit.yaml")
        t = time.perf_counter()
        sim = simulate(spec, scenario, n=args.sample)
        print(
            f"  (simulation of {args.sample:,} scenarios: {time.perf_counter() - t:.1f} s, "
            f"not counted)"
        )
        timed(
            f"risk workbook, {args.sample:,} sample rows",
            lambda: write_risk(sim, Path(tmp) / "risk.xlsx"),
        )


if __name__ == "__main__":
    main()
