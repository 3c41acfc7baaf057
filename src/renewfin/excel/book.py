"""The model workbook's grid: sheets on one time axis, rows keyed by ledger id, inputs.

Every calculation sheet has the same layout (FAST): column A holds the line id, B the
Chinese label, C the English label, D the unit, E a constant or the row total, F is an
empty column that reads as zero for the "previous period" of the first period, and the
periods run from column G. A row is written from one formula template evaluated at each
period column, so the formula is the same across the row.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FIRST = 7
"""Column of the first period (G)."""
ZERO_COL = 6
"""Column F: always empty, the 'previous period' of the first period."""
HEADER_ROWS = 6
"""Rows above the first line of a calculation sheet."""

INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
INPUT_FONT = Font(color="0000FF")
SOLVED_FILL = PatternFill("solid", fgColor="E2EFDA")
HEAD_FILL = PatternFill("solid", fgColor="1F4E78")
HEAD_FONT = Font(color="FFFFFF", bold=True)
SECTION_FONT = Font(bold=True, color="1F4E78")
NOTE_FONT = Font(italic=True, color="808080")
"""Cells that audit the model rather than compute it (the integrity column)."""
THIN = Border(bottom=Side(style="thin", color="BFBFBF"))
MONEY = "#,##0.00;[Red]-#,##0.00"
RATIO = "0.0000"
AREA_UNITS = ("m²", "m2", "亩", "公顷", "ha", "km")
"""Quantity units of an area or length, shown with two decimals."""


def quantity_format(unit: str) -> str:
    """The number format of a row of quantities in ``unit``: areas and lengths (m², 亩 …)
    ``#,##0.00``, counts and energy (个, 户, kWh …) whole ``#,##0``."""
    return "#,##0.00" if any(u in unit for u in AREA_UNITS) else "#,##0"


PCT = "0.00%"
FLAG = "0"


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""Leading characters that a spreadsheet may read as the start of a formula."""


def set_text(cell: Any, value: str) -> Any:
    """Write ``value`` into ``cell`` as text: data type string, never a formula (openpyxl
    would store a string starting with ``=`` as one), with Excel's quote prefix when it
    starts like a formula so that editing the cell keeps it text. Every cell the
    workbooks fill with words (labels, names, headers) is written through here."""
    cell.value = value
    cell.data_type = "s"
    if value.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def put_text(ws: Worksheet, row: int, column: int, value: str) -> Any:
    """Write ``value`` as text (``set_text``) in the cell at ``row``, ``column`` of ``ws``."""
    return set_text(ws.cell(row, column), value)


def _is_formula(value: object) -> bool:
    """Whether a written cell value is a formula."""
    return isinstance(value, str) and value.startswith("=")


def text_width(text: str) -> int:
    """Display width of ``text`` [characters]: East Asian wide and full-width characters
    (汉字, full-width punctuation) count 2, every other character 1."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_column(ws: Worksheet, column: int, first_row: int, least: float = 8.0) -> None:
    """Set column ``column`` (1-based) wide enough for its longest text from ``first_row``
    down (``text_width`` plus 2 characters of padding), and at least ``least`` [characters]."""
    texts = (ws.cell(r, column).value for r in range(first_row, ws.max_row + 1))
    longest = max((text_width(t) for t in texts if isinstance(t, str)), default=0)
    ws.column_dimensions[get_column_letter(column)].width = max(least, longest + 2)


def col(c: int) -> str:
    """Column letter."""
    return get_column_letter(c)


@dataclass
class Cell:
    """Where a line lives."""

    sheet: str
    row: int
    constant: bool = False
    """A single value in column E rather than a period row."""
    n: int = 0
    """Number of columns of the row (periods, or years on a yearly sheet)."""


@dataclass
class At:
    """Formula context at one period column; builds references."""

    book: Book
    sheet: str
    c: int

    def _ref(self, cell: Cell, c: int, absolute: bool = False) -> str:
        letter = col(c)
        ref = f"${letter}${cell.row}" if absolute else f"{letter}{cell.row}"
        return ref if cell.sheet == self.sheet else f"'{cell.sheet}'!{ref}"

    def p(self, id: str) -> str:
        """The line ``id`` in this period."""
        cell = self.book.cell(id)
        if cell.constant:
            return self._ref(cell, 5, absolute=True)
        return self._ref(cell, self.c)

    def prev(self, id: str) -> str:
        """The line ``id`` in the previous period (column F, empty, for the first period)."""
        return self._ref(self.book.cell(id), self.c - 1)

    def at(self, id: str, offset: int) -> str:
        """The line ``id`` ``offset`` periods later (beyond the axis: the empty column F)."""
        c = self.c + offset
        if c >= FIRST + self.book.n_periods or c < FIRST:
            c = ZERO_COL
        return self._ref(self.book.cell(id), c)

    def row_range(self, id: str, absolute: bool = True) -> str:
        """The whole period row of ``id``."""
        cell = self.book.cell(id)
        a, b = col(FIRST), col(FIRST + (cell.n or self.book.n_periods) - 1)
        rng = f"${a}${cell.row}:${b}${cell.row}" if absolute else f"{a}{cell.row}:{b}{cell.row}"
        return rng if cell.sheet == self.sheet else f"'{cell.sheet}'!{rng}"

    def upto(self, id: str) -> str:
        """The row of ``id`` from the first period to this one (a growing range)."""
        cell = self.book.cell(id)
        rng = f"${col(FIRST)}{cell.row}:{col(self.c)}{cell.row}"
        return rng if cell.sheet == self.sheet else f"'{cell.sheet}'!{rng}"

    def i(self, path: str) -> str:
        """An input constant (absolute reference on the Inputs sheet)."""
        return self.book.input_ref(path)

    def v(self, path: str) -> str:
        """An input vector's row range on the Inputs sheet."""
        return self.book.vector_ref(path)


Template = Callable[[At], str]
"""A row's formula at one period column."""
ValueTemplate = Callable[[At], str | float]
"""A formula, or a value the engine solved (written as a number), at one column."""


@dataclass
class Book:
    """A workbook under construction."""

    n_periods: int
    money_unit: str
    wb: Workbook = field(default_factory=Workbook)
    cells: dict[str, Cell] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)
    vectors: dict[str, str] = field(default_factory=dict)
    next_row: dict[str, int] = field(default_factory=dict)
    solved: list[dict[str, Any]] = field(default_factory=list)
    """Values the engine solved iteratively and the workbook holds as numbers."""
    pending: list[tuple[str, int, ValueTemplate, str, bool, bool, int]] = field(
        default_factory=list
    )
    """Rows declared but not yet written: (sheet, row, template, format, total, constant);
    formulas are written by ``finish`` so that a row may refer to a later one."""
    extra_terms: dict[str, list[Template]] = field(default_factory=dict)
    """Terms appended to the formula of a declared row (``extend``), by row id."""
    formulas: dict[tuple[str, int], tuple[int, int]] = field(default_factory=dict)
    """Formula cells ``finish`` wrote in each row (sheet, row) from column E to the row's
    last column: (their number, that last column), for ``integrity_cells``."""

    @property
    def integrity_col(self) -> int:
        """The column after the period axis that counts each row's cells that are no
        longer formulas (``integrity_cells``)."""
        return FIRST + self.n_periods

    def __post_init__(self) -> None:
        default = self.wb.active  # the sheet a new Workbook starts with
        assert default is not None
        self.wb.remove(default)

    def cell(self, id: str) -> Cell:
        """Where line ``id`` is (KeyError naming it when it was not written)."""
        try:
            return self.cells[id]
        except KeyError:
            raise KeyError(f"workbook has no row for {id!r}") from None

    def sheet(self, name: str) -> Worksheet:
        """The sheet ``name``, created on first use."""
        if name in self.wb.sheetnames:
            return self.wb[name]
        ws = self.wb.create_sheet(name)
        self.next_row[name] = HEADER_ROWS + 1
        return ws

    def input_ref(self, path: str) -> str:
        """Absolute reference of a scalar input."""
        try:
            return self.inputs[path]
        except KeyError:
            raise KeyError(f"workbook has no input {path!r}") from None

    def vector_ref(self, path: str) -> str:
        """Absolute range of a vector input."""
        try:
            return self.vectors[path]
        except KeyError:
            raise KeyError(f"workbook has no input vector {path!r}") from None

    def section(self, sheet: str, title: str) -> None:
        """A bold section heading row."""
        ws = self.sheet(sheet)
        r = self.next_row[sheet]
        put_text(ws, r, 2, title).font = SECTION_FONT
        self.next_row[sheet] = r + 1

    def row(
        self,
        sheet: str,
        id: str,
        zh: str,
        en: str,
        template: ValueTemplate,
        *,
        unit: str | None = None,
        fmt: str = MONEY,
        total: bool = True,
        n: int | None = None,
    ) -> int:
        """Write a row from a template — one column per period, or ``n`` columns (a yearly
        sheet); return its row number."""
        ws = self.sheet(sheet)
        r = self.next_row[sheet]
        if id in self.cells:
            raise KeyError(f"workbook row {id!r} written twice")
        n = self.n_periods if n is None else n
        self.cells[id] = Cell(sheet, r, n=n)
        self._labels(ws, r, id, zh, en, self.money_unit if unit is None else unit)
        self.pending.append((sheet, r, template, fmt, total, False, n))
        self.next_row[sheet] = r + 1
        return r

    def extend(self, id: str, more: Template) -> None:
        """Append the terms ``more`` writes (each starting with its sign) to the formula of
        row ``id``, declared before or after; for a rule that adds a term to a row another
        module writes (e.g. 减计收入 to the funding sheet's taxable income)."""
        self.extra_terms.setdefault(id, []).append(more)

    def _with_extra_terms(self, sheet: str, r: int, template: ValueTemplate) -> ValueTemplate:
        """``template`` followed by the terms ``extend`` gave the row at ``sheet``, ``r``."""
        ids = [
            i for i in self.extra_terms if self.cells[i].sheet == sheet and self.cells[i].row == r
        ]
        if not ids:
            return template
        more = self.extra_terms[ids[0]]

        def joined(x: At) -> str:
            head = template(x)
            if not (isinstance(head, str) and head.startswith("=")):
                raise TypeError(f"row {ids[0]!r} is not a formula: it cannot be extended")
            return head + "".join(m(x) for m in more)

        return joined

    def finish(self) -> None:
        """Write the formulas of every declared row (with the terms ``extend`` added)."""
        for sheet, r, template, fmt, total, constant, n in self.pending:
            template = self._with_extra_terms(sheet, r, template)
            ws = self.wb[sheet]
            if constant:
                cell = ws.cell(r, 5, template(At(self, sheet, FIRST)))
                cell.number_format = fmt
                if not isinstance(cell.value, str):  # a solved value written as a number
                    cell.fill = SOLVED_FILL
                self.formulas[sheet, r] = (int(_is_formula(cell.value)), 5)
                continue
            k = 0
            for c in range(FIRST, FIRST + n):
                cell = ws.cell(r, c, template(At(self, sheet, c)))
                cell.number_format = fmt
                k += _is_formula(cell.value)
            if total:
                a, b = col(FIRST), col(FIRST + n - 1)
                ws.cell(r, 5, f"=SUM({a}{r}:{b}{r})").number_format = fmt
                k += 1
            self.formulas[sheet, r] = (k, FIRST + n - 1)
        self.pending.clear()

    def integrity_cells(self, skip: frozenset[str]) -> None:
        """In column ``integrity_col`` of every row ``finish`` wrote (sheets ``skip`` left
        out), the number of its formula cells that are no longer formulas — a number pasted
        over a calculation: 0 while the row is intact."""
        c = self.integrity_col
        for (sheet, r), (k, last) in self.formulas.items():
            if sheet in skip or not k:
                continue
            ws = self.wb[sheet]
            if ws.cell(HEADER_ROWS - 1, c).value is None:
                put_text(ws, HEADER_ROWS - 1, c, "非公式单元格 Cells not formulas").font = NOTE_FONT
            cell = ws.cell(r, c, f"={k}-SUMPRODUCT(_xlfn.ISFORMULA($E{r}:${col(last)}{r})*1)")
            cell.number_format, cell.font = "0", NOTE_FONT

    def integrity_range(self, sheet: str) -> str:
        """The integrity column of ``sheet`` over its rows (``integrity_cells``)."""
        rows = [cell.row for cell in self.cells.values() if cell.sheet == sheet]
        c = col(self.integrity_col)
        return f"'{sheet}'!${c}${HEADER_ROWS + 1}:${c}${max(rows)}"

    def sheet_ids(self, sheet: str) -> str:
        """Column A (the row ids) of ``sheet`` over the rows of ``integrity_range``."""
        rows = [cell.row for cell in self.cells.values() if cell.sheet == sheet]
        return f"'{sheet}'!$A${HEADER_ROWS + 1}:$A${max(rows)}"

    def constant(
        self,
        sheet: str,
        id: str,
        zh: str,
        en: str,
        formula: ValueTemplate,
        *,
        unit: str | None = None,
        fmt: str = MONEY,
    ) -> int:
        """Write a single calculated value in column E."""
        ws = self.sheet(sheet)
        r = self.next_row[sheet]
        if id in self.cells:
            raise KeyError(f"workbook row {id!r} written twice")
        self.cells[id] = Cell(sheet, r, constant=True)
        self._labels(ws, r, id, zh, en, self.money_unit if unit is None else unit)
        self.pending.append((sheet, r, formula, fmt, False, True, 1))
        self.next_row[sheet] = r + 1
        return r

    def _labels(self, ws: Worksheet, r: int, id: str, zh: str, en: str, unit: str) -> None:
        for c, value in ((1, id), (2, zh), (3, en), (4, unit)):
            put_text(ws, r, c, value)
