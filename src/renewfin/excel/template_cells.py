"""The raw cells of a filled input template, read defensively.

The archive is checked first (``renewfin.excel.archive``: sizes and compression ratios),
then openpyxl reads it in read-only mode through defusedxml (entity declarations are
refused), at most ``MAX_ROWS`` rows and ``MAX_COLUMNS`` columns of each template sheet;
content beyond is reported, not dropped. A cell holding a formula without a stored value
(a workbook written by a program that does not calculate) is refused with its sheet and
cell: reading it as empty would silently replace the user's number by the default.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from renewfin.excel.archive import check_xlsx
from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.limits import shorten

MAX_ROWS = 10_000
"""Rows read from one sheet at most; content beyond is reported, not silently dropped."""
MAX_COLUMNS = 256
"""Columns read from one table sheet at most."""

Rows = dict[str, list[tuple[Any, ...]]]
"""Sheet name → its rows of cell values (row 1 first)."""


def load_rows(path: Path, widths: dict[str, int], source: str) -> Rows:
    """The stored cell values of the sheets named in ``widths`` (name → columns read).

    Raises
    ------
    SpecError
        When the file is missing, breaks a limit, is not a readable workbook, has content
        beyond ``MAX_ROWS``, or holds a formula without a stored value.
    """

    def fail(message: str, value: Any = None, has_value: bool = True) -> SpecError:
        return SpecError([Problem("", message, value, has_value)], source, "template")

    if not path.is_file():
        raise fail("file not found", source)
    check_xlsx(path, source)
    try:
        values = _read(path, widths, source, data_only=True)
        formulas = _formula_cells(path, widths, source)
    except SpecError:
        raise
    except (InvalidFileException, zipfile.BadZipFile) as exc:
        raise fail(f"not an .xlsx workbook ({shorten(str(exc))})", has_value=False) from None
    except (ValueError, KeyError, TypeError, ParseError, OSError, EOFError) as exc:
        # defusedxml refuses entity declarations with a ValueError subclass.
        raise fail(
            f"the workbook cannot be read safely: {type(exc).__name__}: {shorten(str(exc))}",
            has_value=False,
        ) from None
    uncalculated = [
        Problem(
            f"{sheet}!{ref}",
            "a formula without a calculated value; expected a value "
            "(type the number, or open and save the file in Excel or LibreOffice so "
            "that the formula's result is stored)",
            formula,
        )
        for sheet, ref, r, c, formula in formulas
        if _value_at(values.get(sheet, []), r, c) is None
    ]
    if uncalculated:
        raise SpecError(uncalculated, source, "template")
    return values


def _value_at(rows: list[tuple[Any, ...]], r: int, c: int) -> Any:
    if r > len(rows) or c > len(rows[r - 1]):
        return None
    return rows[r - 1][c - 1]


def _sheets(path: Path, widths: dict[str, int], data_only: bool) -> Iterator[tuple[str, Any]]:
    """(name, worksheet) of each sheet of ``widths`` in the workbook at ``path``, read-only
    with its stated dimensions ignored; the workbook is closed when the iteration ends."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    try:
        for name in wb.sheetnames:
            if name not in widths:
                continue
            ws = wb[name]
            if hasattr(ws, "reset_dimensions"):
                ws.reset_dimensions()
            yield name, ws
    finally:
        wb.close()


def _read(path: Path, widths: dict[str, int], source: str, data_only: bool) -> Rows:
    out: Rows = {}
    for name, ws in _sheets(path, widths, data_only):
        rows = ws.iter_rows(max_col=widths[name], values_only=True)
        out[name] = list(_bounded_rows(rows, name, source))
    return out


def _formula_cells(
    path: Path, widths: dict[str, int], source: str
) -> list[tuple[str, str, int, int, str]]:
    """(sheet, cell, row, column, formula) of every formula cell in the sheets read."""
    found = []
    for name, ws in _sheets(path, widths, data_only=False):
        for r, row in enumerate(ws.iter_rows(max_row=MAX_ROWS, max_col=widths[name]), 1):
            for c, cell in enumerate(row, 1):
                if getattr(cell, "data_type", None) == "f":
                    text = getattr(cell.value, "text", cell.value)
                    found.append((name, f"{get_column_letter(c)}{r}", r, c, shorten(str(text))))
    return found


def _bounded_rows(
    rows: Iterable[tuple[Any, ...]], sheet: str, source: str
) -> Iterator[tuple[Any, ...]]:
    """The first ``MAX_ROWS`` rows; a row beyond with content is an error. Rows missing
    from the file come as one shared empty tuple, skipped at once (a sheet declaring row
    1,048,576 alone costs no more than a pass over its rows)."""
    blank: tuple[Any, ...] | None = None
    for i, row in enumerate(rows, start=1):
        if i <= MAX_ROWS:
            yield row
        elif row is not blank:
            if any(not is_empty(v) for v in row):
                raise SpecError(
                    [
                        Problem(
                            f"{sheet}!A{i}",
                            f"the sheet has more than {MAX_ROWS:,} "
                            "rows; expected a template of ordinary size",
                            has_value=False,
                        )
                    ],
                    source,
                    "template",
                )
            blank = row


def is_empty(value: Any) -> bool:
    """Whether a cell value is empty (None or blank text)."""
    return value is None or (isinstance(value, str) and not value.strip())
