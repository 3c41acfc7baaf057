"""The layout of the Excel input template: the fields of the spec models, classified for
the workbook, and the text of their labels (type, unit, default, allowed values).

``template_layout`` walks ``ProjectSpec.model_fields`` into one ``Section`` per sheet, each
a list of ``Slot`` (one field each, nested models flattened into dotted paths). The
writer (``renewfin.excel.template``) and the reader (``renewfin.excel.template_reader``)
share this layout and the conventions of a cell's text (``number_text``, ``bounds_text``,
``head_key`` the inverse of ``column_head``, ``choice_value`` the inverse of a choice's
label).
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from renewfin.spec.labels import choice_label, field_label
from renewfin.spec.model import ProjectSpec

__all__ = [
    "COVER_SHEET",
    "FRACTION_BOUNDS",
    "KV_HEADER_ROWS",
    "TABLE_HEADER_ROWS",
    "FieldType",
    "Section",
    "Slot",
    "allowed_text",
    "bilingual",
    "bounds_text",
    "choice_value",
    "column_head",
    "default_text",
    "describe",
    "field_type",
    "head_key",
    "number_text",
    "percent_error",
    "template_layout",
    "text_of",
    "type_label",
]

COVER_SHEET = "cover"
"""Name of the instructions sheet (ignored when reading)."""
KV_HEADER_ROWS = 1
"""Header rows of a key–value sheet; fields start on the next row."""
TABLE_HEADER_ROWS = 3
"""Header rows of a table sheet (keys, type and unit, description); items start below."""


# --------------------------------------------------------------------------------------
# Layout: the fields of the spec models, classified for the workbook
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldType:
    """How a field's value is entered in one cell."""

    kind: str
    """``text``, ``number``, ``integer``, ``bool``, ``date``, ``enum``, ``list``, ``dict``,
    or (not a cell) ``model`` and ``models``."""
    nullable: bool = False
    """Whether ``None`` is allowed."""
    enum: type[Enum] | None = None
    """The enumeration of an ``enum`` field."""
    item: FieldType | None = None
    """Element type of a ``list`` (or ``models``), value type of a ``dict``."""
    key: FieldType | None = None
    """Key type of a ``dict``."""
    model: type[BaseModel] | None = None
    """The model of a ``model`` field (or of a ``models`` element, via ``item``)."""
    bounds: tuple[tuple[str, float], ...] = ()
    """Numeric bounds as ``(op, value)`` with op in ``ge``, ``gt``, ``le``, ``lt``."""
    fraction: bool = False
    """A rate or share entered as a fraction (``0.022``) or with a percent sign
    (``2.2%``): a plain number above 1 in size is refused as a likely percentage."""


FRACTION_BOUNDS = ({"ge": -1.0, "le": 10.0}, {"ge": 0.0, "le": 10.0}, {"ge": 0.0, "le": 1.0})
"""Bounds of the spec's rates and shares (``renewfin.spec.base.Rate``, ``InterestRate``,
``Share``)."""


def _fractional(ft: FieldType, name: str) -> FieldType:
    """``ft`` marked as a fraction when it is a number with the bounds of a rate or share
    (a span of years with the same bounds excepted), or a list of such numbers."""
    if ft.kind == "list" and ft.item is not None:
        return replace(ft, item=_fractional(ft.item, name))
    if ft.kind == "number" and dict(ft.bounds) in FRACTION_BOUNDS and not name.endswith("years"):
        return replace(ft, fraction=True)
    return ft


def percent_error(ft: FieldType, value: float, percent: bool) -> str | None:
    """The message refusing a plain number above 1 in a fraction field (None if fine)."""
    if not ft.fraction or percent or abs(value) <= 1:
        return None
    return (
        f"{number_text(value)} looks like a percentage: enter it as a fraction "
        f"({number_text(value / 100)}) or with a percent sign ({number_text(value)}%) "
        f"比率请填小数（{number_text(value / 100)}）或带百分号（{number_text(value)}%）"
    )


@dataclass(frozen=True)
class Slot:
    """One field that takes one cell."""

    path: tuple[str, ...]
    """Field path: from the spec root on a key–value sheet, from the item on a table."""
    info: FieldInfo
    """The pydantic field (description, default)."""
    ftype: FieldType
    """How the value is entered."""
    optional_in: tuple[str, ...] | None = None
    """Path of an enclosing optional model (``funding.fund``), when there is one."""

    @property
    def key(self) -> str:
        """The dotted path written in the workbook (``funding.lpr.one_year``)."""
        return ".".join(self.path)


@dataclass(frozen=True)
class Section:
    """One sheet of the template: a key–value section or a table of items."""

    name: str
    """Sheet name: the dotted spec path of the section."""
    path: tuple[str, ...]
    """Spec path of the section (a model, or a list of models for a table)."""
    title: str
    """Description of the section (the docstring of its field)."""
    table: bool
    """Whether the sheet is a table (one row per list item)."""
    slots: tuple[Slot, ...]
    """Fields (key–value rows, or table columns), in model order."""
    nested: dict[tuple[str, ...], bool] = field(default_factory=dict)
    """Paths of nested models (relative like ``slots``) → whether the model must show at
    least one filled cell when present (required or optional models, and table items)."""


def template_layout(root: type[BaseModel] = ProjectSpec) -> list[Section]:
    """The sheets of the template for ``root``, walked from its ``model_fields``.

    Returns
    -------
    list of Section
        Key–value sections and tables in the order of the model fields; a model
        section's tables follow it.

    Raises
    ------
    TypeError
        When a field has a shape the template cannot hold (a list of models inside a
        list of models, or a union of several types).
    """
    sections: list[Section] = []
    root_slots: list[Slot] = []
    for name, info in root.model_fields.items():
        ft = _fractional(field_type(info.annotation, info.metadata), name)
        path = (name,)
        if ft.kind == "models":
            sections.append(_table_section(path, info, ft))
        elif ft.kind == "model":
            assert ft.model is not None
            slots: list[Slot] = []
            nested: dict[tuple[str, ...], bool] = {}
            tables: list[Section] = []
            _flatten(ft.model, path, None, slots, nested, tables)
            if slots:
                sections.append(
                    Section(".".join(path), path, describe(info), False, tuple(slots), nested)
                )
            sections.extend(tables)
        else:
            root_slots.append(Slot(path, info, ft))
    if root_slots:
        first = next((i for i, s in enumerate(sections) if not s.table), None)
        if first is None:
            sections.insert(0, Section("spec", (), describe(None), False, tuple(root_slots)))
        else:
            s = sections[first]
            sections[first] = Section(
                s.name, s.path, s.title, False, (*root_slots, *s.slots), s.nested
            )
    for s in sections:
        if len(s.name) > 31 or re.search(r"[\[\]:*?/\\]", s.name) or s.name == COVER_SHEET:
            raise TypeError(f"section {s.name!r} cannot be an Excel sheet name")
    return sections


def _flatten(
    model: type[BaseModel],
    prefix: tuple[str, ...],
    optional_in: tuple[str, ...] | None,
    slots: list[Slot],
    nested: dict[tuple[str, ...], bool],
    tables: list[Section] | None,
) -> None:
    """Collect the one-cell fields of ``model`` under ``prefix`` (nested models flattened);
    lists of models become ``tables`` (or are refused when ``tables`` is None)."""
    for name, info in model.model_fields.items():
        ft = _fractional(field_type(info.annotation, info.metadata), name)
        path = (*prefix, name)
        if ft.kind == "models":
            if tables is None:
                raise TypeError(
                    f"{'.'.join(path)}: a list of models inside a table is not "
                    "supported by the Excel template"
                )
            tables.append(_table_section(path, info, ft))
        elif ft.kind == "model":
            assert ft.model is not None
            must_show = ft.nullable or info.is_required()
            nested[path] = must_show
            inner = path if ft.nullable else optional_in
            _flatten(ft.model, path, inner, slots, nested, tables)
        else:
            slots.append(Slot(path, info, ft, optional_in))


def _table_section(path: tuple[str, ...], info: FieldInfo, ft: FieldType) -> Section:
    assert ft.item is not None and ft.item.model is not None
    slots: list[Slot] = []
    nested: dict[tuple[str, ...], bool] = {(): True}
    _flatten(ft.item.model, (), None, slots, nested, None)
    return Section(".".join(path), path, describe(info), True, tuple(slots), nested)


def field_type(annotation: Any, metadata: Sequence[Any] = ()) -> FieldType:
    """Classify a (pydantic-resolved) annotation for the workbook."""
    ann = annotation
    nullable = False
    if get_origin(ann) in (Union, types.UnionType):
        args = get_args(ann)
        rest = [a for a in args if a is not type(None)]
        nullable = len(rest) < len(args)
        if len(rest) != 1:
            raise TypeError(f"union {annotation!r} is not supported by the Excel template")
        ann = rest[0]
    extra: list[Any] = list(metadata)
    if get_origin(ann) is Annotated:
        ann, *more = get_args(ann)
        extra.extend(more)
    bounds = _bounds(extra)
    if ann is bool:
        return FieldType("bool", nullable)
    if ann is int:
        return FieldType("integer", nullable, bounds=bounds)
    if ann is float:
        return FieldType("number", nullable, bounds=bounds)
    if ann is str:
        return FieldType("text", nullable)
    if ann is dt.date:
        return FieldType("date", nullable)
    if isinstance(ann, type) and issubclass(ann, Enum):
        return FieldType("enum", nullable, enum=ann)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return FieldType("model", nullable, model=ann)
    origin = get_origin(ann)
    if origin is list:
        item = field_type(get_args(ann)[0])
        if item.kind == "model":
            return FieldType("models", nullable, item=item)
        if item.kind in ("list", "dict", "models"):
            raise TypeError(f"nested collection {annotation!r} is not supported")
        return FieldType("list", nullable, item=item)
    if origin is dict:
        key_t, value_t = (field_type(a) for a in get_args(ann))
        if key_t.kind not in ("text", "enum") or value_t.kind in (
            "list",
            "dict",
            "model",
            "models",
        ):
            raise TypeError(f"mapping {annotation!r} is not supported")
        return FieldType("dict", nullable, item=value_t, key=key_t)
    raise TypeError(f"type {annotation!r} is not supported by the Excel template")


def _bounds(metadata: Iterable[Any]) -> tuple[tuple[str, float], ...]:
    out: list[tuple[str, float]] = []
    for m in metadata:
        if isinstance(m, FieldInfo):
            out.extend(_bounds(m.metadata))
            continue
        for op in ("ge", "gt", "le", "lt"):
            value = getattr(m, op, None)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out.append((op, float(value)))
    return tuple(out)


def describe(info: FieldInfo | None) -> str:
    text = (info.description if info is not None else None) or ""
    return " ".join(text.replace("``", "").split())


# --------------------------------------------------------------------------------------
# Labels: type, unit, default and allowed values of a slot
# --------------------------------------------------------------------------------------

_KIND_LABEL = {
    "text": "文本 text",
    "number": "数值 number",
    "integer": "整数 integer",
    "bool": "是/否 TRUE/FALSE",
    "date": "日期 date YYYY-MM-DD",
    "enum": "选项 choice",
}


def number_text(x: float) -> str:
    """A number as short text that reads back to the same float."""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, int):
        return str(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def type_label(ft: FieldType, description: str) -> str:
    if ft.kind == "list":
        assert ft.item is not None
        if ft.item.kind in ("number", "integer"):
            label = "数列 numbers, comma-separated: a, b, c"
        else:
            label = "列表 list, comma-separated: a, b"
    elif ft.kind == "dict":
        label = "映射 key=value; key=value"
    else:
        label = _KIND_LABEL[ft.kind]
    if ft.fraction or (ft.item is not None and ft.item.fraction):
        label += "，小数或百分数 fraction or % (0.022 = 2.2%)"
    unit = re.search(r"\[([^\[\]]{1,24})\]", description)
    if unit and ft.kind in ("number", "integer", "list", "dict"):
        label += f" [{unit.group(1)}]"
    return label


def bounds_text(bounds: Sequence[tuple[str, float]]) -> str:
    b = dict(bounds)
    lo = ("≤", b["ge"]) if "ge" in b else ("<", b["gt"]) if "gt" in b else None
    hi = ("≤", b["le"]) if "le" in b else ("<", b["lt"]) if "lt" in b else None
    if lo and hi:
        return f"{number_text(lo[1])} {lo[0]} x {hi[0]} {number_text(hi[1])}"
    if lo:
        return f"x {'≥' if lo[0] == '≤' else '>'} {number_text(lo[1])}"
    if hi:
        return f"x {hi[0]} {number_text(hi[1])}"
    return ""


def _choice(enum: type[Enum], value: str) -> str:
    """A choice as the template shows it: its value, and its Chinese label beside it."""
    zh = choice_label(enum.__name__, value)
    return f"{value}（{zh}）" if zh else value


def choice_value(enum: type[Enum], text: str) -> str:
    """The value of a choice entered as its value, as ``value（中文）`` or as its Chinese
    label alone."""
    value = text.split("（")[0].strip()
    by_label = {choice_label(enum.__name__, str(m.value)): str(m.value) for m in enum}
    return by_label.get(value, value)


def _zh_label(path: tuple[str, ...]) -> str:
    """The Chinese label of the field at ``path`` from the spec root (list items' fields
    by the item model; ``renewfin.spec.labels``), '' if none."""
    owner: type[BaseModel] | None = ProjectSpec
    for part in path[:-1]:
        if owner is None or part not in owner.model_fields:
            return ""
        info = owner.model_fields[part]
        ft = field_type(info.annotation, info.metadata)
        owner = ft.item.model if ft.kind == "models" and ft.item is not None else ft.model
    return field_label(owner.__name__, path[-1]) or "" if owner is not None else ""


def column_head(path: tuple[str, ...], key: str, description: str) -> str:
    """Header of a table sheet's column: the field's Chinese label and its unit (the
    description's ``[...]``) on the first line, the field key on the last, which the
    reader takes (``head_key``)."""
    zh = _zh_label(path)
    unit = re.search(r"\[([^\[\]]{1,24})\]", description)
    u = unit.group(1) if unit else ""
    u = f"单位见 unit in {u}" if re.fullmatch(r"[a-z_]+", u) else u  # a field names the unit
    first = " ".join(t for t in (zh, f"[{u}]" if u else "") if t)
    return f"{first}\n{key}" if first else key


def head_key(header: Any) -> str:
    """The field key in a table sheet's column header: its last line (``column_head``)."""
    lines = str(header).strip().splitlines()
    return lines[-1].strip() if lines else ""


def bilingual(path: tuple[str, ...], description: str) -> str:
    """A field's description with its Chinese label before it."""
    zh = _zh_label(path)
    return f"{zh} — {description}" if zh and description else zh or description


def allowed_text(ft: FieldType) -> str:
    if ft.kind == "enum":
        assert ft.enum is not None
        return ", ".join(_choice(ft.enum, str(m.value)) for m in ft.enum)
    if ft.kind == "bool":
        return "TRUE, FALSE"
    if ft.kind in ("number", "integer"):
        return bounds_text(ft.bounds)
    if ft.kind == "list":
        assert ft.item is not None
        inner = allowed_text(ft.item)
        return f"each 每项: {inner}" if inner else ""
    if ft.kind == "dict":
        assert ft.key is not None and ft.item is not None
        keys = allowed_text(ft.key) if ft.key.kind == "enum" else "text"
        values = allowed_text(ft.item)
        return f"keys 键: {keys}" + (f"; values 值: {values}" if values else "")
    return ""


def default_text(slot: Slot) -> str:
    info = slot.info
    if info.is_required():
        if slot.optional_in is not None:
            return f"必填 required (if {'.'.join(slot.optional_in)} is used)"
        return "必填 required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return ""
    return text_of(slot.ftype, value)


def _quoted(text: str) -> str:
    """A list element, in double quotes when it holds a comma or a quote (CSV style)."""
    if any(ch in text for ch in ',"') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def text_of(ft: FieldType, value: Any) -> str:
    """A value as the text a user would type for it."""
    if ft.kind == "list":
        assert ft.item is not None
        if not value:
            return "[]"
        if ft.item.kind in ("number", "integer"):
            return ", ".join(number_text(v) for v in value)
        return ", ".join(_quoted(text_of(ft.item, v)) for v in value)
    if ft.kind == "dict":
        assert ft.key is not None and ft.item is not None
        if not value:
            return "{}"
        return "; ".join(f"{text_of(ft.key, k)}={text_of(ft.item, v)}" for k, v in value.items())
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool | int | float):
        return number_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
