"""Reading a filled Excel input template back into a validated ``ProjectSpec``.

``read_template`` is the inverse of the writer (``renewfin.excel.template``): it rebuilds
the plain data, validates it with the spec models and reports every problem in one
``SpecError`` whose paths name the sheet and cell
(``revenues!E4 (revenues[0 停车位].unit_price)``), the value found and what was
expected. Files are read by ``renewfin.excel.template_cells``: the archive's sizes and
compression ratios are checked first (limits in ``renewfin.spec.limits``), then openpyxl
reads it in read-only mode through ``defusedxml`` (a core dependency), so entity-expansion
attacks are refused; a formula cell without a stored value is refused with its cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from pydantic import ValidationError

from renewfin.excel.template_cells import MAX_COLUMNS, is_empty, load_rows
from renewfin.excel.template_layout import (
    KV_HEADER_ROWS,
    TABLE_HEADER_ROWS,
    FieldType,
    Section,
    Slot,
    bounds_text,
    choice_value,
    field_type,
    head_key,
    number_text,
    percent_error,
    template_layout,
)
from renewfin.spec.errors import Problem, SpecError, format_loc, problems_from_validation
from renewfin.spec.model import ProjectSpec
from renewfin.spec.plausibility import plausibility_problems

__all__ = ["read_template"]


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
        if info.is_required() and field_type(info.annotation).kind == "model":
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
                rd.problems.append(
                    Problem(
                        f"{name}!B{r}",
                        "a value without a field path in "
                        "column A; expected the field path beside it",
                        raw,
                    )
                )
            continue
        text = str(key).strip()
        slot = by_key.get(text)
        if slot is None:
            rd.problems.append(
                Problem(
                    f"{name}!A{r}",
                    f"unknown field for this sheet; expected one of {_hint(text, list(by_key))}",
                    key,
                )
            )
            continue
        if text in seen:
            rd.problems.append(
                Problem(
                    f"{name}!A{r}",
                    f"field repeated (first on row {seen[text]}); expected it once",
                    key,
                )
            )
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
        text = head_key(h)
        letter = get_column_letter(j + 1)
        slot = by_key.get(text)
        if slot is None:
            rd.problems.append(
                Problem(
                    f"{name}!{letter}1",
                    f"unknown column; expected one of {_hint(text, list(by_key))}",
                    h,
                )
            )
        elif text in seen:
            rd.problems.append(
                Problem(f"{name}!{letter}1", "column repeated; expected each field once", h)
            )
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


def _take(
    rd: _Reader,
    slot: Slot,
    raw: Any,
    path: tuple[str, ...],
    target: dict[str, Any],
    loc: tuple[str | int, ...],
    where: _Where,
) -> None:
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
            return number_text(raw), None
        if isinstance(raw, dt.datetime):
            return (raw.date().isoformat() if raw.time() == dt.time() else raw.isoformat()), None
        return raw, None
    if kind in ("number", "integer"):
        if isinstance(raw, str):
            number = _parse_number(raw)
            if number is None:
                what = "an integer 整数" if kind == "integer" else "a number 数值"
                return raw, f"expected {what}" + _range_hint(ft)
            return number, percent_error(ft, number, raw.endswith(("%", "％")))
        if isinstance(raw, bool | dt.datetime | dt.date | dt.time | dt.timedelta):
            return raw, "expected a number 数值" + _range_hint(ft)
        return raw, percent_error(ft, raw, False) if isinstance(raw, int | float) else None
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
        text = number_text(raw) if isinstance(raw, int | float) else choice_value(ft.enum, str(raw))
        return text, None  # the model checks membership (and its aliases)
    if kind == "list":
        assert ft.item is not None
        return _parse_list(ft.item, raw)
    if kind == "dict":
        return _parse_dict(ft, raw)
    return raw, f"cannot read a {kind} field from one cell"  # pragma: no cover


def _range_hint(ft: FieldType) -> str:
    text = bounds_text(ft.bounds)
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
        return ([raw], percent_error(item, raw, False)) if numeric else ([number_text(raw)], None)
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
            error = percent_error(item, number, token.endswith(("%", "％")))
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
        return "expected " + message[len("Input should be ") :]
    return message
