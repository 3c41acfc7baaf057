"""Chinese labels of the spec's fields and choices, declared where the field or the enum is,
and the field metadata the Inputs sheet lays a year list out by.

A field carries its label in its annotation, ``name: Annotated[Name, Zh("名称")]`` (the
JSON Schema is unchanged: pydantic keeps the marker in ``FieldInfo.metadata``); a few
names that mean the same in several models (``name``, ``kind``, ``phase`` …) take the
label of :data:`COMMON` unless the field declares its own. An enumeration carries the
label of each choice in its ``choice_labels`` decorator, which fails at import when a
member has none. The edit form, the Excel template and the Inputs sheet read them all
through :func:`field_label` and :func:`choice_label`; a test checks that every field and
choice of the schema has one.

A year-list field (one value per year, such as a CPI path) may say which year of its
item its first element is, ``Annotated[list[float] | None, FromYear(1)]``, read by
:func:`first_year` for the calendar-year row above it on the Inputs sheet.

This module imports no other spec module (they import it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

from pydantic import BaseModel

__all__ = [
    "COMMON",
    "FromYear",
    "Zh",
    "choice_label",
    "choice_labels",
    "field_label",
    "first_year",
]

E = TypeVar("E", bound=type[Enum])


@dataclass(frozen=True)
class Zh:
    """The Chinese label of a spec field, in its annotation (the edit form, the template
    and the Inputs sheet show it)."""

    text: str


@dataclass(frozen=True)
class FromYear:
    """The year of its item (0 the first, counted from the item's origin: a cost's start of
    operation …) that a year-list field's first element belongs to."""

    year: int


COMMON: dict[str, str] = {
    "asset_class": "资产类别",
    "category": "类别",
    "construction_interest": "建设期利息支付方式",
    "input_vat_rate": "进项税率",
    "kind": "类型",
    "name": "名称",
    "phase": "所属分期",
    "repayment": "还本方式",
    "repayment_schedule": "分年还本比例",
    "tenor_years": "期限（年）",
}
"""Labels of field names shared by several models, where a field declares none."""

_CHOICES: dict[str, dict[str, str]] = {}
"""Chinese label of each choice, by enumeration name and value (``choice_labels``)."""


def choice_labels(labels: Mapping[str, str]) -> Callable[[E], E]:
    """Decorate an enumeration with the Chinese label of each of its values.

    Raises
    ------
    ValueError
        When a member has no label or a label names no member.
    """

    def register(enum: E) -> E:
        values = {str(m.value) for m in enum}
        if values != set(labels):
            missing, extra = sorted(values - set(labels)), sorted(set(labels) - values)
            raise ValueError(f"{enum.__name__}: labels missing {missing}, unknown {extra}")
        _CHOICES[enum.__name__] = dict(labels)
        return enum

    return register


_MODELS: dict[str, type[BaseModel]] = {}
"""The spec's models by name, found so far (``_model``)."""


def _model(name: str) -> type[BaseModel] | None:
    """The spec model called ``name`` (among those imported), or None."""
    if name not in _MODELS:
        todo: list[type[BaseModel]] = [BaseModel]
        while todo:
            for sub in todo.pop().__subclasses__():
                if sub.__module__.startswith("renewfin.spec."):
                    _MODELS.setdefault(sub.__name__, sub)
                todo.append(sub)
    return _MODELS.get(name)


def _meta(model: str | type[BaseModel], field: str) -> list[object]:
    """The metadata of ``field`` in ``model`` (none when either is unknown)."""
    cls = _model(model) if isinstance(model, str) else model
    info = None if cls is None else cls.model_fields.get(field)
    return [] if info is None else list(info.metadata)


def field_label(model: str | type[BaseModel], field: str) -> str | None:
    """The Chinese label of ``field`` in ``model`` (a spec model or its name): the field's
    own, else the common one of its name, else None."""
    own = next((m.text for m in _meta(model, field) if isinstance(m, Zh)), None)
    return own if own is not None else COMMON.get(field)


def choice_label(enum: str | type[Enum], value: str) -> str | None:
    """The Chinese label of choice ``value`` of ``enum`` (an enumeration or its name), or
    None when there is none."""
    name = enum if isinstance(enum, str) else enum.__name__
    return _CHOICES.get(name, {}).get(value)


def first_year(model: str | type[BaseModel], field: str) -> int:
    """The item's year of the first element of year-list ``field`` (``FromYear``; 0)."""
    return next((m.year for m in _meta(model, field) if isinstance(m, FromYear)), 0)
