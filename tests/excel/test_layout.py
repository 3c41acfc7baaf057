"""The model workbook laid out for people and for printing (issue 19, points 4 and 5):
inputs formatted by unit with the spec's units filled in, loan tenor and grace as inputs
that the repayment periods read, wide enough period columns, and a print setup on every
sheet (A4 landscape, fitted to the width, titles repeated, project and page in the header
and footer). No LibreOffice: these are properties of the written file."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

import renewfin
from renewfin.engine import run
from renewfin.excel.writer import input_bounds, input_format, write_model

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    result = run(renewfin.load_spec(str(ROOT / "models/old_community.yaml")))
    path = write_model(result, tmp_path_factory.mktemp("layout") / "m.xlsx")
    return result, load_workbook(path)


MODELS = ["old_community", "industrial_park_reit", "old_factory_park", "urban_village"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Each bundled model's workbook (formulas), written once for the module."""
    tmp = tmp_path_factory.mktemp("models")
    cache: dict[str, object] = {}

    def get(model: str):  # type: ignore[no-untyped-def]
        """A bundled model by name, or a feature-matrix case by ``matrix:<id>``."""
        if model not in cache:
            if model.startswith("matrix:"):
                from .feature_matrix import CASES

                case = next(c for c in CASES if c.id == model.removeprefix("matrix:"))
                result = run(case.spec())
            else:
                result = run(renewfin.load_spec(str(ROOT / f"models/{model}.yaml")))
            cache[model] = load_workbook(write_model(result, tmp / f"{len(cache)}.xlsx"))
        return cache[model]

    return get


def _inputs(wb) -> dict[str, tuple[int, object, str, str]]:  # type: ignore[no-untyped-def]
    ws = wb["Inputs"]
    return {
        ws.cell(r, 1).value: (
            r,
            ws.cell(r, 5).value,
            ws.cell(r, 5).number_format,
            ws.cell(r, 4).value or "",
        )
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, 1).value
    }


def test_inputs_are_formatted_by_unit(book) -> None:  # type: ignore[no-untyped-def]
    """No scalar input in General format; rates as percentages, amounts with thousands and
    two decimals, DSCR targets with two decimals; the placeholders 'money' and
    'quantity_unit' replaced by the spec's units (万元, 个 …)."""
    result, wb = book
    rows = _inputs(wb)
    numbers = {p: v for p, v in rows.items() if isinstance(v[1], int | float)}
    assert numbers and all(fmt != "General" for _, _, fmt, _ in numbers.values())
    loan = result.spec.funding.loans[0].name
    assert rows[f"funding.loans[{loan}].spread"][2].endswith("%")
    assert rows["funding.lpr.five_year"][2].endswith("%")
    assert rows[f"funding.loans[{loan}].sizing.dscr"][2] == "0.00"
    amount = next(p for p in rows if p.startswith("investment[") and p.endswith(".amount"))
    assert rows[amount][2] == "#,##0.00"
    units = [u for _, _, _, u in rows.values()]
    assert not [u for u in units if "money" in u or "quantity_unit" in u]
    rev = result.spec.revenues[0]
    assert rows[f"revenues[{rev.name}].quantity"][3] == rev.quantity_unit
    assert rows[f"revenues[{rev.name}].unit_price"][3].startswith(rev.price_currency.value)


def test_input_format_rules() -> None:
    """Hand cases of ``input_format``: a fee of 0.005 % keeps its digits, a count is an
    integer, a year span with a fraction keeps it."""
    assert input_format("funding.loans[x].upfront_fee_rate", "-", 5e-5) == "0.00##%"
    assert input_format("investment[x].amount", "万元", 86000.0) == "#,##0.00"
    assert input_format("xl.n_periods", "-", 22.0) == "0"
    assert input_format("timeline.phases[x].duration_years", "yr", 1.5) == "#,##0.00##"
    # an item's rate and a stamp-duty rate are percentages; a count a year is an integer,
    # a tax per m² a year an amount; the capital floor a percentage, a DSCR floor a ratio
    assert input_format("xl.vat_rate[停车位]", "", 0.09) == "0.00##%"
    assert input_format("xl.stamp_loan", "", 5e-5) == "0.00##%"
    assert input_format("xl.per_year[停车位]", "1/yr", 12.0) == "0"
    assert input_format("xl.land_use_rate", "元/m²/yr", 15.75) == "#,##0.00"
    assert input_format("xl.floor.capital_ratio", "-", 0.2) == "0.00##%"
    assert input_format("xl.floor.dscr", "-", 1.2) == "0.00"


def test_loan_tenor_and_grace_are_inputs_the_periods_read(book) -> None:  # type: ignore[no-untyped-def]
    """funding.loans[…].tenor_years and grace_years are input cells holding the spec's
    values; the first repayment period and the maturity are formulas reading them."""
    result, wb = book
    rows = _inputs(wb)
    ln = result.spec.funding.loans[0]
    at = f"funding.loans[{ln.name}]"
    assert rows[f"{at}.tenor_years"][1] == ln.tenor_years
    assert rows[f"{at}.grace_years"][1] == ln.grace_years
    for derived, years in (("xl.maturity", "tenor_years"), ("xl.repay_start", "grace_years")):
        formula = rows[f"{derived}[{ln.name}]"][1]
        assert isinstance(formula, str) and f"$E${rows[f'{at}.{years}'][0]}" in formula


def test_every_sheet_prints_landscape_fitted_to_width(book) -> None:  # type: ignore[no-untyped-def]
    result, wb = book
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        if re.match(r"T\d\d ", ws.title):  # a fixed scale with breaks (tests/excel/test_print.py)
            assert ws.page_setup.scale >= 50 and not ws.sheet_properties.pageSetUpPr.fitToPage
        else:
            assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_area, ws.title
        assert result.spec.project.name in ws.oddHeader.left.text
        assert "&P" in ws.oddFooter.right.text
    t07 = wb[next(n for n in wb.sheetnames if n.startswith("T07"))]
    assert t07.print_title_rows == "$1:$5" and t07.print_title_cols == "$A:$E"


def test_period_columns_are_wide_enough(book) -> None:  # type: ignore[no-untyped-def]
    """Every period column of the calculation sheets and every year column of the
    standard tables is wide enough for its largest figure in #,##0.00 (one character per
    digit, separator and sign, plus one)."""
    result, wb = book
    largest = max(abs(float(v)) for item in result.ledger for v in item.values[0] if v == v)
    need = len(f"{-largest:,.2f}") + 1
    for name in ("Funding", "CashFlow", next(n for n in wb.sheetnames if n.startswith("T07"))):
        ws = wb[name]
        for c in range(7, ws.max_column + 1):
            letter = ws.cell(5, c).column_letter
            assert ws.column_dimensions[letter].width >= need, (name, letter)


def test_input_validation_has_real_bounds(book) -> None:  # type: ignore[no-untyped-def]
    """Data validation states only real bounds (a one-sided bound is one-sided, never
    [0, 1e300]), and every rate or share input (shown as a percentage) is validated."""
    _, wb = book
    ws = wb["Inputs"]
    rules = ws.data_validations.dataValidation
    covered = set()
    for dv in rules:
        for f in (dv.formula1, dv.formula2):
            assert f is None or abs(float(f)) < 1e12, (dv.sqref, f)
        covered |= {str(c) for c in str(dv.sqref).split()}
    rates = [
        f"E{r}"
        for r, v, fmt, _ in _inputs(wb).values()
        if isinstance(v, int | float)
        and fmt.endswith("%")
        and ws.cell(r, 5).fill.fgColor.rgb == "00FFF2CC"
    ]
    assert rates and not [c for c in rates if c not in covered]


CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(
    "model", ["old_community", "industrial_park_reit", "old_factory_park", "urban_village"]
)
def test_every_row_has_a_chinese_label(model: str, tmp_path: Path) -> None:
    """The 中文 column (B) of every row with an id, on every sheet, holds Chinese: the
    spec's fields take the labels of the edit form (``renewfin.spec.labels``)."""
    result = run(renewfin.load_spec(str(ROOT / f"models/{model}.yaml")))
    wb = load_workbook(write_model(result, tmp_path / "m.xlsx"))
    missing = [
        f"{ws.title}!{ws.cell(r, 1).value}: {ws.cell(r, 2).value!r}"
        for ws in wb.worksheets
        if ws.title != "Cover" and not re.match(r"T\d\d ", ws.title)
        for r in range(7, ws.max_row + 1)
        if ws.cell(r, 1).value and not CJK.search(str(ws.cell(r, 2).value or ""))
    ]
    assert not missing, missing[:10]


def test_charts_on_calendar_years_to_the_exit_with_floors(tmp_path: Path) -> None:
    """Reference: the REIT example (exit in its ninth model year). Every chart's categories
    are the calendar-year row; the cash-flow charts stop at the exit year (the operating
    view one year before it, without the exit series); the ratio chart draws the DSCR and
    coverage floors; every legend is Chinese and English."""
    result = run(renewfin.load_spec(str(ROOT / "models/industrial_park_reit.yaml")))
    wb = load_workbook(write_model(result, tmp_path / "m.xlsx"))
    ratios = wb["Ratios"]
    calendar = next(
        r for r in range(1, ratios.max_row + 1) if ratios.cell(r, 1).value == "ratio.calendar"
    )
    exit_year = int(np.nonzero(result.ledger["reit.flag_exit"][0])[0][0]) // result.timeline.ppy
    charts = {ch.title.tx.rich.p[0].r[0].t.split()[0]: ch for ch in wb["Charts"]._charts}
    assert set(charts) >= {
        "现金流量构成",
        "运营期现金流量（不含退出年）",
        "债务余额",
        "偿债备付率与专项债年度覆盖",
    }
    for title, ch in charts.items():
        for s in ch.series:
            cat = (s.cat.numRef or s.cat.strRef).f
            assert cat.endswith(f"${calendar}"), (title, cat)
            assert CJK.search(s.tx.v) and re.search(r"[A-Za-z]", s.tx.v), s.tx.v
    last = lambda ch: {s.val.numRef.f.split(":")[1].split("$")[1] for s in ch.series}  # noqa: E731
    assert last(charts["现金流量构成"]) == {ratios.cell(1, 7 + exit_year).column_letter}
    ops = charts["运营期现金流量（不含退出年）"]
    assert last(ops) == {ratios.cell(1, 6 + exit_year).column_letter}
    assert not [s for s in ops.series if "REIT" in s.tx.v]
    floors = [s.tx.v for s in charts["偿债备付率与专项债年度覆盖"].series if "下限" in s.tx.v]
    assert len(floors) == 2, floors


@pytest.mark.parametrize(
    "model", ["old_community", "industrial_park_reit", "old_factory_park", "urban_village"]
)
def test_no_formula_over_300_characters(model: str, tmp_path: Path) -> None:
    """Long formulas are split into helper rows and constants (the spend profile, the stale
    message and each solved value's currency, the whole-life covers and their negative
    reasons, the minima's reasons, the standard tables' flows, the paybacks' last negative
    period, each bond's first period, a custom profile's share due, the corkscrew gap, each
    loan's short DSCR years, each item's input-VAT share, each LAT bracket, the REIT
    yields): none is left over 300 characters."""
    result = run(renewfin.load_spec(str(ROOT / f"models/{model}.yaml")))
    wb = load_workbook(write_model(result, tmp_path / "m.xlsx"))
    long = {
        (ws.title, str(ws.cell(cell.row, 1).value), len(cell.value))
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=") and len(cell.value) > 300
    }
    assert not long, sorted(long)[:10]


STRING = re.compile(r'"[^"]*"')
SHEET = re.compile(r"'[^']*'!")
NUMBER = re.compile(r"(?<![A-Za-z0-9_$.!:])(\d+(?:\.\d+)?)(?![0-9.A-Za-z_(])")


def literal_years(formula: str, first: int = 1990, last: int = 2100) -> list[int]:
    """The whole numbers in ``[first, last]`` that ``formula`` holds as number tokens:
    outside string literals, sheet names and cell references (``$E$2026``, ``G2030``)."""
    body = SHEET.sub("S!", STRING.sub('""', formula))
    return [
        int(float(m))
        for m in NUMBER.findall(body)
        if float(m).is_integer() and first <= float(m) <= last
    ]


def test_literal_years_finds_a_year_token_only() -> None:
    """Hand cases: a year added to a cell is found; a row 2026 of a reference, a year in a
    text or in a quoted sheet name, and a decimal are not."""
    assert literal_years("=IF(A1>2026,2031+B2,0)") == [2026, 2031]
    assert literal_years("=Inputs!$E$2026+G2030+SUM($G$2027:$H$2027)") == []
    assert literal_years("=\"2026年\"&'T07 2027'!A1+2026.5") == []


@pytest.mark.parametrize(
    "model", ["old_community", "industrial_park_reit", "old_factory_park", "urban_village"]
)
def test_no_literal_model_year_in_any_formula(model: str, tmp_path: Path) -> None:
    """No formula of the workbook types a calendar year (the loss vintages, the standard
    tables' year columns, the charts' axis): each reads the year from the timeline row or
    the first-year input, so that moving the start date moves every year."""
    result = run(renewfin.load_spec(str(ROOT / f"models/{model}.yaml")))
    wb = load_workbook(write_model(result, tmp_path / "m.xlsx"))
    found = [
        (ws.title, cell.coordinate, literal_years(cell.value))
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith("=") and literal_years(cell.value)
    ]
    assert not found, found[:10]


def test_inputs_are_grouped_with_the_engine_internal_values_apart(book) -> None:  # type: ignore[no-untyped-def]
    """Every input row sits under a heading (column B, no id); the spec's inputs come
    first, grouped by part of the spec (hand examples: a loan's gearing under 贷款 Loans,
    a stream's price under 收入 Revenues, the first calendar year under 时间与风险); the
    engine-internal values (IRR starting guesses, period counts, unit factors, the
    formula-derived repayment periods) follow in one block styled grey, and none of them
    stands above it among the inputs."""
    result, wb = book
    ws = wb["Inputs"]
    heading, under = None, {}
    for r in range(2, ws.max_row + 1):
        a, b = ws.cell(r, 1).value, ws.cell(r, 2).value
        if a is None and b and ws.cell(r, 7).value is None:
            heading = str(b)
        elif a:
            assert heading is not None, f"row {r} ({a}) is under no heading"
            under[str(a)] = (heading, r)
    loan = result.spec.funding.loans[0].name
    rev = result.spec.revenues[0].name
    assert under[f"funding.loans[{loan}].sizing.gearing"][0] == "贷款 Loans"
    assert under[f"revenues[{rev}].unit_price"][0] == "收入 Revenues"
    assert under["xl.first_year"][0] == "时间与风险 Timeline and risks"
    internal = [p for p, (h, _) in under.items() if h.startswith("模型内部参数")]
    for path in (
        "xl.irr_guess[equity_irr]",
        "xl.n_periods",
        f"xl.money[{rev}]",
        f"xl.repay_start[{loan}]",
        f"xl.maturity[{loan}]",
    ):
        assert path in internal, path
    top = min(r for p, (_, r) in under.items() if p in internal)
    assert all(r < top for p, (_, r) in under.items() if p not in internal)
    for p in internal:
        cell = ws.cell(under[p][1], 5)
        if cell.value is not None:
            assert cell.fill.fgColor.rgb == "00EDEDED", p
    spec_rows = [r for p, (_, r) in under.items() if not p.startswith("xl.") and r < top]
    assert spec_rows and all(
        ws.cell(r, 5).fill.fgColor.rgb == "00FFF2CC"
        for r in spec_rows
        if ws.cell(r, 5).value is not None
    )


def test_every_time_series_input_has_its_calendar_years_above(tmp_path: Path) -> None:
    """Above every vector input, a row of the calendar year of each column (formulas on the
    first-year input), recalculated by LibreOffice. Hand reference (models/old_community:
    start 2026-01-01, phase 一期 from year 0 for 2 years, 充电桩 from completion with the
    ramp-up [0.7, 0.9]): the spend shares of 停车设施及充电桩 fall in 2026 and 2027, the
    ramp-up of 充电桩 in 2028 and 2029 (its padding 1.0 in 2030)."""
    from renewfin.excel.recalc import recalculate, soffice

    if soffice() is None:
        pytest.fail("LibreOffice (soffice) is required")
    result = run(renewfin.load_spec(str(ROOT / "models/old_community.yaml")))
    src = write_model(result, tmp_path / "m.xlsx")
    wb = load_workbook(src)
    ws = wb["Inputs"]
    vectors = [
        r
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, 1).value and ws.cell(r, 5).value is None and ws.cell(r, 7).value is not None
    ]
    assert len(vectors) >= 8
    for r in vectors:
        assert ws.cell(r - 1, 2).value == "年份 Calendar year", ws.cell(r, 1).value
        n = sum(ws.cell(r, c).value is not None for c in range(7, ws.max_column + 1))
        assert all(str(ws.cell(r - 1, c).value).startswith("=") for c in range(7, 7 + n))
    got = load_workbook(recalculate(src, tmp_path / "r.xlsx"), data_only=True)["Inputs"]
    row = {got.cell(r, 1).value: r for r in range(2, got.max_row + 1) if got.cell(r, 1).value}
    years = lambda path, n: [got.cell(row[path] - 1, 7 + k).value for k in range(n)]  # noqa: E731
    assert years("xl.schedule[停车设施及充电桩]", 2) == [2026, 2027]
    assert years("revenues[充电桩].ramp_up.padded", 3) == [2028, 2029, 2030]


REF = re.compile(r"(?:'?Inputs'?!)?\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")
"""A cell or range reference (A1 style, optionally absolute and on a sheet)."""


def input_cells_read(formula: str, on_inputs: bool) -> set[tuple[int, int]]:
    """The Inputs cells (row, column) a formula reads: its references that name the Inputs
    sheet, and on the Inputs sheet itself its unqualified references too; a range gives
    every cell it spans. Text in quotes is skipped."""
    from openpyxl.utils import column_index_from_string as index

    body = STRING.sub('""', formula)
    out: set[tuple[int, int]] = set()
    for m in REF.finditer(body):
        qualified = m.group(0).startswith(("Inputs!", "'Inputs'!"))
        before = body[max(m.start() - 1, 0)]
        if not qualified and (not on_inputs or before == "!" or before.isalnum() or before == "_"):
            continue
        c1, r1, c2, r2 = m.groups()
        rows = range(int(r1), int(r2 or r1) + 1)
        cols = range(index(c1), index(c2 or c1) + 1)
        out |= {(r, c) for r in rows for c in cols}
    return out


def test_input_cells_read_hand_cases() -> None:
    """Hand cases: a qualified cell and range of Inputs are read (the range cell by cell),
    another sheet's reference is not, an unqualified one only on the Inputs sheet itself, a
    quoted text never."""
    f = '=Inputs!$E$12*SUM(Inputs!$G$18:$H$18)+CashFlow!$E$5+E7&"Inputs!E9"'
    assert input_cells_read(f, on_inputs=False) == {(12, 5), (18, 7), (18, 8)}
    assert input_cells_read(f, on_inputs=True) == {(12, 5), (18, 7), (18, 8), (7, 5)}


@pytest.mark.parametrize(
    "model", [*MODELS, "matrix:reit-concession-dcf", "matrix:reit-exit-simplified-vat-lat-inputs"]
)
def test_every_input_is_read_by_a_formula(model: str, written) -> None:  # type: ignore[no-untyped-def]
    """Issue 19 point 1: every number on the Inputs sheet (a scalar in column E, a vector's
    value from column G) is read by at least one formula of the workbook, so that editing
    it changes the model or trips a check; an input no formula reads (a revenue-share
    cost's growth, a cap-rate exit's discount rate, the lives of a class without assets,
    the IRR floor of an ownership REIT, a concession DCF's cap rate, the building life of
    an exit whose condition rate is stated) is not written. Also on the two feature-matrix
    cases that had such inputs (a run of ``renewfin.excel.writer`` over all 156 cases found
    no other)."""
    wb = written(model)
    read: set[tuple[int, int]] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    read |= input_cells_read(cell.value, ws.title == "Inputs")
    ws = wb["Inputs"]
    unread = [
        (ws.cell(r, 1).value, ws.cell(r, c).coordinate, ws.cell(r, c).value)
        for r in range(2, ws.max_row + 1)
        if ws.cell(r, 1).value
        for c in [5, *range(7, ws.max_column + 1)]
        if isinstance(ws.cell(r, c).value, int | float) and (r, c) not in read
    ]
    assert not unread, unread[:10]


FUNCTION = re.compile(r"(?<![A-Za-z0-9_.])(?:_xlfn\.)?([A-Z][A-Z0-9.]*)\(")
"""A function call in a formula (Excel's ``_xlfn.`` prefix of newer functions dropped)."""


def test_functions_finds_the_calls_only() -> None:
    """Hand case: the calls of a formula, ``_xlfn.`` dropped; a name inside a quoted text
    and a sheet name are not calls."""
    body = "=IFERROR(_xlfn.ISFORMULA(A1),\"SUM(x)\")+'T07 IRR('!A1+N(B2)"
    assert functions(body) == {"IFERROR", "ISFORMULA", "N"}


def functions(formula: str) -> set[str]:
    """The functions a formula calls (outside quoted texts and sheet names)."""
    return set(FUNCTION.findall(SHEET.sub("S!", STRING.sub('""', formula))))


def test_readme_names_every_function_the_workbooks_use(written) -> None:  # type: ignore[no-untyped-def]
    """The README's section on Microsoft Excel lists the functions the workbooks use, so
    that what it says about Excel covers them all: every function of every formula of the
    four bundled models' workbooks is named there (reference: the README itself)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## The workbook in Microsoft Excel\n")
    section = readme[start : readme.index("\n## ", start + 1)]
    named = set(re.findall(r"`([A-Z][A-Z0-9.]*)`", section))
    used: set[str] = set()
    for model in MODELS:
        for ws in written(model).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        used |= functions(cell.value)
    assert {"IRR", "ISFORMULA", "SUMPRODUCT"} <= used
    assert not used - named, sorted(used - named)


def test_input_bounds_hand_cases() -> None:
    """Hand cases of ``input_bounds``: a spec field's own bounds (an investment amount, a
    ``Money | None`` field, ≥ 0; a phase's start year in [0, 100]), a rate [-1, 1], an IRR
    guess above −100 %, the first calendar year in Excel's dates, a price-step cycle ≥ 1,
    a life ≥ 0."""
    assert input_bounds("investment[x].amount", "万元", 86000.0) == (0.0, None)
    assert input_bounds("timeline.phases[x].start_year", "yr", 0.0) == (0.0, 100.0)
    assert input_bounds("xl.vat_rate[x]", "-", 0.09) == (-1.0, 1.0)
    assert input_bounds("xl.irr_guess[equity]", "-", 0.07) == (-1.0, None)
    assert input_bounds("xl.first_year", "-", 2026.0) == (1900.0, 9999.0)
    assert input_bounds("xl.growth_every[x]", "yr", 3.0) == (1.0, None)
    assert input_bounds("xl.life[building]", "yr", 30.0) == (0.0, None)


def _validated(ws) -> dict[tuple[int, int], tuple[str, float | None, float | None]]:  # type: ignore[no-untyped-def]
    """Each cell of the sheet's data validation: (operator, lower, upper bound)."""
    out: dict[tuple[int, int], tuple[str, float | None, float | None]] = {}
    for dv in ws.data_validations.dataValidation:
        f1 = None if dv.formula1 is None else float(dv.formula1)
        f2 = None if dv.formula2 is None else float(dv.formula2)
        lo, hi = {
            "between": (f1, f2),
            "greaterThanOrEqual": (f1, None),
            "lessThanOrEqual": (None, f1),
        }[dv.operator]
        for rng in dv.sqref.ranges:
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    out[(r, c)] = (dv.operator, lo, hi)
    return out


@pytest.mark.parametrize("model", MODELS)
def test_every_input_has_data_validation_it_meets(model: str, written) -> None:  # type: ignore[no-untyped-def]
    """Issue 19 point 4: every number on the Inputs sheet (scalars and typed vector values)
    has data validation with finite bounds, and the value the engine ran with meets them
    (the base case opens without a validation error)."""
    ws = written(model)["Inputs"]
    rules = _validated(ws)
    problems = []
    for r in range(2, ws.max_row + 1):
        if not ws.cell(r, 1).value:
            continue
        for c in [5, *range(7, ws.max_column + 1)]:
            v = ws.cell(r, c).value
            if not isinstance(v, int | float):
                continue
            rule = rules.get((r, c))
            where = (ws.cell(r, 1).value, ws.cell(r, c).coordinate, v)
            if rule is None:
                problems.append(("no validation", *where))
                continue
            _, lo, hi = rule
            if any(b is not None and abs(b) >= 1e12 for b in (lo, hi)):
                problems.append(("unreal bound", *where, lo, hi))
            if (lo is not None and v < lo) or (hi is not None and v > hi):
                problems.append(("value outside", *where, lo, hi))
    assert not problems, problems[:10]


def test_master_check_and_covenants_are_apart_coloured_and_on_every_sheet(book) -> None:  # type: ignore[no-untyped-def]
    """Issue 19 point 2: the master check is the product of the integrity checks only
    (sources = uses, balance sheet, corkscrews, solved values current, calculation rows
    are formulas …) and the covenant status the product of the covenant tests only; every
    sheet's header shows both and the checks' message, and conditional formatting colours
    each check cell green at 1 and red at 0 (on the Checks sheet and in every header)."""
    from renewfin.checks import CheckKind, run_checks

    result, wb = book
    ws = wb["Checks"]
    row = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    refs = lambda id: {int(m) for m in re.findall(r"\$E\$(\d+)", ws.cell(row[id], 5).value)}  # noqa: E731
    kinds = {c.id: c.kind for c in run_checks(result)}
    master = {ws.cell(r, 1).value.removeprefix("check.") for r in refs("check.master")}
    covenants = {ws.cell(r, 1).value.removeprefix("check.") for r in refs("check.covenants")}
    assert {
        "sources_uses",
        "balance_sheet",
        "corkscrews",
        "solved_current",
        "formulas_intact",
    } <= master
    assert not master & covenants and "dscr" in " ".join(covenants)
    assert all(kinds[k] is CheckKind.INTEGRITY for k in master if k in kinds)
    assert all(kinds[k] is CheckKind.COVENANT for k in covenants)

    def coloured(sheet, ref: str) -> set[str]:  # type: ignore[no-untyped-def]
        """The formulas of the cell-is rules on ``ref``."""
        return {
            r.formula[0]
            for cf in sheet.conditional_formatting
            if str(cf.sqref) == ref
            for r in cf.rules
            if r.type == "cellIs" and r.operator == "equal"
        }

    for id in (k for k in row if str(k).startswith("check.")):
        assert coloured(ws, f"E{row[id]}") == {"0", "1"}, id
    targets = {
        f"'Checks'!$E${row[id]}" for id in ("check.master", "check.covenants", "xl.check_message")
    }
    for sheet in wb.worksheets:
        r, first = (1, 9) if sheet.title == "Inputs" else (2, 5)
        shown = {
            str(sheet.cell(r, c).value).removeprefix("=") for c in (first, first + 2, first + 3)
        }
        assert shown == targets, (sheet.title, shown)
        for c in (first, first + 2):
            assert coloured(sheet, f"{sheet.cell(r, c).column_letter}{r}") == {"0", "1"}


def test_quantity_rows_are_formatted_by_their_unit(written) -> None:  # type: ignore[no-untyped-def]
    """Issue 19 point 4: rows of quantities show by their unit, not with four decimals —
    counts and energy whole (个, kWh: ``#,##0``), areas with two decimals (m², 亩:
    ``#,##0.00``); hand cases, then every quantity row of two bundled models' Revenue
    sheets (old_community: 个 and kWh; urban_village: m² and 亩)."""
    from renewfin.excel.book import quantity_format

    assert quantity_format("个") == quantity_format("kWh") == "#,##0"
    assert quantity_format("m²") == quantity_format("亩") == "#,##0.00"
    for model in ("old_community", "urban_village"):
        ws = written(model)["Revenue"]
        spec = renewfin.load_spec(str(ROOT / f"models/{model}.yaml"))
        units = {r.quantity_unit for r in spec.revenues}
        rows = [r for r in range(7, ws.max_row + 1) if ws.cell(r, 4).value in units]
        assert rows, model
        for r in rows:
            fmt = ws.cell(r, 7).number_format
            assert fmt == quantity_format(ws.cell(r, 4).value), (model, ws.cell(r, 1).value, fmt)


def test_text_width_hand_cases() -> None:
    """Hand count: 汉字 and full-width punctuation 2 characters, the rest 1:
    "建设投资合计" 6 × 2 = 12; "其中：还本" 5 × 2 = 10 (the colon is full-width);
    "Loan: 国开行" 6 + 3 × 2 = 12."""
    from renewfin.excel.book import text_width

    assert text_width("建设投资合计") == 12
    assert text_width("其中：还本") == 10
    assert text_width("Loan: 国开行") == 12


def _money_need(v: float) -> int:
    """Characters a value needs in #,##0.00 with its sign, plus one of padding: hand rule,
    e.g. -12,345.67 is 10 characters, so 11."""
    return len(f"{-abs(v):,.2f}") + 1


@pytest.mark.parametrize("model", MODELS)
def test_columns_fit_labels_and_values_and_money_rows_state_a_unit(
    model: str, tmp_path: Path
) -> None:
    """On every bundled model's workbook: each label column (中文 and English on the
    calculation sheets; 项目 and Item on the standard tables) is at least as wide as its
    longest label (``text_width``, 汉字 counted 2); each period and total column is wide
    enough for the row's largest base-case value and its sum in #,##0.00 (the engine's
    ledger and ``renewfin.tables``, not the workbook); every row formatted as money
    states the spec's money unit in the 单位 column."""
    from renewfin.excel.book import MONEY, text_width
    from renewfin.excel.writer import FIRST
    from renewfin.tables import standard_tables

    result = run(renewfin.load_spec(str(ROOT / f"models/{model}.yaml")))
    wb = load_workbook(write_model(result, tmp_path / "m.xlsx"))
    unit = result.spec.project.money_unit.value
    ledger = {item.id: np.nan_to_num(np.asarray(item.values[0], float)) for item in result.ledger}
    narrow, no_unit = [], []
    for ws in wb.worksheets:
        if ws.title in ("Cover", "Control", "Inputs", "Charts"):
            continue
        table = bool(re.match(r"T\d\d ", ws.title))
        for c in (3, 4) if table else (2, 3):
            letter = ws.cell(5, c).column_letter
            longest = max(
                (
                    text_width(str(ws.cell(r, c).value))
                    for r in range(6, ws.max_row + 1)
                    if ws.cell(r, c).value is not None
                ),
                default=0,
            )
            if ws.column_dimensions[letter].width < longest:
                narrow.append((ws.title, letter, longest))
        for r in range(6, ws.max_row + 1):
            key = ws.cell(r, 1).value
            if table or key is None:
                continue
            if (
                MONEY in (ws.cell(r, 5).number_format, ws.cell(r, FIRST).number_format)
                and ws.cell(r, 4).value != unit
            ):
                no_unit.append((ws.title, key, ws.cell(r, 4).value))
            if key in ledger and ledger[key].size:
                v = ledger[key]
                need = _money_need(float(np.abs(v).max()))
                for c in range(FIRST, FIRST + v.size):
                    if ws.column_dimensions[ws.cell(5, c).column_letter].width < need:
                        narrow.append((ws.title, key, ws.cell(5, c).column_letter, need))
                if ws.column_dimensions["E"].width < _money_need(float(v.sum())):
                    narrow.append((ws.title, key, "E", _money_need(float(v.sum()))))
    for k, df in enumerate(standard_tables(result).values(), start=1):
        ws = wb[next(n for n in wb.sheetnames if n.startswith(f"T{k:02d} "))]
        for j, c in enumerate(df.columns):
            numbers = [float(x) for x in df[c] if isinstance(x, int | float) and x == x]
            if j >= 3 and numbers:  # after 序号, 项目, Item: the total and the years
                need = _money_need(max(abs(x) for x in numbers))
                if ws.column_dimensions[ws.cell(5, j + 2).column_letter].width < need:
                    narrow.append((ws.title, str(c), need))
    assert not narrow, narrow[:10]
    assert not no_unit, no_unit[:10]
