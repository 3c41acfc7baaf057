"""Benchmark: the full engine (funding stack and debt sizing included) on many scenarios.

Runs the REIT example (models/industrial_park_reit.yaml, 30-year annual horizon) over
100,000 scenarios drawn from its scenario file, in vectorised chunks, and prints
scenarios per second, peak memory and the same-run ratio against a loop of
single-scenario runs of the same engine; the lean run of the Monte Carlo's chunks
(``renewfin.lean``) against the full run, time and memory; then one quarterly run.

    python bench/bench_engine.py [--n 100000] [--chunk 5000] [--loop 100] [--quarterly 20000]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
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


def batched(spec, ov: dict[str, np.ndarray], n: int, chunk: int, lean: bool = False) -> float:
    """Seconds to evaluate n scenarios in chunks (``lean``: as the Monte Carlo does)."""
    t = time.perf_counter()
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        run(spec, {k: v[lo:hi] for k, v in ov.items()}, n_scenarios=hi - lo, lean=lean)
    return time.perf_counter() - t


def chunk_memory(spec, ov: dict[str, np.ndarray], chunk: int, lean: bool) -> tuple[float, float]:
    """Traced peak memory of one chunk's run and the bytes its ledger stores [MB]."""
    part = {k: v[:chunk] for k, v in ov.items()}
    tracemalloc.start()
    result = run(spec, part, n_scenarios=chunk, lean=lean)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    stored = sum(item.data.nbytes for item in result.ledger)
    return peak / 1e6, stored / 1e6


def lean_vs_full(spec, ov: dict[str, np.ndarray], n: int, chunk: int, repeat: int) -> None:
    """Print the lean run (``renewfin.lean``, the Monte Carlo's chunks) against the full
    run: best of ``repeat`` alternate timings over n scenarios, then one chunk's memory."""
    full, lean = [], []
    for _ in range(repeat):
        full.append(batched(spec, ov, n, chunk))
        lean.append(batched(spec, ov, n, chunk, lean=True))
    print(
        f"  lean vs full run ({n:,} scenarios, best of {repeat} alternate): "
        f"full {n / min(full):,.0f}/s, lean {n / min(lean):,.0f}/s, "
        f"time ratio lean/full {min(lean) / min(full):.3f}"
    )
    (fp, fs), (lp, ls) = (chunk_memory(spec, ov, chunk, x) for x in (False, True))
    print(
        f"  one chunk of {chunk:,}: ledger stored {fs:,.0f} MB full, {ls:,.0f} MB lean "
        f"({ls / fs:.0%}); traced peak {fp:,.0f} MB full, {lp:,.0f} MB lean ({lp / fp:.0%})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--loop", type=int, default=100, help="single runs timed for the ratio")
    ap.add_argument("--quarterly", type=int, default=20_000)
    ap.add_argument("--lean", type=int, default=20_000, help="scenarios of the lean/full timing")
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
    print(
        f"renewfin engine benchmark — {spec.project.name} "
        f"({spec.timeline.periodicity.value}, {spec.n_periods} periods, "
        f"{len(prepared)} uncertain inputs, full funding stack)"
    )
    print(
        f"  batched: {args.n:,} scenarios in {secs:.2f} s = {rate:,.0f} scenarios/s "
        f"(chunks of {args.chunk:,})"
    )
    print(
        f"  peak memory (RSS): {peak_mb():,.0f} MB; freed memory kept by the allocator "
        f"(renewfin.allocator): {'yes' if kept else 'no (not glibc)'}"
    )

    t = time.perf_counter()
    for i in range(args.loop):
        run(spec, {k: v[i : i + 1] for k, v in ov.items()}, n_scenarios=1)
    single = (time.perf_counter() - t) / args.loop
    print(
        f"  loop of single-scenario runs: {1 / single:,.1f} scenarios/s "
        f"({single * 1e3:.1f} ms each, {args.loop} runs)"
    )
    print(f"  ratio batched / single-run loop: {rate * single:,.0f}x")

    if args.lean:
        lean_vs_full(spec, ov, min(args.lean, args.n), args.chunk, repeat=3)

    from renewfin.simulation import evaluate

    t = time.perf_counter()
    evaluate(spec, ov, args.n, chunk_size=args.chunk, workers=2)
    secs2 = time.perf_counter() - t
    print(
        f"  batched on 2 worker processes: {args.n / secs2:,.0f} scenarios/s "
        f"(same numbers; lean runs, as the Monte Carlo)"
    )

    if args.quarterly:
        data = spec.model_dump(mode="json")
        data["timeline"]["periodicity"] = "quarterly"
        q = type(spec).model_validate(data)
        n = args.quarterly
        qsecs = batched(q, {k: v[:n] for k, v in ov.items()}, n, args.chunk)
        print(
            f"  quarterly ({q.n_periods} periods): {n:,} scenarios in {qsecs:.2f} s = "
            f"{n / qsecs:,.0f} scenarios/s"
        )
    print("  target (issue 3): 50,000 scenarios/s on the annual model")


if __name__ == "__main__":
    main()
