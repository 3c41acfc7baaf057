"""Compare a recalculated workbook with the engine's ledger, line by line."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from openpyxl import load_workbook

from renewfin.excel.book import FIRST

if TYPE_CHECKING:
    from renewfin.engine import Result

ERRORS = ("#REF!", "#NAME?", "#DIV/0!", "#VALUE!", "#N/A", "#NUM!", "#NULL!", "Err:")


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


def error_cells(path: str | os.PathLike[str]) -> list[str]:
    """Addresses of cells holding error values after recalculation."""
    wb = load_workbook(path, data_only=True, read_only=True)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str) and v.startswith(ERRORS):
                    out.append(f"{ws.title}!{cell.coordinate}: {v}")
    wb.close()
    return out


def compare_metrics(
    result: Result, path: str | os.PathLike[str], scenario: int = 0, rtol: float = 1e-9
) -> tuple[list[str], int]:
    """Every metric on the recalculated Outputs sheet compared with ``Result.values``
    (NaN in the engine must show as "n/a")."""
    wb = load_workbook(path, data_only=True, read_only=True)
    ws = wb["Outputs"]
    bad, n = [], 0
    for row in ws.iter_rows(values_only=True):
        if not row or not isinstance(row[0], str) or not row[0].startswith("metric."):
            continue
        key = row[0][len("metric.") :]
        want = float(result.values[key][scenario])
        got = row[4]
        n += 1
        if math.isnan(want):
            if got not in ("n/a", None, ""):
                bad.append(f"{key}: workbook {got!r} vs engine NaN")
            continue
        if not isinstance(got, int | float) or abs(float(got) - want) > rtol * max(1.0, abs(want)):
            bad.append(f"{key}: workbook {got!r} vs engine {want!r}")
    wb.close()
    return bad, n


def compare_ledger(
    result: Result, path: str | os.PathLike[str], scenario: int = 0, rtol: float = 1e-9
) -> tuple[list[Mismatch], int]:
    """Every ledger line found in the recalculated workbook at ``path`` compared with the
    engine (relative tolerance ``rtol`` on the line's scale); returns the mismatches and
    the number of lines compared."""
    wb = load_workbook(path, data_only=True, read_only=True)
    led = result.ledger
    bad: list[Mismatch] = []
    compared = 0
    skip = {"Inputs", "Cover", "Control", "Checks", "Outputs", "Ratios", "Charts"}
    for ws in wb.worksheets:
        if ws.title in skip or re.match(r"T\d\d ", ws.title):
            continue  # not period rows (standard tables are checked by their own test)
        for r, row in enumerate(ws.iter_rows(values_only=True), start=1):
            if not row or not isinstance(row[0], str) or row[0] not in led:
                continue
            id = row[0]
            want = led.item(id).data[min(scenario, led.item(id).data.shape[0] - 1)]
            got = row[FIRST - 1 : FIRST - 1 + len(want)]
            scale = max(1.0, float(np.max(np.abs(want))) if len(want) else 1.0)
            compared += 1
            for t, (g, e) in enumerate(zip(got, want, strict=False)):
                gv = 0.0 if g is None else g
                if isinstance(gv, bool):
                    gv = float(gv)
                if (
                    not isinstance(gv, int | float)
                    or not math.isfinite(float(gv))
                    or abs(float(gv) - float(e)) > rtol * scale
                ):
                    bad.append(Mismatch(id, ws.title, r, t, g, float(e)))
                    break
    wb.close()
    return bad, compared
