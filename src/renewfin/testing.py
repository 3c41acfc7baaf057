"""Helpers for testing models built with renewfin: a small valid spec, ledger comparisons,
realistic cash flows.

``minimal_spec`` builds the plain data of a small project that is easy to check by hand
(one phase, one works item, one parking stream, no taxes); ``assert_ledger_close``
compares two runs line item by line item and names every line that differs;
``equity_flow_mix`` draws equity cash flows like those of a Monte Carlo (for IRR tests and
benchmarks).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from renewfin.ledger import Ledger

if TYPE_CHECKING:
    from renewfin.engine import Result

__all__ = ["assert_ledger_close", "equity_flow_mix", "merge_data", "minimal_spec"]

_MINIMAL: dict[str, Any] = {
    "project": {"name": "测试项目", "name_en": "Test project", "money_unit": "万元"},
    "timeline": {
        "start_date": "2026-01-01",
        "periodicity": "annual",
        "horizon_years": 10,
        "phases": [{"name": "一期", "start_year": 0, "duration_years": 2}],
    },
    "investment": [
        {"name": "建安工程", "category": "construction", "amount": 1000.0, "schedule": [0.4, 0.6]},
    ],
    "revenues": [
        {
            "name": "停车位",
            "kind": "parking",
            "quantity": 500,
            "unit_price": 400.0,
            "price_per": "month",
        },
    ],
    "opex": [],
    "tax": {"preset": "none"},
    "evaluation": {"discount_rate": 0.06},
}


def merge_data(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` merged in: a mapping is merged into the mapping of the same key,
    recursively; anything else, lists included, replaces it (``None`` included). ``base`` is
    not changed; the values taken from ``over`` are deep copies.

    Parameters
    ----------
    base : mapping
        Plain spec data (or any nested mapping).
    over : mapping
        The patch.

    Returns
    -------
    dict
        The merged data (``base``'s untouched branches are shared, not copied).
    """
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = merge_data(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def minimal_spec(**overrides: Any) -> dict[str, Any]:
    """Plain data of a small valid project spec, with overrides.

    The project: money in 万元, annual periods from 2026-01-01 over 10 years, one phase
    ``一期`` of 2 years; one construction item ``建安工程`` of 1,000 spent 40 % / 60 %;
    one parking stream ``停车位`` of 500 spaces at 400 元/month (240 万元 a year) from
    year 2; no operating
    costs; tax preset ``none``; discount rate 6 %.

    Parameters
    ----------
    **overrides
        Top-level sections. A mapping is merged into the section of the same name,
        recursively (``timeline={"periodicity": "quarterly"}`` keeps the other timeline
        fields); anything else, lists included, replaces it (``revenues=[]``). A value of
        ``None`` sets the key to ``None``; use ``dict.pop`` on the result to drop a key.

    Returns
    -------
    dict
        A fresh deep copy, ready for ``renewfin.spec.validate_data(ProjectSpec, data)``.
    """
    return merge_data(copy.deepcopy(_MINIMAL), overrides)


def _ledger(x: Result | Ledger) -> Ledger:
    return x if isinstance(x, Ledger) else x.ledger


def assert_ledger_close(
    actual: Result | Ledger,
    expected: Result | Ledger,
    rtol: float = 1e-9,
    *,
    atol: float = 1e-9,
    scenario: int | None = None,
    ids: list[str] | None = None,
) -> None:
    """Assert that two runs record the same line items with values equal within tolerance.

    Parameters
    ----------
    actual, expected : Result or Ledger
        The runs to compare.
    rtol, atol : float
        Relative and absolute tolerances, as in ``numpy.testing.assert_allclose``; the small
        default ``atol`` [money] lets lines that are zero up to rounding (checks) pass, and
        ``rtol=0, atol=0`` demands exact equality. NaNs compare equal to NaNs.
    scenario : int, optional
        Compare only this scenario of both runs (e.g. ``0`` to compare an S = 1 run with
        row 0 of a batch); by default every scenario, and both runs must have the same S.
    ids : list of str, optional
        Line items to compare; by default all, and both runs must hold the same ids.

    Raises
    ------
    AssertionError
        Naming every line item that is missing or differs, with its largest difference.
    """
    a, b = _ledger(actual), _ledger(expected)
    problems: list[str] = []
    if a.n_periods != b.n_periods:
        raise AssertionError(f"ledgers differ in periods: {a.n_periods} != {b.n_periods}")
    if scenario is None and a.n_scenarios != b.n_scenarios:
        raise AssertionError(f"ledgers differ in scenarios: {a.n_scenarios} != {b.n_scenarios}")
    if scenario is not None and not (0 <= scenario < min(a.n_scenarios, b.n_scenarios)):
        raise AssertionError(
            f"scenario {scenario} is out of range for ledgers of {a.n_scenarios} and "
            f"{b.n_scenarios} scenarios"
        )
    if ids is None:
        missing = [i for i in b.ids() if i not in a]
        extra = [i for i in a.ids() if i not in b]
        if missing:
            problems.append(f"missing line items: {', '.join(missing)}")
        if extra:
            problems.append(f"unexpected line items: {', '.join(extra)}")
        ids = [i for i in b.ids() if i in a]
    for id in ids:
        if id not in a or id not in b:
            problems.append(f"{id}: not in both ledgers")
            continue
        if scenario is None:
            x, y = a[id], b[id]
        else:
            x, y = a[id][scenario], b[id][scenario]
        try:
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
        except AssertionError:
            diff = np.abs(np.asarray(x) - np.asarray(y))
            worst = float(np.nanmax(diff)) if np.any(np.isfinite(diff)) else float("nan")
            problems.append(f"{id}: values differ (largest difference {worst:.6g})")
    if problems:
        raise AssertionError("ledgers differ:\n  " + "\n  ".join(problems))


def equity_flow_mix(n: int, t: int = 30, seed: int = 0) -> np.ndarray:
    """Sponsor equity cash flows of ``n`` Monte Carlo scenarios of an urban-renewal project,
    (n, t) [万元] by period, with the mix of sign patterns such a run produces.

    Per scenario: 1-4 construction periods share an equity injection of 50-150 (negative);
    distributions then yield a lognormal 8% of it a period (ramp-up over three periods,
    noise sd 25% floored at 0, 5% of periods locked up at 0); a major-maintenance cycle
    every 7-12 periods costs a lognormal 1.2% of the equity, so a distribution can turn
    negative; 20% of the scenarios refinance 5-9 periods after completion and distribute
    20-80% of the equity; half exit by a REIT sale 8-19 periods after completion at 5-15
    times the yield (zeros after the exit), the others hold to the horizon with that value
    in the last period, except that 10% of them hand the asset back at a cost of 5-20% of
    the equity instead; 3% fail (nothing but outflows). With ``t = 30`` about 82% of the
    rows change sign once, 15% several times (a few of them without any IRR) and 3% never,
    and half end in zeros.

    Parameters
    ----------
    n : int
        Number of scenarios ``S``.
    t : int, default 30
        Number of periods ``T`` (>= 8).
    seed : int, default 0
        Seed of the numpy ``Generator``.

    Returns
    -------
    (n, t) array
        Cash flows [万元]; investments negative.
    """
    if t < 8:
        raise ValueError(f"t must be >= 8, got {t}")
    rng = np.random.default_rng(seed)
    build = rng.integers(1, 5, size=n)
    equity = rng.uniform(50.0, 150.0, size=n)
    since = np.arange(t)[None, :] - build[:, None]  # periods since completion, (n, t)
    weights = rng.uniform(0.5, 1.5, size=(n, t)) * (since < 0)
    weights /= weights.sum(axis=1, keepdims=True)
    yield_ = rng.lognormal(np.log(0.08), 0.5, size=n)
    ramp = np.clip((since + 1) / 3.0, 0.0, 1.0)
    noise = np.maximum(1.0 + 0.25 * rng.standard_normal((n, t)), 0.0)
    income = (yield_ * equity)[:, None] * ramp * noise * (rng.random((n, t)) > 0.05)
    cycle = rng.integers(7, 13, size=n)[:, None]
    repairs = (since > 0) & (since % cycle == 0)
    repair_cost = rng.lognormal(np.log(0.012), 0.9, size=n) * equity
    flows = np.where(since < 0, -equity[:, None] * weights, income - repairs * repair_cost[:, None])
    rows = np.arange(n)
    refi = build + rng.integers(5, 10, size=n)
    refi_rows = rows[(rng.random(n) < 0.2) & (refi < t)]
    flows[refi_rows, refi[refi_rows]] += rng.uniform(0.2, 0.8, refi_rows.size) * equity[refi_rows]
    failed = rng.random(n) < 0.03
    flows[failed] = np.minimum(flows[failed], 0.0)
    sold = rng.random(n) < 0.5
    end = np.where(sold, np.minimum(build + rng.integers(8, 20, size=n), t - 1), t - 1)
    value = rng.uniform(5.0, 15.0, size=n) * yield_ * equity * ~failed
    handback = ~sold & (rng.random(n) < 0.1)
    value[handback] = -rng.uniform(0.05, 0.2, int(handback.sum())) * equity[handback]
    flows[rows, end] += value
    flows[since + build[:, None] > end[:, None]] = 0.0
    return flows
