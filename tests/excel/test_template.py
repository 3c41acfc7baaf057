"""The Excel input template (DESIGN.md §5; issue: "a filled template imports into exactly the
spec that would produce it; a wrong entry is reported with its sheet and cell address and the
expected value").

References: the example models in ``models/`` (round trip, ``==`` on the pydantic models),
the spec models themselves (every field has a cell), and openpyxl's documented use of
defusedxml against XML entity attacks.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any, get_args

import openpyxl
import pytest
from pydantic import BaseModel

from renewfin.excel.template import (
    BUNDLED_TEMPLATE,
    TABLE_HEADER_ROWS,
    read_template,
    regenerate_bundled_template,
    template_layout,
    write_template,
)
from renewfin.spec import ProjectInfo, ProjectSpec, SpecError, load_spec, validate_data
from renewfin.spec.model import mmra_items
from renewfin.testing import minimal_spec

ROOT = Path(__file__).resolve().parents[2]
MODELS = sorted((ROOT / "models").glob("*.yaml"))


# ---------------------------------------------------------------------------- helpers


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside a field annotation (a model, an optional one, a list of them)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every one-cell field of the spec as a dotted path (list items without index)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        sub = _model_of(info.annotation)
        if sub is None:
            out.add(prefix + name)
        else:
            out |= _leaf_paths(sub, f"{prefix}{name}.")
    return out


def _list_sections(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths of every list of models (each a table sheet)."""
    out: set[str] = set()
    for name, info in model.model_fields.items():
        sub = _model_of(info.annotation)
        if sub is None:
            continue
        if "list[" in repr(info.annotation):
            out.add(prefix + name)
        out |= _list_sections(sub, f"{prefix}{name}.")
    return out


def _values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb}
    finally:
        wb.close()


def _column(ws: Any, key: str) -> str:
    """Letter of the column whose header (row 1) ends in the line ``key``."""
    for cell in ws[1]:
        if cell.value is not None and str(cell.value).splitlines()[-1] == key:
            return str(cell.column_letter)
    raise KeyError(key)


def _kv_row(ws: Any, key: str) -> int:
    """Row of the key–value field ``key``."""
    for row in ws.iter_rows(min_row=2, max_col=1):
        if row[0].value == key:
            return int(row[0].row)
    raise KeyError(key)


@pytest.fixture(scope="module")
def empty_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("empty") / "template.xlsx"
    write_template(path)
    return path


@pytest.fixture(scope="module")
def community(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProjectSpec, Path]:
    spec = load_spec(ROOT / "models" / "old_community.yaml")
    path = tmp_path_factory.mktemp("community") / "filled.xlsx"
    write_template(path, spec)
    return spec, path


# ------------------------------------------------------------------------- round trip


def test_there_are_example_models() -> None:
    assert MODELS


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.name)
def test_every_model_round_trips_through_the_template(model: Path, tmp_path: Path) -> None:
    spec = load_spec(model)
    out = tmp_path / "filled.xlsx"
    write_template(out, spec)
    if spec.funding.mmra is not None and spec.funding.mmra.items is None:
        # ``mmra: {}`` is written with the items it funds by default (none would read back
        # as no reserve): the same reserve, named explicitly.
        spec = spec.with_changes({"funding.mmra.items": mmra_items(spec)})
    assert read_template(out) == spec


def test_prefilled_template_writes_explicit_values_and_leaves_defaults_empty(
    community: tuple[ProjectSpec, Path],
) -> None:
    spec, path = community
    wb = openpyxl.load_workbook(path)
    project = wb["project"]
    assert project[f"B{_kv_row(project, 'project.name')}"].value == spec.project.name
    # Explicit in the YAML although equal to the default: written.
    assert project[f"B{_kv_row(project, 'project.money_unit')}"].value == "万元"
    # Not in the YAML, default value: an empty cell meaning "use the default".
    evaluation = wb["evaluation"]
    assert "include_residual_value" not in spec.evaluation.model_fields_set
    assert evaluation[f"B{_kv_row(evaluation, 'evaluation.include_residual_value')}"].value is None
    revenues = wb["revenues"]
    first = TABLE_HEADER_ROWS + 1
    assert revenues[f"A{first}"].value == spec.revenues[0].name
    price = revenues[f"{_column(revenues, 'unit_price')}{first}"].value
    assert price == spec.revenues[0].unit_price
    k = next(i for i, r in enumerate(spec.revenues) if "ramp_up" in r.model_fields_set)
    ramp = revenues[f"{_column(revenues, 'ramp_up')}{first + k}"].value
    assert [float(x) for x in ramp.split(",")] == spec.revenues[k].ramp_up


def test_lists_dicts_and_nested_models_round_trip(tmp_path: Path) -> None:
    data = minimal_spec(
        tax={
            "preset": "cn_default",
            "vat_rates": {"parking": 0.06, "rent": 0.05},
            "capex_input_vat_rates": {},
        },
        funding={
            "loans": [
                {
                    "name": "银行贷款",
                    "rate_type": "fixed",
                    "rate": 0.041,
                    "tenor_years": 8,
                    "grace_years": 2,
                    "repayment": "custom",
                    "repayment_schedule": [0.1, 0.15, 0.2, 0.25, 0.1, 0.2],
                    "sizing": {"amount": 400.0, "gearing": 0.6},
                }
            ],
            "lpr": {"five_year_path": [0.035, 0.0345, 0.034]},
            "reit_exit": {"exit_year": 8},
            "priority": ["loan", "bond", "reserves", "sweep", "fund", "equity"],
        },
    )
    data["revenues"].append(
        {
            "name": "广告, 标识",
            "kind": "advertising",
            "quantity": 1,
            "unit_price": 10.0,
            "price_per": "year",
            "ramp_up": [],
        }
    )
    data["opex"] = [
        {
            "name": "营销",
            "basis": "revenue_share",
            "share": 0.05,
            "revenues": ["停车位", "广告, 标识"],
        }
    ]
    spec = validate_data(ProjectSpec, data)
    out = tmp_path / "t.xlsx"
    write_template(out, spec)
    back = read_template(out)
    assert back == spec
    assert back.opex[0].revenues == ["停车位", "广告, 标识"]
    assert back.funding.loans[0].sizing.gearing == 0.6
    assert back.revenues[1].ramp_up == [] and "ramp_up" in back.revenues[1].model_fields_set


# ---------------------------------------------------------------------- the template


def test_empty_template_has_every_section_and_every_field(empty_template: Path) -> None:
    values = _values(empty_template)
    tables = _list_sections(ProjectSpec)
    assert tables <= set(values)
    found: set[str] = set()
    for sheet, rows in values.items():
        if sheet in tables:
            found |= {f"{sheet}.{str(h).splitlines()[-1]}" for h in rows[0] if h is not None}
        elif sheet != "cover":
            found |= {str(r[0]) for r in rows[1:] if r and r[0] and not str(r[0]).startswith("#")}
    assert found == _leaf_paths(ProjectSpec)
    top = set(ProjectSpec.model_fields)
    assert {p.split(".")[0] for p in found} == top
    # Empty: no value column filled on the key–value sheets, no item rows on the tables.
    for sheet, rows in values.items():
        if sheet == "cover":
            continue
        if sheet in tables:
            assert all(v is None for r in rows[TABLE_HEADER_ROWS:] for v in r), sheet
        else:
            assert all(r[1] is None for r in rows[1:]), sheet


def test_template_describes_fields_and_styles_inputs(empty_template: Path) -> None:
    wb = openpyxl.load_workbook(empty_template)
    assert wb.sheetnames[0] == "cover"
    cover_text = " ".join(str(c.value) for row in wb["cover"].iter_rows() for c in row if c.value)
    assert "填写说明" in cover_text and "How to fill in" in cover_text
    project = wb["project"]
    row = _kv_row(project, "project.kind")
    value = project[f"B{row}"]
    assert value.fill.fgColor.rgb.endswith("FFFFCC") and value.font.color.rgb.endswith("0000FF")
    assert project[f"F{row}"].value.endswith(f" — {ProjectInfo.model_fields['kind'].description}")
    assert "old_community" in project[f"E{row}"].value
    assert project.freeze_panes == "C2"
    rules = {str(dv.sqref): dv for dv in project.data_validations.dataValidation}
    assert rules[f"B{row}"].type == "list" and "old_community" in rules[f"B{row}"].formula1
    revenues = wb["revenues"]
    assert revenues.freeze_panes == f"B{TABLE_HEADER_ROWS + 1}"
    util = _column(revenues, "utilisation")
    assert "Stabilised occupancy" in revenues[f"{util}3"].value
    bounded = [
        dv
        for dv in revenues.data_validations.dataValidation
        if str(dv.sqref).startswith(f"{util}{TABLE_HEADER_ROWS + 1}:")
    ]
    assert bounded and bounded[0].type == "decimal" and bounded[0].operator == "between"
    assert (bounded[0].formula1, bounded[0].formula2) == ("0", "1")
    loans = wb["funding.loans"]
    keys = {str(c.value).splitlines()[-1] for c in loans[1] if c.value}
    assert {"sizing.amount", "sizing.gearing", "sizing.dscr"} <= keys


def test_table_headers_give_the_chinese_label_and_unit_above_the_key(
    empty_template: Path,
) -> None:
    """Every column of every table sheet heads with Chinese (the edit form's label,
    ``renewfin.spec.labels``) and the field's unit on its first line and with the field key
    on its last line, which the reader takes: the revenues' unit price reads
    "单价（不含税）" over ``unit_price``; a quantity, whose unit another field names, says so."""
    wb = openpyxl.load_workbook(empty_template)
    tables = [ws for ws in wb if ws.title != "cover" and ws.cell(1, 1).value != "字段 field"]
    assert len(tables) >= 8
    for ws in tables:
        for c in ws[1]:
            if c.value is None:
                continue
            lines = str(c.value).splitlines()
            assert len(lines) == 2 and re.search(r"[\u4e00-\u9fff]", lines[0]), (ws.title, c.value)
            assert re.fullmatch(r"[a-z_.0-9]+", lines[1]), (ws.title, c.value)
    revenues = wb["revenues"]
    assert revenues[f"{_column(revenues, 'unit_price')}1"].value == "单价（不含税）\nunit_price"
    assert "[单位见 unit in quantity_unit]" in revenues[f"{_column(revenues, 'quantity')}1"].value


def test_bundled_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = regenerate_bundled_template(tmp_path / "input_template.xlsx")
    assert BUNDLED_TEMPLATE.is_file(), "run: python -m renewfin.excel.template"
    assert _values(BUNDLED_TEMPLATE) == _values(fresh), (
        "excel_templates/input_template.xlsx is stale; run: python -m renewfin.excel.template"
    )


def test_layout_follows_the_models() -> None:
    names = [s.name for s in template_layout()]
    # a list of models has its own sheet after its parent's (the 绩效目标 of the project)
    assert names[:4] == ["project", "project.performance_targets", "timeline", "timeline.phases"]
    assert {
        "investment",
        "revenues",
        "opex",
        "depreciation.classes",
        "tax",
        "funding",
        "funding.loans",
        "funding.equity_parties",
    } <= set(names)


# ---------------------------------------------------------------------------- reading


def test_empty_template_reports_the_required_fields(empty_template: Path) -> None:
    with pytest.raises(SpecError) as info:
        read_template(empty_template)
    paths = [p.path for p in info.value.problems]
    wb = openpyxl.load_workbook(empty_template)
    name_row = _kv_row(wb["project"], "project.name")
    assert f"project!B{name_row} (project.name)" in paths
    assert any(p.startswith("timeline!") and "start_date" in p for p in paths)
    assert any(p.startswith("investment!A4") for p in paths)


def test_wrong_entries_are_reported_with_sheet_cell_value_and_expectation(
    community: tuple[ProjectSpec, Path], tmp_path: Path
) -> None:
    spec, path = community
    wb = openpyxl.load_workbook(path)
    r = TABLE_HEADER_ROWS + 1
    revenues, investment, project = wb["revenues"], wb["investment"], wb["project"]
    price = f"{_column(revenues, 'unit_price')}{r}"
    kind = f"{_column(revenues, 'kind')}{r + 1}"
    ramp = f"{_column(revenues, 'ramp_up')}{r}"
    amount = f"{_column(investment, 'amount')}{r}"
    sector = f"B{_kv_row(project, 'project.sector')}"
    revenues[price] = "abc"  # text in a number cell
    revenues[kind] = "rentt"  # unknown enum value
    revenues[ramp] = "0.5, x"  # a list that does not parse
    investment[amount] = -5  # a negative amount
    project[sector] = "housingg"  # unknown enum on a key–value sheet
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(SpecError) as info:
        read_template(bad)
    problems = {p.path.split(" ")[0]: p for p in info.value.problems}
    assert set(problems) == {
        f"revenues!{price}",
        f"revenues!{kind}",
        f"revenues!{ramp}",
        f"investment!{amount}",
        f"project!{sector}",
    }
    p = problems[f"revenues!{price}"]
    assert p.path == f"revenues!{price} (revenues[0 {spec.revenues[0].name}].unit_price)"
    assert p.value == "abc" and "number" in p.message
    assert problems[f"revenues!{kind}"].value == "rentt"
    assert "'parking'" in problems[f"revenues!{kind}"].message
    assert problems[f"revenues!{ramp}"].value == "0.5, x"
    assert "list of numbers" in problems[f"revenues!{ramp}"].message
    assert problems[f"investment!{amount}"].value == -5
    assert "greater than or equal to 0" in problems[f"investment!{amount}"].message
    assert "urban_infrastructure" in problems[f"project!{sector}"].message
    text = str(info.value)
    assert text.startswith("invalid template") and "5 problems" in text


def test_cross_checks_map_to_their_cells(tmp_path: Path) -> None:
    spec_path = tmp_path / "t.xlsx"
    write_template(spec_path, validate_data(ProjectSpec, minimal_spec()))
    wb = openpyxl.load_workbook(spec_path)
    ws = wb["revenues"]
    cell = f"{_column(ws, 'end_year')}{TABLE_HEADER_ROWS + 1}"
    ws[cell] = 50  # beyond the 10-year horizon
    wb.save(spec_path)
    with pytest.raises(SpecError) as info:
        read_template(spec_path)
    (problem,) = info.value.problems
    assert problem.path == f"revenues!{cell} (revenues[0 停车位].end_year)"
    assert problem.value == 50 and "horizon" in problem.message


def test_typed_entries_are_read_leniently(tmp_path: Path) -> None:
    """What people type in Excel: text dates, percentages, bracketed lists, 是/否."""
    path = tmp_path / "t.xlsx"
    write_template(path, validate_data(ProjectSpec, minimal_spec()))
    wb = openpyxl.load_workbook(path)
    timeline = wb["timeline"]
    timeline[f"B{_kv_row(timeline, 'timeline.start_date')}"] = "2027-01-01"
    inv = wb["investment"]
    r = TABLE_HEADER_ROWS + 1
    inv[f"{_column(inv, 'schedule')}{r}"] = "[40%, 60%]"
    inv[f"{_column(inv, 'escalate')}{r}"] = "否"
    inv[f"{_column(inv, 'amount')}{r}"] = "1,200"
    tax = wb["tax"]
    tax[f"B{_kv_row(tax, 'tax.vat_rates')}"] = "rent=9%；parking = 0.06"
    wb.save(path)
    spec = read_template(path)
    assert spec.timeline.start_date == dt.date(2027, 1, 1)
    assert spec.investment[0].schedule == pytest.approx([0.4, 0.6])
    assert spec.investment[0].escalate is False
    assert spec.investment[0].amount == 1200
    assert {k.value: v for k, v in spec.tax.vat_rates.items()} == pytest.approx(
        {"rent": 0.09, "parking": 0.06}
    )


def test_unknown_fields_and_columns_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "t.xlsx"
    write_template(path, validate_data(ProjectSpec, minimal_spec()))
    wb = openpyxl.load_workbook(path)
    project = wb["project"]
    row = project.max_row + 1
    project[f"A{row}"] = "project.nmae"
    project[f"B{row}"] = "x"
    revenues = wb["revenues"]
    col = revenues.max_column + 1
    revenues.cell(1, col, "unit_prise")
    wb.save(path)
    with pytest.raises(SpecError) as info:
        read_template(path)
    paths = {p.path: p for p in info.value.problems}
    assert f"project!A{row}" in paths and "project.name" in paths[f"project!A{row}"].message
    letter = openpyxl.utils.get_column_letter(col)
    assert f"revenues!{letter}1" in paths
    assert "unit_price" in paths[f"revenues!{letter}1"].message


@pytest.mark.parametrize("content", [None, b"not a zip file"], ids=["missing", "garbage"])
def test_unreadable_files_give_a_spec_error(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "input.xlsx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SpecError, match="invalid template"):
        read_template(path)


# ---------------------------------------------------------------------------- safety


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "@SUM(A1)", "+1+2", "-cmd|x"])
def test_formula_like_text_is_written_and_read_as_text(name: str, tmp_path: Path) -> None:
    data = minimal_spec()
    data["project"]["name"] = name
    data["project"]["location"] = name
    data["revenues"][0]["name"] = name
    spec = validate_data(ProjectSpec, data)
    path = tmp_path / "t.xlsx"
    write_template(path, spec)
    wb = openpyxl.load_workbook(path)  # not data_only: a formula would show as one
    project = wb["project"]
    cell = project[f"B{_kv_row(project, 'project.name')}"]
    assert cell.value == name and cell.data_type == "s"
    assert wb["revenues"][f"A{TABLE_HEADER_ROWS + 1}"].data_type == "s"
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in sheets)
    assert read_template(path) == spec


def test_openpyxl_parses_with_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_entity_expansion_is_refused(empty_template: Path, tmp_path: Path) -> None:
    """A "billion laughs" entity declaration in a worksheet is refused (defusedxml), with
    a SpecError rather than an expansion."""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    evil = tmp_path / "evil.xlsx"
    with zipfile.ZipFile(empty_template) as src, zipfile.ZipFile(evil, "w") as dst:
        sheets = sorted(n for n in src.namelist() if n.startswith("xl/worksheets/sheet"))
        for item in src.infolist():
            payload = src.read(item)
            if item.filename in sheets:
                payload = bomb + payload.replace(b"</worksheet>", b"<!-- &lol2; --></worksheet>")
            dst.writestr(item, payload)
    with pytest.raises(SpecError, match="cannot be read safely"):
        read_template(evil)


def test_failed_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "input.xlsx"

    def broken_save(self: Any, filename: Any) -> None:
        filename.write(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_template(target)
    assert list(tmp_path.iterdir()) == []
    # An existing file is left as it was.
    target.write_bytes(b"previous")
    with pytest.raises(OSError):
        write_template(target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["input.xlsx"]


def test_write_template_rejects_plain_data(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        write_template(tmp_path / "t.xlsx", copy.deepcopy(minimal_spec()))  # type: ignore[arg-type]
    assert not (tmp_path / "t.xlsx").exists()


def test_a_percentage_typed_for_a_rate_is_refused_unless_it_says_so(tmp_path: Path) -> None:
    """Issue 19.8: ``2.2`` in a rate cell (the discount rate, a fraction) is refused with a
    message naming both ways to enter it; ``2.2%`` is read as 0.022; the same for a list of
    shares (a schedule typed as ``40, 60``)."""
    path = tmp_path / "t.xlsx"
    write_template(path, validate_data(ProjectSpec, minimal_spec()))
    wb = openpyxl.load_workbook(path)
    ev, inv = wb["evaluation"], wb["investment"]
    rate = f"B{_kv_row(ev, 'evaluation.discount_rate')}"
    schedule = f"{_column(inv, 'schedule')}{TABLE_HEADER_ROWS + 1}"
    ev[rate], inv[schedule] = 2.2, "40, 60"
    wb.save(path)
    with pytest.raises(SpecError) as info:
        read_template(path)
    problems = {p.path.split(" ")[0]: p for p in info.value.problems}
    assert set(problems) == {f"evaluation!{rate}", f"investment!{schedule}"}
    message = problems[f"evaluation!{rate}"].message
    assert "percentage" in message and "0.022" in message and "2.2%" in message
    assert "百分号" in message
    ev[rate], inv[schedule] = "2.2%", "40%, 60%"
    wb.save(path)
    spec = read_template(path)
    assert spec.evaluation.discount_rate == pytest.approx(0.022)
    assert spec.investment[0].schedule == pytest.approx([0.4, 0.6])


def test_choices_show_chinese_beside_english_and_read_either(tmp_path: Path) -> None:
    """Choices are listed as ``value（中文）``; a cell holding the Chinese label, or the
    value with it, reads as the value; descriptions start with the field's Chinese
    label."""
    path = tmp_path / "t.xlsx"
    write_template(path, validate_data(ProjectSpec, minimal_spec()))
    wb = openpyxl.load_workbook(path)
    timeline = wb["timeline"]
    row = _kv_row(timeline, "timeline.periodicity")
    assert "quarterly（按季）" in str(timeline.cell(row, 5).value)
    assert str(timeline.cell(row, 6).value).startswith("计算周期 — ")
    timeline.cell(row, 2).value = "按季"
    wb.save(path)
    assert read_template(path).timeline.periodicity.value == "quarterly"
    timeline.cell(row, 2).value = "semiannual（按半年）"
    wb.save(path)
    assert read_template(path).timeline.periodicity.value == "semiannual"


def test_a_header_of_the_key_alone_still_reads(tmp_path: Path) -> None:
    """Older templates head a table column with its key only: they read as before."""
    spec = load_spec(Path(__file__).resolve().parents[2] / "models/old_community.yaml")
    path = tmp_path / "t.xlsx"
    write_template(path, spec)
    new = read_template(path)
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        if ws.title != "cover" and ws.cell(1, 1).value != "字段 field":
            for c in ws[1]:
                if c.value is not None:
                    c.value = str(c.value).splitlines()[-1]
    wb.save(path)
    assert read_template(path) == new
