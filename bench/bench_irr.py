"""Benchmark :func:`renewfin.finance.irr` against a per-row ``pyxirr`` loop on a realistic mix.

Usage::

    .venv/bin/python bench/bench_irr.py [--n 100000] [--t 30] [--seed 0] [--repeat 5]

The cash flows are ``renewfin.testing.equity_flow_mix``: sponsor equity flows of a Monte
Carlo with construction, ramp-up, major-maintenance cycles, refinancing, REIT exits
(zeros after them) and hand-backs, so that rows change sign once (conventional), several
times (non-conventional) or never. For the whole mix and for each class on its own it
prints, in microseconds per row, ``renewfin.finance.irr`` on the batch and a Python loop
calling ``pyxirr.irr`` on every row, timed alternately ``repeat`` times in the same run:
the best time of each and the range (min / median / max) of the ratio pyxirr / renewfin
over the repetitions. Then how the roots compare: conventional rows against pyxirr (the
same unique root) and ``numpy_financial.irr`` on a subset; on non-conventional rows, how
often pyxirr returns the same root (renewfin returns Excel's, checked against LibreOffice in
``tests/test_finance.py``, which pyxirr does not promise). It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from importlib.metadata import version
from pathlib import Path

import numpy as np

try:
    from renewfin.finance import IrrReason, irr
    from renewfin.testing import equity_flow_mix
except ImportError:  # plain checkout without PYTHONPATH: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from renewfin.finance import IrrReason, irr
    from renewfin.testing import equity_flow_mix

import numpy_financial as npf  # type: ignore[import-untyped]
import pyxirr

MULTI = (
    IrrReason.MULTIPLE_SIGN_CHANGES,
    IrrReason.MULTIPLE_SIGN_CHANGES_NO_EXCEL,
    IrrReason.NO_ROOT_IN_RANGE,
)


def classes(values: np.ndarray) -> dict[str, np.ndarray]:
    """The mix and its three classes by sign pattern, each a C-contiguous (n_c, t) batch."""
    _, reasons = irr(values, with_reason=True)
    masks = {
        "mix": np.ones(values.shape[0], dtype=bool),
        "conventional": reasons == IrrReason.OK,
        "non-conventional": np.isin(reasons, [int(r) for r in MULTI]),
        "no sign change": reasons == IrrReason.NO_SIGN_CHANGE,
    }
    return {name: np.ascontiguousarray(values[mask]) for name, mask in masks.items()}


def pyxirr_loop(rows: list[np.ndarray]) -> np.ndarray:
    """``pyxirr.irr`` on each row (NaN where it finds none)."""
    out = [pyxirr.irr(row, silent=True) for row in rows]
    return np.array([np.nan if r is None else r for r in out], dtype=float)


def renewfin_batch(values: np.ndarray) -> np.ndarray:
    """``renewfin.finance.irr`` on the batch ``values`` (n, t), as an array (n,)."""
    return np.asarray(irr(values))


def timed(func: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    """Wall time [s] of one call and its result."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def race(batches: dict[str, np.ndarray], repeat: int) -> dict[str, tuple[list[float], ...]]:
    """Per class: renewfin and pyxirr times [s] and their ratios, alternating in each
    repetition so that both see the same load."""
    rows = {name: list(batch) for name, batch in batches.items()}
    out: dict[str, tuple[list[float], ...]] = {name: ([], [], []) for name in batches}
    for _ in range(repeat):
        for name, batch in batches.items():
            t_rf, _ = timed(partial(renewfin_batch, batch))
            t_px, _ = timed(partial(pyxirr_loop, rows[name]))
            out[name][0].append(t_rf)
            out[name][1].append(t_px)
            out[name][2].append(t_px / t_rf)
    return out


def report_times(batches: dict[str, np.ndarray], repeat: int) -> None:
    """Print the timing table."""
    print(f"  {'class':<17} {'rows':>7}  {'renewfin':>9}  {'pyxirr':>9}  ratio min/median/max")
    for name, (t_rf, t_px, ratio) in race(batches, repeat).items():
        n = batches[name].shape[0]
        print(
            f"  {name:<17} {n:>7}  {min(t_rf) / n * 1e6:6.3f} us  {min(t_px) / n * 1e6:6.3f} us"
            f"  {min(ratio):5.2f} / {statistics.median(ratio):5.2f} / {max(ratio):5.2f} x"
        )


def report_roots(batches: dict[str, np.ndarray], npf_rows: int) -> None:
    """Print how the roots compare with pyxirr and numpy_financial."""
    conv = batches["conventional"]
    rates = np.asarray(irr(conv))
    diff = np.abs(rates - pyxirr_loop(list(conv)))
    print(f"  conventional: max |renewfin - pyxirr| = {np.nanmax(diff):.2e} over {conv.shape[0]}")
    m = min(npf_rows, conv.shape[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = np.array([npf.irr(row) for row in conv[:m]], dtype=float)
    print(
        f"  conventional: max |renewfin - numpy_financial| = {np.max(np.abs(rates[:m] - ref)):.2e}"
        f" over {m}"
    )
    multi = batches["non-conventional"]
    rates_multi, reasons_multi = irr(multi, with_reason=True)
    rates, reasons = np.asarray(rates_multi), np.asarray(reasons_multi)
    ref = pyxirr_loop(list(multi))
    same = np.abs(rates - ref) <= 1e-9
    for code in MULTI:
        sel = reasons == code
        print(
            f"  non-conventional, {code.name}: {int(sel.sum())} rows, pyxirr the same root on "
            f"{int(same[sel].sum())}, NaN on {int(np.isnan(ref[sel]).sum())}"
        )
    none = batches["no sign change"]
    print(
        f"  no sign change: pyxirr NaN on {int(np.isnan(pyxirr_loop(list(none))).sum())}"
        f" of {none.shape[0]}, renewfin on {int(np.isnan(irr(none)).sum())}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of rows (scenarios)")
    parser.add_argument("--t", type=int, default=30, help="periods per row")
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    parser.add_argument("--repeat", type=int, default=5, help="timing repetitions")
    parser.add_argument("--npf-rows", type=int, default=2_000, help="rows for numpy_financial")
    args = parser.parse_args(argv)
    values = equity_flow_mix(args.n, args.t, args.seed)
    irr(values[:10])  # compile or load the kernels outside the timings
    batches = classes(values)
    shares = ", ".join(
        f"{name} {b.shape[0] / args.n:.1%}" for name, b in batches.items() if name != "mix"
    )
    print(
        f"IRR benchmark: equity_flow_mix n={args.n} x t={args.t}, seed={args.seed}: {shares}"
        f" (numpy {np.__version__}, pyxirr {version('pyxirr')},"
        f" numpy-financial {npf.__version__})"
    )
    report_times(batches, args.repeat)
    report_roots(batches, args.npf_rows)


if __name__ == "__main__":
    main()
