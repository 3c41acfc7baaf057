"""Factors of the deterministic sensitivity analysis, and their batched evaluation.

A factor is a named group of spec inputs that move together by one relative change ``x``
(every input of the group is multiplied by ``1 + x``). The five standard factors (营业收入,
经营成本, 利率, 专项债规模, 建设投资) are found from the ``StandardFactor`` the spec's fields
carry; a scenario file adds one factor per uncertain input. ``evaluate_factors`` runs the
(factor, change) points of an analysis as one batched engine run; the analyses that use
it are the sibling modules of ``renewfin.sensitivity``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from renewfin.paths import base_inputs, canonical_path, suggest
from renewfin.simulation import prepare
from renewfin.simulation_chunks import DEFAULT_CHUNK, evaluate
from renewfin.spec.base import StandardFactor
from renewfin.spec.model import ProjectSpec
from renewfin.spec.registry import registry
from renewfin.spec.scenario import Apply, ScenarioSpec

__all__ = [
    "Bases",
    "Factor",
    "FloatArray",
    "Op",
    "admissible_changes",
    "check_metrics",
    "comparison",
    "evaluate_factors",
    "resolve_factors",
    "scenario_factors",
    "standard_factors",
]

FloatArray = NDArray[np.float64]
Op = Literal["<", "<=", ">", ">="]
"""Comparison that counts as a breach: ``metric op threshold``."""
Bases = Mapping[str, float | list[float]]

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


def resolve_factors(spec: ProjectSpec, factors: Sequence[Factor], bases: Bases) -> list[Factor]:
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


def evaluate_factors(
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


def admissible_changes(
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


def check_metrics(frame: pd.DataFrame, metrics: Sequence[str]) -> list[str]:
    unknown = [m for m in metrics if m not in frame.columns]
    if unknown:
        raise KeyError(f"unknown metrics {unknown}; expected some of {sorted(frame.columns)}")
    return list(metrics)


def comparison(op: str) -> Callable[[FloatArray, float], NDArray[np.bool_]]:
    try:
        return _OPS[str(op)]
    except KeyError:
        raise ValueError(f"op must be one of {list(_OPS)}, got {op!r}") from None
