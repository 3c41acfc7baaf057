"""Control and cover sheets of the model workbook, and the master check and covenant
status at the top of every sheet (the checks themselves are ``renewfin.excel.sheets``)."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from typing import TYPE_CHECKING

from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from renewfin.excel.book import FLAG, HEAD_FILL, HEAD_FONT, SOLVED_FILL, col, put_text
from renewfin.excel.sheets import MESSAGES, SOLVER_ROWS, C

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

CONTROL_ROWS = SOLVER_ROWS + 6
"""First row of the rest of the Control sheet (spec hash, versions, solved values)."""


def master_check_headers(w: ModelWriter) -> None:
    """Show the master check (integrity) and the covenant status at the top of every
    sheet."""
    refs = []
    for id in ("check.master", "check.covenants", MESSAGES):
        cell = w.book.cell(id)
        refs.append(f"'{cell.sheet}'!$E${cell.row}")
    for ws in w.book.wb.worksheets:
        row, label, value = (1, 8, 9) if ws.title == "Inputs" else (2, 2, 5)
        ws.cell(row, label, "总检查 Master check (1 = all passed)").font = Font(bold=True)
        c = ws.cell(row, value, f"={refs[0]}")
        c.number_format = FLAG
        c.font = Font(bold=True, color="C00000")
        ws.cell(row, value + 1, "契约 Covenants").font = Font(bold=True)
        c = ws.cell(row, value + 2, f"={refs[1]}")
        c.number_format = FLAG
        c.font = Font(bold=True, color="C07000")
        ws.cell(row, value + 3, f"={refs[2]}").font = Font(bold=True, color="C00000")
        _pass_fail(ws, f"{col(value)}{row}")
        _pass_fail(ws, f"{col(value + 2)}{row}")
    checks = w.book.wb[C]
    flags = [cell.row for id, cell in w.book.cells.items() if id.startswith("check.")]
    for r in flags:
        _pass_fail(checks, f"E{r}")


PASS_FILL = PatternFill("solid", fgColor="C6EFCE")
FAIL_FILL = PatternFill("solid", fgColor="FF9999")


def _pass_fail(ws: Worksheet, ref: str) -> None:
    """Conditional formatting of a check cell: green when it reads 1, red when 0."""
    ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=["1"], fill=PASS_FILL))
    ws.conditional_formatting.add(
        ref,
        CellIsRule(
            operator="equal", formula=["0"], fill=FAIL_FILL, font=Font(bold=True, color="9C0006")
        ),
    )


def control(w: ModelWriter) -> None:
    """Spec hash, seed, versions, and every value the engine solved and wrote as a number."""
    ws = w.book.sheet("Control")
    spec = w.spec
    digest = hashlib.sha256(
        json.dumps(spec.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    rows = [
        ("规格哈希 Spec hash (SHA-256)", digest),
        ("情景 Scenario", str(w.scenario)),
        ("随机种子 Seed", "n/a (deterministic run)" if w.seed is None else str(w.seed)),
    ]
    for pkg in ("renewfin", "numpy", "pandas", "scipy", "openpyxl", "pydantic"):
        try:
            rows.append((f"版本 {pkg}", metadata.version(pkg)))
        except metadata.PackageNotFoundError:
            rows.append((f"版本 {pkg}", "not installed"))
    r = CONTROL_ROWS
    for label, value in rows:
        put_text(ws, r, 2, label)
        put_text(ws, r, 5, value)
        r += 1
    r += 1
    ws.cell(
        r, 2, "引擎求解并以数值写入的单元格 Values solved by the engine and written as numbers"
    ).font = Font(bold=True)
    r += 1
    for c, h in enumerate(
        ("", "名称 Name", "位置 Cell", "", "数值 Value", "残差 Residual"), start=1
    ):
        cell = ws.cell(r, c, h)
        cell.fill, cell.font = HEAD_FILL, HEAD_FONT
    r += 1
    for item in w.book.solved:
        put_text(ws, r, 2, item["name"])
        where = f"{item['row']}:{item['row']}" if item.get("whole_row") else f"E{item['row']}"
        put_text(ws, r, 3, f"{item['sheet']}!{where}")
        cell = ws.cell(r, 5, item["value"])
        cell.fill = SOLVED_FILL
        ws.cell(r, 6, item["residual"])
        r += 1
    r += 1
    put_text(
        ws,
        r,
        2,
        "IRR starting guesses (Inputs, xl.irr_guess[...]) are the engine's roots, "
        "so that Excel's IRR finds the same root when cash flows change sign more than once.",
    )
    numbers = sorted({(sheet, row, key) for sheet, row, key in w.table_numbers})
    r += 2
    ws.cell(
        r,
        2,
        f"标准报表中以数值写入的行 Standard-table rows written as numbers "
        f"({len(numbers)}; derived by renewfin.tables, green cells)",
    ).font = Font(bold=True)
    for sheet, row, key in numbers:
        r += 1
        put_text(ws, r, 2, key)
        put_text(ws, r, 3, f"{sheet}!{row}:{row}")
    ws.column_dimensions["B"].width = 46
    ws.column_dimensions["E"].width = 70


def cover(w: ModelWriter) -> None:
    """Cover and contents with links to every sheet."""
    wb = w.book.wb
    ws = wb.create_sheet("Cover", 0)
    spec = w.spec
    put_text(ws, 1, 2, spec.project.name).font = Font(bold=True, size=16)
    put_text(ws, 3, 2, spec.project.name_en or "")
    put_text(
        ws,
        4,
        2,
        f"{spec.timeline.start_date.isoformat()} · {spec.timeline.periodicity.value} · "
        f"{spec.timeline.horizon_years} 年 years · {spec.project.money_unit.value}",
    )
    notes = [
        "黄色单元格为输入（可修改）；绿色为引擎求解值（见 Control）；其余均为公式。",
        "Yellow cells are inputs you may change; green cells are values the engine solved "
        "(listed on Control); every other number is a live formula.",
        "每张计算表：A列为行标识，G列起为各期；同一行公式一致。",
        "On every calculation sheet column A is the line id and the periods run from column G;"
        " each row has one formula.",
    ]
    for k, text in enumerate(notes):
        put_text(ws, 6 + k, 2, text)
    ws.cell(11, 2, "目录 Contents").font = Font(bold=True)
    for k, name in enumerate(n for n in wb.sheetnames if n != "Cover"):
        cell = ws.cell(12 + k, 2, name)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1")
        cell.font = Font(color="0563C1", underline="single")
    ws.column_dimensions["B"].width = 90
