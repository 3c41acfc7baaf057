"""Compare a recalculated workbook with the engine's ledger, line by line."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from renewfin.excel.book import FIRST
from renewfin.spec.base import MoneyUnit

if TYPE_CHECKING:
    from renewfin.engine import Result

ERRORS = ("#REF!", "#NAME?", "#DIV/0!", "#VALUE!", "#N/A", "#NUM!", "#NULL!", "Err:")

Values = Mapping[str, Sequence[tuple[Any, ...]]]
"""The cell values of a workbook: sheet name → its rows, from row 1 (``read_values``)."""
Book = str | os.PathLike[str] | Values
"""A recalculated workbook: its path, or its values read once (``read_values``) when several
comparisons read it."""


def read_values(path: str | os.PathLike[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every cell value of the workbook at ``path`` (cached results, not formulas), sheet by
    sheet, row by row from row 1. Reading is most of the cost of a comparison, so read once
    and pass the values to each ``compare_*`` function."""
    wb = load_workbook(path, data_only=True, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _values(book: Book) -> Values:
    return book if isinstance(book, Mapping) else read_values(book)


@dataclass(frozen=True)
class Mismatch:
    """A line whose recalculated values differ from the ledger."""

    id: str
    sheet: str
    row: int
    period: int
    workbook: object
    engine: float

    def __str__(self) -> str:
        return (
            f"{self.sheet}!row {self.row} {self.id} period {self.period}: workbook "
            f"{self.workbook!r} vs engine {self.engine!r}"
        )


def error_cells(book: Book) -> list[str]:
    """Addresses of cells holding error values after recalculation."""
    out = []
    for title, rows in _values(book).items():
        for r, row in enumerate(rows, start=1):
            for c, v in enumerate(row, start=1):
                if isinstance(v, str) and v.startswith(ERRORS):
                    out.append(f"{title}!{get_column_letter(c)}{r}: {v}")
    return out


def compare_metrics(
    result: Result, book: Book, scenario: int = 0, rtol: float = 1e-9
) -> tuple[list[str], int]:
    """Every metric on the recalculated Outputs sheet compared with ``Result.values``: a
    NaN in the engine must show its reason (``n/a — reason``, ``Result.notes``) or "n/a";
    the year of each minimum (rows ``year.<key>``) must be the engine's."""
    bad, n = [], 0
    for row in _values(book)["Outputs"]:
        if not row or not isinstance(row[0], str):
            continue
        if row[0].startswith("year."):
            key = row[0][len("year.") :]
            year = result.notes.year(key, scenario)
            got_year = row[4] if row[4] not in ("", None) else None
            if (year is None) != (got_year is None) or (
                year is not None and abs(float(got_year) - year) > 1e-9  # type: ignore[arg-type]
            ):
                bad.append(f"year of {key}: workbook {row[4]!r} vs engine {year!r}")
            continue
        if not row[0].startswith("metric."):
            continue
        key = row[0][len("metric.") :]
        want = float(result.values[key][scenario])
        got = row[4]
        n += 1
        if math.isnan(want):
            reason = result.notes.reason(key, scenario) or "n/a"
            if got != reason and not (reason == "n/a" and got in (None, "")):
                bad.append(f"{key}: workbook {got!r} vs engine NaN ({reason})")
            continue
        if not isinstance(got, int | float) or abs(float(got) - want) > rtol * max(1.0, abs(want)):
            bad.append(f"{key}: workbook {got!r} vs engine {want!r}")
    return bad, n


def ledger_tolerance(result: Result, scenario: int = 0) -> tuple[float, float]:
    """The smallest scale a ledger line is compared at and the absolute slack added to the
    relative tolerance, both in the project's money unit.

    - The scale floor is 1 万元 in the project's unit (1e4 in a 元 model, 1e-4 in a 亿元
      one): a line near zero (the balance-sheet difference) is the remainder of large
      amounts and carries their rounding, whatever unit they are counted in.
    - The slack is the engine's reported solver residual (the largest relative change of
      loan sizes and gap in its last pass, ``Sizing.residual``) times the total investment:
      the engine's ledger is a fixed point only to that residual (a reserve target read
      from the next period's debt service is the previous pass's), while the workbook
      evaluates its formulas exactly at the final sizes. It is 0 without a solve.
    """
    floor = MoneyUnit.WAN_YUAN.yuan / result.spec.project.money_unit.yuan
    slack = 0.0
    if result.sizing is not None:
        total = abs(float(result.values["total_project_investment"][scenario]))
        slack = float(result.sizing.residual) * max(floor, total)
    return floor, slack


def compare_ledger(
    result: Result, book: Book, scenario: int = 0, rtol: float = 1e-9
) -> tuple[list[Mismatch], int]:
    """Every ledger line found in the recalculated workbook ``book`` compared with the
    engine (relative tolerance ``rtol`` on the line's scale, at least the floor of
    ``ledger_tolerance``, plus its solver slack); returns the mismatches and the number of
    lines compared. A value that is not finite on either side is a mismatch (the ledger
    holds no NaN: a NaN is a value the engine never wrote)."""
    led = result.ledger
    floor, slack = ledger_tolerance(result, scenario)
    bad: list[Mismatch] = []
    compared = 0
    skip = {"Inputs", "Cover", "Control", "Checks", "Outputs", "Ratios", "Charts"}
    for title, rows in _values(book).items():
        if title in skip or re.match(r"T\d\d ", title):
            continue  # not period rows (standard tables are checked by their own test)
        for r, row in enumerate(rows, start=1):
            if not row or not isinstance(row[0], str) or row[0] not in led:
                continue
            id = row[0]
            want = led.item(id).data[min(scenario, led.item(id).data.shape[0] - 1)]
            got = row[FIRST - 1 : FIRST - 1 + len(want)]
            scale = max(floor, float(np.max(np.abs(want))) if len(want) else 1.0)
            compared += 1
            for t, (g, e) in enumerate(zip(got, want, strict=False)):
                gv = 0.0 if g is None else g
                if isinstance(gv, bool):
                    gv = float(gv)
                if (
                    not isinstance(gv, int | float)
                    or not math.isfinite(float(gv))
                    or not math.isfinite(float(e))
                    or abs(float(gv) - float(e)) > rtol * scale + slack
                ):
                    bad.append(Mismatch(id, title, r, t, g, float(e)))
                    break
    return bad, compared


def compare_checks(result: Result, book: Book, scenario: int = 0) -> tuple[list[str], int]:
    """Every check of ``renewfin.checks.run_checks`` on the recalculated Checks sheet (1 when
    it passes, 0 when not) compared with the engine, and the master check with all of them;
    returns the mismatches and the number of checks compared."""
    from renewfin.checks import run_checks

    got = {
        str(row[0])[len("check.") :]: row[4]
        for row in _values(book)["Checks"]
        if row and isinstance(row[0], str) and row[0].startswith("check.") and len(row) > 4
    }
    from renewfin.checks import CheckKind

    checks = run_checks(result)
    want = {c.id: int(bool(c.passed[min(scenario, len(c.passed) - 1)])) for c in checks}
    want["master"] = int(all(want[c.id] for c in checks if c.kind is CheckKind.INTEGRITY))
    want["covenants"] = int(all(want[c.id] for c in checks if c.kind is CheckKind.COVENANT))
    bad = [
        f"check {id}: workbook {got.get(id, 'missing')!r} vs engine {v}"
        for id, v in want.items()
        if got.get(id) != v
    ]
    return bad, len(want)


def listed_table_rows(book: Book) -> set[tuple[str, int]]:
    """(sheet, row) of the standard-table rows the Control sheet lists as numbers."""
    out = set()
    for row in _values(book)["Control"]:
        ref = row[2] if len(row) > 2 else None
        if isinstance(ref, str) and ref.startswith("T") and "!" in ref:
            sheet, rows = ref.split("!")
            out.add((sheet, int(rows.split(":")[0])))
    return out


TABLE_FIRST_ROW = 6
"""Row of a standard-table sheet holding the table's first row."""


TABLE_SLACK = 1e-14
"""Absolute slack of a standard-table cell as a share of the table's largest figure."""


def _largest(df: Any) -> float:
    """The largest magnitude among the numeric cells of a standard table (its data columns,
    after the three label columns); 0 when it has none."""
    import pandas as pd

    data = df.iloc[:, 3:].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    return float(np.nanmax(np.abs(data), initial=0.0)) if data.size else 0.0


def compare_tables(
    result: Result,
    book: Book,
    skip: Collection[tuple[str, int]] = frozenset(),
    scenario: int = 0,
    rtol: float = 1e-7,
) -> tuple[list[str], int]:
    """The standard-table sheets of the recalculated workbook ``book`` compared with
    ``renewfin.tables.standard_tables`` cell by cell (rows in ``skip`` left out, label
    columns and empty cells too); returns the mismatches and the number of cells compared.

    The tolerance is relative to ``max(1, |value|)``, 1e-7 by default: a table cell sums or
    divides ledger lines that each agree to 1e-9 of their own scale, so a row of ratios or
    a subtotal can gather more rounding than one line. A cell near zero that is the
    remainder of the table's large amounts (the balance-sheet difference) carries their
    rounding: 1e-14 of the table's largest figure is added as an absolute slack (in a 元
    model of 10⁹ 元 the difference is one or two units in the last place of 10⁹, about
    1.2e-7, against a slack of 1e-5).
    """
    from renewfin.tables import standard_tables

    values = _values(book)
    bad: list[str] = []
    checked = 0
    for k, (tid, df) in enumerate(standard_tables(result, scenario).items(), start=1):
        name = next(s for s in values if s.startswith(f"T{k:02d} "))
        slack = TABLE_SLACK * _largest(df)
        rows = values[name][TABLE_FIRST_ROW - 1 :]
        for i, (key, row) in enumerate(df.iterrows()):
            cells = rows[i] if i < len(rows) else ()
            if not cells or cells[0] != str(key):
                bad.append(f"{tid} row {i}: workbook {cells[:1]!r} vs table key {key!r}")
                continue
            if (name, TABLE_FIRST_ROW + i) in skip:
                continue
            for j, c in enumerate(df.columns):
                v = row[c]
                if j < 3 or v is None or v != v:
                    continue
                got = cells[j + 1] if j + 1 < len(cells) else None
                checked += 1
                tol = rtol * max(1.0, abs(v)) + slack
                if not isinstance(got, int | float) or abs(got - v) > tol:
                    bad.append(f"{tid} {key} {c}: workbook {got!r} vs table {v!r}")
    return bad, checked
