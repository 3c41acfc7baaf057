"""The numeric inputs of a spec, by path: one registry generated from the spec models.

Every numeric field of the models (a number, an optional number, a list of numbers, a
number in a mapping keyed by an enumeration), in every section and list item a spec
holds, is an input path, plus three virtual inputs that have no field of their own
(``risk.construction_delay_periods``, ``risk.capex_overrun``, ``tax.surcharge_rate``).
The engine's overrides, the Monte Carlo, sensitivity and goal seek all address inputs
through it, so a path is valid exactly when the spec models say so, whatever one run
reads. Each path has two spellings: list items by name, the canonical form
(``revenues[停车位].unit_price``), and by position (``revenues[0].unit_price``); list items
without a name are addressed by position only. Each path carries the bounds of its field
(pydantic metadata: ``ge``, ``gt``, ``le``, ``lt``, whole numbers for ``int`` fields), so a
value can be checked without building a spec; ``renewfin.spec.changes.with_changes``
checks the rest (rules across fields) by validating the changed spec.
"""

from __future__ import annotations

import difflib
import math
import re
import typing
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum
from types import NoneType, UnionType
from typing import Any

import numpy as np
from pydantic import BaseModel

from renewfin.spec.base import StandardFactor
from renewfin.spec.errors import Problem, SpecError

RISK_DELAY = "risk.construction_delay_periods"
"""Virtual input: construction delay added to every phase [periods]."""
RISK_OVERRUN = "risk.capex_overrun"
"""Virtual input: capex overrun as a fraction of the items it applies to [fraction]."""
SURCHARGE = "tax.surcharge_rate"
"""Virtual input: the surcharges on VAT paid (城建税 + 教育费附加 + 地方教育附加) [fraction]."""

NOT_INPUTS = frozenset({"schema_version"})
"""Numeric fields that describe the file, not the project."""
SPEC_WIDE = frozenset({"timeline.horizon_years"})
"""Paths whose value sets the number of periods: one value per run, never per scenario."""


class Shape(StrEnum):
    """How many numbers an input holds."""

    SCALAR = "scalar"
    """One number: an override is a number or one per scenario, (S,)."""
    VECTOR = "vector"
    """A list of numbers: an override is a list, (n,), or one per scenario, (S, n)."""


@dataclass(frozen=True)
class Bounds:
    """The values a numeric field admits (its pydantic metadata); NaN and ±inf never."""

    lo: float = -math.inf
    lo_open: bool = False
    """``lo`` itself excluded (``gt``) rather than included (``ge``)."""
    hi: float = math.inf
    hi_open: bool = False
    """``hi`` itself excluded (``lt``) rather than included (``le``)."""
    integer: bool = False
    """Whole numbers only (an ``int`` field)."""

    def outside(self, values: np.ndarray) -> np.ndarray:
        """Boolean mask of the values the field does not admit (same shape)."""
        x = np.asarray(values, dtype=float)
        bad = ~np.isfinite(x)
        with np.errstate(invalid="ignore"):
            bad |= (x <= self.lo) if self.lo_open else (x < self.lo)
            bad |= (x >= self.hi) if self.hi_open else (x > self.hi)
            if self.integer:
                bad |= x != np.round(x)
        return bad

    def expected(self) -> str:
        """What the field admits, in words: ``a whole number >= 1 and <= 30``."""
        parts = []
        if self.lo > -math.inf:
            parts.append(f"{'>' if self.lo_open else '>='} {self.lo:g}")
        if self.hi < math.inf:
            parts.append(f"{'<' if self.hi_open else '<='} {self.hi:g}")
        what = "a whole number" if self.integer else "a finite number"
        return f"{what} {' and '.join(parts)}".rstrip()


@dataclass(frozen=True)
class InputPath:
    """One numeric input of a spec."""

    path: str
    """Canonical path, list items by name: ``revenues[停车位].unit_price``."""
    index_path: str
    """The same path with list items by position: ``revenues[0].unit_price``."""
    shape: Shape
    bounds: Bounds
    """Bounds of each number (of each element, for a vector)."""
    base: float | tuple[float, ...] | None
    """The value in the spec (``None`` for an optional field left empty, whose default the
    engine chooses; ``renewfin.paths.base_inputs`` gives the value the engine uses)."""
    field: str
    """Model and field: ``RevenueStream.unit_price`` (``risk`` for a virtual input)."""
    doc: str
    """The field's documentation (its unit in brackets)."""
    optional: bool = False
    """The field may be left empty."""
    factor: StandardFactor | None = None
    """The standard sensitivity factor the field joins (its annotation's
    ``StandardFactor``), if any."""

    @property
    def virtual(self) -> bool:
        """Whether the input has no spec field (the engine's risk inputs, the surcharges)."""
        return self.field.startswith("(virtual)")

    @property
    def per_run(self) -> bool:
        """Whether the input cannot differ between the scenarios of one run."""
        return self.path in SPEC_WIDE


_PATH_SPACES = re.compile(r"\s*([.\[\]])\s*")


class UnknownInputError(SpecError, KeyError):
    """An input path that names no numeric input of the spec."""

    __str__ = SpecError.__str__  # not KeyError's quoted repr


class Registry(Mapping[str, InputPath]):
    """The numeric inputs of one spec, by canonical path (``registry(spec)``)."""

    def __init__(self, entries: list[InputPath]) -> None:
        self._by_path = {e.path: e for e in entries}
        self._alias = {e.index_path: e for e in entries}

    def __getitem__(self, path: str) -> InputPath:
        return self._by_path[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_path)

    def __len__(self) -> int:
        return len(self._by_path)

    def find(self, path: str) -> InputPath | None:
        """The input ``path`` names, in either spelling (spaces around ``.`` and brackets
        ignored), or ``None``."""
        hit = self._by_path.get(path) or self._alias.get(path)
        if hit is None:
            tidy = _PATH_SPACES.sub(r"\1", path.strip())
            hit = self._by_path.get(tidy) or self._alias.get(tidy)
        return hit

    def resolve(self, path: str, where: str | None = None) -> InputPath:
        """The input ``path`` names.

        Raises
        ------
        UnknownInputError
            Naming the path (at ``where``, default the path itself) and the closest
            known paths.
        """
        hit = self.find(path)
        if hit is None:
            raise UnknownInputError([self.problem(path, where)], what="input path")
        return hit

    def problem(self, path: str, where: str | None = None) -> Problem:
        """The problem of an unknown ``path``, with the closest known paths."""
        return Problem(
            where or path, "not a numeric input of this spec" + suggest(path, list(self)), path
        )


def suggest(path: str, known: list[str]) -> str:
    """A hint naming the closest of the ``known`` paths."""
    close = difflib.get_close_matches(path, known, n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(close)}?" if close else ""


_BUILT: dict[int, tuple[weakref.ref[BaseModel], Registry]] = {}
"""Registries of the specs alive, by ``id`` (specs are frozen, so a registry never goes
stale; an entry leaves with its spec)."""


def registry(spec: BaseModel) -> Registry:
    """Every numeric input of ``spec`` (a ``ProjectSpec``), with the virtual ones."""
    key = id(spec)
    hit = _BUILT.get(key)
    if hit is not None and hit[0]() is spec:
        return hit[1]
    entries: list[InputPath] = []
    _walk(spec, "", "", entries)
    entries += _virtual(spec)
    built = Registry(entries)

    def forget(_: weakref.ref[BaseModel]) -> None:
        _BUILT.pop(key, None)

    _BUILT[key] = (weakref.ref(spec, forget), built)
    return built


def _virtual(spec: Any) -> list[InputPath]:
    from renewfin.spec.tax import resolve_tax

    surcharge = resolve_tax(spec.tax, spec.project.city_tier).surcharge
    rows = [
        (
            RISK_DELAY,
            Bounds(0.0, hi=1200.0, integer=True),
            0.0,
            "Construction delay added to every phase [periods]; a whole number (a delay past "
            "the horizon is reported in the run's diagnostics).",
        ),
        (
            RISK_OVERRUN,
            Bounds(-1.0, lo_open=True, hi=100.0),
            0.0,
            "Capex overrun as a fraction of the items it applies to [fraction]; > -1.",
        ),
        (
            SURCHARGE,
            Bounds(0.0, hi=1.0),
            surcharge,
            "Surcharges on VAT paid (城建税 + 教育费附加 + 地方教育附加) [fraction].",
        ),
    ]
    return [
        InputPath(path, path, Shape.SCALAR, bounds, base, "(virtual)", doc)
        for path, bounds, base, doc in rows
    ]


def _walk(model: BaseModel, at: str, at_index: str, out: list[InputPath]) -> None:
    for name, info in type(model).model_fields.items():
        if not at and name in NOT_INPUTS:
            continue
        value = getattr(model, name)
        path, index = f"{at}.{name}" if at else name, f"{at_index}.{name}" if at else name
        numeric = _numeric(info.annotation, list(info.metadata))
        if numeric is not None:
            shape, bounds, optional = numeric
            base = _base(value)
            doc = info.description or ""
            out.append(
                InputPath(
                    path,
                    index,
                    shape,
                    bounds,
                    base,
                    f"{type(model).__name__}.{name}",
                    doc,
                    optional,
                    _factor(info),
                )
            )
        elif isinstance(value, BaseModel):
            _walk(value, path, index, out)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):
                label = getattr(item, "name", None)
                key = f"{path}[{label}]" if isinstance(label, str) else f"{path}[{i}]"
                _walk(item, key, f"{index}[{i}]", out)
        else:
            out += _mapping_entries(model, name, info, path)


def _mapping_entries(model: BaseModel, name: str, info: Any, path: str) -> list[InputPath]:
    """``tax.vat_rates[rent]``: one scalar per member of the key enumeration."""
    if typing.get_origin(info.annotation) is not dict:
        return []
    key, item = typing.get_args(info.annotation)
    numeric = _numeric(item, [])
    if not (isinstance(key, type) and issubclass(key, Enum)) or numeric is None:
        return []
    shape, bounds, _ = numeric
    mapping = getattr(model, name)
    return [
        InputPath(
            f"{path}[{m.value}]",
            f"{path}[{m.value}]",
            shape,
            bounds,
            _base(mapping.get(m)),
            f"{type(model).__name__}.{name}",
            info.description or "",
            optional=True,
        )
        for m in key
    ]


def _factor(info: Any) -> StandardFactor | None:
    """The ``StandardFactor`` in a field's metadata (outside or inside ``Optional``)."""
    found = [*info.metadata, *_unwrap(info.annotation)[1]]
    return next((m for m in found if isinstance(m, StandardFactor)), None)


def _base(value: Any) -> float | tuple[float, ...] | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return tuple(float(v) for v in value)
    return float(value)


def _numeric(annotation: Any, metadata: list[Any]) -> tuple[Shape, Bounds, bool] | None:
    """(shape, bounds, optional) when ``annotation`` is a number or a list of numbers."""
    tp, meta, optional = _unwrap(annotation)
    meta = metadata + meta
    if typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp)
        inner, item_meta, _ = _unwrap(item)
        if inner in (int, float):
            return Shape.VECTOR, _bounds(inner, item_meta), optional
        return None
    if tp in (int, float):
        return Shape.SCALAR, _bounds(tp, meta), optional
    return None


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """Strip ``Optional`` and ``Annotated``: (type, metadata found, whether optional)."""
    meta: list[Any] = []
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation, *extra = typing.get_args(annotation)
            for m in extra:
                meta += list(getattr(m, "metadata", [m]))
        elif origin in (typing.Union, UnionType):
            args = [a for a in typing.get_args(annotation) if a is not NoneType]
            optional = optional or len(args) < len(typing.get_args(annotation))
            if len(args) != 1:
                return None, meta, optional
            annotation = args[0]
        else:
            return annotation, meta, optional


def _bounds(tp: Any, metadata: list[Any]) -> Bounds:
    lo, lo_open, hi, hi_open = -math.inf, False, math.inf, False
    for m in metadata:
        for attr, is_lo, is_open in (("ge", 1, 0), ("gt", 1, 1), ("le", 0, 0), ("lt", 0, 1)):
            value = getattr(m, attr, None)
            if value is None:
                continue
            if is_lo:
                lo, lo_open = float(value), bool(is_open)
            else:
                hi, hi_open = float(value), bool(is_open)
    return Bounds(lo, lo_open, hi, hi_open, integer=tp is int)
