"""Overrides of inputs that shape the spec: one run per distinct value, stitched together.

The engine reads most numbers per scenario (``renewfin.inputs``); others set the shape
of a run — a loan's tenor, a bond's issue year, an asset life, a schedule, a covenant —
and are read from the spec itself. ``renewfin.engine.run`` passes overrides of those here:
the scenarios are grouped by their values of these inputs, each group runs on the spec
changed to them (``spec.with_changes``, so the changed spec is validated like a file),
and the groups' results are put back in scenario order. The numbers are exactly those of
separate runs; the cost is one run per distinct combination of values.

In the stitched ``Result`` every ledger line, metric and loan size is per scenario; a
line item or metric that only some groups record is 0 (flows, balances, flags,
quantities) or NaN (ratios, indices, metrics) in the others; ``plan`` and ``timeline`` are
those of scenario 0's group, and the diagnostics are the union of the groups'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from renewfin.inputs import Inputs
from renewfin.ledger import Kind, Ledger, LineItem
from renewfin.overrides import Overrides
from renewfin.spec.model import ProjectSpec
from renewfin.spec.registry import registry

if TYPE_CHECKING:
    from renewfin.engine import Result
    from renewfin.financing.sizing import Sizing

_ZERO_KINDS = (Kind.FLOW, Kind.BALANCE, Kind.FLAG, Kind.QUANTITY)


def run_by_spec_values(
    spec: ProjectSpec,
    overrides: Overrides,
    paths: list[str],
    *,
    allow_unconverged: bool = False,
    skip: Callable[[str], bool] | None = None,
) -> Result:
    """Run ``overrides`` whose ``paths`` the engine reads from the spec (see the module
    docstring); ``skip`` as for ``run_checked``.

    Raises
    ------
    SpecError
        When a combination of values breaks a rule of the spec, naming the paths.
    """
    from renewfin.engine import run_checked

    s = overrides.n_scenarios
    key = np.concatenate([_per_scenario(overrides.values[p], s) for p in paths], axis=1)
    combos, group = np.unique(key, axis=0, return_inverse=True)
    group = group.reshape(-1)
    parts: list[tuple[np.ndarray, Result]] = []
    for g, combo in enumerate(combos):
        rows = np.flatnonzero(group == g)
        changed = spec.with_changes(_changes(overrides, paths, combo))
        rest = {p: v for p, v in overrides.rows(rows).items() if p not in paths}
        part = run_checked(
            changed, Overrides(rest, rows.size), allow_unconverged=allow_unconverged, skip=skip
        )
        parts.append((rows, part))
    if len(parts) == 1:
        return parts[0][1]
    return _stitch(spec, overrides, paths, parts)


def _per_scenario(value: np.ndarray, s: int) -> np.ndarray:
    """An override as (S, k) columns."""
    if value.ndim == 0:
        return np.full((s, 1), float(value))
    if value.ndim == 1:
        return value.reshape(s, 1)
    return np.broadcast_to(value, (s, value.shape[1]))


def _changes(overrides: Overrides, paths: list[str], combo: np.ndarray) -> dict[str, object]:
    out: dict[str, object] = {}
    k = 0
    for p in paths:
        v = overrides.values[p]
        width = 1 if v.ndim < 2 else v.shape[1]
        part = combo[k : k + width]
        out[p] = float(part[0]) if v.ndim < 2 else [float(x) for x in part]
        k += width
    return out


def _stitch(
    spec: ProjectSpec,
    overrides: Overrides,
    paths: list[str],
    parts: list[tuple[np.ndarray, Result]],
) -> Result:
    from renewfin.engine import Result
    from renewfin.notes import MetricNotes

    s = overrides.n_scenarios
    first = next(r for rows, r in parts if rows[0] == 0)
    ledger = _stitch_ledger(first.ledger, parts, s)
    values: dict[str, np.ndarray] = {}
    for rows, r in parts:
        for k, v in r.values.items():
            values.setdefault(k, np.full(s, np.nan))[rows] = v
    diagnostics = list(dict.fromkeys(d for _, r in parts for d in r.diagnostics))
    timings: dict[str, float] = {}
    for _, r in parts:
        for k, t in r.timings.items():
            timings[k] = timings.get(k, 0.0) + t
    inputs = Inputs(s, overrides.values)
    for path, base in (first.inputs.bases if first.inputs is not None else {}).items():
        inputs.note(path, base)
    reg = registry(spec)
    for path in paths:
        spec_value = reg[path].base
        inputs.note(path, list(spec_value) if isinstance(spec_value, tuple) else spec_value)
    notes = MetricNotes(first.notes.years)
    for key in first.notes.why:
        why = np.zeros(s, dtype=np.int8)
        at = np.full(s, -1, dtype=np.int64)
        for rows, r in parts:
            why[rows] = r.notes.why.get(key, np.zeros(1, dtype=np.int8))
            if key in r.notes.at:
                at[rows] = r.notes.at[key]
        notes.note(key, why, at if key in first.notes.at else None)
    return Result(
        spec,
        first.timeline,
        ledger,
        values,
        diagnostics,
        first.plan,
        _stitch_sizing(parts, s),
        timings,
        inputs,
        notes,
    )


def _stitch_ledger(template: Ledger, parts: list[tuple[np.ndarray, Result]], s: int) -> Ledger:
    ledger = Ledger(s, template.n_periods, template.money_unit, template.labels)
    items: dict[str, LineItem] = {}
    for _, r in parts:
        for item in r.ledger:
            items.setdefault(item.id, item)
    for id, item in items.items():
        fill = 0.0 if item.kind in _ZERO_KINDS else np.nan
        data = np.full((s, template.n_periods), fill)
        for rows, r in parts:
            if id in r.ledger:
                data[rows] = r.ledger[id]
        ledger.add(id, item.zh, item.en, data, group=item.group, kind=item.kind, unit=item.unit)
    for _, r in parts:
        ledger.mark_dropped(r.ledger.dropped)
    return ledger


def _stitch_sizing(parts: list[tuple[np.ndarray, Result]], s: int) -> Sizing | None:
    from renewfin.financing.sizing import Sizing

    sizings = [(rows, r.sizing) for rows, r in parts if r.sizing is not None]
    if len(sizings) != len(parts):
        return None

    def join(get: str, dtype: type) -> np.ndarray:
        arrays = [(rows, getattr(z, get)) for rows, z in sizings]
        lead = arrays[0][1].shape[:-1]
        out = np.zeros((*lead, s), dtype=dtype)
        for rows, a in arrays:
            out[..., rows] = np.broadcast_to(a, (*lead, rows.size))
        return out

    shares = all(z.share is not None for _, z in sizings)
    return Sizing(
        facility=join("facility", float),
        bounds=join("bounds", float),
        binding=join("binding", np.int64),
        iterations=max(z.iterations for _, z in sizings),
        residual=max(z.residual for _, z in sizings),
        share=join("share", float) if shares else None,
        residuals=_join_optional(sizings, "residuals", s),
        passes=_join_optional(sizings, "passes", s),
        worst=_join_optional(sizings, "worst", s),
        tol=min(z.tol for _, z in sizings),
        repaying=tuple(sorted({k for _, z in sizings for k in z.repaying})),
        periods=_join_optional(sizings, "periods", s),
        dscr_cash=_join_optional(sizings, "dscr_cash", s),
    )


def _join_optional(
    sizings: list[tuple[np.ndarray, Sizing]], name: str, s: int
) -> np.ndarray | None:
    """A per-scenario ``Sizing`` field (last axis S) put back in scenario order; None when
    some group did not record it."""
    arrays = [(rows, getattr(z, name)) for rows, z in sizings]
    if any(a is None for _, a in arrays):
        return None
    first = np.asarray(arrays[0][1])
    out = np.zeros((*first.shape[:-1], s), dtype=first.dtype)
    for rows, a in arrays:
        out[..., rows] = np.broadcast_to(a, (*first.shape[:-1], rows.size))
    return out
