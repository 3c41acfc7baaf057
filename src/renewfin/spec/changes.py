"""Changing a spec in code: a re-validated copy, never an unchecked one.

Specs are frozen. ``spec.with_changes({"revenues[停车位].unit_price": 300})`` (or
``with_changes(spec, …)``) returns a new spec with the values at those paths replaced and
every rule checked again, exactly as if the changed spec had been read from a file: a bad
value raises one ``SpecError`` naming each path, the value and what was expected. Paths
are dotted field names with list items by name or position (``funding.loans[0].spread``,
``funding.loans[国开行贷款].spread``) and mapping entries by key
(``tax.vat_rates[rent]``); a value may be a number, a list, a string, an enumeration member
or a whole section (a mapping or a spec model). ``model_copy(update=…)`` on a spec model
goes through the same validation (pydantic's own would skip it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.io import validate_data
from renewfin.spec.registry import suggest

M = TypeVar("M", bound=BaseModel)

_SEGMENT = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*((?:\[[^\]]*\]\s*)*)")
_SELECTOR = re.compile(r"\[([^\]]*)\]")


def with_changes(model: M, changes: Mapping[str, Any], *, what: str = "spec") -> M:
    """A copy of ``model`` with the value at each path of ``changes`` replaced, validated.

    Parameters
    ----------
    model : spec model
        A validated spec (``ProjectSpec``, or any section or other spec model).
    changes : mapping of path → value
        Paths relative to ``model``; later paths apply on top of earlier ones.
    what : str
        Kind of document in error messages.

    Raises
    ------
    SpecError
        Every problem: a path that leads nowhere (with the closest names), and every rule
        the changed spec breaks, each with its path and value.
    """
    data = model.model_dump(mode="json")
    problems: list[Problem] = []
    for path, value in changes.items():
        problem = _assign(data, str(path), _plain(value))
        if problem is not None:
            problems.append(problem)
    if problems:
        raise SpecError(problems, what=what)
    return validate_data(type(model), data, what=what, plausible=False)


def _plain(value: Any) -> Any:
    """Plain data pydantic validates as a file's content would be."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k.value if isinstance(k, Enum) else k): _plain(v) for k, v in value.items()}
    return value


def _steps(path: str) -> list[tuple[str, str]] | None:
    """``a.b[x].c`` → [("field", "a"), ("field", "b"), ("item", "x"), ("field", "c")]."""
    steps: list[tuple[str, str]] = []
    for raw in path.split("."):
        m = _SEGMENT.fullmatch(raw)
        if m is None:
            return None
        steps.append(("field", m.group(1)))
        steps += [("item", s.strip()) for s in _SELECTOR.findall(m.group(2))]
    return steps


def _assign(data: dict[str, Any], path: str, value: Any) -> Problem | None:
    """Set ``value`` at ``path`` in ``data`` (a model's dump); the problem when the path
    leads nowhere (an unknown last field is left for validation to report)."""
    steps = _steps(path)
    if not steps:
        return Problem(
            path,
            "not a path: expected field names joined by '.', list items as [index] or [name]",
            path,
        )
    parent: Any = None
    key: str | int = ""
    node: Any = data
    done = ""
    for k, (kind, step) in enumerate(steps):
        if parent is not None:
            node = parent[key]
        if kind == "field":
            if not isinstance(node, dict):
                return Problem(
                    path, f"{done or 'the spec'} is empty or has no fields; set it whole", path
                )
            if step not in node and k < len(steps) - 1:
                return Problem(
                    path,
                    f"{done or 'the spec'} has no field {step!r}" + suggest(step, sorted(node)),
                    path,
                )
            parent, key = node, step
            done = f"{done}.{step}" if done else step
            continue
        found = _item(node, step, path, done)
        if isinstance(found, Problem):
            return found
        parent, key = node, found
        done = f"{done}[{step}]"
    parent[key] = value
    return None


def _item(node: Any, step: str, path: str, done: str) -> str | int | Problem:
    """The key of list item or mapping entry ``step`` of ``node``, or the problem."""
    if isinstance(node, dict):
        return step
    if not isinstance(node, list):
        return Problem(path, f"{done} is not a list", path)
    if re.fullmatch(r"\d+", step):
        i = int(step)
        if i < len(node):
            return i
        return Problem(
            path, f"{done} has {len(node)} items; expected an index below {len(node)}", path
        )
    names = [x.get("name") if isinstance(x, dict) else None for x in node]
    if step in names:
        return names.index(step)
    known = [str(n) for n in names if n is not None]
    return Problem(path, f"{done} has no item named {step!r}; expected one of {known}", path)
