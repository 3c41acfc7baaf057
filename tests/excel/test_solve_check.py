"""Issue 23 in the workbook: construction interest beyond a facility follows the engine in
LibreOffice, the solve's iterations and residual are on the Control sheet, and the
"funding solve converged" check reads a live quantity — the workbook's own drawings
against the facility, and the pasted debt-service forecast of the reserve against the
workbook's own debt service — so that it fails after an edit that moves what the solve
fixed, and on a result the engine reports as unconverged."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from openpyxl import load_workbook

import renewfin
from renewfin.engine import Result, run
from renewfin.excel.recalc import recalculate, soffice
from renewfin.excel.verify import compare_ledger, compare_metrics, error_cells
from renewfin.excel.writer import write_model
from renewfin.financing import sizing, stage
from renewfin.spec import ProjectSpec, validate_data

FIXTURES = Path(__file__).parents[1] / "financing" / "fixtures"


@pytest.fixture(scope="module", autouse=True)
def libreoffice() -> None:
    if soffice() is None:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")


def _spec(name: str, **loan: object) -> ProjectSpec:
    data = renewfin.load_spec(FIXTURES / name).model_dump(mode="json")
    data["funding"]["loans"][0].update(loan)
    return validate_data(ProjectSpec, data)


def _recalc(result: Result, tmp: Path, edit: tuple[str, float] | None = None) -> Path:
    src = write_model(result, tmp / "m.xlsx")
    if edit is not None:
        wb = load_workbook(src)
        ws = wb["Inputs"]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == edit[0])
        ws.cell(row, 5).value = edit[1]
        wb.save(src)
    return recalculate(src, tmp / "m.recalc.xlsx")


def _checks(path: Path) -> dict[str, float]:
    ws = load_workbook(path, data_only=True)["Checks"]
    return {
        str(ws.cell(r, 1).value): ws.cell(r, 5).value
        for r in range(1, ws.max_row + 1)
        if str(ws.cell(r, 1).value).startswith(("check.", "xl.solve_residual"))
    }


def _control(path: Path) -> dict[str, object]:
    ws = load_workbook(path, data_only=True)["Control"]
    return {str(ws.cell(r, 2).value).split(" ")[0]: ws.cell(r, 5).value for r in range(7, 12)}


@pytest.mark.parametrize(
    "name", ["idc_beyond_facility.yaml", "idc_beyond_facility_two_phases.yaml"]
)
def test_interest_paid_beyond_the_facility_recalculates_to_the_engine(
    name: str, tmp_path: Path
) -> None:
    """Every ledger line (loan[…].idc_paid included) and metric to 1e-9 relative, and the
    check passes with a live residual of ~0."""
    result = run(renewfin.load_spec(FIXTURES / name))
    assert result.ledger["loan.idc_paid"].sum() > 0
    path = _recalc(result, tmp_path)
    bad, compared = compare_ledger(result, path)
    assert compared == len(result.ledger) and not bad, bad[:10]
    bad_m, _ = compare_metrics(result, path)
    assert not bad_m, bad_m
    assert not error_cells(path)
    checks = _checks(path)
    assert checks["check.funding_converged"] == 1
    assert abs(checks["xl.solve_residual"]) < 1e-10
    control = _control(path)
    assert control["迭代次数"] == result.sizing.iterations  # type: ignore[union-attr]
    assert control["引擎已收敛"] == 1
    assert control["工作簿实时残差"] == pytest.approx(checks["xl.solve_residual"], abs=1e-15)


def test_an_edit_that_leaves_the_facility_undrawn_fails_the_check(tmp_path: Path) -> None:
    """A grant of 14,000 instead of 9,000 leaves gaps of 4,000 in all: the workbook's loan
    (the 6,000 amount, live) draws them and stops short of its facility, so its live
    residual is about (6,000 − 4,000 − IDC) / total investment > 0 and the check reads 0."""
    result = run(renewfin.load_spec(FIXTURES / "idc_beyond_facility.yaml"))
    path = _recalc(result, tmp_path, ("funding.fiscal_funds[中央预算内投资].amount", 14000.0))
    checks = _checks(path)
    assert checks["xl.solve_residual"] > 0.05
    assert checks["check.funding_converged"] == 0
    assert checks["check.master"] == 0


def test_a_pasted_reserve_forecast_is_checked_against_the_live_debt_service(
    tmp_path: Path,
) -> None:
    """A 24-month DSRA on an annual grid: the workbook holds the engine's debt service as
    the reserve's forecast (listed on Control). At the base case the live residual is ~0;
    after a loan-rate edit the live debt service moves away from the pasted forecast and
    the check fails."""
    result = run(_spec("idc_beyond_facility.yaml", dsra_months=24))
    for sub in ("base", "edited"):
        (tmp_path / sub).mkdir()
    control = load_workbook(write_model(result, tmp_path / "m.xlsx"))["Control"]
    assert any(
        "Debt service for the DSRA target" == control.cell(r, 2).value
        for r in range(1, control.max_row + 1)
    )
    base = _checks(_recalc(result, tmp_path / "base"))
    assert base["check.funding_converged"] == 1 and abs(base["xl.solve_residual"]) < 1e-10
    edited = _checks(_recalc(result, tmp_path / "edited", ("funding.loans[贷款].rate", 0.06)))
    assert edited["xl.solve_residual"] > 1e-3
    assert edited["check.funding_converged"] == 0


def test_an_unconverged_result_fails_the_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The geared fixture stopped after three passes (allow_unconverged): Control says the
    engine did not converge, and the check reads 0 even where the live residual is small."""
    monkeypatch.setattr(stage, "size_and_run", functools.partial(sizing.size_and_run, max_iter=3))
    result = run(
        renewfin.load_spec(FIXTURES / "idc_beyond_facility_geared.yaml"), allow_unconverged=True
    )
    path = _recalc(result, tmp_path)
    assert _control(path)["引擎已收敛"] == 0
    assert _checks(path)["check.funding_converged"] == 0
