"""Spec paths of numeric inputs: their canonical form, and the values the engine uses.

The valid paths are those of ``renewfin.spec.registry`` (generated from the spec models;
list items by name, ``revenues[停车位].unit_price``, or by position,
``revenues[0].unit_price``). ``base_inputs`` gives the inputs the engine reads per
scenario with the values it uses (defaults filled in: ``tax.income_tax_rate`` 0.25 when
the spec leaves it empty); ``input_values`` gives every path of the registry, the others
with their spec values.
"""

from __future__ import annotations

from renewfin.spec.model import ProjectSpec
from renewfin.spec.registry import registry, suggest

__all__ = ["base_inputs", "canonical_path", "input_values", "suggest"]

Value = float | list[float] | None


def canonical_path(spec: ProjectSpec, path: str) -> str:
    """``path`` in its canonical spelling (list items by name where they have one); a path
    that names no input comes back stripped, for the caller to report."""
    entry = registry(spec).find(path)
    return entry.path if entry is not None else path.strip()


def base_inputs(spec: ProjectSpec) -> dict[str, float | list[float]]:
    """The inputs the engine reads per scenario for this spec, with the values it uses."""
    from renewfin.core.context import RunContext
    from renewfin.engine import run_context

    ctx: RunContext = run_context(spec)
    return dict(ctx.inputs.bases)


def input_values(
    spec: ProjectSpec, engine: dict[str, float | list[float]] | None = None
) -> dict[str, Value]:
    """Every input path of the spec with its value: the engine's (``base_inputs``, or
    ``engine`` when at hand) where it reads the path per scenario, else the spec's (``None``
    for an optional field left empty)."""
    engine = base_inputs(spec) if engine is None else engine
    out: dict[str, Value] = {}
    for path, entry in registry(spec).items():
        base = entry.base
        out[path] = list(base) if isinstance(base, tuple) else base
    out.update(engine)
    return out
