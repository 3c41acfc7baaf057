"""Deterministic and global sensitivity analysis of the full engine.

Deterministic analysis varies *factors*: a factor is a named group of spec inputs that
move together by one relative change ``x`` (every input of the group is multiplied by
``1 + x``). The five standard factors of a Chinese evaluation report (一案两书,
《建设项目经济评价方法与参数》(第三版)) are 营业收入 (revenue), 经营成本 (operating cost),
利率 (interest rate), 专项债规模 (special-bond amount) and 建设投资 (construction
investment); a scenario file adds one factor per uncertain input.

- :func:`spider` — metrics at a ladder of relative changes (a spider / 敏感性分析图);
- :func:`tornado` — each uncertain input at its scenario low and high value;
- :func:`elasticities` — the 敏感度系数 ``SAF = (ΔA / A₀) / (ΔF / F₀)``;
- :func:`switching_values` — the 临界点, the change at which a metric crosses a threshold;
- :func:`evaluation_table` and :func:`switching_table` — the standard 敏感性分析表 and its
  companion 临界点 table;
- :func:`global_sensitivity` — Spearman and standardised rank regression from a simulation;
- :func:`sobol` — first- and total-order Sobol' indices (Saltelli design);
- :func:`scenario_analysis` — which inputs distinguish the scenarios that breach a threshold.

Every function batches its engine evaluations: all the points of one analysis are one
``run`` with a scenario axis of S points (chunked at
:data:`renewfin.simulation.DEFAULT_CHUNK`), never a Python loop of single runs. The one
exception is the root refinement of :func:`switching_values`, which calls the engine once
per ``brentq`` iteration inside a bracket found by a batched grid.

Conventions: changes ``x`` and steps are fractions (``-0.10`` = −10 %); metric values are in
the metric's own unit (``renewfin.metrics.metric_info``); ratios are plain fractions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize, stats

from renewfin import montecarlo as mc
from renewfin.engine import run
from renewfin.paths import base_inputs, canonical_path, suggest
from renewfin.simulation import DEFAULT_CHUNK, Simulation, evaluate, prepare
from renewfin.spec.base import StandardFactor
from renewfin.spec.model import ProjectSpec
from renewfin.spec.registry import registry
from renewfin.spec.scenario import Apply, ScenarioSpec, Threshold, ThresholdOp

__all__ = [
    "BASE_CASE",
    "DEFAULT_METRICS",
    "STANDARD_CHANGES",
    "STEPS_2PCT",
    "STEPS_5PCT",
    "Factor",
    "Op",
    "default_thresholds",
    "elasticities",
    "evaluation_table",
    "global_sensitivity",
    "scenario_analysis",
    "scenario_factors",
    "sobol",
    "spider",
    "spider_wide",
    "standard_factors",
    "switching_table",
    "switching_values",
    "tornado",
]

FloatArray = NDArray[np.float64]
Op = Literal["<", "<=", ">", ">="]
"""Comparison that counts as a breach: ``metric op threshold``."""
Bases = Mapping[str, float | list[float]]

STEPS_5PCT: tuple[float, ...] = (-0.10, -0.05, 0.0, 0.05, 0.10)
"""The usual spider steps: −10 % … +10 % in 5 % steps."""
STEPS_2PCT: tuple[float, ...] = (-0.08, -0.06, -0.04, -0.02, 0.0, 0.02, 0.04, 0.06, 0.08)
"""Steps some evaluation reports use: −8 % … +8 % in 2 % steps (``DOMAIN.md`` §3)."""
STANDARD_CHANGES: tuple[float, ...] = (-0.10, -0.05, 0.05, 0.10)
"""Changes of the standard 敏感性分析表."""
DEFAULT_METRICS: tuple[str, ...] = ("project_irr_after_tax", "equity_irr", "bond_coverage")
"""Metrics of the standard 敏感性分析表."""
BASE_CASE = "基本方案"
"""Label of the base-case row."""

FOUND = "found"
BREACHED_AT_BASE = "breached at base"
AT_THRESHOLD = "at the threshold at base"
NOT_REACHED = "not reached within the search range"
UNDEFINED_AT_BASE = "metric undefined at base"
UNDEFINED_CROSSING = "crosses where the metric is undefined"
SOLVER_FAILED = "metric undefined inside the bracket"

_OPS: dict[str, Callable[[FloatArray, float], NDArray[np.bool_]]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
}


# --------------------------------------------------------------------------- factors


@dataclass(frozen=True)
class Factor:
    """A named group of spec inputs varied together by one relative change.

    At a change ``x`` every input in ``paths`` takes ``spec value × (1 + x)`` (vector inputs
    element-wise); every other input keeps its spec value.

    Attributes
    ----------
    name : str
        Label used in tables (营业收入, or an uncertain input's name).
    paths : tuple of str
        Spec paths of the inputs (``revenues[停车位].unit_price``), as ``base_inputs`` names
        them; index forms (``revenues[0].unit_price``) are canonicalised when used.
    en : str
        English label (may be empty).
    """

    name: str
    paths: tuple[str, ...]
    en: str = ""

    def __post_init__(self) -> None:
        paths = tuple(dict.fromkeys(self.paths))  # keep order, drop repeats
        if not paths:
            raise ValueError(f"factor {self.name!r} has no paths")
        object.__setattr__(self, "paths", paths)

    @property
    def label(self) -> str:
        """``name en`` (bilingual when ``en`` is given)."""
        return f"{self.name} {self.en}".strip()


_STANDARD: tuple[tuple[str, str, StandardFactor], ...] = (
    ("营业收入", "Revenue", StandardFactor.REVENUE),
    ("经营成本", "Operating cost", StandardFactor.OPEX),
    ("利率", "Interest rate", StandardFactor.RATE),
    ("专项债规模", "Bond amount", StandardFactor.BOND),
    ("建设投资", "Construction investment", StandardFactor.INVESTMENT),
)
"""The standard factors: name, English label, and the ``StandardFactor`` their fields carry
in the spec models (``renewfin.spec.base.StandardFactor``)."""


def standard_factors(spec: ProjectSpec, bases: Bases | None = None) -> list[Factor]:
    """The factors Chinese evaluation reports (一案两书) vary, built from the engine's inputs
    whose spec field carries the factor (``StandardFactor`` in its annotation):

    - 营业收入 Revenue: every ``revenues[*].unit_price``;
    - 经营成本 Operating cost: every ``opex[*].amount``, ``.unit_cost`` and ``.share`` the
      engine reads;
    - 利率 Interest rate: the LPR levels the engine reads (``funding.lpr.five_year`` /
      ``one_year``; a change of the level shifts an LPR path by the same amount, and loan
      spreads are not scaled), every fixed loan ``rate``, every special-bond ``coupon``
      (and ``refinance_coupon``);
    - 专项债规模 Bond amount: every ``funding.special_bonds[*].amount``;
    - 建设投资 Construction investment: every ``investment[*].amount`` (rate-based items
      such as 基本预备费 follow their base).

    A factor with no paths (no bonds, no operating costs …) is left out.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    bases : mapping of path → value, optional
        ``base_inputs(spec)``, when already at hand (saves one engine run).

    Returns
    -------
    list of Factor
        In the order above; paths in the order the engine reads them.
    """
    bases = base_inputs(spec) if bases is None else bases
    reg = registry(spec)
    out = []
    for name, en, factor in _STANDARD:
        paths = tuple(p for p in bases if (e := reg.find(p)) is not None and e.factor is factor)
        if paths:
            out.append(Factor(name, paths, en))
    return out


def scenario_factors(
    spec: ProjectSpec, scenario: ScenarioSpec, names: Sequence[str] | None = None
) -> list[Factor]:
    """One single-path factor per uncertain input of a scenario file.

    Inputs are those named in ``names``, else in the scenario's ``sensitivity.inputs``, else
    every input with ``apply: multiply`` or a non-zero spec value (a relative change of a
    zero, such as ``risk.capex_overrun``, changes nothing).

    Parameters
    ----------
    spec : ProjectSpec
        The project the scenario applies to.
    scenario : ScenarioSpec
        The scenario file.
    names : sequence of str, optional
        Names of the inputs to use.

    Returns
    -------
    list of Factor
        Named after the inputs, in the scenario's order.

    Raises
    ------
    SpecError
        When an input's path is not an input of this spec.
    ValueError
        When ``names`` holds an unknown input name.
    """
    prepared = prepare(spec, scenario)
    chosen = names if names is not None else scenario.sensitivity.inputs
    if chosen is not None:
        known = {p.name for p in prepared}
        unknown = [n for n in chosen if n not in known]
        if unknown:
            raise ValueError(
                f"unknown uncertain inputs {unknown}; expected some of {sorted(known)}"
            )
        return [Factor(p.name, (p.path,)) for p in prepared if p.name in set(chosen)]
    return [
        Factor(p.name, (p.path,))
        for p in prepared
        if p.apply is Apply.MULTIPLY or np.any(np.asarray(p.base, dtype=float) != 0)
    ]


def _resolve(spec: ProjectSpec, factors: Sequence[Factor], bases: Bases) -> list[Factor]:
    """Factors with canonical paths; raise naming every path the engine does not read."""
    out, problems = [], []
    known = sorted(bases)
    for f in factors:
        paths = tuple(canonical_path(spec, p) for p in f.paths)
        problems += [
            f"factor {f.name!r}: {p} is not a numeric input of this spec" + suggest(p, known)
            for p in paths
            if p not in bases
        ]
        out.append(Factor(f.name, paths, f.en))
    names = [f.name for f in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        problems.append(f"factor names must be unique; repeated: {dupes}")
    if problems:
        raise ValueError("; ".join(problems))
    return out


# ------------------------------------------------------------------- batched evaluation


def _factor_overrides(
    bases: Bases, factors: Sequence[Factor], which: NDArray[np.int64], change: FloatArray
) -> dict[str, FloatArray]:
    """Engine overrides for S points: point k varies ``factors[which[k]]`` by ``change[k]``
    (``which[k] = -1`` for the base case). Scalars give (S,), vectors (S, m)."""
    paths = list(dict.fromkeys(p for f in factors for p in f.paths))
    col = {p: j for j, p in enumerate(paths)}
    s = which.size
    mult = np.ones((s, len(paths)))
    for k, f in enumerate(factors):
        rows = np.flatnonzero(which == k)
        cols = np.array([col[p] for p in f.paths], dtype=np.int64)
        mult[np.ix_(rows, cols)] = (1.0 + change[rows])[:, None]
    out = {}
    for p, j in col.items():
        base = np.asarray(bases[p], dtype=float)
        out[p] = base[None, ...] * mult[:, j].reshape((s,) + (1,) * base.ndim)
    return out


def _evaluate_factors(
    spec: ProjectSpec,
    bases: Bases,
    factors: Sequence[Factor],
    which: NDArray[np.int64],
    change: FloatArray,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """Metrics (S, metrics) at S factor points, in one batched engine run per chunk; a
    point that takes an input outside its field's bounds (an opex share above 100 %, a
    negative price) is not run and its metrics are NaN."""
    overrides = _factor_overrides(bases, factors, which, change)
    reg = registry(spec)
    ok = np.ones(which.size, dtype=bool)
    for path, values in overrides.items():
        bad = reg[path].bounds.outside(values)
        ok &= ~(bad.reshape(which.size, -1).any(axis=1))
    if ok.all():
        return evaluate(spec, overrides, which.size, chunk_size=chunk_size)
    rows = np.flatnonzero(ok)
    frame = evaluate(
        spec, {p: v[rows] for p, v in overrides.items()}, rows.size, chunk_size=chunk_size
    )
    return frame.set_axis(rows).reindex(np.arange(which.size))


def _admissible(
    spec: ProjectSpec, bases: Bases, factor: Factor, lo: float, hi: float
) -> tuple[float, float]:
    """The part of the relative changes [lo, hi] that keeps every input of ``factor``
    inside its field's bounds (a change ``c`` scales a value ``b`` to ``b (1 + c)``)."""
    reg = registry(spec)
    for path in factor.paths:
        bounds = reg[path].bounds
        for b in np.atleast_1d(np.asarray(bases[path], dtype=float)):
            if b == 0.0:
                continue
            ends = sorted(((bounds.lo / b) - 1.0, (bounds.hi / b) - 1.0))
            lo, hi = max(lo, ends[0]), min(hi, ends[1])
    return lo, hi


def _check_metrics(frame: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    unknown = [m for m in metrics if m not in frame.columns]
    if unknown:
        raise KeyError(f"unknown metrics {unknown}; expected some of {sorted(frame.columns)}")
    return list(metrics)


def _compare(op: str) -> Callable[[FloatArray, float], NDArray[np.bool_]]:
    try:
        return _OPS[str(op)]
    except KeyError:
        raise ValueError(f"op must be one of {list(_OPS)}, got {op!r}") from None


def _saf(a0: FloatArray, a1: FloatArray, change: FloatArray) -> tuple[FloatArray, list[str]]:
    """敏感度系数 ``((a1 − a0) / a0) / change`` and a note where it is undefined.

    NaN where the base value is 0 (the relative change of the metric is undefined), where
    either value is not finite, or where the change is 0.
    """
    a0, a1, x = np.broadcast_arrays(
        np.asarray(a0, float), np.asarray(a1, float), np.asarray(change, float)
    )
    finite = np.isfinite(a0) & np.isfinite(a1)
    ok = finite & (a0 != 0) & (x != 0)
    saf = np.full(a0.shape, np.nan)
    np.divide((a1 - a0), a0 * x, out=saf, where=ok)
    saf += 0.0  # no −0.0 when the metric does not move
    notes = np.where(
        ~finite,
        "metric undefined (NaN)",
        np.where(
            a0 == 0, "base value is 0: relative change undefined", np.where(x == 0, "no change", "")
        ),
    )
    return saf, [str(n) for n in notes.ravel()]


# ----------------------------------------------------------------------------- spider


def spider(
    spec: ProjectSpec,
    factors: Sequence[Factor],
    steps: Sequence[float] = STEPS_5PCT,
    metrics: Sequence[str] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """Metrics with each factor varied alone over a ladder of relative changes.

    One batched engine run with S = len(factors) × len(steps).

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    factors : sequence of Factor
        Factors to vary (``standard_factors(spec)``, ``scenario_factors(...)``).
    steps : sequence of float
        Relative changes [fraction], default −10 %, −5 %, 0, +5 %, +10 %.
    metrics : sequence of str, optional
        Metric ids; default every metric of the run.

    Returns
    -------
    DataFrame
        Long format, one row per (factor, step, metric): ``factor``, ``step`` [fraction],
        ``metric``, ``value`` [the metric's unit]; factors and metrics in the order given,
        steps in the order given.
    """
    bases = base_inputs(spec)
    factors = _resolve(spec, factors, bases)
    x = np.asarray(steps, dtype=float)
    which = np.repeat(np.arange(len(factors)), x.size)
    change = np.tile(x, len(factors))
    frame = _evaluate_factors(spec, bases, factors, which, change, chunk_size)
    keys = _check_metrics(frame, list(frame.columns) if metrics is None else metrics)
    values = frame[keys].to_numpy()
    s, m = values.shape
    return pd.DataFrame(
        {
            "factor": np.repeat([factors[k].name for k in which], m),
            "step": np.repeat(change, m),
            "metric": np.tile(keys, s),
            "value": values.ravel(),
        }
    )


def spider_wide(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One metric of a :func:`spider` result as a table: a row per factor, a column per step.

    Parameters
    ----------
    frame : DataFrame
        The long result of :func:`spider`.
    metric : str
        Metric id.

    Returns
    -------
    DataFrame
        Index ``factor`` (in the spider's order), columns the steps [fraction], values in the
        metric's unit.
    """
    sub = frame[frame["metric"] == metric]
    if sub.empty:
        raise KeyError(
            f"metric {metric!r} not in the spider; it has {list(dict.fromkeys(frame['metric']))}"
        )
    order = list(dict.fromkeys(sub["factor"]))
    wide = sub.pivot(index="factor", columns="step", values="value")
    wide = wide.reindex(order)
    wide.columns.name = "step"
    wide.attrs["metric"] = metric
    return wide


# ---------------------------------------------------------------------------- tornado


TORNADO_COLUMNS = [
    "input",
    "path",
    "metric",
    "base",
    "low_value",
    "high_value",
    "swing",
    "low_sample",
    "high_sample",
]
"""Columns of a tornado table."""


def tornado_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Tornado rows as a table sorted by metric (in ``_order``) then by swing, largest
    first."""
    if not rows:
        return pd.DataFrame(columns=TORNADO_COLUMNS)
    out = pd.DataFrame(rows).sort_values(
        ["_order", "swing"], ascending=[True, False], na_position="last", kind="stable"
    )
    return out[TORNADO_COLUMNS].reset_index(drop=True)


def tornado(
    spec: ProjectSpec,
    scenario: ScenarioSpec,
    metrics: Sequence[str] | None = None,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """Each uncertain input alone at its low and its high value, the others at base.

    The low and high sample values are the scenario's ``low`` / ``high`` or the 10th and 90th
    percentiles of the input's distribution (``PreparedInput.low`` / ``.high``), applied as
    the input says (``multiply``, ``add`` or ``set``). One batched engine run with
    S = 1 + 2d. Inputs are the scenario's ``sensitivity.inputs`` when given, else all.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    scenario : ScenarioSpec
        Uncertain inputs.
    metrics : sequence of str, optional
        Metric ids; default the scenario's ``sensitivity.metrics``.

    Returns
    -------
    DataFrame
        Columns ``input``, ``path``, ``metric``, ``base`` (deterministic value),
        ``low_value`` / ``high_value`` (metric with the input at its low / high sample),
        ``swing`` = |high − low| [the metric's unit], ``low_sample`` / ``high_sample`` (the
        sample values used). Rows grouped by metric in the order given, then by swing,
        largest first (NaN last).
    """
    prepared = prepare(spec, scenario)
    chosen = scenario.sensitivity.inputs
    if chosen is not None:
        prepared = [p for p in prepared if p.name in set(chosen)]
    keys_wanted = list(scenario.sensitivity.metrics if metrics is None else metrics)
    d = len(prepared)
    s = 1 + 2 * d
    overrides: dict[str, FloatArray] = {}
    for i, p in enumerate(prepared):
        base = np.asarray(p.base, dtype=float)
        arr = np.repeat(base[None, ...], s, axis=0)
        arr[1 + i] = p.values(np.array([p.low]))[0]
        arr[1 + d + i] = p.values(np.array([p.high]))[0]
        overrides[p.path] = arr
    frame = evaluate(spec, overrides, s, chunk_size=chunk_size)
    keys = _check_metrics(frame, keys_wanted)
    rows = []
    for j, key in enumerate(keys):
        y = frame[key].to_numpy()
        for i, p in enumerate(prepared):
            lo, hi = y[1 + i], y[1 + d + i]
            rows.append(
                {
                    "input": p.name,
                    "path": p.path,
                    "metric": key,
                    "base": y[0],
                    "low_value": lo,
                    "high_value": hi,
                    "swing": abs(hi - lo),
                    "low_sample": p.low,
                    "high_sample": p.high,
                    "_order": j,
                }
            )
    return tornado_frame(rows)


# ------------------------------------------------------------------------ elasticities


def elasticities(
    spec: ProjectSpec,
    factors: Sequence[Factor],
    metrics: Sequence[str],
    change: float = 0.10,
    *,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """敏感度系数 (sensitivity coefficient) of each metric to each factor.

    As 《建设项目经济评价方法与参数》(第三版) defines it::

        SAF = (ΔA / A₀) / (ΔF / F₀),   ΔA = A₁ − A₀,  ΔF / F₀ = ±change

    for a change of +``change`` and of −``change``. SAF is NaN, with a note, when the base
    value A₀ is 0 (the relative change of the metric is undefined; report ΔA instead) or
    when a value is NaN. One batched engine run with S = 1 + 2 × len(factors).

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    factors : sequence of Factor
        Factors to vary.
    metrics : sequence of str
        Metric ids (A).
    change : float
        Relative change of the factor [fraction], > 0; default 10 %.

    Returns
    -------
    DataFrame
        One row per (factor, metric, ±change): ``factor``, ``metric``, ``change``
        [fraction], ``base`` (A₀), ``value`` (A₁), ``delta`` (A₁ − A₀) [the metric's unit],
        ``saf`` [dimensionless], ``note`` (why SAF is NaN, else empty).
    """
    if not change > 0:
        raise ValueError(f"change must be > 0, got {change!r}")
    bases = base_inputs(spec)
    factors = _resolve(spec, factors, bases)
    nf = len(factors)
    which = np.concatenate([[-1], np.repeat(np.arange(nf), 2)]).astype(np.int64)
    x = np.concatenate([[0.0], np.tile([-change, change], nf)])
    frame = _evaluate_factors(spec, bases, factors, which, x, chunk_size)
    keys = _check_metrics(frame, metrics)
    parts = []
    for key in keys:
        y = frame[key].to_numpy()
        a0 = np.full(2 * nf, y[0])
        saf, notes = _saf(a0, y[1:], x[1:])
        parts.append(
            pd.DataFrame(
                {
                    "factor": [factors[k].name for k in which[1:]],
                    "metric": key,
                    "change": x[1:],
                    "base": a0,
                    "value": y[1:],
                    "delta": y[1:] - a0,
                    "saf": saf,
                    "note": notes,
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    order = {f.name: i for i, f in enumerate(factors)}
    out["_f"] = out["factor"].map(order)
    out = out.sort_values(["_f"], kind="stable").drop(columns="_f")
    return out.reset_index(drop=True)


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
    compare = _compare(op)
    op_s = str(op)
    lo, hi = (float(v) for v in search)
    if not lo < hi:
        raise ValueError(f"search must be (low, high) with low < high, got {search!r}")
    if grid < 2:
        raise ValueError(f"grid must be >= 2, got {grid}")
    bases = base_inputs(spec)
    factors = _resolve(spec, factors, bases)
    grid_xs = np.union1d(np.linspace(lo, hi, grid), [0.0])
    i0 = int(np.flatnonzero(grid_xs == 0.0)[0])
    nf, nx = len(factors), grid_xs.size
    limits = [_admissible(spec, bases, f, lo, hi) for f in factors]
    xk = np.stack([np.clip(grid_xs, a, b) for a, b in limits])  # (nf, nx)
    which = np.repeat(np.arange(nf), nx)
    frame = _evaluate_factors(spec, bases, factors, which, xk.ravel(), chunk_size)
    _check_metrics(frame, [metric])
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
        back = _evaluate_factors(
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


# ---------------------------------------------------------------- the standard tables


def evaluation_table(
    spec: ProjectSpec,
    metrics: Sequence[str] = DEFAULT_METRICS,
    changes: Sequence[float] = STANDARD_CHANGES,
    *,
    factors: Sequence[Factor] | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """The 敏感性分析表 of an evaluation report (一案两书).

    Rows: 基本方案 (the base case), then each standard factor (:func:`standard_factors`) at
    each change. One batched engine run with S = 1 + factors × changes. The companion
    临界点 table is :func:`switching_table`.

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    metrics : sequence of str
        Metric ids, default project IRR after tax, equity IRR and bond coverage (a metric
        that is undefined for the project, such as bond coverage without bonds, is NaN).
    changes : sequence of float
        Relative changes [fraction]; default ±5 %, ±10 % (:data:`STEPS_2PCT` without 0 for
        the 2 % ladder).
    factors : sequence of Factor, optional
        Factors; default the standard ones.

    Returns
    -------
    DataFrame
        Columns ``factor`` (基本方案 or the factor's name), ``factor_en``, ``change``
        [fraction], one column per metric [its unit], ``saf`` (敏感度系数 of the first
        metric, NaN on the base row and where undefined). ``attrs``: ``title_zh``,
        ``title_en``, ``saf_metric``.
    """
    metrics = list(metrics)
    if not metrics:
        raise ValueError("evaluation_table needs at least one metric")
    bases = base_inputs(spec)
    factors = _resolve(spec, standard_factors(spec, bases) if factors is None else factors, bases)
    x = np.asarray(changes, dtype=float)
    which = np.concatenate([[-1], np.repeat(np.arange(len(factors)), x.size)]).astype(np.int64)
    change = np.concatenate([[0.0], np.tile(x, len(factors))])
    frame = _evaluate_factors(spec, bases, factors, which, change, chunk_size)
    keys = _check_metrics(frame, metrics)
    out = pd.DataFrame(
        {
            "factor": [BASE_CASE, *(factors[k].name for k in which[1:])],
            "factor_en": ["Base case", *(factors[k].en for k in which[1:])],
            "change": change,
        }
    )
    for key in keys:
        out[key] = frame[key].to_numpy()
    y = frame[keys[0]].to_numpy()
    saf, _ = _saf(np.full(y.size, y[0]), y, change)
    saf[0] = np.nan
    out["saf"] = saf
    out.attrs.update(title_zh="敏感性分析表", title_en="Sensitivity analysis", saf_metric=keys[0])
    return out


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


# ------------------------------------------------------------ global sensitivity (MC)


def global_sensitivity(sim: Simulation, metric: str) -> pd.DataFrame:
    """Rank-based global sensitivity of a metric to every sampled input of a simulation.

    Spearman rank correlation of each input with the metric, and standardised rank
    regression coefficients (SRRC) with the rank R² (SRRC are meaningful when R² is high,
    say > 0.7). Scenarios where the metric is NaN are left out (counted in ``n_nan``).

    Parameters
    ----------
    sim : Simulation
        A Monte Carlo run (``renewfin.simulation.simulate``).
    metric : str
        Metric id.

    Returns
    -------
    DataFrame
        One row per input: ``input``, ``path``, ``spearman``, ``srrc``, ``r2``, ``n`` (used),
        ``n_nan``; sorted by |spearman|, largest first (NaN last).
    """
    if metric not in sim.metrics:
        raise KeyError(f"unknown metric {metric!r}; expected one of {sorted(sim.metrics.columns)}")
    names = list(sim.samples.columns)
    paths = {p.name: p.path for p in sim.inputs}
    x = sim.samples.to_numpy(dtype=float)
    y = sim.metrics[metric].to_numpy(dtype=float)
    n_nan = int(np.isnan(y).sum())
    n = y.size - n_nan
    d = len(names)
    rho = np.full(d, np.nan)
    srrc = np.full(d, np.nan)
    r2 = float("nan")
    if d and n >= 3:
        rho = mc.spearman_with_output(x, y)
        if n > d:
            res = mc.standardised_rank_regression(x, y)
            srrc, r2 = res.coefficients, res.r2
    out = pd.DataFrame(
        {
            "input": names,
            "path": [paths.get(k, "") for k in names],
            "spearman": rho,
            "srrc": srrc,
            "r2": r2,
            "n": n,
            "n_nan": n_nan,
        }
    )
    out["_abs"] = out["spearman"].abs()
    out = out.sort_values("_abs", ascending=False, na_position="last", kind="stable")
    return out.drop(columns="_abs").reset_index(drop=True)


def sobol(
    spec: ProjectSpec,
    scenario: ScenarioSpec,
    metric: str,
    n: int = 1024,
    seed: int | None = None,
    *,
    n_bootstrap: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """First- and total-order Sobol' indices of a metric, for independent inputs.

    The Saltelli (2010) design is drawn in the unit cube (scrambled Sobol' points,
    ``mc.saltelli_matrices``), mapped through each input's inverse CDF, applied as the
    input says (multiply, add, set), and evaluated by the engine as one batch of
    N (d + 2) scenarios (chunked). Indices by ``mc.sobol_indices`` (Saltelli 2010 for S1,
    Jansen 1999 for ST).

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    scenario : ScenarioSpec
        Uncertain inputs; must declare no correlations.
    metric : str
        Metric id.
    n : int
        Base sample size N (a power of two).
    seed : int, optional
        Seed; default the scenario's ``seed`` (so the same call gives the same numbers).
    n_bootstrap : int
        Bootstrap replicates for 95 % intervals (0: none).

    Returns
    -------
    DataFrame
        One row per input: ``input``, ``path``, ``S1``, ``ST`` and, with bootstrap,
        ``S1_low``, ``S1_high``, ``ST_low``, ``ST_high``; sorted by ST, largest first.
        ``attrs``: ``n``, ``evaluations``.

    Raises
    ------
    ValueError
        When the scenario declares correlations (Sobol' indices as estimated here assume
        independent inputs), when it has no inputs, when the metric is unknown, or when
        a model output is NaN (``mc.sobol_indices``).
    """
    if scenario.correlations:
        pairs = ", ".join(f"{c.a}–{c.b}" for c in scenario.correlations)
        raise ValueError(
            f"sobol: Sobol' indices need independent inputs, but the scenario declares "
            f"correlations ({pairs}); remove them for this analysis, or use "
            f"global_sensitivity on a simulation, which allows correlated inputs"
        )
    prepared = prepare(spec, scenario)
    if not prepared:
        raise ValueError("sobol: the scenario has no uncertain inputs")
    d = len(prepared)
    seeds = mc.spawn_seeds(scenario.seed if seed is None else seed, 2)
    a, b, ab = mc.saltelli_matrices(n, d, seed=seeds[0], method="sobol")
    u = np.vstack([a, b, ab.reshape(-1, d)])
    total = u.shape[0]
    overrides = {p.path: p.values(p.dist.ppf(u[:, j])) for j, p in enumerate(prepared)}
    frame = evaluate(spec, overrides, total, chunk_size=chunk_size)
    _check_metrics(frame, [metric])
    y = frame[metric].to_numpy(dtype=float)
    res = mc.sobol_indices(
        y[:n], y[n : 2 * n], y[2 * n :].reshape(d, n), n_bootstrap=n_bootstrap, seed=seeds[1]
    )
    out = pd.DataFrame(
        {
            "input": [p.name for p in prepared],
            "path": [p.path for p in prepared],
            "S1": res.S1,
            "ST": res.ST,
        }
    )
    if res.S1_ci is not None and res.ST_ci is not None:
        out["S1_low"], out["S1_high"] = res.S1_ci[:, 0], res.S1_ci[:, 1]
        out["ST_low"], out["ST_high"] = res.ST_ci[:, 0], res.ST_ci[:, 1]
    out = out.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs.update(n=n, evaluations=total)
    return out


def scenario_analysis(
    sim: Simulation,
    metric: str,
    op: Op | ThresholdOp,
    value: float,
    *,
    significance: float = 0.5,
) -> pd.DataFrame:
    """Which inputs distinguish the scenarios that breach a threshold (as @RISK's scenario
    analysis).

    For each sampled input, the breach subset (``metric op value``) is compared with all
    scenarios: medians, means, the standardised shift ``(mean_breach − mean_all) /
    std_all``, and the two-sample Kolmogorov–Smirnov statistic between the breach subset
    and the other scenarios (``scipy.stats.ks_2samp``; independent samples, so its p-value
    is valid). An input is ``significant`` when |shift| > ``significance`` (0.5 standard
    deviations, @RISK's default). Scenarios where the metric is NaN are left out.

    Parameters
    ----------
    sim : Simulation
        A Monte Carlo run.
    metric : str
        Metric id.
    op : {"<", "<=", ">", ">="}
        Comparison that counts as a breach.
    value : float
        Threshold [the metric's unit].
    significance : float
        |shift| above which an input is flagged.

    Returns
    -------
    DataFrame
        One row per input: ``input``, ``n_breach``, ``median_breach``, ``median_all``,
        ``mean_breach``, ``mean_all``, ``std_all`` [the input's sample unit], ``shift``,
        ``median_shift`` ((median_breach − median_all) / std_all), ``ks``, ``ks_pvalue``,
        ``significant``; sorted by |shift|, largest first (NaN last). ``attrs``: ``n``,
        ``n_breach``, ``n_nan``, ``p_breach``. With no breach the statistics are NaN and
        nothing is significant.
    """
    compare = _compare(op)
    if metric not in sim.metrics:
        raise KeyError(f"unknown metric {metric!r}; expected one of {sorted(sim.metrics.columns)}")
    y = sim.metrics[metric].to_numpy(dtype=float)
    valid = ~np.isnan(y)
    breach = valid & compare(np.where(valid, y, 0.0), float(value))
    rest = valid & ~breach
    nb = int(breach.sum())
    rows = []
    for name in sim.samples.columns:
        x = sim.samples[name].to_numpy(dtype=float)
        xa, xb, xr = x[valid], x[breach], x[rest]
        std = float(xa.std(ddof=1)) if xa.size > 1 else float("nan")
        mean_all, med_all = float(np.mean(xa)), float(np.median(xa))
        mean_b = float(np.mean(xb)) if nb else float("nan")
        med_b = float(np.median(xb)) if nb else float("nan")
        ok = np.isfinite(std) and std > 0
        shift = (mean_b - mean_all) / std if ok else float("nan")
        median_shift = (med_b - med_all) / std if ok else float("nan")
        if nb and xr.size:
            ks = stats.ks_2samp(xb, xr)
            ks_stat, ks_p = float(ks.statistic), float(ks.pvalue)
        else:
            ks_stat = ks_p = float("nan")
        rows.append(
            {
                "input": name,
                "n_breach": nb,
                "median_breach": med_b,
                "median_all": med_all,
                "mean_breach": mean_b,
                "mean_all": mean_all,
                "std_all": std,
                "shift": shift,
                "median_shift": median_shift,
                "ks": ks_stat,
                "ks_pvalue": ks_p,
                "significant": bool(np.isfinite(shift) and abs(shift) > significance),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "input",
            "n_breach",
            "median_breach",
            "median_all",
            "mean_breach",
            "mean_all",
            "std_all",
            "shift",
            "median_shift",
            "ks",
            "ks_pvalue",
            "significant",
        ],
    )
    out["_abs"] = out["shift"].abs()
    out = out.sort_values("_abs", ascending=False, na_position="last", kind="stable")
    out = out.drop(columns="_abs").reset_index(drop=True)
    n = int(valid.sum())
    out.attrs.update(
        n=n, n_breach=nb, n_nan=int((~valid).sum()), p_breach=nb / n if n else float("nan")
    )
    return out
