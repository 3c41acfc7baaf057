"""Benchmark: a province's pipeline — generated projects × scenarios — in-process and on
a Dask cluster (printed, never asserted).

Projects are generated from the bundled models by scaling their investment and prices
(seeded), each with its model's scenario file; two shared factors (an LPR shift and a
regional economy factor on prices) correlate them.

    python bench/bench_portfolio.py [--projects 200] [--n 10000] [--workers 2]
                                    [--scheduler tcp://host:8786] [--skip-inprocess]

On a real cluster: start `dask scheduler` on one machine and `dask worker tcp://host:8786`
on each worker machine (each with renewfin installed), then pass --scheduler.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from renewfin.portfolio import load_portfolio, simulate_portfolio  # noqa: E402
from renewfin.spec import load_spec  # noqa: E402

MODELS = ["old_community", "old_factory_park", "urban_village", "industrial_park_reit"]


def generate(folder: Path, projects: int, n: int, seed: int = 1) -> Path:
    """Write ``projects`` specs and a portfolio file into ``folder``."""
    rng = np.random.default_rng(seed)
    members = []
    for i in range(projects):
        model = MODELS[i % len(MODELS)]
        data = load_spec(ROOT / f"models/{model}.yaml").model_dump(mode="json")
        scale = float(rng.uniform(0.6, 1.6))
        price = float(rng.uniform(0.9, 1.1))
        for item in data["investment"]:
            if item.get("amount") is not None:
                item["amount"] *= scale
        for r in data["revenues"]:
            r["quantity"] *= scale
            r["unit_price"] *= price
        for f in data["funding"]["fiscal_funds"]:
            f["amount"] *= scale
        for b in data["funding"]["special_bonds"]:
            b["amount"] *= scale
        data["project"]["name"] = f"{data['project']['name']}（{i:03d}）"
        path = folder / f"p{i:03d}.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        members.append(
            {
                "key": f"p{i:03d}",
                "spec": path.name,
                "scenario": str(ROOT / f"scenarios/{model}.yaml"),
            }
        )
    doc = {
        "name": f"generated pipeline of {projects}",
        "n": n,
        "seed": 20261127,
        "chunk_size": 2000,
        "projects": members,
        "shared_factors": [
            {
                "name": "LPR",
                "apply": "add",
                "distribution": {"type": "normal", "mean": 0.0, "std": 0.004},
                "targets": [{"path": "funding.lpr.five_year"}],
            },
        ],
        "thresholds": [
            {"metric": "bond_coverage", "op": "<", "value": 1.1},
            {"metric": "min_cumulative_cash", "op": "<", "value": 0},
        ],
    }
    out = folder / "portfolio.yaml"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--scheduler", default=None, help="address of an existing Dask scheduler")
    ap.add_argument("--skip-inprocess", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = generate(Path(tmp), args.projects, args.n)
        portfolio = load_portfolio(path)
        total = args.projects * args.n
        print(
            f"renewfin portfolio benchmark: {args.projects} projects × {args.n:,} scenarios "
            f"= {total:,} project-scenarios"
        )
        base = None
        if not args.skip_inprocess:
            t = time.perf_counter()
            a = simulate_portfolio(portfolio, path.parent)
            base = time.perf_counter() - t
            print(f"  in-process      : {base:8.1f} s   {total / base:10,.0f} project-scenarios/s")
        if args.scheduler:
            from dask.distributed import Client

            t = time.perf_counter()
            with Client(args.scheduler) as client:
                workers = len(client.scheduler_info()["workers"])
                b = simulate_portfolio(portfolio, path.parent, client=client)
            secs = time.perf_counter() - t
            print(
                f"  Dask, {workers} workers : {secs:8.1f} s   {total / secs:10,.0f} "
                f"project-scenarios/s"
            )
        else:
            one = None
            for workers in sorted({1, args.workers}):
                b, secs = run_local(portfolio, path.parent, workers)
                print(
                    f"  Dask, {workers} worker(s): {secs:8.1f} s   {total / secs:10,.0f} "
                    f"project-scenarios/s (cluster start-up included)"
                )
                one = secs if workers == 1 else one
            if args.workers > 1:
                print(f"  worker scaling  : {one / secs:.2f}x from 1 to {args.workers} workers")
        if base is not None:
            print(
                f"  vs in-process   : {base / secs:.2f}x; identical numbers: "
                f"{a.totals.equals(b.totals)}"
            )


def run_local(portfolio, folder: Path, workers: int):
    """Run the portfolio on a fresh LocalCluster; return (result, seconds incl. start-up)."""
    from renewfin.portfolio.distributed import local_cluster

    t = time.perf_counter()
    with local_cluster(workers) as client:
        result = simulate_portfolio(portfolio, folder, client=client)
    return result, time.perf_counter() - t


if __name__ == "__main__":
    main()
