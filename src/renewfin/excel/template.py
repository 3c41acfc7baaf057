"""The Excel input template: writing the fill-in workbook generated from the spec models.

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

Reading is the inverse: ``read_template`` (``renewfin.excel.template_reader``, also
importable from here). The layout both share is ``renewfin.excel.template_layout``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from os import PathLike
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from renewfin.excel.book import set_text
from renewfin.excel.template_layout import (
    COVER_SHEET,
    KV_HEADER_ROWS,
    TABLE_HEADER_ROWS,
    FieldType,
    Section,
    Slot,
    allowed_text,
    bilingual,
    bounds_text,
    column_head,
    default_text,
    describe,
    field_type,
    number_text,
    template_layout,
    text_of,
    type_label,
)
from renewfin.excel.template_reader import read_template
from renewfin.spec.io import atomic_write
from renewfin.spec.model import SCHEMA_VERSION, ProjectSpec

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
        return text_of(ft, value)
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
            dv = DataValidation(
                type=kind,
                operator=operator,
                formula1=f1,
                formula2=f2,
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="renewfin",
                error=error,
            )
            self._rules[rule] = dv
        dv.add(ref)

    @staticmethod
    def _rule(ft: FieldType) -> tuple[Any, ...] | None:
        if ft.kind in ("enum", "bool"):
            values = (
                ["TRUE", "FALSE"] if ft.kind == "bool" else [str(m.value) for m in ft.enum or ()]
            )
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
        text = bounds_text(ft.bounds)
        what = "an integer 整数" if kind == "whole" else "a number 数值"
        error = f"expected {what}" + (f": {text}" if text else "")
        if lo is not None and hi is not None:
            return (kind, "between", number_text(lo), number_text(hi), error)
        if lo is not None:
            op = "greaterThanOrEqual" if "ge" in b else "greaterThan"
            return (kind, op, number_text(lo), None, error)
        if hi is not None:
            op = "lessThanOrEqual" if "le" in b else "lessThan"
            return (kind, op, number_text(hi), None, error)
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
                _put(ws.cell(row, 6), describe(info))
                for j in range(1, len(_KV_COLUMNS) + 1):
                    ws.cell(row, j).fill = _SUBHEADER_FILL
                    ws.cell(row, j).font = Font(bold=True, color="1F3864")
                row += 1
        description = describe(slot.info)
        _put(ws.cell(row, 1), slot.key)
        ws.cell(row, 1).font = _LABEL_FONT
        cell = ws.cell(row, 2)
        _put(cell, _cell_value(slot.ftype, values.get(slot.path)))
        _style_input(cell, slot.ftype)
        dvs.add(slot.ftype, cell.coordinate)
        for j, text in (
            (3, type_label(slot.ftype, description)),
            (4, default_text(slot)),
            (5, allowed_text(slot.ftype)),
            (6, bilingual(slot.path, description)),
        ):
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
        model = field_type(info.annotation, info.metadata).model
    return info


def _write_table(ws: Worksheet, section: Section, items: list[BaseModel]) -> None:
    n_rows = max(len(items) + SPARE_ROWS, MIN_TABLE_ROWS)
    first = TABLE_HEADER_ROWS + 1
    last = first + n_rows - 1
    dvs = _Validations()
    longest = 0.0
    for j, slot in enumerate(section.slots, start=1):
        letter = get_column_letter(j)
        description = describe(slot.info)
        _header(ws.cell(1, j), column_head((*section.path, *slot.path), slot.key, description))
        parts = [type_label(slot.ftype, description)]
        allowed = allowed_text(slot.ftype)
        if allowed:
            parts.append(allowed)
        default = default_text(slot)
        if default:
            parts.append(default if default.startswith("必填") else f"默认 default: {default}")
        c2 = ws.cell(2, j)
        _put(c2, "\n".join(parts))
        c2.font = _NOTE_FONT
        c2.alignment = _WRAP_TOP
        c2.fill = _SUBHEADER_FILL
        c3 = ws.cell(3, j)
        description = bilingual((*section.path, *slot.path), description)
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
    (
        "1. 黄色底、蓝色字的单元格为输入项；其他单元格是标签，请勿修改。",
        "Yellow cells with blue text are inputs; the other cells are labels: do not edit them.",
    ),
    (
        "2. 留空表示使用默认值（见“默认 default”列或第 2 行）；“必填 required”项必须填写。",
        "Leave a cell empty to use the default (the default column, or row 2 of a table); "
        "fields marked required must be filled.",
    ),
    (
        "3. 参数页每行一个字段；表格页每行一项，从第 4 行起填写，第 1 行为字段中文名、单位及"
        "字段名（最后一行），请勿改动；空行会被忽略。",
        "Key–value sheets: one field per row. Table sheets: one item per row from row 4; "
        "row 1 holds the field labels, units and, on its last line, the field names (do not "
        "change them); empty rows are ignored.",
    ),
    (
        "4. 列表用逗号分隔，如 0.4, 0.6（可写 40%）；映射写作 key=value; key=value，"
        "如 rent=0.09; parking=0.09；[] 表示空列表。",
        "Lists: comma-separated, e.g. 0.4, 0.6 (40% is read as 0.4). Mappings: "
        "key=value; key=value, e.g. rent=0.09; parking=0.09. [] is an empty list.",
    ),
    (
        "5. 是/否填 TRUE 或 FALSE；日期填 YYYY-MM-DD；比率填小数（0.05 = 5%）。",
        "Yes/no: TRUE or FALSE. Dates: YYYY-MM-DD. Rates as fractions (0.05 = 5 %).",
    ),
    (
        "6. 金额单位为 project.money_unit（默认 万元）；单价有各自的币种字段。",
        "Amounts are in project.money_unit (default 万元); unit prices and costs carry their "
        "own currency field.",
    ),
    (
        "7. 导入：renewfin import input.xlsx -o spec.yaml；如有错误，会逐条列出工作表、单元格、"
        "填写的值和期望的值。",
        "Import: renewfin import input.xlsx -o spec.yaml. Every problem is listed with its "
        "sheet, cell, the value found and what was expected.",
    ),
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


if __name__ == "__main__":  # python -m renewfin.excel.template: refresh the bundled file
    print(f"wrote {regenerate_bundled_template()}")
