"""Benchmark: Monte Carlo of the REIT example with its scenario file.

Prints scenarios per second, peak memory and the time split: sampling (unit cube,
inverse CDFs, Iman–Conover), engine, metrics, summaries (percentiles, breach
probabilities). The issue's target: sampling and summaries add less than 20 % to the
engine's own time. Then the same simulation collecting the per-period percentiles of five
lines (``--lines``, issue 22: at most 20 % extra time), timed in the same run, with and
without lines alternately ``--repeat`` times.

    python bench/bench_mc.py [--n 100000] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import renewfin  # noqa: E402
from renewfin.simulation import simulate  # noqa: E402
from renewfin.spec import load_scenario  # noqa: E402

FIVE = ("cash.cumulative_surplus", "cash.cfads", "revenue.total", "ratio.dscr", "ratio.bond_cover")
"""The lines of the per-period run."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="pairs with and without lines")
    args = ap.parse_args()
    spec = renewfin.load_spec(ROOT / "models/industrial_park_reit.yaml")
    scenario = load_scenario(ROOT / "scenarios/industrial_park_reit.yaml")
    simulate(spec, scenario, n=200)  # warm up
    t = time.perf_counter()
    sim = simulate(spec, scenario, n=args.n, chunk_size=args.chunk, workers=args.workers)
    wall = time.perf_counter() - t
    tm = sim.timings
    core = tm["engine"] + tm["metrics"]
    extra = tm["sampling"] + tm["summaries"]
    print(f"renewfin Monte Carlo benchmark — {spec.project.name}, {scenario.name}")
    print(
        f"  {sim.n:,} scenarios, {len(sim.inputs)} inputs, {len(scenario.correlations)} "
        f"correlations, {scenario.sampler.value}: {wall:.2f} s = {sim.n / wall:,.0f} "
        f"scenarios/s"
    )
    print(
        f"  peak memory (RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
    )
    print(f"  workers: {args.workers} (engine and metrics seconds are summed over workers)")
    for key in ("sampling", "engine", "metrics", "summaries"):
        print(f"  {key:<10} {tm[key]:8.2f} s  ({tm[key] / wall:6.1%} of elapsed)")
    print(f"  sampling + summaries vs engine + metrics: {extra / core:.1%} (target < 20 %)")
    plain, lined, method = [wall], [], ""
    for i in range(args.repeat):  # alternately, so that both see the same load
        t = time.perf_counter()
        with_lines = simulate(
            spec, scenario, n=args.n, chunk_size=args.chunk, workers=args.workers, lines=FIVE
        )
        lined.append(time.perf_counter() - t)
        method = next(iter(with_lines.lines.values())).method
        if i + 1 < args.repeat:
            t = time.perf_counter()
            simulate(spec, scenario, n=args.n, chunk_size=args.chunk, workers=args.workers)
            plain.append(time.perf_counter() - t)
    ratios = [b / a - 1 for a, b in zip(plain, lined, strict=True)]
    print(
        f"  with per-period percentiles of {len(FIVE)} lines ({method}), {args.repeat} pairs"
        f" alternated: {statistics.median(lined):.2f} s against {statistics.median(plain):.2f}"
        f" s without; extra time min / median / max {min(ratios):+.1%} / "
        f"{statistics.median(ratios):+.1%} / {max(ratios):+.1%} (target ≤ +20 %)"
    )


if __name__ == "__main__":
    main()
