"""Construction delays a scenario file cannot ask for: checked when a scenario is bound to
a spec.

The engine delays construction by whole periods. A delay in a scenario file (an uncertain
input or a stress override on ``risk.construction_delay_periods``) must therefore be a
discrete distribution of whole numbers, or a whole number, and leave at least one
operating period inside the horizon; otherwise it is refused naming the input and the
value, rather than rounded or run past the end of the model. (Every other input's range is
the field's own, checked on the sampled values by ``renewfin.overrides``.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from renewfin.inputs import RISK_DELAY
from renewfin.montecarlo import distributions as md
from renewfin.spec.errors import Problem
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import Apply, Override, ScenarioSpec, UncertainInput


def input_problems(
    spec: ProjectSpec, k: int, inp: UncertainInput, path: str, base: float | list[float] | None
) -> list[Problem]:
    """Problems of uncertain input ``k`` bound to ``path`` (its spec value ``base``)."""
    at = f"inputs[{k} {inp.name}]"
    dist = inp.math()
    if path != RISK_DELAY:
        return []
    return _delay_problems(spec, f"{at}.distribution", dist, inp.apply, base)


def override_problems(
    spec: ProjectSpec, j: int, i: int, o: Override, path: str, base: float | list[float] | None
) -> list[Problem]:
    """Problems of override ``i`` of stress case ``j`` bound to ``path``."""
    at = f"stress[{j}].overrides[{i}]"
    apply, x = (
        (Apply.SET, o.set)
        if o.set is not None
        else (Apply.MULTIPLY, o.multiply)
        if o.multiply is not None
        else (Apply.ADD, o.add)
    )
    assert x is not None  # an override gives exactly one of set, multiply, add
    if path != RISK_DELAY:
        return []
    return _delay_problems(spec, at, md.Discrete([x], [1.0]), apply, base)


def _apply(apply: Apply, base: float | list[float] | None, x: float) -> float:
    """The lowest value an input takes when its sample is ``x`` (an input without a spec
    value takes the sample itself; ``prepare`` refuses anything but ``set`` for it)."""
    if base is None:
        return x
    b = np.asarray(base, dtype=float)
    value = b * x if apply is Apply.MULTIPLY else b + x if apply is Apply.ADD else b * 0 + x
    return float(np.min(value)) if value.size else math.inf


def _delay_problems(
    spec: ProjectSpec, at: str, dist: Any, apply: Apply, base: float | list[float] | None
) -> list[Problem]:
    """A delay must be whole periods, leaving at least one operating period."""
    if not isinstance(dist, md.Discrete):
        return [
            Problem(
                at,
                "a construction delay counts whole periods; expected a "
                "discrete distribution of whole numbers (type: discrete)",
                has_value=False,
            )
        ]
    values = np.asarray(dist.values, dtype=float)
    delays = [_apply(apply, base, float(v)) for v in values]
    tl = spec.timeline
    ppy = tl.periods_per_year
    completion = max(p.start_year + p.duration_years for p in tl.phases) * ppy
    room = round(tl.horizon_years * ppy - completion) - 1
    bad = [d for d in delays if d != round(d) or d < 0]
    if bad:
        return [
            Problem(
                at, "a construction delay counts whole periods; expected whole numbers ≥ 0", bad[0]
            )
        ]
    late = [d for d in delays if d > room]
    if late:
        return [
            Problem(
                at,
                f"a delay of {late[0]:g} periods leaves no operating period "
                f"before the horizon ({tl.horizon_years} years); expected at most "
                f"{room} periods",
                late[0],
            )
        ]
    return []


def scenario_problems(
    spec: ProjectSpec, scenario: ScenarioSpec, bases: dict[str, Any], paths: dict[str, str]
) -> list[Problem]:
    """Every range problem of a scenario's inputs and stress overrides; ``paths`` maps the
    paths as written to canonical ones (only those the spec reads)."""
    problems: list[Problem] = []
    for k, inp in enumerate(scenario.inputs):
        path = paths.get(inp.path)
        if path in bases and (bases[path] is not None or inp.apply is Apply.SET):
            problems += input_problems(spec, k, inp, path, bases[path])
    for j, case in enumerate(scenario.stress):
        for i, o in enumerate(case.overrides):
            path = paths.get(o.path)
            if path in bases and (bases[path] is not None or o.set is not None):
                problems += override_problems(spec, j, i, o, path, bases[path])
    return problems
