"""Metrics at relative changes of the factors: the spider (敏感性分析图), the 敏感度系数
(SAF) and the standard 敏感性分析表.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from renewfin.paths import base_inputs
from renewfin.sensitivity.factors import (
    Factor,
    FloatArray,
    check_metrics,
    evaluate_factors,
    resolve_factors,
    standard_factors,
)
from renewfin.simulation import DEFAULT_CHUNK
from renewfin.spec.model import ProjectSpec

__all__ = [
    "BASE_CASE",
    "DEFAULT_METRICS",
    "STANDARD_CHANGES",
    "STEPS_2PCT",
    "STEPS_5PCT",
    "elasticities",
    "evaluation_table",
    "spider",
    "spider_wide",
]

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
    factors = resolve_factors(spec, factors, bases)
    x = np.asarray(steps, dtype=float)
    which = np.repeat(np.arange(len(factors)), x.size)
    change = np.tile(x, len(factors))
    frame = evaluate_factors(spec, bases, factors, which, change, chunk_size)
    keys = check_metrics(frame, list(frame.columns) if metrics is None else metrics)
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
    factors = resolve_factors(spec, factors, bases)
    nf = len(factors)
    which = np.concatenate([[-1], np.repeat(np.arange(nf), 2)]).astype(np.int64)
    x = np.concatenate([[0.0], np.tile([-change, change], nf)])
    frame = evaluate_factors(spec, bases, factors, which, x, chunk_size)
    keys = check_metrics(frame, metrics)
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
    factors = resolve_factors(
        spec, standard_factors(spec, bases) if factors is None else factors, bases
    )
    x = np.asarray(changes, dtype=float)
    which = np.concatenate([[-1], np.repeat(np.arange(len(factors)), x.size)]).astype(np.int64)
    change = np.concatenate([[0.0], np.tile(x, len(factors))])
    frame = evaluate_factors(spec, bases, factors, which, change, chunk_size)
    keys = check_metrics(frame, metrics)
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
