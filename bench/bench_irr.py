"""Benchmark :func:`renewfin.finance.irr` against per-row ``pyxirr`` and ``numpy_financial``.

Usage::

    PYTHONPATH=src python bench/bench_irr.py [--n 100000] [--t 30] [--seed 0] [--repeat 3]

Builds ``n`` conventional project cash-flow vectors of ``t`` annual periods (a
few construction periods of negative flows, then non-negative operating flows
with noise and a terminal value), then prints, in microseconds per vector:

* ``renewfin.finance.irr`` on the whole ``(n, t)`` batch (best of ``repeat``);
* a Python loop calling ``pyxirr.irr`` on every row (best of ``repeat``);
* a Python loop calling ``numpy_financial.irr`` on the first ``--npf-rows``
  rows (best of ``repeat``; per-vector figures are scaled from that subset);

the speed ratios and the largest absolute difference of the roots.  It
asserts nothing about time.  Works with ``PYTHONPATH=src``, with an installed
``renewfin``, or from a checkout without either (it then adds ``../src``).
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

try:
    from renewfin.finance import IrrReason, irr
except ImportError:  # plain checkout without PYTHONPATH: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from renewfin.finance import IrrReason, irr


def make_cash_flows(n: int, t: int, seed: int) -> np.ndarray:
    """Conventional project cash flows, shape (n, t) [currency].

    1-4 construction periods share a capital expenditure of 50-150 (negative
    flows); the operating periods then earn a yield of 4-18% of capex a period
    with a two-period ramp-up, multiplicative noise (sd 15%, floored at 0 so
    every row changes sign exactly once) and a terminal value of 0-3 periods'
    income in the last period.
    """
    if t < 2:
        raise ValueError("t must be >= 2")
    rng = np.random.default_rng(seed)
    periods = np.arange(t)
    n_build = rng.integers(1, min(4, t - 1) + 1, size=n)
    capex = rng.uniform(50.0, 150.0, size=n)
    weights = rng.uniform(0.5, 1.5, size=(n, t)) * (periods < n_build[:, None])
    weights /= weights.sum(axis=1, keepdims=True)
    since_build = periods[None, :] - n_build[:, None]
    ramp = np.clip((since_build + 1) / 2.0, 0.0, 1.0)
    income = rng.uniform(0.04, 0.18, size=n)[:, None] * capex[:, None] * ramp
    income *= np.maximum(1.0 + 0.15 * rng.standard_normal((n, t)), 0.0)
    income[:, -1] += rng.uniform(0.0, 3.0, size=n) * income[:, -2]
    return np.where(since_build < 0, -capex[:, None] * weights, income)


def best_of(repeat: int, func: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    """Smallest wall time [s] over ``repeat`` runs and the last result."""
    best = float("inf")
    result = np.empty(0)
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of vectors")
    parser.add_argument("--t", type=int, default=30, help="periods per vector")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions (best of)")
    parser.add_argument("--npf-rows", type=int, default=2_000, help="rows for numpy_financial")
    args = parser.parse_args(argv)

    values = make_cash_flows(args.n, args.t, args.seed)
    n = values.shape[0]
    rows = list(values)  # per-row views, built outside the timed loops

    import numpy_financial as npf  # type: ignore[import-untyped]

    pyxirr: ModuleType | None
    try:
        import pyxirr
    except ImportError:
        pyxirr = None

    versions = f"numpy {np.__version__}, numpy-financial {npf.__version__}"
    if pyxirr is not None:
        versions += f", pyxirr {getattr(pyxirr, '__version__', '?')}"
    print(f"IRR benchmark: n={n} vectors x t={args.t} periods, seed={args.seed} ({versions})")

    t_rf, rates = best_of(args.repeat, lambda: np.asarray(irr(values)))
    _, reasons = irr(values, with_reason=True)
    us_rf = t_rf / n * 1e6
    n_ok = int(np.count_nonzero(reasons == IrrReason.OK))
    print(
        f"  renewfin.finance.irr, whole batch   : {us_rf:8.3f} us/vector"
        f"  (best of {args.repeat}: {t_rf * 1e3:9.1f} ms; {n_ok}/{n} reason OK;"
        f" IRR p5/p50/p95 = {np.nanpercentile(rates, 5):.4f}/"
        f"{np.nanpercentile(rates, 50):.4f}/{np.nanpercentile(rates, 95):.4f})"
    )

    if pyxirr is not None:

        def pyxirr_loop() -> np.ndarray:
            out = [pyxirr.irr(row, silent=True) for row in rows]
            return np.array([np.nan if r is None else r for r in out], dtype=float)

        t_px, ref_px = best_of(args.repeat, pyxirr_loop)
        us_px = t_px / n * 1e6
        print(
            f"  pyxirr.irr, Python loop over rows   : {us_px:8.3f} us/vector"
            f"  (best of {args.repeat}: {t_px * 1e3:9.1f} ms)"
        )
    else:
        print("  pyxirr.irr                          : skipped (pyxirr not installed)")

    m = min(args.npf_rows, n)

    def npf_loop() -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.array([npf.irr(row) for row in rows[:m]], dtype=float)

    t_np, ref_np = best_of(args.repeat, npf_loop)
    us_np = t_np / m * 1e6
    print(
        f"  numpy_financial.irr, loop ({m} rows): {us_np:8.3f} us/vector"
        f"  (best of {args.repeat}: {t_np * 1e3:9.1f} ms; scaled to n: {us_np * n / 1e6:.2f} s)"
    )

    if pyxirr is not None:
        print(f"  ratio pyxirr-loop / renewfin        : {us_px / us_rf:8.2f}x")
    print(f"  ratio npf-loop / renewfin           : {us_np / us_rf:8.2f}x")
    if pyxirr is not None:
        diff = np.abs(rates - ref_px)
        print(
            f"  max |renewfin - pyxirr|             : {np.nanmax(diff):.3e}"
            f"  (over {n} rows; NaN mismatches {int(np.sum(np.isnan(rates) != np.isnan(ref_px)))})"
        )
    diff = np.abs(rates[:m] - ref_np)
    print(
        f"  max |renewfin - numpy_financial|    : {np.nanmax(diff):.3e}"
        f"  (over {m} rows; NaN mismatches {int(np.sum(np.isnan(rates[:m]) != np.isnan(ref_np)))})"
    )


if __name__ == "__main__":
    main()
