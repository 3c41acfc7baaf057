"""User text never becomes code (issue 14, point 2): a payload in every text field of a
spec and a scenario is text in every workbook cell, neutralised in the CSV, escaped in
the HTML report; invisible characters in names are refused with the code point."""

from __future__ import annotations

import copy
import csv
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, validate_data

from .conftest import MODELS, SCENARIOS, renewfin

MARK = "ZZINJ"
PAYLOAD = f'=HYPERLINK("x","{MARK}")&"<b>{MARK}</b>'
"""Starts like a formula, holds markup; no '.', '[' or ']' so that paths keep working."""
KEEP = {
    "preset",
    "repayment",
    "city_tier",
    "kind",
    "rate_type",
    "use",
    "lpr_tenor",
    "category",
    "money_unit",
    "periodicity",
    "sector",
    "price_per",
    "asset_class",
    "source",
    "cost_per",
    "basis",
    "start_date",
    "classes",
    "type",
    "sampler",
    "metric",
    "op",
    "apply",
    "base_categories",
    "timing",
    "valuation",
    "asset_type",
    "interest_frequency",
    "drawdown",
    "distribution_policy",
    "priority",
    "growth_from",
    "revenues_kind",
    "schema_version",
    "metrics",
}
"""Keys whose strings are enumerations, dates or asset-class names, not free text."""


def poison(data: Any, key: str = "") -> Any:
    """``data`` with every free-text string prefixed by the payload (consistently, so that
    references between items still match)."""
    if isinstance(data, dict):
        return {k: v if k in KEEP else poison(v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [poison(v, key) for v in data]
    if isinstance(data, str):
        if key == "path":  # revenues[停车位].unit_price → revenues[PAYLOAD停车位].unit_price
            return re.sub(r"\[([^\]\d][^\]]*)\]", lambda m: f"[{PAYLOAD}{m.group(1)}]", data)
        return PAYLOAD + data
    return data


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The bundled old-community spec and scenario, poisoned in every text field."""
    d = tmp_path_factory.mktemp("poison")
    spec, scenario = (
        poison(load(MODELS / "old_community.yaml")),
        poison(load(SCENARIOS / "old_community.yaml")),
    )
    validate_data(ProjectSpec, spec)  # the payload is legal text
    validate_data(ScenarioSpec, scenario)
    (d / "spec.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    (d / "scenario.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    return d / "spec.yaml", d / "scenario.yaml"


def formula_cells_with_payload(path: Path) -> tuple[list[str], int]:
    """Cells holding the payload as a formula, and how many hold it as text."""
    bad, text = [], 0
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and MARK in c.value:
                    if c.data_type == "f":
                        bad.append(f"{ws.title}!{c.coordinate}")
                    else:
                        text += 1
    return bad, text


def test_model_workbook_holds_user_text_as_text(files: tuple[Path, Path], tmp: Path) -> None:
    out = renewfin("run", files[0], "-o", tmp / "m.xlsx", tmp=tmp)
    assert out.rc == 0, out.stderr[-2000:]
    bad, text = formula_cells_with_payload(tmp / "m.xlsx")
    assert bad == []
    assert text > 50  # the labels are there, as text


def test_risk_workbook_and_csv_hold_user_text_safely(files: tuple[Path, Path], tmp: Path) -> None:
    out = renewfin(
        "simulate",
        files[0],
        "--scenario",
        files[1],
        "-n",
        "64",
        "-o",
        tmp / "r.xlsx",
        "--csv",
        tmp / "s.csv",
        tmp=tmp,
    )
    assert out.rc == 0, out.stderr[-2000:]
    bad, text = formula_cells_with_payload(tmp / "r.xlsx")
    assert bad == [] and text > 50
    with open(tmp / "s.csv", encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert any(MARK in c for c in cells)
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) and not _number(c) for c in cells)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def test_template_holds_user_text_as_text_and_reads_it_back(
    files: tuple[Path, Path], tmp: Path
) -> None:
    out = renewfin("template", "-o", tmp / "t.xlsx", "--from", files[0], tmp=tmp)
    assert out.rc == 0, out.stderr[-2000:]
    bad, text = formula_cells_with_payload(tmp / "t.xlsx")
    assert bad == [] and text > 20
    back = renewfin("import", tmp / "t.xlsx", "-o", tmp / "back.yaml", tmp=tmp)
    assert back.rc == 0, back.stderr[-2000:]
    assert load(tmp / "back.yaml")["project"]["name"].startswith(PAYLOAD)


def test_report_escapes_user_text(files: tuple[Path, Path], tmp: Path) -> None:
    out = renewfin("report", files[0], "-o", tmp / "r.html", tmp=tmp)
    assert out.rc == 0, out.stderr[-2000:]
    html = (tmp / "r.html").read_text(encoding="utf-8")
    assert f"&lt;b&gt;{MARK}&lt;/b&gt;" in html
    assert f"<b>{MARK}" not in html


INVISIBLE = {
    "\x00": "U+0000",
    "\x1b": "U+001B",
    "\u200b": "U+200B ZERO WIDTH SPACE",
    "\u202e": "U+202E RIGHT-TO-LEFT OVERRIDE",
    "\u2066": "U+2066 LEFT-TO-RIGHT ISOLATE",
    "\ufeff": "U+FEFF ZERO WIDTH NO-BREAK SPACE",
    "\u2028": "U+2028 LINE SEPARATOR",
    "\n": "U+000A",
}


@pytest.mark.parametrize("char", list(INVISIBLE))
@pytest.mark.parametrize("where", ["project.name", "revenues.0.name", "funding.loans.0.name"])
def test_invisible_characters_in_names_are_refused(char: str, where: str) -> None:
    data = load(MODELS / "old_community.yaml")
    node = data
    *parents, last = where.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = "停车" + char + "位"
    with pytest.raises(SpecError) as info:
        validate_data(ProjectSpec, data)
    (p,) = info.value.problems
    assert p.path.endswith(".name") and INVISIBLE[char] in p.message
    assert char not in str(p)  # the message shows an escape, not the character


def test_free_text_may_hold_line_breaks_but_not_control_characters() -> None:
    data = load(MODELS / "old_community.yaml")
    data["project"]["description"] = "第一行\n第二行\t（制表）"
    validate_data(ProjectSpec, copy.deepcopy(data))
    data["project"]["description"] = "第一行\x07"
    with pytest.raises(SpecError, match=r"project\.description: contains U\+0007"):
        validate_data(ProjectSpec, data)


def test_invisible_character_in_a_file_exits_2(tmp: Path) -> None:
    text = (MODELS / "old_community.yaml").read_text(encoding="utf-8")
    path = tmp / "bidi.yaml"
    path.write_text(text.replace("name: 停车位", "name: 停车\u202e位", 1), encoding="utf-8")
    out = renewfin("run", path, "-o", tmp / "m.xlsx", tmp=tmp)
    assert out.rc == 2 and "U+202E" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp / "m.xlsx").exists()
