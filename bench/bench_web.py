"""Benchmark: the web app's answers, from a real ``renewfin serve`` over HTTP.

Prints, for every bundled model, the seconds until a deterministic run's summary is back
(``POST /api/run`` without charts: what the page shows first) and until its charts are
(``POST /api/charts``), on a server past its first compile; then, while a Monte Carlo of
``--n`` scenarios runs as a job, how long the page's own requests wait (the project
list, a run), and the job's time and rate. Never asserts.

    python bench/bench_web.py [--n 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODELS = sorted(p.stem for p in (ROOT / "models").glob("*.yaml"))


def call(url: str, method: str = "GET", body: Any = None) -> tuple[float, Any]:
    """Seconds the request took, and its JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=600) as r:
        doc = json.loads(r.read())
    return time.perf_counter() - t, doc


def runs(base: str, repeat: int) -> None:
    print(
        f"{'model':24s} {'summary s':>10s} {'charts s':>9s}   (median of {repeat}, after warm-up)"
    )
    for model in MODELS:
        _, info = call(base + "api/projects", "POST", {"example": model, "name": model})
        name = info["name"]
        call(base + "api/run", "POST", {"project": name, "charts": False})  # warm
        summary = [
            call(base + "api/run", "POST", {"project": name, "charts": False})[0]
            for _ in range(repeat)
        ]
        charts = [call(base + "api/charts", "POST", {"project": name})[0] for _ in range(repeat)]
        print(f"{model:24s} {statistics.median(summary):10.2f} {statistics.median(charts):9.2f}")


def during_monte_carlo(base: str, n: int) -> None:
    _, job = call(base + "api/simulate", "POST", {"project": "old_community", "n": n})
    waits: dict[str, list[float]] = {"GET /api/projects": [], "POST /api/run": []}
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            waits["GET /api/projects"].append(call(base + "api/projects")[0])
            body = {"project": "urban_village", "charts": False}
            waits["POST /api/run"].append(call(base + "api/run", "POST", body)[0])
            time.sleep(0.5)

    thread = threading.Thread(target=probe)
    thread.start()
    while True:
        _, status = call(base + f"api/jobs/{job['id']}")
        if status["state"] not in ("queued", "running"):
            break
        time.sleep(0.5)
    done.set()
    thread.join()
    print(
        f"\nMonte Carlo of {n:,} scenarios (old_community): {status['state']} in "
        f"{status['seconds']:.1f} s, {n / status['seconds']:,.0f} scenarios/s including "
        "summaries and charts"
    )
    for what, w in waits.items():
        print(
            f"  {what:18s} while it ran: median {statistics.median(w) * 1000:6.0f} ms, "
            f"max {max(w) * 1000:6.0f} ms over {len(w)} requests"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as ws:
        proc = subprocess.Popen(
            [sys.executable, "-m", "renewfin.cli", "serve", "--port", "0", "--workspace", ws],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            base = (proc.stdout.readline() if proc.stdout else "").split()[2]
            t = time.perf_counter()
            call(base + "api/health")
            print(f"server answers {time.perf_counter() - t:.2f} s after its first line\n")
            runs(base, args.repeat)
            during_monte_carlo(base, args.n)
        finally:
            proc.send_signal(2)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
