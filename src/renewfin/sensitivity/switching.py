"""Switching values (临界点): the change of a factor at which a metric crosses a threshold,
and the standard 临界点分析表.

A bracket is found on a batched grid of changes, then refined by ``brentq`` with one
engine run per iteration; ``status`` says why a value was not found (the constants below).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize

from renewfin.engine import run
from renewfin.paths import base_inputs
from renewfin.sensitivity.factors import (
    Bases,
    Factor,
    FloatArray,
    Op,
    admissible_changes,
    check_metrics,
    comparison,
    evaluate_factors,
    resolve_factors,
    standard_factors,
)
from renewfin.simulation import DEFAULT_CHUNK
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import Threshold, ThresholdOp

__all__ = ["default_thresholds", "switching_table", "switching_values"]

FOUND = "found"
BREACHED_AT_BASE = "breached at base"
AT_THRESHOLD = "at the threshold at base"
NOT_REACHED = "not reached within the search range"
UNDEFINED_AT_BASE = "metric undefined at base"
UNDEFINED_CROSSING = "crosses where the metric is undefined"
SOLVER_FAILED = "metric undefined inside the bracket"


# -------------------------------------------------------------------- switching values


@dataclass
class _Crossing:
    status: str
    change: float = float("nan")
    bracket: tuple[float, float] | None = None


class _Undefined(Exception):
    """The metric is NaN at a point brentq asked for."""


def _first_crossing(xs: FloatArray, g: FloatArray, i0: int, step: int) -> _Crossing | None:
    """Walk from the base point ``xs[i0]`` outward (``step`` = ±1) to the first sign change
    of ``g``; None when there is none on this side."""
    s0 = np.sign(g[i0])
    prev_finite = True
    i = i0 + step
    while 0 <= i < xs.size:
        gi = g[i]
        if not np.isfinite(gi):
            prev_finite = False
        else:
            if gi == 0:
                return _Crossing(FOUND, float(xs[i]))
            if np.sign(gi) != s0:
                j = i - step
                if prev_finite:
                    return _Crossing(
                        FOUND, bracket=(float(min(xs[j], xs[i])), float(max(xs[j], xs[i])))
                    )
                k = j  # last finite point before the gap
                while not np.isfinite(g[k]):
                    k -= step
                return _Crossing(
                    UNDEFINED_CROSSING, bracket=(float(min(xs[k], xs[i])), float(max(xs[k], xs[i])))
                )
            prev_finite = True
        i += step
    return None


def switching_values(
    spec: ProjectSpec,
    factors: Sequence[Factor],
    metric: str,
    op: Op | ThresholdOp,
    threshold: float,
    search: tuple[float, float] = (-0.9, 2.0),
    *,
    grid: int = 61,
    xtol: float = 1e-6,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """临界点 (switching value): the change of each factor at which a metric crosses a
    threshold, e.g. the revenue fall that takes ``bond_coverage`` to 1.1.

    The metric is evaluated on a grid of ``grid`` changes over ``search`` (plus 0) for every
    factor in one batched engine run; walking out from the base on each side, the first sign
    change of ``metric − threshold`` brackets the crossing, which ``scipy.optimize.brentq``
    then refines on the engine (single runs) to ``xtol``. The crossing nearer to the base is
    reported. The metric at every change found is re-evaluated in one batched run
    (``value_at_change``) so the result can be checked.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    factors : sequence of Factor
        Factors to vary.
    metric : str
        Metric id.
    op : {"<", "<=", ">", ">="}
        Comparison that counts as a breach (``metric op threshold``).
    threshold : float
        Threshold [the metric's unit].
    search : (float, float)
        Range of relative changes searched [fraction], default −90 % … +200 %; for each
        factor, narrowed to the changes that keep its inputs inside their fields' bounds
        (``search_low`` / ``search_high`` in the result).
    grid : int
        Grid points over ``search`` (≥ 2).
    xtol : float
        Absolute tolerance of the change [fraction].

    Returns
    -------
    DataFrame
        One row per factor: ``factor``, ``metric``, ``op``, ``threshold``, ``base`` (metric
        at base), ``change`` [fraction] (0 when the metric is already breached or at the
        threshold at base; NaN when not found), ``multiplier`` (1 + change, the factor's
        value relative to base), ``critical_value`` (the input's value at the change, for a
        factor of one scalar input, else NaN), ``value_at_change`` (metric re-run there),
        ``direction`` (``decrease`` / ``increase`` / ``none``), ``status`` (``found``,
        ``breached at base``, ``at the threshold at base``, ``not reached within the search
        range``, ``crosses where the metric is undefined``, ``metric undefined at base``,
        ``metric undefined inside the bracket``), ``search_low`` / ``search_high`` and
        ``value_at_low`` / ``value_at_high`` (the metric at the ends of the search range).
    """
    compare = comparison(op)
    op_s = str(op)
    lo, hi = (float(v) for v in search)
    if not lo < hi:
        raise ValueError(f"search must be (low, high) with low < high, got {search!r}")
    if grid < 2:
        raise ValueError(f"grid must be >= 2, got {grid}")
    bases = base_inputs(spec)
    factors = resolve_factors(spec, factors, bases)
    grid_xs = np.union1d(np.linspace(lo, hi, grid), [0.0])
    i0 = int(np.flatnonzero(grid_xs == 0.0)[0])
    nf, nx = len(factors), grid_xs.size
    limits = [admissible_changes(spec, bases, f, lo, hi) for f in factors]
    xk = np.stack([np.clip(grid_xs, a, b) for a, b in limits])  # (nf, nx)
    which = np.repeat(np.arange(nf), nx)
    frame = evaluate_factors(spec, bases, factors, which, xk.ravel(), chunk_size)
    check_metrics(frame, [metric])
    y = frame[metric].to_numpy().reshape(nf, nx)
    crossings = [
        _crossing(spec, bases, f, metric, compare, threshold, xk[k], y[k], i0, xtol)
        for k, f in enumerate(factors)
    ]
    change = np.array([c.change for c in crossings])
    # run back: the metric at every change found, in one batched run
    found = np.flatnonzero(np.isfinite(change))
    value_at = np.full(nf, np.nan)
    if found.size:
        back = evaluate_factors(
            spec, bases, factors, found.astype(np.int64), change[found], chunk_size
        )
        value_at[found] = back[metric].to_numpy()
    rows = [
        _switching_row(f, c, bases, metric, op_s, threshold, y[k], i0, value_at[k], limits[k])
        for k, (f, c) in enumerate(zip(factors, crossings, strict=True))
    ]
    return pd.DataFrame(rows)


def _crossing(
    spec: ProjectSpec,
    bases: Bases,
    f: Factor,
    metric: str,
    compare: Callable[[FloatArray, float], NDArray[np.bool_]],
    threshold: float,
    xs: np.ndarray,
    y: np.ndarray,
    i0: int,
    xtol: float,
) -> _Crossing:
    """The crossing of one factor nearer the base: from the metric ``y`` (nx,) on its grid
    of changes ``xs`` (nx,) [fraction], ``i0`` the base; refined on the engine to
    ``xtol``."""
    base = y[i0]
    if not np.isfinite(base):
        return _Crossing(UNDEFINED_AT_BASE)
    if bool(compare(np.array(base), threshold)):
        return _Crossing(BREACHED_AT_BASE, 0.0)
    if base == threshold:
        return _Crossing(AT_THRESHOLD, 0.0)
    g = y - threshold
    sides = [
        c for c in (_first_crossing(xs, g, i0, -1), _first_crossing(xs, g, i0, +1)) if c is not None
    ]
    if not sides:
        return _Crossing(NOT_REACHED)
    best = min(
        sides,
        key=lambda c: (
            abs(c.change) if c.bracket is None else min(abs(c.bracket[0]), abs(c.bracket[1]))
        ),
    )
    if best.status == FOUND and best.bracket is not None:
        best = _refine(spec, bases, f, metric, threshold, best.bracket, xtol)
    return best


def _switching_row(
    f: Factor,
    c: _Crossing,
    bases: Bases,
    metric: str,
    op: str,
    threshold: float,
    y: np.ndarray,
    i0: int,
    value_at: float,
    limits: tuple[float, float],
) -> dict[str, object]:
    """One row of ``switching_values'``' result (its columns are documented there)."""
    base_val = np.asarray(bases[f.paths[0]], dtype=float)
    single = len(f.paths) == 1 and base_val.ndim == 0
    if not np.isfinite(c.change) or c.change == 0:
        direction = "none"
    else:
        direction = "decrease" if c.change < 0 else "increase"
    return {
        "factor": f.name,
        "metric": metric,
        "op": op,
        "threshold": float(threshold),
        "base": y[i0],
        "change": c.change,
        "multiplier": 1.0 + c.change,
        "critical_value": float(base_val) * (1.0 + c.change) if single else np.nan,
        "value_at_change": value_at,
        "direction": direction,
        "status": c.status,
        "search_low": limits[0],
        "search_high": limits[1],
        "value_at_low": y[0],
        "value_at_high": y[-1],
    }


def _refine(
    spec: ProjectSpec,
    bases: Bases,
    factor: Factor,
    metric: str,
    threshold: float,
    bracket: tuple[float, float],
    xtol: float,
) -> _Crossing:
    """brentq on single engine runs inside a bracket found on the grid."""
    base_vals = {p: np.asarray(bases[p], dtype=float) for p in factor.paths}

    def g(x: float) -> float:
        overrides = {p: (b * (1.0 + x))[None, ...] for p, b in base_vals.items()}
        v = float(run(spec, overrides, n_scenarios=1).values[metric][0])
        if not np.isfinite(v):
            raise _Undefined(x)
        return v - threshold

    try:
        root = optimize.brentq(g, bracket[0], bracket[1], xtol=xtol)
    except _Undefined:
        return _Crossing(SOLVER_FAILED, bracket=bracket)
    return _Crossing(FOUND, float(root), bracket)


def default_thresholds(spec: ProjectSpec) -> list[Threshold]:
    """The thresholds of the standard 临界点 table.

    ``project_irr_after_tax < evaluation.benchmark_irr``, and, when the project has special
    bonds, ``bond_coverage < funding.covenants.min_bond_coverage``.
    """
    out = [
        Threshold(
            metric="project_irr_after_tax",
            op=ThresholdOp.LT,
            value=spec.evaluation.benchmark_irr,
            label="项目投资财务内部收益率（所得税后）低于基准收益率",
        )
    ]
    if spec.funding.special_bonds:
        out.append(
            Threshold(
                metric="bond_coverage",
                op=ThresholdOp.LT,
                value=spec.funding.covenants.min_bond_coverage,
                label="专项债本息覆盖倍数低于下限",
            )
        )
    return out


def switching_table(
    spec: ProjectSpec,
    thresholds: Sequence[Threshold] | None = None,
    *,
    factors: Sequence[Factor] | None = None,
    search: tuple[float, float] = (-0.9, 2.0),
    grid: int = 61,
    xtol: float = 1e-6,
) -> pd.DataFrame:
    """The 临界点 table that accompanies :func:`evaluation_table`.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    thresholds : sequence of Threshold, optional
        Breaches to locate; default :func:`default_thresholds`.
    factors : sequence of Factor, optional
        Factors; default the standard ones.
    search, grid, xtol
        As for :func:`switching_values`.

    Returns
    -------
    DataFrame
        The rows of :func:`switching_values` for each threshold, with a first column
        ``threshold_label``.
    """
    bases = base_inputs(spec)
    factors = standard_factors(spec, bases) if factors is None else list(factors)
    thresholds = default_thresholds(spec) if thresholds is None else list(thresholds)
    parts = []
    for th in thresholds:
        part = switching_values(
            spec, factors, th.metric, th.op, th.value, search, grid=grid, xtol=xtol
        )
        part.insert(0, "threshold_label", th.label or th.text)
        parts.append(part)
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    out.attrs.update(title_zh="临界点分析表", title_en="Switching values")
    return out
