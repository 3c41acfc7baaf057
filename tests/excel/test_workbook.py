"""The model workbook: every calculated cell is a live formula, and LibreOffice's
recalculation reproduces the engine — every ledger line to a relative 1e-9, every
metric and every check — for every bundled model, and after editing inputs."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from openpyxl import load_workbook

import renewfin
from renewfin.engine import Result, run
from renewfin.excel.recalc import recalculate, soffice
from renewfin.excel.verify import (
    compare_checks,
    compare_ledger,
    compare_metrics,
    compare_tables,
    error_cells,
    listed_table_rows,
)
from renewfin.excel.writer import write_model
from renewfin.spec import ProjectSpec, validate_data

ROOT = Path(__file__).resolve().parents[2]
"""The repository (tests find its files from here, not from the working directory)."""

MODELS = sorted(p.stem for p in (ROOT / "models").glob("*.yaml"))


@pytest.fixture(scope="module", autouse=True)
def libreoffice() -> None:
    if soffice() is None:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")


def _recalc(result: Result, tmp: Path, name: str) -> Path:
    src = write_model(result, tmp / f"{name}.xlsx")
    return recalculate(src, tmp / f"{name}.recalc.xlsx")


def _assert_matches(result: Result, path: Path) -> None:
    bad, compared = compare_ledger(result, path)
    assert compared == len(result.ledger), "every ledger line is in the workbook"
    assert not bad, "\n".join(map(str, bad[:20]))
    bad_m, n = compare_metrics(result, path)
    assert n == len(result.values)
    assert not bad_m, "\n".join(bad_m)
    assert not error_cells(path)


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Result, Path]]:
    tmp = tmp_path_factory.mktemp("models")
    results = {m: run(renewfin.load_spec(str(ROOT / f"models/{m}.yaml"))) for m in MODELS}
    with ThreadPoolExecutor(max_workers=2) as pool:  # one private LibreOffice profile per call
        paths = dict(
            zip(MODELS, pool.map(lambda m: _recalc(results[m], tmp, m), MODELS), strict=True)
        )
    return {m: (results[m], paths[m]) for m in MODELS}


@pytest.mark.parametrize("model", MODELS)
def test_recalculated_workbook_reproduces_the_engine(model: str, recalculated) -> None:
    """LibreOffice recalculates the workbook (cached values discarded) to the ledger."""
    result, path = recalculated[model]
    _assert_matches(result, path)


@pytest.mark.parametrize("model", MODELS)
def test_checks_sheet_agrees_with_the_engine(model: str, recalculated) -> None:
    result, path = recalculated[model]
    bad, n = compare_checks(result, path)
    assert n > 10 and not bad, "\n".join(bad)


@pytest.mark.parametrize("model", MODELS)
def test_every_calculated_cell_is_a_formula(model: str, recalculated, tmp_path: Path) -> None:
    """Calculation sheets hold formulas, except values the engine solved, which are listed
    on the Control sheet; each metric is a defined name."""
    result, _ = recalculated[model]
    path = write_model(result, tmp_path / "m.xlsx")
    wb = load_workbook(path)
    listed = set()
    ctrl = wb["Control"]
    for r in range(1, ctrl.max_row + 1):
        v = ctrl.cell(r, 3).value
        if isinstance(v, str) and "!" in v:
            listed.add(v)
    for name in wb.sheetnames:
        if name in ("Inputs", "Cover", "Control"):
            continue
        ws = wb[name]
        for row in ws.iter_rows(min_row=7, min_col=5):
            for cell in row:
                if cell.value is None or cell.column == 6:
                    continue
                if isinstance(cell.value, int | float):
                    assert (
                        f"{name}!{cell.coordinate}" in listed
                        or f"{name}!{cell.row}:{cell.row}" in listed
                    ), f"{name}!{cell.coordinate}"
                else:
                    assert str(cell.value).startswith("="), f"{name}!{cell.coordinate}"
    assert {"total_investment", "equity_irr", "min_dscr", "bond_coverage"} <= set(wb.defined_names)


def _editable() -> ProjectSpec:
    """The old-community example with its loan fixed-rate, sized by amount and drawn debt
    first, so that the workbook's facility and drawings are live formulas too."""
    data = renewfin.load_spec(str(ROOT / "models/old_community.yaml")).model_dump(mode="json")
    loan = data["funding"]["loans"][0]
    loan.update(
        {
            "rate_type": "fixed",
            "rate": 0.031,
            "spread": 0.0,
            "sizing": {"amount": 2500.0, "gearing": None, "dscr": None},
        }
    )
    data["funding"]["drawdown"] = "debt_first"
    return validate_data(ProjectSpec, data)


EDITS = [
    ("revenues[社区配套用房租金].unit_price", 61.0, ("revenues", 4, "unit_price")),
    ("funding.loans[国开行城市更新贷款].rate", 0.036, ("funding", "loans", 0, "rate")),
    (
        "funding.special_bonds[2026年城市更新专项债（一期）].coupon",
        0.028,
        ("funding", "special_bonds", 0, "coupon"),
    ),
]


@pytest.mark.parametrize("path, value, where", EDITS, ids=["rent", "loan_rate", "bond_coupon"])
def test_editing_an_input_cell_matches_the_engine_on_the_edited_spec(
    path: str, value: float, where: tuple, tmp_path: Path
) -> None:
    """Change one input cell, recalculate, and compare with the engine run on the equally
    edited spec (a rent, a loan rate, a bond coupon)."""
    spec = _editable()
    src = write_model(run(spec), tmp_path / "m.xlsx")
    wb = load_workbook(src)
    ws = wb["Inputs"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == path)
    ws.cell(row, 5).value = value
    wb.save(src)
    out = recalculate(src, tmp_path / "m.recalc.xlsx")
    data = spec.model_dump(mode="json")
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    edited = run(validate_data(ProjectSpec, data))
    assert edited.metric("equity_irr") != run(spec).metric("equity_irr")
    _assert_matches(edited, out)
    # the standard tables follow the edit too, except the rows listed as numbers
    assert _compare_tables(edited, out, listed_table_rows(out)) > 500


def test_text_from_the_spec_stays_text(tmp_path: Path) -> None:
    """A project named like a formula is written as text, before and after LibreOffice."""
    data = renewfin.load_spec(str(ROOT / "models/urban_village.yaml")).model_dump(mode="json")
    data["project"]["name"] = '=HYPERLINK("http://example.com","x")'
    data["project"]["name_en"] = "@SUM(A1)"
    result = run(validate_data(ProjectSpec, data))
    src = write_model(result, tmp_path / "m.xlsx")
    out = recalculate(src, tmp_path / "m.recalc.xlsx")
    for path in (src, out):
        ws = load_workbook(path)["Cover"]
        assert ws["B1"].value == data["project"]["name"] and ws["B1"].data_type == "s"
        assert ws["B3"].value == "@SUM(A1)" and ws["B3"].data_type == "s"


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    def boom(self, filename):  # type: ignore[no-untyped-def]
        filename.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", boom)
    target = tmp_path / "model.xlsx"
    with pytest.raises(OSError):
        write_model(run(renewfin.load_spec(str(ROOT / "models/old_community.yaml"))), target)
    assert not target.exists()
    assert not list(tmp_path.iterdir())


def test_cli_run_writes_the_workbook(tmp_path: Path, capsys) -> None:
    from renewfin.cli import main

    out = tmp_path / "model.xlsx"
    assert main(["run", str(ROOT / "models/old_factory_park.yaml"), "-o", str(out)]) == 0
    assert out.exists() and "model workbook written" in capsys.readouterr().out
    assert {"Cover", "Inputs", "Time", "Funding", "Outputs", "Checks", "Control"} <= set(
        load_workbook(out, read_only=True).sheetnames
    )


def _compare_tables(result: Result, path: Path, skip: set[tuple[str, int]] = frozenset()) -> int:
    """Assert that the standard-table sheets of the recalculated workbook ``path`` equal
    renewfin.tables of ``result`` (rows in ``skip`` left out); return the cells compared."""
    bad, checked = compare_tables(result, path, skip)
    assert not bad, "\n".join(bad[:20])
    return checked


@pytest.mark.parametrize("model", MODELS)
def test_standard_table_sheets_match_renewfin_tables(model: str, recalculated) -> None:
    """Every number of the 13 standard tables on their sheets, after recalculation, equals
    renewfin.tables, and every row is a formula (none is listed on Control as a number,
    and no table cell below the headings holds a number): the depreciation by class, the
    surcharge split, the capital share of bonds, the cash in construction and the taxable
    income after losses included."""
    result, path = recalculated[model]
    assert _compare_tables(result, path) > 500
    assert listed_table_rows(path) == set()
    wb = load_workbook(path)
    numbers = [
        f"{ws.title}!{cell.coordinate}"
        for ws in wb.worksheets
        if re.match(r"T\d\d ", ws.title)
        for row in ws.iter_rows(min_row=6, min_col=5)
        for cell in row
        if isinstance(cell.value, int | float)
    ]
    assert not numbers, numbers[:10]


def test_simulate_writes_a_risk_workbook(tmp_path: Path, capsys) -> None:
    """``renewfin simulate … -o risk.xlsx``: the model workbook plus distributions, breach
    probabilities, stress cases, histograms, the tornado and the sample; it recalculates
    without error values, and its numbers are those of the simulation."""
    import json

    from renewfin.cli import main

    out, js = tmp_path / "risk.xlsx", tmp_path / "mc.json"
    code = main(
        [
            "simulate",
            str(ROOT / "models/old_community.yaml"),
            "--scenario",
            str(ROOT / "scenarios/old_community.yaml"),
            "-n",
            "200",
            "--seed",
            "5",
            "-o",
            str(out),
            "--json",
            str(js),
            "--no-progress",
        ]
    )
    assert code == 0 and out.exists()
    recalc = recalculate(out, tmp_path / "risk.recalc.xlsx")
    assert not error_cells(recalc)
    wb = load_workbook(recalc, data_only=True)
    assert {"Risk", "Risk charts", "Tornado", "Sample", "Outputs", "Checks"} <= set(wb.sheetnames)
    doc = json.loads(js.read_text(encoding="utf-8"))
    risk = wb["Risk"]
    row = next(r for r in range(1, risk.max_row + 1) if risk.cell(r, 1).value == "bond_coverage")
    assert risk.cell(row, 4).value == pytest.approx(doc["summary"]["bond_coverage"]["mean"])
    assert wb["Sample"].max_row == 201
    assert wb["Risk charts"]._charts or load_workbook(out)["Risk charts"]._charts


@pytest.mark.parametrize(
    "model, periodicity", [("old_factory_park", "quarterly"), ("old_community", "semiannual")]
)
def test_sub_annual_workbooks_reproduce_the_engine(
    model: str, periodicity: str, tmp_path: Path
) -> None:
    """The same proof on quarterly and semiannual versions of the examples (reserve targets
    looking several periods ahead are written as the engine's values, listed on Control)."""
    data = renewfin.load_spec(str(ROOT / f"models/{model}.yaml")).model_dump(mode="json")
    data["timeline"]["periodicity"] = periodicity
    result = run(validate_data(ProjectSpec, data))
    _assert_matches(result, _recalc(result, tmp_path, model))


@pytest.mark.parametrize("model", MODELS)
def test_standard_table_year_headers_sit_over_their_year(model: str, recalculated) -> None:
    """Each calendar-year header of the standard tables sits over that year's figures: on
    T07 (loan drawdown, interest, principal) and T04 (operating revenue), the recalculated
    value below each header equals the engine's ledger line summed over the periods whose
    label falls in the header's year (the label is the engine's period label)."""
    result, path = recalculated[model]
    led = result.ledger
    years = [lab[:4] for lab in led.labels]  # "2026", or "2026H1", "2026Q3" …
    wb = load_workbook(path, data_only=True)
    lines = {
        "T07": [
            i
            for i in led.ids()
            if i.startswith("loan[") and i.endswith((".draw", ".interest", ".principal"))
        ],
        "T04": ["revenue.total"],
    }
    checked = 0
    for prefix, ids in lines.items():
        ws = wb[next(n for n in wb.sheetnames if n.startswith(prefix + " "))]
        keys = {ws.cell(r, 1).value: r for r in range(6, ws.max_row + 1)}
        headers = {c: ws.cell(5, c).value for c in range(1, ws.max_column + 1)}
        year_cols = {c: str(h) for c, h in headers.items() if str(h).isdigit()}
        assert year_cols, f"{prefix}: no year headers"
        for id in ids:
            if id not in keys:
                continue
            v = led[id][0]
            by_year = {
                y: float(v[[k for k, yy in enumerate(years) if yy == y]].sum()) for y in set(years)
            }
            assert len({round(x, 6) for x in by_year.values()}) > 1, id  # discriminating
            for c, y in year_cols.items():
                got = ws.cell(keys[id], c).value
                assert got == pytest.approx(by_year[y], rel=1e-9, abs=1e-9), (
                    f"{prefix} {id}: column {c} headed {y} holds {got}, the engine's {y} is "
                    f"{by_year[y]}"
                )
                checked += 1
    assert checked > 20
