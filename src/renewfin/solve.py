"""Goal seek: the value of a spec input at which metrics reach their targets.

Questions like the largest special bond with ``bond_coverage >= 1.2``, the largest loan
with ``min_dscr >= 1.3``, the smallest grant with ``equity_irr >= 6%`` or the break-even
rent. Each constraint ``metric op target`` is feasible where ``g(x) ≥ 0``; the search
evaluates every constraint on a grid over ``[lo, hi]`` in one batched engine run, takes
the feasible end the objective asks for (largest or smallest value), and refines the
boundary of the constraint that binds there with bracketing root finding
(``scipy.optimize.brentq``) to the stated tolerance. With several constraints the
tightest one binds. Under uncertainty a constraint may be a probability,
``P(metric op target) >= p``, estimated on one set of Monte Carlo samples reused at
every trial value (common random numbers), so that the answer is stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from renewfin.engine import run
from renewfin.overrides import check_overrides
from renewfin.paths import canonical_path, input_values, suggest
from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import ScenarioSpec

GRID = 33
"""Trial values evaluated in the first batched run."""


class Goal(StrEnum):
    """Which end of the feasible range is wanted."""

    MAX = "max"
    """The largest value meeting every constraint (e.g. the bond a project can carry)."""
    MIN = "min"
    """The smallest value meeting every constraint (e.g. the subsidy a project needs)."""
    ROOT = "root"
    """The value at which a single equality constraint holds (e.g. break-even)."""


_OPS = {">=": 1.0, ">": 1.0, "<=": -1.0, "<": -1.0, "=": 1.0, "==": 1.0}
_PATTERN = re.compile(
    r"^\s*(?:P\(\s*(?P<pm>[\w\[\]\.]+)\s*(?P<pop>>=|<=|>|<)\s*(?P<pv>[-+\d.eE%]+)\s*\)"
    r"|(?P<m>[\w\[\]\.]+))\s*(?P<op>>=|<=|==|=|>|<)\s*(?P<v>[-+\d.eE%]+)\s*$"
)


def _number(text: str) -> float:
    text = text.strip()
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


@dataclass(frozen=True)
class Constraint:
    """``metric op target``, or a probability ``P(metric op threshold) op target``."""

    metric: str
    op: str
    target: float
    threshold_op: str | None = None
    threshold: float | None = None

    @classmethod
    def parse(cls, text: str) -> Constraint:
        """From ``"bond_coverage >= 1.2"``, ``"equity_irr >= 6%"`` or
        ``"P(bond_coverage >= 1.1) >= 90%"``."""
        m = _PATTERN.match(text)
        if m is None:
            raise SpecError(
                [
                    Problem(
                        "require",
                        "expected 'metric >= value' or 'P(metric >= value) >= probability'",
                        text,
                    )
                ],
                what="goal",
            )
        if m.group("pm"):
            return cls(
                m.group("pm"),
                m.group("op"),
                _number(m.group("v")),
                m.group("pop"),
                _number(m.group("pv")),
            )
        return cls(m.group("m"), m.group("op"), _number(m.group("v")))

    @property
    def probabilistic(self) -> bool:
        """Whether the constraint is on a breach probability."""
        return self.threshold_op is not None

    @property
    def text(self) -> str:
        """Readable form."""
        if self.probabilistic:
            return (
                f"P({self.metric} {self.threshold_op} {self.threshold:g}) {self.op} {self.target:g}"
            )
        return f"{self.metric} {self.op} {self.target:g}"

    def margin(self, value: np.ndarray) -> np.ndarray:
        """``g``: ≥ 0 where the constraint holds (NaN where the metric is undefined)."""
        sign = _OPS[self.op]
        return sign * (np.asarray(value, dtype=float) - self.target)


@dataclass
class SolveResult:
    """The answer of a goal seek."""

    path: str
    goal: Goal
    value: float
    """The solved input value (the best value found when unreachable)."""
    status: str
    """'solved', 'bound by the search range', or 'unreachable …'."""
    binding: str | None
    """The constraint that binds at the solution."""
    constraints: pd.DataFrame
    """Each constraint's metric value and margin at the solution."""
    tolerance: float
    evaluations: int
    grid: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    """The first batched grid: trial values and every constraint's margin."""

    @property
    def reached(self) -> bool:
        """Whether every constraint holds at the returned value."""
        return self.status != "unreachable" and not self.status.startswith("unreachable")


class _Evaluator:
    """Metric values at trial values of one input, deterministic or on fixed samples."""

    def __init__(
        self,
        spec: ProjectSpec,
        path: str,
        constraints: list[Constraint],
        scenario: ScenarioSpec | None,
        n: int | None,
        seed: int | None,
        chunk_size: int,
    ) -> None:
        self.spec, self.path, self.constraints = spec, path, constraints
        self.chunk_size = chunk_size
        self.calls = 0
        self.overrides: dict[str, np.ndarray] = {}
        self.n = 1
        if scenario is not None:
            from renewfin.simulation import draw, overrides_for, prepare

            prepared = prepare(spec, scenario)
            if any(p.path == path for p in prepared):
                raise SpecError(
                    [
                        Problem(
                            "vary",
                            "the solved input is also uncertain in the "
                            "scenario; drop it from one of them",
                            path,
                        )
                    ],
                    what="goal",
                )
            n = scenario.n if n is None else n
            sample = draw(prepared, scenario, n, scenario.seed if seed is None else seed)
            self.overrides = overrides_for(prepared, sample.values)
            self.n = n

    def margins(self, xs: np.ndarray) -> np.ndarray:
        """(len(xs), n_constraints) margins."""
        xs = np.atleast_1d(np.asarray(xs, dtype=float))
        self.calls += len(xs)
        if self.n == 1:
            values = _batched(self.spec, {self.path: xs}, len(xs), self.chunk_size)
            return np.column_stack([c.margin(values[c.metric]) for c in self.constraints])
        out = np.empty((len(xs), len(self.constraints)))
        for i, x in enumerate(xs):  # common random numbers: the same samples at every x
            ov = dict(self.overrides)
            ov[self.path] = np.full(self.n, x)
            values = _batched(self.spec, ov, self.n, self.chunk_size)
            for j, c in enumerate(self.constraints):
                v = values[c.metric]
                if c.probabilistic:
                    assert c.threshold is not None and c.threshold_op is not None
                    hit = {
                        ">=": v >= c.threshold,
                        ">": v > c.threshold,
                        "<=": v <= c.threshold,
                        "<": v < c.threshold,
                    }[c.threshold_op]
                    out[i, j] = c.margin(np.array([np.mean(hit & ~np.isnan(v))]))[0]
                else:
                    out[i, j] = c.margin(np.array([np.nanmean(v)]))[0]
        return out


def _batched(
    spec: ProjectSpec, overrides: dict[str, np.ndarray], n: int, chunk: int
) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {}
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        res = run(spec, {k: v[lo:hi] for k, v in overrides.items()}, n_scenarios=hi - lo)
        for k, v in res.values.items():
            parts.setdefault(k, []).append(v)
    return {k: np.concatenate(v) for k, v in parts.items()}


def _check_ends(spec: ProjectSpec, path: str, lo: float, hi: float) -> None:
    """Both ends of the search range must be values the spec admits at ``path``."""
    problems = []
    for name, value in (("lo", lo), ("hi", hi)):
        try:
            check_overrides(spec, {path: value})
        except SpecError as exc:
            why = "; ".join(p.message for p in exc.problems)
            problems.append(Problem(name, f"{path} cannot take this value: {why}", value))
    if problems:
        raise SpecError(problems, what="goal")


def goal_seek(
    spec: ProjectSpec,
    path: str,
    requires: list[str | Constraint],
    *,
    lo: float,
    hi: float,
    goal: Goal | str = Goal.MAX,
    tol: float = 1e-6,
    scenario: ScenarioSpec | None = None,
    n: int | None = None,
    seed: int | None = None,
    grid: int = GRID,
    chunk_size: int = 5000,
) -> SolveResult:
    """Solve for the value of the input at ``path`` within ``[lo, hi]``.

    Parameters
    ----------
    spec : ProjectSpec
    path : str
        A numeric input, e.g. ``funding.special_bonds[专项债].amount`` (indices allowed).
    requires : list of str or Constraint
        ``"bond_coverage >= 1.2"``, ``"equity_irr >= 6%"``, ``"project_npv = 0"``,
        ``"P(bond_coverage >= 1.1) >= 90%"`` (needs ``scenario``).
    lo, hi : float
        The search range, in the input's unit.
    goal : 'max', 'min' or 'root'
        The largest or smallest value meeting every constraint, or the root of a single
        equality.
    tol : float
        Absolute tolerance on the input value.
    scenario, n, seed
        For probabilistic constraints: the uncertainty, sampled once and reused.

    Returns
    -------
    SolveResult
        The value, the binding constraint and every constraint's margin there; when the
        targets cannot be met in the range, the status says so and the value is the best
        found (where the worst margin is largest).
    """
    goal = Goal(goal)
    constraints = _checked_constraints(requires, goal, scenario, lo, hi, tol)
    canon = _checked_path(spec, path, constraints)
    _check_ends(spec, canon, lo, hi)
    ev = _Evaluator(spec, canon, constraints, scenario, n, seed, chunk_size)
    xs = np.linspace(lo, hi, grid)
    g = ev.margins(xs)
    table = pd.DataFrame(g, columns=[c.text for c in constraints])
    table.insert(0, "value", xs)
    search = _Search(ev, canon, goal, constraints, tol, table, xs, g)
    return _root(search) if goal is Goal.ROOT else _end(search)


def _checked_constraints(
    requires: list[str | Constraint],
    goal: Goal,
    scenario: ScenarioSpec | None,
    lo: float,
    hi: float,
    tol: float,
) -> list[Constraint]:
    """The parsed constraints of a goal seek, after the checks of its arguments that need
    no engine run (``SpecError`` naming the argument otherwise)."""
    if not lo < hi:
        raise SpecError([Problem("lo", f"expected lo < hi ({hi:g})", lo)], what="goal")
    constraints = [c if isinstance(c, Constraint) else Constraint.parse(c) for c in requires]
    if not constraints:
        raise SpecError(
            [Problem("require", "give at least one constraint", has_value=False)], what="goal"
        )
    if goal is Goal.ROOT and len(constraints) != 1:
        raise SpecError(
            [
                Problem(
                    "require", "a root needs exactly one constraint", [c.text for c in constraints]
                )
            ],
            what="goal",
        )
    if any(c.probabilistic for c in constraints) and scenario is None:
        raise SpecError(
            [
                Problem(
                    "scenario", "a probability constraint needs a scenario file", has_value=False
                )
            ],
            what="goal",
        )
    if not tol > 0:
        raise SpecError([Problem("tol", "expected a tolerance > 0", tol)], what="goal")
    return constraints


def _checked_path(spec: ProjectSpec, path: str, constraints: list[Constraint]) -> str:
    """The canonical form of the varied input ``path``, after checking that it is a numeric
    scalar input of ``spec`` and that every constraint names a metric of its run."""
    bases = input_values(spec)
    canon = canonical_path(spec, path)
    if canon not in bases or isinstance(bases[canon], list):
        raise SpecError(
            [
                Problem(
                    "vary",
                    "not a numeric scalar input of this spec" + suggest(canon, sorted(bases)),
                    path,
                )
            ],
            what="goal",
        )
    probe = run(spec)
    for c in constraints:
        if c.metric not in probe.values:
            raise SpecError(
                [
                    Problem(
                        "require",
                        f"unknown metric; expected one of {sorted(probe.values)}",
                        c.metric,
                    )
                ],
                what="goal",
            )
    return canon


@dataclass(frozen=True)
class _Search:
    """A goal seek after its grid run: the evaluator, the varied input, the goal and the
    constraints, the tolerance, and the grid ``xs`` (G,) with its margins ``g`` (G, C)."""

    ev: _Evaluator
    path: str
    goal: Goal
    constraints: list[Constraint]
    tol: float
    table: pd.DataFrame
    xs: np.ndarray
    g: np.ndarray

    def refine(self, a: float, b: float, j: int) -> float:
        """The boundary of constraint ``j`` between ``a`` and ``b`` (Brent, to ``tol``)."""
        return float(
            brentq(lambda x: float(self.ev.margins(np.array([x]))[0, j]), a, b, xtol=self.tol)
        )

    def result(self, x: float, status: str, binding: str | None) -> SolveResult:
        """The answer ``x`` with its status, binding constraint and every margin there."""
        margins = self.ev.margins(np.array([x]))[0]
        rows = [
            {"constraint": c.text, "margin": float(m), "holds": bool(m >= -1e-9)}
            for c, m in zip(self.constraints, margins, strict=True)
        ]
        return SolveResult(
            self.path,
            self.goal,
            x,
            status,
            binding,
            pd.DataFrame(rows),
            self.tol,
            self.ev.calls,
            self.table,
        )


def _root(search: _Search) -> SolveResult:
    """The root of the single equality: the first sign change on the grid, refined; the
    grid value nearest zero when there is none."""
    xs, col = search.xs, search.g[:, 0]
    sign = np.sign(col)
    idx = np.nonzero((sign[:-1] * sign[1:] <= 0) & ~np.isnan(col[:-1]) & ~np.isnan(col[1:]))[0]
    if idx.size == 0:
        best = xs[int(np.nanargmin(np.abs(col)))] if np.any(~np.isnan(col)) else xs[0]
        return search.result(float(best), "unreachable within the search range", None)
    i = int(idx[0])
    x = xs[i] if col[i] == 0 else search.refine(xs[i], xs[i + 1], 0)
    return search.result(float(x), "solved", search.constraints[0].text)


def _end(search: _Search) -> SolveResult:
    """The largest (``max``) or smallest (``min``) value meeting every constraint: the
    feasible grid point nearest the wanted end, then the boundary of the constraint that
    fails first beyond it, refined."""
    xs, g, goal, tol = search.xs, search.g, search.goal, search.tol
    ok = np.all(g >= 0, axis=1) & ~np.any(np.isnan(g), axis=1)
    if not ok.any():
        worst = np.nanmin(np.where(np.isnan(g), -np.inf, g), axis=1)
        return search.result(
            float(xs[int(np.argmax(worst))]),
            "unreachable within the search range "
            "(the value shown does best on the worst constraint)",
            None,
        )
    grid = xs.size
    order = np.arange(grid) if goal is Goal.MIN else np.arange(grid)[::-1]
    first = int(order[np.argmax(ok[order])])  # the feasible grid point nearest the wanted end
    nxt = first + (-1 if goal is Goal.MIN else 1)
    if nxt < 0 or nxt >= grid:
        return search.result(float(xs[first]), "bound by the search range", None)
    # The binding constraint is the one whose boundary is nearest the feasible point.
    best_x, best_j = None, None
    for j in range(g.shape[1]):
        if g[nxt, j] >= 0 or np.isnan(g[nxt, j]):
            continue
        x = search.refine(xs[min(first, nxt)], xs[max(first, nxt)], j)
        if best_x is None or (goal is Goal.MAX and x < best_x) or (goal is Goal.MIN and x > best_x):
            best_x, best_j = x, j
    if best_x is None or best_j is None:  # infeasible beyond only as a metric is undefined
        return search.result(
            float(xs[first]), "solved to the grid (a metric is undefined beyond)", None
        )
    # brentq lands within tol of the boundary, on either side: step onto the feasible side.
    x = float(best_x)
    if np.any(search.ev.margins(np.array([x]))[0] < 0):
        x = x - tol if goal is Goal.MAX else x + tol
    return search.result(x, "solved", search.constraints[best_j].text)
