"""Issue 19.2 in the workbook: a number pasted over a calculation row is caught. Every row
of the calculation sheets carries, in its integrity column, the number of its cells that
are no longer formulas (``renewfin.excel.book.Book.integrity_cells``); the integrity check
'calculation rows are formulas' (part of the master check) fails when any is, and the
Checks sheet (and every sheet's header) names the first such row of each sheet.

Reference: LibreOffice's recalculation of the workbook, intact and with numbers pasted
over a period cell of the revenue total, the total column of the loan drawings and a
single-value calculation (the total original value of the assets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import renewfin
from renewfin.engine import run
from renewfin.excel.recalc import recalculate_many, soffice
from renewfin.excel.writer import write_model

MODEL = Path(__file__).parents[2] / "models" / "old_community.yaml"
PASTES = (("revenue.total", 12), ("loan.draw", 5), ("xl.ov_total", 5))
"""(row id, column) of each number pasted over a formula (a period, the total column, a
single value), each on another sheet."""


@pytest.fixture(scope="module", autouse=True)
def libreoffice() -> None:
    if soffice() is None:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")


def _row(ws, id: str) -> int:  # type: ignore[no-untyped-def]
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == id)


def _checks(path: Path) -> dict[str, object]:
    ws = load_workbook(path, data_only=True)["Checks"]
    return {str(ws.cell(r, 1).value): ws.cell(r, 5).value for r in range(1, ws.max_row + 1)}


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """The intact and the pasted-over workbook, recalculated, and the sheets pasted on."""
    tmp = tmp_path_factory.mktemp("formula_check")
    intact = write_model(run(renewfin.load_spec(MODEL)), tmp / "intact.xlsx")
    wb = load_workbook(intact)
    where = []
    for id, c in PASTES:
        name = next(n for n in wb.sheetnames if id in {x.value for x in wb[n]["A"]})
        ws = wb[name]
        value = ws.cell(_row(ws, id), c).value
        assert isinstance(value, str) and value.startswith("="), (id, value)
        ws.cell(_row(ws, id), c).value = 123.0
        where.append(name)
    wb.save(tmp / "pasted.xlsx")
    out = recalculate_many(
        [(intact, tmp / "intact.recalc.xlsx"), (tmp / "pasted.xlsx", tmp / "pasted.recalc.xlsx")]
    )
    return out[0], out[1], where


def test_the_intact_workbook_passes(books: tuple[Path, Path, list[str]]) -> None:
    checks = _checks(books[0])
    assert checks["check.formulas_intact"] == 1
    assert checks["check.master"] == 1
    assert not checks["xl.pasted_message"]


def test_a_number_pasted_over_a_calculation_fails_the_master_check_naming_the_row(
    books: tuple[Path, Path, list[str]],
) -> None:
    checks = _checks(books[1])
    assert checks["check.formulas_intact"] == 0
    assert checks["check.master"] == 0
    message = str(checks["xl.pasted_message"])
    assert len(set(books[2])) == len(PASTES)
    for (id, _), sheet in zip(PASTES, books[2], strict=True):
        assert f"{sheet}!{id}" in message, message
        assert checks[f"xl.pasted[{sheet}]"] == 1
    header = load_workbook(books[1], data_only=True)["Revenue"].cell(2, 8).value
    assert "Revenue!revenue.total" in str(header), header
