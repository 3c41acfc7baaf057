"""Per-scenario overrides of numeric inputs, checked before the engine runs.

``check_overrides(spec, overrides)`` turns the mapping a caller passes to
``renewfin.engine.run`` (path → number, list or array) into canonical paths
(``renewfin.spec.registry``: ``[0]`` and ``[name]`` both accepted) and float arrays of a
checked shape, and applies the same rules as the spec: every value against its field's
bounds (NaN and infinities never pass), whole numbers for whole-number fields, and the
rules across fields (a loan's grace shorter than its tenor, a stream that starts inside
the horizon …) by validating the spec changed to the values (``with_changes``): once,
with every override, when each holds one value (a single run, a goal-seek trial: exact);
otherwise input by input, at every distinct value when there are at most
``EXACT_DISTINCT`` of them, else at the smallest and the largest. A plain number is
checked like an array of one. Input by input, what was found valid is remembered for the
spec object (``KNOWN_SPECS`` specs at most): a value checked before is not checked again,
and smallest–largest pairs inside the range of an earlier pair are taken as that pair was
(between the two ends, as above), so the chunks of one sample are not validated again
and again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.model import ProjectSpec
from renewfin.spec.registry import InputPath, Shape, registry

EXACT_DISTINCT = 8
"""Up to this many distinct values of an input, the changed spec is validated at each."""
KNOWN_SPECS = 8
"""Specs whose values found valid input by input are remembered (``_known``), the most
recently checked first."""


@dataclass(frozen=True)
class Overrides:
    """Checked overrides of one run."""

    values: dict[str, np.ndarray]
    """Canonical path → float array: () or (S,) for scalars, (1, n) or (S, n) for vectors."""
    n_scenarios: int
    """S."""

    def rows(self, index: np.ndarray) -> dict[str, np.ndarray]:
        """The overrides of scenarios ``index`` only (inputs equal in every scenario as
        they are)."""
        out = {}
        for path, v in self.values.items():
            per_scenario = v.ndim == 1 or (v.ndim == 2 and v.shape[0] > 1)
            out[path] = v[index] if per_scenario and self.n_scenarios > 1 else v
        return out


def check_overrides(
    spec: ProjectSpec,
    overrides: Mapping[str, ArrayLike] | None,
    n_scenarios: int | None = None,
    *,
    what: str = "override",
) -> Overrides:
    """Canonical, checked overrides (see the module docstring).

    Parameters
    ----------
    spec : ProjectSpec
        The spec the overrides apply to.
    overrides : mapping of path → number, (S,) array (scalars) or (n,), (1, n), (S, n)
        array (vectors), optional
        Absolute values of numeric inputs.
    n_scenarios : int, optional
        S; by default the length of the per-scenario overrides (1 without any).

    Raises
    ------
    SpecError
        One error listing every problem: unknown paths (``UnknownInputError``, also a
        ``KeyError``, when every problem is one), shapes, values outside a field's bounds,
        rules of the spec the values break.
    """
    reg = registry(spec)
    problems: list[Problem] = []
    values: dict[str, np.ndarray] = {}
    given: dict[str, str] = {}
    for raw, value in (overrides or {}).items():
        entry = reg.find(str(raw))
        if entry is None:
            problems.append(reg.problem(str(raw)))
            continue
        if entry.path in given:
            problems.append(
                Problem(str(raw), f"the same input as {given[entry.path]!r}", has_value=False)
            )
            continue
        given[entry.path] = str(raw)
        arr, problem = _array(entry, value)
        if problem is not None:
            problems.append(problem)
        else:
            values[entry.path] = arr
    if problems and all(p.message.startswith("not a numeric input") for p in problems):
        from renewfin.spec.registry import UnknownInputError

        raise UnknownInputError(problems, what=what)
    s = _n_scenarios(values, n_scenarios, problems)
    for path, arr in values.items():
        problems += _check_values(reg[path], arr, s)
    if not problems:
        problems += _check_rules(spec, {p: reg[p] for p in values}, values)
    if problems:
        raise SpecError(problems, what=what)
    return Overrides(values, s)


def _check_rules(
    spec: ProjectSpec, entries: dict[str, InputPath], values: dict[str, np.ndarray]
) -> list[Problem]:
    """The spec's rules across fields. When every override holds one value (a single run,
    a goal-seek trial), the spec changed to all of them is validated once: exact. Else each
    input is probed on its own (``_probes``), skipping what an earlier call found valid for
    the same spec object (``_known``: the same value, or an end of a smallest–largest pair
    inside the range of an earlier pair)."""
    fields = {p: e for p, e in entries.items() if not e.virtual}
    probes = {p: _probes(e, values[p]) for p, e in fields.items()}
    if all(len(v) == 1 for v, _ in probes.values()):
        if not probes:
            return []
        problem = _rules_problem(spec, {p: v[0] for p, (v, _) in probes.items()})
        return [problem] if problem is not None else []
    problems = []
    known = _known(spec)
    for path, (candidates, ranged) in probes.items():
        seen = known.setdefault(path, _Valid())
        if ranged and seen.lo <= candidates[0] and candidates[-1] <= seen.hi:
            continue
        for value in candidates:
            if _key(value) in seen.values or (ranged and seen.lo <= value <= seen.hi):
                continue
            problem = _rules_problem(spec, {path: value})
            if problem is not None:
                problems.append(problem)
                break
            seen.values.add(_key(value))
        else:
            if ranged:
                seen.lo, seen.hi = min(seen.lo, candidates[0]), max(seen.hi, candidates[-1])
    return problems


@dataclass
class _Valid:
    """What was found valid for one input of one spec (``_check_rules``)."""

    values: set[float | tuple[float, ...]] = field(default_factory=set)
    """Values (scalars) and rows (vectors) the changed spec was valid at."""
    lo: float = np.inf
    hi: float = -np.inf
    """Smallest and largest value of a valid smallest–largest pair ([inf, −inf]: none)."""


_KNOWN: OrderedDict[int, tuple[ProjectSpec, dict[str, _Valid]]] = OrderedDict()
_KNOWN_LOCK = threading.Lock()


def _known(spec: ProjectSpec) -> dict[str, _Valid]:
    """Path → what was found valid, for this spec object (the ``KNOWN_SPECS`` most recently
    checked are kept; an entry is matched by identity, so an equal copy starts empty)."""
    with _KNOWN_LOCK:  # the web app checks from several threads
        entry = _KNOWN.get(id(spec))
        if entry is None or entry[0] is not spec:
            entry = (spec, {})
            _KNOWN[id(spec)] = entry
            while len(_KNOWN) > KNOWN_SPECS:
                _KNOWN.popitem(last=False)
        _KNOWN.move_to_end(id(spec))
        return entry[1]


def _key(value: Any) -> float | tuple[float, ...]:
    """A probe value as a set member: a number, or a vector's row as a tuple."""
    return tuple(value) if isinstance(value, list) else float(value)


def _rules_problem(spec: ProjectSpec, changes: dict[str, Any]) -> Problem | None:
    try:
        spec.with_changes(changes)
    except SpecError as exc:
        shown = ", ".join(
            f"{p} = {v:g}" if not isinstance(v, list) else f"{p} = {[f'{x:g}' for x in v]}"
            for p, v in changes.items()
        )
        reasons = "; ".join(f"{p.path}: {p.message}" for p in exc.problems[:3])
        where = next(iter(changes)) if len(changes) == 1 else "overrides"
        return Problem(where, f"with {shown} the spec is invalid: {reasons}", has_value=False)
    return None


def _array(entry: InputPath, value: Any) -> tuple[np.ndarray, Problem | None]:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        text = f"expected a number or an array of numbers for a {entry.shape.value} input"
        return np.empty(0), Problem(entry.path, text, value)
    if entry.shape is Shape.SCALAR and arr.ndim > 1:
        return arr, Problem(
            entry.path,
            f"a scalar input takes a number or one per scenario, shape (S,); got shape {arr.shape}",
            has_value=False,
        )
    if entry.shape is Shape.VECTOR:
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            return arr, Problem(
                entry.path,
                "a list input takes a list, shape (n,), or one "
                f"per scenario, (S, n); got shape {arr.shape}",
                has_value=False,
            )
    return arr, None


def _n_scenarios(
    values: dict[str, np.ndarray], n_scenarios: int | None, problems: list[Problem]
) -> int:
    sizes = {
        p: v.shape[0] for p, v in values.items() if v.ndim == 1 or (v.ndim == 2 and v.shape[0] != 1)
    }
    distinct = sorted(set(sizes.values()))
    if n_scenarios is not None:
        if n_scenarios < 1:
            problems.append(Problem("n_scenarios", "expected >= 1", n_scenarios))
        wrong = {p: k for p, k in sizes.items() if k != n_scenarios}
        problems += [
            Problem(p, f"has {k} scenarios, expected {n_scenarios}", has_value=False)
            for p, k in wrong.items()
        ]
        return max(int(n_scenarios), 1)
    if len(distinct) > 1:
        problems.append(
            Problem(
                "",
                f"overrides disagree on the number of scenarios: {distinct} ({sizes})",
                has_value=False,
            )
        )
    return distinct[0] if distinct else 1


def _check_values(entry: InputPath, arr: np.ndarray, s: int) -> list[Problem]:
    """The field's own bounds (and one value per run where the field sets T)."""
    bad = entry.bounds.outside(arr)
    if bad.any():
        first = np.argwhere(bad)[0]
        where = f" in scenario {first[0]}" if arr.ndim >= 1 and s > 1 else ""
        count = f"{int(bad.sum())} of {bad.size} values; first" if bad.size > 1 else "got"
        return [
            Problem(
                entry.path,
                f"expected {entry.bounds.expected()} ({count} {float(arr[tuple(first)])!r}{where})",
                has_value=False,
            )
        ]
    if entry.per_run and np.unique(arr).size > 1:
        return [
            Problem(
                entry.path,
                "sets the number of periods, so it cannot differ between "
                "the scenarios of one run; run each value apart "
                "(spec.with_changes)",
                has_value=False,
            )
        ]
    return []


def _probes(entry: InputPath, arr: np.ndarray) -> tuple[list[Any], bool]:
    """The values at which the changed spec is validated (see the module docstring), in
    increasing order, and whether they are the smallest and the largest of more distinct
    values (what lies between is taken as they are)."""
    if entry.shape is Shape.VECTOR:
        rows = np.unique(arr, axis=0)
        return [[float(x) for x in row] for row in rows[:EXACT_DISTINCT]], False
    flat = np.unique(arr.ravel())
    ranged = flat.size > EXACT_DISTINCT
    if ranged:
        flat = flat[[0, -1]]
    return [float(x) for x in flat], ranged
