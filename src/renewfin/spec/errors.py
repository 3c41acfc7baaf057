"""One error for a bad spec, listing every problem with its path, value and expectation."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from renewfin.errors import RenewfinError
from renewfin.spec.limits import excerpt, shorten

MAX_SHOWN = 50
"""Problems listed in a ``SpecError``'s message at most (``problems`` holds them all)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec."""

    path: str
    """Where: dotted path with list indices, e.g. ``revenues[0].unit_price``."""
    message: str
    """What was expected."""
    value: Any = None
    """The offending value, when there is one."""
    has_value: bool = True
    """False when no value applies (a missing field)."""

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        if self.has_value:
            return f"{where}{self.message} (got {_show(self.value)})"
        return f"{where}{self.message}"


class CrossCheckError(ValueError):
    """Raised inside validators to report several problems at their own paths."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class SpecError(RenewfinError, ValueError):
    """A spec (or scenario, or template) is invalid; ``problems`` lists every problem."""

    def __init__(self, problems: Iterable[Problem], source: str | None = None, what: str = "spec"):
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        head = f"invalid {what}{f' {source}' if source else ''}: {n} problem{'s' * (n != 1)}"
        lines = [head, *(f"  - {p}" for p in self.problems[:MAX_SHOWN])]
        if n > MAX_SHOWN:
            lines.append(f"  … and {n - MAX_SHOWN:,} more (every problem is in .problems)")
        super().__init__("\n".join(lines))


def _show(value: Any) -> str:
    return excerpt(value)


def format_loc(loc: Sequence[str | int], data: Any = None) -> str:
    """Render a pydantic location as ``a.b[0].c``; list items that have a ``name`` in the
    raw data are labelled, e.g. ``revenues[0 停车位].unit_price``."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            label = ""
            if isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
                if isinstance(node, dict) and isinstance(node.get("name"), str):
                    label = f" {shorten(node['name'], 40, lines=False)}"
            else:
                node = None
            out += f"[{part}{label}]"
        elif part == "[key]":  # pydantic's marker for a bad mapping key
            out += " (key)"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


_EXPECTED = {
    "extra_forbidden": "unknown key (not a field of this section)",
    "missing": "required field is missing",
}


def problems_from_validation(exc: ValidationError, data: Any = None) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` into problems, expanding cross checks."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        inner = ctx.get("error")
        prefix = format_loc(err["loc"], data)
        if isinstance(inner, CrossCheckError):
            for p in inner.problems:
                path = f"{prefix}.{p.path}" if prefix and p.path else (p.path or prefix)
                problems.append(Problem(path, p.message, p.value, p.has_value))
            continue
        kind = err["type"]
        message = _EXPECTED.get(kind, err["msg"])
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        value = err.get("input")
        has_value = kind != "missing" and not isinstance(value, dict | BaseModel)
        if isinstance(value, float) and math.isnan(value):
            value = float("nan")
        if kind == "model_attributes_type" or kind == "model_type":
            message = f"expected a mapping of fields ({err['msg']})"
        problems.append(Problem(prefix, message, value if has_value else None, has_value))
    return problems
