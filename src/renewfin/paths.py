"""Spec paths of numeric inputs: the canonical form the engine reads, and their base values.

The engine reads every number through ``Inputs`` with a canonical path that names list
items (``revenues[停车位].unit_price``); users may also write indices
(``revenues[0].unit_price``). ``base_inputs`` runs the engine once and returns every path
it read with the spec's value, so a path is valid exactly when the engine uses it.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from renewfin.spec.model import ProjectSpec

_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?")


def canonical_path(spec: ProjectSpec, path: str) -> str:
    """``path`` with list indices replaced by item names where the spec has them."""
    node: Any = spec
    parts = []
    for raw in path.strip().split("."):
        m = _SEGMENT.fullmatch(raw.strip())
        if m is None:
            return path.strip()
        attr, sel = m.group(1), m.group(2)
        node = getattr(node, attr, None) if node is not None else None
        if sel is None:
            parts.append(attr)
            continue
        sel = sel.strip()
        if isinstance(node, list):
            item = None
            if re.fullmatch(r"-?\d+", sel) and -len(node) <= int(sel) < len(node):
                item = node[int(sel)]
            else:
                item = next((x for x in node if getattr(x, "name", None) == sel), None)
            if item is not None and getattr(item, "name", None) is not None:
                sel = item.name
            node = item
        else:
            node = None
        parts.append(f"{attr}[{sel}]")
    return ".".join(parts)


def base_inputs(spec: ProjectSpec) -> dict[str, float | list[float]]:
    """Every input path the engine reads for this spec, with its spec value."""
    from renewfin.core.context import RunContext
    from renewfin.engine import run_context

    ctx: RunContext = run_context(spec)
    return dict(ctx.inputs.bases)


def suggest(path: str, known: list[str]) -> str:
    """A hint naming the closest known paths."""
    close = difflib.get_close_matches(path, known, n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(close)}?" if close else ""
