"""The standard evaluation tables (renewfin.tables) as workbook sheets, by model year.

A row that is a line of the model links to it — flows summed by year (SUMIF on the model
year), balances at year end, ratios from the Ratios sheet — so it updates with the
inputs. Rows that renewfin.tables derives by its own arithmetic (subtotals, the
profit-distribution rows …) are written as numbers and listed on the Control sheet.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from openpyxl.styles import Font

from renewfin.excel.book import FIRST, HEAD_FILL, HEAD_FONT, MONEY, SOLVED_FILL, col
from renewfin.tables import TABLES, standard_tables

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

RATIO_ROWS = {"dscr": "ratio.dscr", "loan_dscr": "ratio.loan_dscr", "icr": "ratio.icr"}


def write(w: ModelWriter) -> list[tuple[str, int, str]]:
    """Write one sheet per standard table; return the rows written as numbers
    (sheet, row, key)."""
    b = w.book
    frames = standard_tables(w.result, w.scenario)
    ppy = b.input_ref("timeline.periods_per_year")
    year_row = b.cell("time.year")
    n = w.spec.n_periods
    year_range = f"'Time'!${col(FIRST)}${year_row.row}:${col(FIRST + n - 1)}${year_row.row}"
    numbers: list[tuple[str, int, str]] = []
    for k, (tid, info) in enumerate(TABLES.items(), start=1):
        df = frames[tid]
        name = f"T{k:02d} {info.zh}"[:31]
        ws = b.wb.create_sheet(name)
        ws.cell(1, 2, f"{info.zh} {info.en}").font = Font(bold=True, size=13)
        ws.cell(3, 2, f"单位 Unit: {df.attrs.get('unit', w.spec.project.money_unit.value)}")
        cols = list(df.columns)
        for j, c in enumerate(["key", *cols], start=1):
            cell = ws.cell(5, j, str(c))
            cell.fill, cell.font = HEAD_FILL, HEAD_FONT
            cell.data_type = "s"
        kinds = df.attrs.get("kinds", {})
        year_cols = [j for j, c in enumerate(cols) if str(c).isdigit()]
        for i, (key, row) in enumerate(df.iterrows()):
            r = 6 + i
            ws.cell(r, 1, str(key)).data_type = "s"
            kind = kinds.get(key, "flow")
            src = RATIO_ROWS.get(str(key), str(key))
            linked = src in b.cells and not b.cells[src].constant
            for j, c in enumerate(cols):
                value = row[c]
                target = ws.cell(r, j + 2)
                if j < 3:  # 序号, 项目, Item
                    target.value = "" if value is None or value != value else str(value)
                    target.data_type = "s"
                    continue
                if j in year_cols and linked:
                    y = year_cols.index(j)
                    cell = b.cells[src]
                    rng = (
                        f"'{cell.sheet}'!${col(FIRST)}${cell.row}:"
                        f"${col(FIRST + (cell.n or n) - 1)}${cell.row}"
                    )
                    if cell.sheet == "Ratios":
                        target.value = f"='Ratios'!{col(FIRST + y)}{cell.row}"
                    elif kind == "balance":
                        target.value = f"=INDEX({rng},({y}+1)*{ppy})"
                    else:
                        target.value = f"=SUMIF({year_range},{y},{rng})"
                elif (
                    j == 3 and linked and kind not in ("balance", "ratio", "heading") and year_cols
                ):
                    a, z = col(year_cols[0] + 2), col(year_cols[-1] + 2)
                    target.value = f"=SUM({a}{r}:{z}{r})"
                else:
                    if value is None or (isinstance(value, float) and math.isnan(value)):
                        continue
                    target.value = float(value) if isinstance(value, int | float) else str(value)
                    if isinstance(value, int | float):
                        target.fill = SOLVED_FILL
                        numbers.append((name, r, str(key)))
                target.number_format = MONEY if kind != "ratio" else "0.000"
        ws.freeze_panes = ws.cell(6, 5)
        ws.column_dimensions["A"].hidden = True
        ws.column_dimensions["C"].width = 34
        ws.column_dimensions["D"].width = 34
    return numbers
