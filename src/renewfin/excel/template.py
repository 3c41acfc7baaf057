"""The Excel input template: a fill-in workbook generated from the spec models, and its reader.

The template is built by walking ``ProjectSpec.model_fields`` (DESIGN.md §2: the same
field metadata fills the JSON Schema, the CLI help and the comments of the Excel
inputs), so a new field appears in the workbook without any change here.

Layout
------
- ``cover``: bilingual instructions (中文 / English) and the list of sheets.
- One **key–value sheet** per model section (``project``, ``timeline``,
  ``price_contingency``, ``tax``, ``evaluation``, ``funding`` …): one row per field,
  nested models flattened into dotted paths (``funding.lpr.one_year``,
  ``funding.reit_exit.cap_rate``). Columns: field path, value, unit/type, default,
  allowed values, description (the field's docstring). Top-level scalars of the spec
  (``schema_version``) sit on the first of these sheets.
- One **table sheet** per list of models (``timeline.phases``, ``investment``,
  ``revenues``, ``opex``, ``depreciation.classes``, ``funding.loans`` …): row 1 the field's
  Chinese label and unit above its key (the reader takes the key, the header's last
  line), row 2 type, unit and default, row 3 the description, then one row per item from
  row 4; nested models are flattened into columns (``sizing.amount``).

Cell conventions: an empty cell means "use the default"; a list is written as
comma-separated values (``0.4, 0.6``; a percentage such as ``40%`` is read as 0.4); a
mapping as ``key=value; key=value``; booleans as TRUE / FALSE; dates as dates
(``YYYY-MM-DD``). ``[]`` and ``{}`` stand for an explicitly empty list or mapping.

Reading is the inverse: ``read_template`` rebuilds the plain data, validates it with the
spec models and reports every problem in one ``SpecError`` whose paths name the sheet and
cell (``revenues!E4 (revenues[0 停车位].unit_price)``), the value found and what was
expected. Files are read by ``renewfin.excel.template_cells``: the archive's sizes and
compression ratios are checked first (limits in ``renewfin.spec.limits``), then openpyxl
reads it in read-only mode through ``defusedxml`` (a core dependency), so entity-expansion
attacks are refused; a formula cell without a stored value is refused with its cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from os import PathLike
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import openpyxl
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from renewfin.excel.book import set_text
from renewfin.excel.template_cells import MAX_COLUMNS, is_empty, load_rows
from renewfin.spec.errors import Problem, SpecError, format_loc, problems_from_validation
from renewfin.spec.io import atomic_write
from renewfin.spec.model import SCHEMA_VERSION, ProjectSpec
from renewfin.spec.plausibility import plausibility_problems
from renewfin.web.labels import choice_label, field_label

__all__ = [
    "BUNDLED_TEMPLATE",
    "Section",
    "Slot",
    "build_workbook",
    "read_template",
    "regenerate_bundled_template",
    "template_layout",
    "write_template",
]

BUNDLED_TEMPLATE = Path(__file__).resolve().parents[3] / "excel_templates" / "input_template.xlsx"
"""The empty template kept in the repository (``excel_templates/input_template.xlsx``);
it exists in a source checkout, not in an installed wheel."""

COVER_SHEET = "cover"
"""Name of the instructions sheet (ignored when reading)."""
KV_HEADER_ROWS = 1
"""Header rows of a key–value sheet; fields start on the next row."""
TABLE_HEADER_ROWS = 3
"""Header rows of a table sheet (keys, type and unit, description); items start below."""
SPARE_ROWS = 20
"""Formatted empty rows offered below the items of a table sheet."""
MIN_TABLE_ROWS = 30
"""A table sheet offers at least this many formatted item rows."""

_KV_COLUMNS = (
    ("字段 field", 36),
    ("值 value", 24),
    ("单位/类型 unit/type", 26),
    ("默认 default", 18),
    ("可选值 allowed", 34),
    ("说明 description", 90),
)

# FAST standard: inputs in blue on light yellow; labels and headers apart.
_INPUT_FILL = PatternFill("solid", fgColor="FFFFCC")
_INPUT_FONT = Font(color="0000FF")
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_HEADER_FONT = Font(color="FFFFFF", bold=True)
_SUBHEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_LABEL_FONT = Font(color="404040")
_NOTE_FONT = Font(color="595959", size=9)
_THIN = Side(style="thin", color="BFBFBF")
_INPUT_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")



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


def _percent_error(ft: FieldType, value: float, percent: bool) -> str | None:
    """The message refusing a plain number above 1 in a fraction field (None if fine)."""
    if not ft.fraction or percent or abs(value) <= 1:
        return None
    return (f"{_num(value)} looks like a percentage: enter it as a fraction "
            f"({_num(value / 100)}) or with a percent sign ({_num(value)}%) "
            f"比率请填小数（{_num(value / 100)}）或带百分号（{_num(value)}%）")


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
        ft = _fractional(_field_type(info.annotation, info.metadata), name)
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
                    Section(".".join(path), path, _describe(info), False, tuple(slots), nested)
                )
            sections.extend(tables)
        else:
            root_slots.append(Slot(path, info, ft))
    if root_slots:
        first = next((i for i, s in enumerate(sections) if not s.table), None)
        if first is None:
            sections.insert(0, Section("spec", (), _describe(None), False, tuple(root_slots)))
        else:
            s = sections[first]
            sections[first] = Section(s.name, s.path, s.title, False,
                                      (*root_slots, *s.slots), s.nested)
    for s in sections:
        if len(s.name) > 31 or re.search(r"[\[\]:*?/\\]", s.name) or s.name == COVER_SHEET:
            raise TypeError(f"section {s.name!r} cannot be an Excel sheet name")
    return sections


def _flatten(model: type[BaseModel], prefix: tuple[str, ...], optional_in: tuple[str, ...] | None,
             slots: list[Slot], nested: dict[tuple[str, ...], bool],
             tables: list[Section] | None) -> None:
    """Collect the one-cell fields of ``model`` under ``prefix`` (nested models flattened);
    lists of models become ``tables`` (or are refused when ``tables`` is None)."""
    for name, info in model.model_fields.items():
        ft = _fractional(_field_type(info.annotation, info.metadata), name)
        path = (*prefix, name)
        if ft.kind == "models":
            if tables is None:
                raise TypeError(f"{'.'.join(path)}: a list of models inside a table is not "
                                "supported by the Excel template")
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
    return Section(".".join(path), path, _describe(info), True, tuple(slots), nested)


def _field_type(annotation: Any, metadata: Sequence[Any] = ()) -> FieldType:
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
        item = _field_type(get_args(ann)[0])
        if item.kind == "model":
            return FieldType("models", nullable, item=item)
        if item.kind in ("list", "dict", "models"):
            raise TypeError(f"nested collection {annotation!r} is not supported")
        return FieldType("list", nullable, item=item)
    if origin is dict:
        key_t, value_t = (_field_type(a) for a in get_args(ann))
        if key_t.kind not in ("text", "enum") or value_t.kind in ("list", "dict", "model",
                                                                   "models"):
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


def _describe(info: FieldInfo | None) -> str:
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


def _num(x: float) -> str:
    """A number as short text that reads back to the same float."""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if isinstance(x, int):
        return str(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _type_label(ft: FieldType, description: str) -> str:
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


def _bounds_text(bounds: Sequence[tuple[str, float]]) -> str:
    b = dict(bounds)
    lo = ("≤", b["ge"]) if "ge" in b else ("<", b["gt"]) if "gt" in b else None
    hi = ("≤", b["le"]) if "le" in b else ("<", b["lt"]) if "lt" in b else None
    if lo and hi:
        return f"{_num(lo[1])} {lo[0]} x {hi[0]} {_num(hi[1])}"
    if lo:
        return f"x {'≥' if lo[0] == '≤' else '>'} {_num(lo[1])}"
    if hi:
        return f"x {hi[0]} {_num(hi[1])}"
    return ""


def _choice(enum: type[Enum], value: str) -> str:
    """A choice as the template shows it: its value, and its Chinese label beside it."""
    zh = choice_label(enum.__name__, value)
    return f"{value}（{zh}）" if zh else value


def _chosen(enum: type[Enum], text: str) -> str:
    """The value of a choice entered as its value, as ``value（中文）`` or as its Chinese
    label alone."""
    value = text.split("（")[0].strip()
    by_label = {choice_label(enum.__name__, str(m.value)): str(m.value) for m in enum}
    return by_label.get(value, value)


def _zh_label(path: tuple[str, ...]) -> str:
    """The Chinese label of the field at ``path`` from the spec root (list items' fields
    by the item model; ``renewfin.web.labels``), '' if none."""
    owner: type[BaseModel] | None = ProjectSpec
    for part in path[:-1]:
        if owner is None or part not in owner.model_fields:
            return ""
        info = owner.model_fields[part]
        ft = _field_type(info.annotation, info.metadata)
        owner = ft.item.model if ft.kind == "models" and ft.item is not None else ft.model
    return field_label(owner.__name__, path[-1]) or "" if owner is not None else ""


def _column_head(path: tuple[str, ...], key: str, description: str) -> str:
    """Header of a table sheet's column: the field's Chinese label and its unit (the
    description's ``[...]``) on the first line, the field key on the last, which the
    reader takes (``_head_key``)."""
    zh = _zh_label(path)
    unit = re.search(r"\[([^\[\]]{1,24})\]", description)
    u = unit.group(1) if unit else ""
    u = f"单位见 unit in {u}" if re.fullmatch(r"[a-z_]+", u) else u  # a field names the unit
    first = " ".join(t for t in (zh, f"[{u}]" if u else "") if t)
    return f"{first}\n{key}" if first else key


def _head_key(header: Any) -> str:
    """The field key in a table sheet's column header: its last line (``_column_head``)."""
    lines = str(header).strip().splitlines()
    return lines[-1].strip() if lines else ""


def _bilingual(path: tuple[str, ...], description: str) -> str:
    """A field's description with its Chinese label before it."""
    zh = _zh_label(path)
    return f"{zh} — {description}" if zh and description else zh or description


def _allowed(ft: FieldType) -> str:
    if ft.kind == "enum":
        assert ft.enum is not None
        return ", ".join(_choice(ft.enum, str(m.value)) for m in ft.enum)
    if ft.kind == "bool":
        return "TRUE, FALSE"
    if ft.kind in ("number", "integer"):
        return _bounds_text(ft.bounds)
    if ft.kind == "list":
        assert ft.item is not None
        inner = _allowed(ft.item)
        return f"each 每项: {inner}" if inner else ""
    if ft.kind == "dict":
        assert ft.key is not None and ft.item is not None
        keys = _allowed(ft.key) if ft.key.kind == "enum" else "text"
        values = _allowed(ft.item)
        return f"keys 键: {keys}" + (f"; values 值: {values}" if values else "")
    return ""


def _default_text(slot: Slot) -> str:
    info = slot.info
    if info.is_required():
        if slot.optional_in is not None:
            return f"必填 required (if {'.'.join(slot.optional_in)} is used)"
        return "必填 required"
    value = info.get_default(call_default_factory=True)
    if value is None:
        return ""
    return _text_of(slot.ftype, value)


def _quoted(text: str) -> str:
    """A list element, in double quotes when it holds a comma or a quote (CSV style)."""
    if any(ch in text for ch in ',"') or text != text.strip():
        return '"' + text.replace('"', '""') + '"'
    return text


def _text_of(ft: FieldType, value: Any) -> str:
    """A value as the text a user would type for it."""
    if ft.kind == "list":
        assert ft.item is not None
        if not value:
            return "[]"
        if ft.item.kind in ("number", "integer"):
            return ", ".join(_num(v) for v in value)
        return ", ".join(_quoted(_text_of(ft.item, v)) for v in value)
    if ft.kind == "dict":
        assert ft.key is not None and ft.item is not None
        if not value:
            return "{}"
        return "; ".join(f"{_text_of(ft.key, k)}={_text_of(ft.item, v)}"
                         for k, v in value.items())
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool | int | float):
        return _num(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def write_template(path: str | PathLike[str], spec: ProjectSpec | None = None) -> None:
    """Write the input template as an .xlsx workbook, empty or pre-filled with ``spec``.

    Parameters
    ----------
    path : path-like
        Target file. It is written atomically: into a temporary file beside it, then
        renamed into place, so a failure never leaves a partial file.
    spec : ProjectSpec, optional
        Values to pre-fill. A field the spec sets explicitly, or whose value differs from
        its default, is written; a field left at its default is an empty cell (meaning
        "use the default").

    Notes
    -----
    ``read_template(path)`` of the result equals ``spec`` (``==``).
    """
    wb = build_workbook(spec)
    atomic_write(path, wb.save, mode="wb")


def build_workbook(spec: ProjectSpec | None = None) -> Workbook:
    """The template workbook (empty, or pre-filled with ``spec``), not yet saved."""
    if spec is not None and not isinstance(spec, ProjectSpec):
        raise TypeError(f"spec must be a ProjectSpec, not {type(spec).__name__}")
    layout = template_layout()
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = COVER_SHEET
    for section in layout:
        ws = wb.create_sheet(section.name)
        if section.table:
            items = _resolve(spec, section.path) if spec is not None else None
            owner = _resolve(spec, section.path[:-1]) if spec is not None else None
            if items and owner is not None and not _explicit(owner, section.path[-1]):
                items = None  # the default list: leave the table empty
            _write_table(ws, section, list(items or []))
        else:
            _write_kv(ws, section, spec)
    _write_cover(cover, layout, spec)
    return wb


def _resolve(root: Any, path: Sequence[str]) -> Any:
    node = root
    for part in path:
        if node is None:
            return None
        node = getattr(node, part)
    return node


def _explicit(owner: BaseModel, name: str) -> bool:
    """Whether ``owner.name`` was given explicitly or differs from its default."""
    if name in owner.model_fields_set:
        return True
    info = type(owner).model_fields[name]
    if info.is_required():
        return True
    return bool(getattr(owner, name) != info.get_default(call_default_factory=True))


def _prefill(root: BaseModel | None, section: Section) -> dict[tuple[str, ...], Any]:
    """Values to write for the slots of ``section`` under ``root`` (the spec for a
    key–value sheet, an item for a table)."""
    out: dict[tuple[str, ...], Any] = {}
    if root is None:
        return out
    for slot in section.slots:
        owner = _resolve(root, slot.path[:-1])
        if owner is None:
            continue
        value = getattr(owner, slot.path[-1])
        if value is not None and _explicit(owner, slot.path[-1]):
            out[slot.path] = value
    # A present model whose absence means something else (an optional model, a required
    # one, a table item) shows at least one cell, else it would read back as missing.
    for prefix, must_show in sorted(section.nested.items(), key=lambda kv: len(kv[0])):
        if not must_show or _resolve(root, prefix) is None:
            continue
        group = [s for s in section.slots if s.path[: len(prefix)] == prefix]
        if not any(s.path in out for s in group):
            for s in group:
                value = _resolve(root, s.path)
                if value is None and s.path in _RESOLVED_DEFAULTS:
                    value = _RESOLVED_DEFAULTS[s.path](root)
                if value is not None:
                    out[s.path] = value
    return out


def _mmra_items(root: BaseModel) -> list[str]:
    from renewfin.spec.model import ProjectSpec, mmra_items

    return mmra_items(root) if isinstance(root, ProjectSpec) else []


_RESOLVED_DEFAULTS: dict[tuple[str, ...], Any] = {("funding", "mmra", "items"): _mmra_items}
"""Fields whose default (None) is resolved from the rest of the spec, written by their
resolved value when a present optional model would otherwise show no cell: a maintenance
reserve given as ``mmra: {}`` is written with the names of the cyclical items it funds, so
that it reads back present and funding the same items."""


def _put(cell: Cell | MergedCell, value: Any) -> None:
    """Write ``value``; text always as text, never as a formula."""
    assert isinstance(cell, Cell)  # the template's sheets merge no cells
    if isinstance(value, str):
        set_text(cell, value)
    else:
        cell.value = value


def _cell_value(ft: FieldType, value: Any) -> Any:
    if value is None:
        return None
    if ft.kind in ("list", "dict"):
        return _text_of(ft, value)
    if isinstance(value, Enum):
        return str(value.value)
    if ft.kind == "date":
        return value
    if ft.kind == "text":
        return str(value)
    return value


def _style_input(cell: Cell | MergedCell, ft: FieldType) -> None:
    cell.fill = _INPUT_FILL
    cell.font = _INPUT_FONT
    cell.border = _INPUT_BORDER
    if ft.kind == "date":
        cell.number_format = "yyyy-mm-dd"
    elif ft.kind in ("text", "list", "dict"):
        cell.number_format = "@"


def _header(cell: Cell | MergedCell, text: str) -> None:
    _put(cell, text)
    cell.fill = _HEADER_FILL
    cell.font = _HEADER_FONT
    cell.alignment = _WRAP_TOP


class _Validations:
    """Data validations of one sheet, grouped so that equal rules share one object."""

    def __init__(self) -> None:
        self._rules: dict[tuple[Any, ...], DataValidation] = {}

    def add(self, ft: FieldType, ref: str) -> None:
        rule = self._rule(ft)
        if rule is None:
            return
        dv = self._rules.get(rule)
        if dv is None:
            kind, operator, f1, f2, error = rule
            dv = DataValidation(type=kind, operator=operator, formula1=f1, formula2=f2,
                                allow_blank=True, showErrorMessage=True,
                                errorTitle="renewfin", error=error)
            self._rules[rule] = dv
        dv.add(ref)

    @staticmethod
    def _rule(ft: FieldType) -> tuple[Any, ...] | None:
        if ft.kind in ("enum", "bool"):
            values = (["TRUE", "FALSE"] if ft.kind == "bool"
                      else [str(m.value) for m in ft.enum or ()])
            formula = '"' + ",".join(values) + '"'
            if len(formula) > 255 or any("," in v or '"' in v for v in values):
                return None
            return ("list", None, formula, None, f"expected one of 可选: {', '.join(values)}")
        if ft.kind not in ("number", "integer"):
            return None
        kind = "whole" if ft.kind == "integer" else "decimal"
        b = dict(ft.bounds)
        lo = b.get("ge", b.get("gt"))
        hi = b.get("le", b.get("lt"))
        text = _bounds_text(ft.bounds)
        what = "an integer 整数" if kind == "whole" else "a number 数值"
        error = f"expected {what}" + (f": {text}" if text else "")
        if lo is not None and hi is not None:
            return (kind, "between", _num(lo), _num(hi), error)
        if lo is not None:
            op = "greaterThanOrEqual" if "ge" in b else "greaterThan"
            return (kind, op, _num(lo), None, error)
        if hi is not None:
            op = "lessThanOrEqual" if "le" in b else "lessThan"
            return (kind, op, _num(hi), None, error)
        return (kind, "between", "-1E+307", "1E+307", error)

    def attach(self, ws: Worksheet) -> None:
        for dv in self._rules.values():
            ws.add_data_validation(dv)


def _write_kv(ws: Worksheet, section: Section, spec: ProjectSpec | None) -> None:
    for j, (title, width) in enumerate(_KV_COLUMNS, start=1):
        _header(ws.cell(1, j), title)
        ws.column_dimensions[get_column_letter(j)].width = width
    values = _prefill(spec, section)
    dvs = _Validations()
    row = KV_HEADER_ROWS + 1
    seen_heads: set[tuple[str, ...]] = set()
    for slot in section.slots:
        # A heading row ("# funding.fund …") before the first field of each nested model.
        for k in range(len(section.path) + 1, len(slot.path)):
            prefix = slot.path[:k]
            if prefix in section.nested and prefix not in seen_heads:
                seen_heads.add(prefix)
                info = _model_field(prefix)
                _put(ws.cell(row, 1), f"# {'.'.join(prefix)}")
                _put(ws.cell(row, 6), _describe(info))
                for j in range(1, len(_KV_COLUMNS) + 1):
                    ws.cell(row, j).fill = _SUBHEADER_FILL
                    ws.cell(row, j).font = Font(bold=True, color="1F3864")
                row += 1
        description = _describe(slot.info)
        _put(ws.cell(row, 1), slot.key)
        ws.cell(row, 1).font = _LABEL_FONT
        cell = ws.cell(row, 2)
        _put(cell, _cell_value(slot.ftype, values.get(slot.path)))
        _style_input(cell, slot.ftype)
        dvs.add(slot.ftype, cell.coordinate)
        for j, text in ((3, _type_label(slot.ftype, description)), (4, _default_text(slot)),
                        (5, _allowed(slot.ftype)), (6, _bilingual(slot.path, description))):
            c = ws.cell(row, j)
            _put(c, text or None)
            c.font = _NOTE_FONT
            c.alignment = _WRAP_TOP
        row += 1
    dvs.attach(ws)
    ws.freeze_panes = "C2"


def _model_field(path: tuple[str, ...]) -> FieldInfo | None:
    """The field at ``path`` from the spec root (for headings)."""
    model: type[BaseModel] | None = ProjectSpec
    info: FieldInfo | None = None
    for part in path:
        if model is None:
            return None
        info = model.model_fields[part]
        model = _field_type(info.annotation, info.metadata).model
    return info


def _write_table(ws: Worksheet, section: Section, items: list[BaseModel]) -> None:
    n_rows = max(len(items) + SPARE_ROWS, MIN_TABLE_ROWS)
    first = TABLE_HEADER_ROWS + 1
    last = first + n_rows - 1
    dvs = _Validations()
    longest = 0.0
    for j, slot in enumerate(section.slots, start=1):
        letter = get_column_letter(j)
        description = _describe(slot.info)
        _header(ws.cell(1, j), _column_head((*section.path, *slot.path), slot.key, description))
        parts = [_type_label(slot.ftype, description)]
        allowed = _allowed(slot.ftype)
        if allowed:
            parts.append(allowed)
        default = _default_text(slot)
        if default:
            parts.append(default if default.startswith("必填") else f"默认 default: {default}")
        c2 = ws.cell(2, j)
        _put(c2, "\n".join(parts))
        c2.font = _NOTE_FONT
        c2.alignment = _WRAP_TOP
        c2.fill = _SUBHEADER_FILL
        c3 = ws.cell(3, j)
        description = _bilingual((*section.path, *slot.path), description)
        _put(c3, description or None)
        c3.font = _NOTE_FONT
        c3.alignment = _WRAP_TOP
        width = 28 if slot.key == "name" else 24 if slot.ftype.kind in ("list", "dict") else 16
        width = max(width, min(len(slot.key) + 3, 30))
        ws.column_dimensions[letter].width = width
        longest = max(longest, len(description) * 1.3 / width)
        for r in range(first, last + 1):
            _style_input(ws.cell(r, j), slot.ftype)
        dvs.add(slot.ftype, f"{letter}{first}:{letter}{last}")
    for i, item in enumerate(items):
        values = _prefill(item, section)
        for j, slot in enumerate(section.slots, start=1):
            _put(ws.cell(first + i, j), _cell_value(slot.ftype, values.get(slot.path)))
    ws.row_dimensions[2].height = 60
    ws.row_dimensions[3].height = min(max(45, 13 * (longest + 1)), 240)
    dvs.attach(ws)
    ws.freeze_panes = ws.cell(first, 2).coordinate


_COVER_LINES = (
    ("填写说明 How to fill in", None),
    ("1. 黄色底、蓝色字的单元格为输入项；其他单元格是标签，请勿修改。",
     "Yellow cells with blue text are inputs; the other cells are labels: do not edit them."),
    ("2. 留空表示使用默认值（见“默认 default”列或第 2 行）；“必填 required”项必须填写。",
     "Leave a cell empty to use the default (the default column, or row 2 of a table); "
     "fields marked required must be filled."),
    ("3. 参数页每行一个字段；表格页每行一项，从第 4 行起填写，第 1 行为字段中文名、单位及"
     "字段名（最后一行），请勿改动；空行会被忽略。",
     "Key–value sheets: one field per row. Table sheets: one item per row from row 4; "
     "row 1 holds the field labels, units and, on its last line, the field names (do not "
     "change them); empty rows are ignored."),
    ("4. 列表用逗号分隔，如 0.4, 0.6（可写 40%）；映射写作 key=value; key=value，"
     "如 rent=0.09; parking=0.09；[] 表示空列表。",
     "Lists: comma-separated, e.g. 0.4, 0.6 (40% is read as 0.4). Mappings: "
     "key=value; key=value, e.g. rent=0.09; parking=0.09. [] is an empty list."),
    ("5. 是/否填 TRUE 或 FALSE；日期填 YYYY-MM-DD；比率填小数（0.05 = 5%）。",
     "Yes/no: TRUE or FALSE. Dates: YYYY-MM-DD. Rates as fractions (0.05 = 5 %)."),
    ("6. 金额单位为 project.money_unit（默认 万元）；单价有各自的币种字段。",
     "Amounts are in project.money_unit (default 万元); unit prices and costs carry their "
     "own currency field."),
    ("7. 导入：renewfin import input.xlsx -o spec.yaml；如有错误，会逐条列出工作表、单元格、"
     "填写的值和期望的值。",
     "Import: renewfin import input.xlsx -o spec.yaml. Every problem is listed with its "
     "sheet, cell, the value found and what was expected."),
)


def _write_cover(ws: Worksheet, layout: list[Section], spec: ProjectSpec | None) -> None:
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 14
    ws.column_dimensions["C"].width = 110
    _put(ws["A1"], "renewfin 城市更新项目输入模板 · Project input template")
    ws["A1"].font = Font(bold=True, size=16, color="1F3864")
    _put(ws["A2"], f"spec schema_version {SCHEMA_VERSION}")
    ws["A2"].font = _NOTE_FONT
    row = 3
    if spec is not None:
        _put(ws.cell(row, 1), "预填自 pre-filled from")
        _put(ws.cell(row, 3), spec.project.name)
        row += 1
    row += 1
    for zh, en in _COVER_LINES:
        _put(ws.cell(row, 1), zh)
        if en is None:
            ws.cell(row, 1).font = Font(bold=True, size=12, color="1F3864")
        else:
            _put(ws.cell(row + 1, 1), en)
            ws.cell(row + 1, 1).font = _NOTE_FONT
            row += 1
        row += 1
    row += 1
    _put(ws.cell(row, 1), "输入项示例 input cell")
    example = ws.cell(row, 2)
    _put(example, "0.05")
    _style_input(example, FieldType("text"))
    row += 2
    for j, title in enumerate(("工作表 sheet", "类型 kind", "内容 contents"), start=1):
        _header(ws.cell(row, j), title)
    row += 1
    for s in layout:
        _put(ws.cell(row, 1), s.name)
        _put(ws.cell(row, 2), "表格 table" if s.table else "参数 key–value")
        _put(ws.cell(row, 3), s.title or None)
        ws.cell(row, 3).alignment = Alignment(wrap_text=True)
        row += 1
    ws.freeze_panes = "A2"


def regenerate_bundled_template(path: str | PathLike[str] | None = None) -> Path:
    """Rewrite the empty template kept in ``excel_templates/`` (or at ``path``).

    Run after a change to the spec models: ``python -m renewfin.excel.template``. A test
    checks that the committed file matches the models.
    """
    target = Path(path) if path is not None else BUNDLED_TEMPLATE
    write_template(target)
    return target


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    sheet: str
    ref: str | None
    raw: Any = None
    exact: bool = False

    def label(self) -> str:
        return f"{self.sheet}!{self.ref}" if self.ref else self.sheet


@dataclass
class _Reader:
    source: str
    data: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, _Where] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # conversion problems: (location, where, message, value), paths formatted at the end
    bad: list[tuple[tuple[str | int, ...], _Where, str]] = field(default_factory=list)

    def register(self, loc: tuple[str | int, ...], where: _Where) -> None:
        self.cells.setdefault(format_loc(loc), where)


def read_template(path: str | PathLike[str]) -> ProjectSpec:
    """Read a filled template back into a validated ``ProjectSpec``.

    Parameters
    ----------
    path : path-like
        An .xlsx workbook written by ``write_template`` and filled in. The values are
        read as stored (a formula cell gives the value Excel last calculated).

    Returns
    -------
    ProjectSpec
        The spec; for a template written from ``spec``, equal to ``spec``.

    Raises
    ------
    SpecError
        Listing every problem at once: each names the sheet and cell
        (``revenues!E4 (revenues[0 停车位].unit_price)``), the value found and what was
        expected. Also raised when the file is missing or not a readable workbook.
    """
    source = str(path)
    layout = template_layout()
    widths = {s.name: MAX_COLUMNS if s.table else 2 for s in layout}
    rows = load_rows(Path(path), widths, source)
    rd = _Reader(source)
    for name, info in ProjectSpec.model_fields.items():
        if info.is_required() and _field_type(info.annotation).kind == "model":
            rd.data[name] = {}  # so that a missing field is reported at its own cell
    for section in layout:
        if section.name not in rows:
            continue
        if section.table:
            _read_table(rd, section, rows[section.name])
        else:
            _read_kv(rd, section, rows[section.name])
    try:
        spec = ProjectSpec.model_validate(rd.data)
    except ValidationError as exc:
        found = problems_from_validation(exc, rd.data)
    else:
        found = plausibility_problems(spec)
    problems = list(rd.problems)
    flagged: list[str] = []
    tables = {s.name for s in layout if s.table}
    for loc, cell, message in rd.bad:
        flagged.append(_norm(format_loc(loc)))
        problems.append(_at(cell, format_loc(loc, rd.data), message, cell.raw, True))
    for p in found:
        key = _norm(p.path)
        if any(key == f or key.startswith((f + ".", f + "[")) for f in flagged):
            continue  # already reported by the cell conversion
        where = _locate(rd.cells, key)
        if where is None:
            problems.append(p)
            continue
        value = where.raw if (where.exact and key in rd.cells and p.has_value) else p.value
        message = _expected(p.message)
        if key in tables and not p.has_value:
            message = f"expected at least one item (a row from row {TABLE_HEADER_ROWS + 1})"
        problems.append(_at(where, p.path, message, value, p.has_value))
    if problems:
        order = {s.name: i for i, s in enumerate(layout)}
        problems.sort(key=lambda p: _position(p.path, order))
        raise SpecError(problems, source, "template")
    return spec


_REF = re.compile(r"^(?P<sheet>[^!\s]+)(?:!(?P<col>[A-Z]*)(?P<row>\d+))?")


def _position(path: str, order: dict[str, int]) -> tuple[int, int, int]:
    """Sort key of a problem: sheet order, then row, then column."""
    m = _REF.match(path)
    if m is None or m.group("sheet") not in order:
        return (len(order), 0, 0)
    row = int(m.group("row") or 0)
    col = openpyxl.utils.column_index_from_string(m.group("col")) if m.group("col") else 0
    return (order[m.group("sheet")], row, col)


def _read_kv(rd: _Reader, section: Section, rows: list[tuple[Any, ...]]) -> None:
    by_key = {slot.key: slot for slot in section.slots}
    seen: dict[str, int] = {}
    name = section.name
    for r, row in enumerate(rows, start=1):
        if r <= KV_HEADER_ROWS:
            continue
        key, raw = (*row, None, None)[:2]
        if is_empty(key) or (isinstance(key, str) and key.strip().startswith("#")):
            if is_empty(key) and not is_empty(raw):
                rd.problems.append(Problem(f"{name}!B{r}", "a value without a field path in "
                                           "column A; expected the field path beside it", raw))
            continue
        text = str(key).strip()
        slot = by_key.get(text)
        if slot is None:
            rd.problems.append(Problem(f"{name}!A{r}", "unknown field for this sheet; "
                                       f"expected one of {_hint(text, list(by_key))}", key))
            continue
        if text in seen:
            rd.problems.append(Problem(f"{name}!A{r}", f"field repeated (first on row "
                                       f"{seen[text]}); expected it once", key))
            continue
        seen[text] = r
        where = _Where(name, f"B{r}", raw, exact=True)
        rd.register(slot.path, where)
        for k in range(len(section.path) + 1, len(slot.path)):
            rd.register(slot.path[:k], _Where(name, f"A{r}"))
        _take(rd, slot, raw, slot.path, rd.data, slot.path, where)
    rd.register(section.path, _Where(name, None))


def _read_table(rd: _Reader, section: Section, rows: list[tuple[Any, ...]]) -> None:
    name = section.name
    by_key = {slot.key: slot for slot in section.slots}
    header = rows[0] if rows else ()
    columns: list[tuple[int, Slot]] = []
    seen: set[str] = set()
    for j, h in enumerate(header):
        if is_empty(h):
            continue
        text = _head_key(h)
        letter = get_column_letter(j + 1)
        slot = by_key.get(text)
        if slot is None:
            rd.problems.append(Problem(f"{name}!{letter}1", "unknown column; expected one of "
                                       f"{_hint(text, list(by_key))}", h))
        elif text in seen:
            rd.problems.append(Problem(f"{name}!{letter}1", "column repeated; expected each "
                                       "field once", h))
        else:
            seen.add(text)
            columns.append((j, slot))
    items: list[dict[str, Any]] = []
    first = TABLE_HEADER_ROWS + 1
    rd.register(section.path, _Where(name, f"A{first}"))
    for r, row in enumerate(rows, start=1):
        if r < first:
            continue
        cells = [(j, slot, row[j] if j < len(row) else None) for j, slot in columns]
        if all(is_empty(raw) for _, _, raw in cells):
            continue
        i = len(items)
        item: dict[str, Any] = {}
        items.append(item)
        base: tuple[str | int, ...] = (*section.path, i)
        rd.register(base, _Where(name, f"{r}:{r}"))
        for j, slot, raw in cells:
            where = _Where(name, f"{get_column_letter(j + 1)}{r}", raw, exact=True)
            loc: tuple[str | int, ...] = (*base, *slot.path)
            rd.register(loc, where)
            for k in range(1, len(slot.path)):
                rd.register((*base, *slot.path[:k]), where)
            _take(rd, slot, raw, slot.path, item, loc, where)
        for slot in section.slots:  # fields without a column: point at the row
            rd.register((*base, *slot.path), _Where(name, f"{r}:{r}"))
    if items:
        _set_in(rd.data, section.path, items)


def _take(rd: _Reader, slot: Slot, raw: Any, path: tuple[str, ...], target: dict[str, Any],
          loc: tuple[str | int, ...], where: _Where) -> None:
    """Convert one cell and store it at ``path`` in ``target``; empty cells are skipped."""
    if is_empty(raw):
        return
    value, error = _convert(slot.ftype, raw)
    if error is not None:
        rd.bad.append((loc, where, error))
    _set_in(target, path, value)


def _set_in(target: dict[str, Any], path: Sequence[str], value: Any) -> None:
    node = target
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


_NUMBER_SPLIT = re.compile(r"[,，;；\s]+")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_TRUE = {"true", "yes", "y", "是", "对", "1"}
_FALSE = {"false", "no", "n", "否", "不", "0"}


def _convert(ft: FieldType, raw: Any) -> tuple[Any, str | None]:
    """The plain value of a cell for ``ft`` and an error message (or None)."""
    if isinstance(raw, str):
        raw = raw.strip()
    kind = ft.kind
    if kind == "text":
        if isinstance(raw, bool):
            return raw, "expected text 文本"
        if isinstance(raw, int | float):
            return _num(raw), None
        if isinstance(raw, dt.datetime):
            return (raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()), None
        return raw, None
    if kind in ("number", "integer"):
        if isinstance(raw, str):
            number = _parse_number(raw)
            if number is None:
                what = "an integer 整数" if kind == "integer" else "a number 数值"
                return raw, f"expected {what}" + _range_hint(ft)
            return number, _percent_error(ft, number, raw.endswith(("%", "％")))
        if isinstance(raw, bool | dt.datetime | dt.date | dt.time | dt.timedelta):
            return raw, "expected a number 数值" + _range_hint(ft)
        return raw, _percent_error(ft, raw, False) if isinstance(raw, int | float) else None
    if kind == "bool":
        if isinstance(raw, str):
            low = raw.lower()
            if low in _TRUE:
                return True, None
            if low in _FALSE:
                return False, None
            return raw, "expected TRUE or FALSE (是/否)"
        if isinstance(raw, int | float) and not isinstance(raw, bool) and raw in (0, 1):
            return bool(raw), None
        return raw, (None if isinstance(raw, bool) else "expected TRUE or FALSE (是/否)")
    if kind == "date":
        if isinstance(raw, dt.datetime):
            if raw.time() == dt.time():
                return raw.date(), None
            return raw, "expected a date without a time (YYYY-MM-DD)"
        if isinstance(raw, dt.date):
            return raw, None
        if isinstance(raw, str):
            try:
                return dt.date.fromisoformat(raw), None
            except ValueError:
                return raw, "expected a date YYYY-MM-DD"
        return raw, "expected a date YYYY-MM-DD (enter it as a date, not a number)"
    if kind == "enum":
        assert ft.enum is not None
        text = _num(raw) if isinstance(raw, int | float) else _chosen(ft.enum, str(raw))
        return text, None  # the model checks membership (and its aliases)
    if kind == "list":
        assert ft.item is not None
        return _parse_list(ft.item, raw)
    if kind == "dict":
        return _parse_dict(ft, raw)
    return raw, f"cannot read a {kind} field from one cell"  # pragma: no cover


def _range_hint(ft: FieldType) -> str:
    text = _bounds_text(ft.bounds)
    return f" ({text})" if text else ""


def _parse_number(text: str) -> float | int | None:
    t = text.strip().replace("−", "-")
    scale = 1.0
    if t.endswith(("%", "％")):
        t, scale = t[:-1].strip(), 0.01
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    try:
        value: float | int = int(t)
    except ValueError:
        try:
            value = float(t)
        except ValueError:
            return None
    return value * scale if scale != 1.0 else value


def _parse_list(item: FieldType, raw: Any) -> tuple[Any, str | None]:
    numeric = item.kind in ("number", "integer")
    if isinstance(raw, bool) or isinstance(raw, dt.date | dt.datetime):
        return raw, _list_expectation(numeric)
    if isinstance(raw, int | float):
        return ([raw], _percent_error(item, raw, False)) if numeric else ([_num(raw)], None)
    text = str(raw).strip()
    if text in ("[]", "［］"):
        return [], None
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if numeric:
        out: list[Any] = []
        for token in (t for t in _NUMBER_SPLIT.split(text) if t):
            number = _parse_number(token)
            if number is None:
                return raw, f"{_list_expectation(True)}; {token!r} is not a number"
            error = _percent_error(item, number, token.endswith(("%", "％")))
            if error is not None:
                return raw, error
            out.append(number)
        return out, None
    try:
        tokens = next(csv.reader([text], skipinitialspace=True), [])
    except csv.Error:
        return raw, _list_expectation(False)
    values = [t.strip() for t in tokens if t.strip()]
    if item.kind == "bool":
        parsed = [_convert(item, v) for v in values]
        bad = next((e for _, e in parsed if e), None)
        return ([v for v, _ in parsed], None) if bad is None else (raw, bad)
    return values, None


def _list_expectation(numeric: bool) -> str:
    if numeric:
        return "expected a comma-separated list of numbers 数列 (e.g. 0.4, 0.6)"
    return "expected a comma-separated list 列表 (e.g. a, b)"


def _parse_dict(ft: FieldType, raw: Any) -> tuple[Any, str | None]:
    assert ft.item is not None
    expectation = "expected key=value pairs separated by ';' (e.g. rent=0.09; parking=0.09)"
    if not isinstance(raw, str):
        return raw, expectation
    text = raw.strip()
    if text in ("{}", "｛｝"):
        return {}, None
    out: dict[str, Any] = {}
    for part in (p.strip() for p in re.split(r"[;；\n]", text)):
        if not part:
            continue
        m = re.fullmatch(r"([^=:：]+?)\s*[=:：]\s*(.*)", part)
        if m is None:
            return raw, f"{expectation}; {part!r} has no '='"
        key, value_text = m.group(1).strip(), m.group(2).strip()
        value, error = _convert(ft.item, value_text)
        if error is not None:
            return raw, f"{expectation}; {key}: {error}"
        if key in out:
            return raw, f"{expectation}; key {key!r} repeated"
        out[key] = value
    return out, None


def _hint(text: str, known: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(text, known, n=3, cutoff=0.5)
    shown = close or known[:8]
    more = "" if close or len(known) <= 8 else ", …"
    return ", ".join(shown) + more


_INDEX = re.compile(r"\[(\d+)[^\]]*\]")


def _norm(path: str) -> str:
    """A problem path without item labels: ``revenues[0 停车位].x`` → ``revenues[0].x``."""
    return _INDEX.sub(r"[\1]", path)


def _locate(cells: dict[str, _Where], key: str) -> _Where | None:
    """The cell of ``key`` or of its closest enclosing path."""
    p = key
    while p:
        if p in cells:
            return cells[p]
        cut = max(p.rfind("."), p.rfind("["))
        if cut <= 0:
            break
        p = p[:cut]
    return None


def _at(where: _Where, path: str, message: str, value: Any, has_value: bool) -> Problem:
    label = where.label()
    where_path = label if path in ("", where.sheet) else f"{label} ({path})"
    return Problem(where_path, message, value, has_value)


def _expected(message: str) -> str:
    if message.startswith("Input should be "):
        return "expected " + message[len("Input should be "):]
    return message


if __name__ == "__main__":  # python -m renewfin.excel.template: refresh the bundled file
    print(f"wrote {regenerate_bundled_template()}")
