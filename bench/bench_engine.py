"""Benchmark: the full engine (funding stack and debt sizing included) on many scenarios.

Runs the REIT example (models/industrial_park_reit.yaml, 30-year annual horizon) over
100,000 scenarios drawn from its scenario file, in vectorised chunks, and prints
scenarios per second, peak memory and the same-run ratio against a loop of
single-scenario runs of the same engine; then one quarterly run of the same project.

    python bench/bench_engine.py [--n 100000] [--chunk 5000] [--loop 100] [--quarterly 20000]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402

import renewfin  # noqa: E402
from renewfin.allocator import keep_freed_memory  # noqa: E402
from renewfin.engine import run  # noqa: E402
from renewfin.simulation import draw, overrides_for, prepare  # noqa: E402
from renewfin.spec import load_scenario  # noqa: E402


def peak_mb() -> float:
    """Peak resident memory of this process so far [MB] (Linux ru_maxrss is in KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def batched(spec, ov: dict[str, np.ndarray], n: int, chunk: int) -> float:
    """Seconds to evaluate n scenarios in chunks."""
    t = time.perf_counter()
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        run(spec, {k: v[lo:hi] for k, v in ov.items()}, n_scenarios=hi - lo)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--loop", type=int, default=100, help="single runs timed for the ratio")
    ap.add_argument("--quarterly", type=int, default=20_000)
    args = ap.parse_args()

    kept = keep_freed_memory()  # as the CLI and the worker processes do
    spec = renewfin.load_spec(ROOT / "models/industrial_park_reit.yaml")
    scenario = load_scenario(ROOT / "scenarios/industrial_park_reit.yaml")
    prepared = prepare(spec, scenario)
    sample = draw(prepared, scenario, args.n, scenario.seed)
    ov = overrides_for(prepared, sample.values)
    batched(spec, {k: v[:200] for k, v in ov.items()}, 200, 200)  # warm up

    secs = batched(spec, ov, args.n, args.chunk)
    rate = args.n / secs
    print(f"renewfin engine benchmark — {spec.project.name} "
          f"({spec.timeline.periodicity.value}, {spec.n_periods} periods, "
          f"{len(prepared)} uncertain inputs, full funding stack)")
    print(f"  batched: {args.n:,} scenarios in {secs:.2f} s = {rate:,.0f} scenarios/s "
          f"(chunks of {args.chunk:,})")
    print(f"  peak memory (RSS): {peak_mb():,.0f} MB; freed memory kept by the allocator "
          f"(renewfin.allocator): {'yes' if kept else 'no (not glibc)'}")

    t = time.perf_counter()
    for i in range(args.loop):
        run(spec, {k: v[i : i + 1] for k, v in ov.items()}, n_scenarios=1)
    single = (time.perf_counter() - t) / args.loop
    print(f"  loop of single-scenario runs: {1 / single:,.1f} scenarios/s "
          f"({single * 1e3:.1f} ms each, {args.loop} runs)")
    print(f"  ratio batched / single-run loop: {rate * single:,.0f}x")

    from renewfin.simulation import evaluate

    t = time.perf_counter()
    evaluate(spec, ov, args.n, chunk_size=args.chunk, workers=2)
    secs2 = time.perf_counter() - t
    print(f"  batched on 2 worker processes: {args.n / secs2:,.0f} scenarios/s "
          f"(same numbers)")

    if args.quarterly:
        data = spec.model_dump(mode="json")
        data["timeline"]["periodicity"] = "quarterly"
        q = type(spec).model_validate(data)
        n = args.quarterly
        qsecs = batched(q, {k: v[:n] for k, v in ov.items()}, n, args.chunk)
        print(f"  quarterly ({q.n_periods} periods): {n:,} scenarios in {qsecs:.2f} s = "
              f"{n / qsecs:,.0f} scenarios/s")
    print("  target (issue 3): 50,000 scenarios/s on the annual model")


if __name__ == "__main__":
    main()
