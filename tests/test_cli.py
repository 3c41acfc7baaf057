"""The ``renewfin`` command (DESIGN.md §4 "Errors": the CLI prints a bad spec's problems and
exits non-zero, never a traceback). Run in-process through ``renewfin.cli.main`` and once
through the installed console script. References: the spec files written in each test."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from renewfin.cli import EXIT_INVALID, main
from renewfin.engine import run
from renewfin.metrics import METRICS
from renewfin.spec import load_spec
from renewfin.testing import minimal_spec

MODEL = Path(__file__).resolve().parents[1] / "models" / "old_community.yaml"


def write(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def bad_spec(tmp_path: Path) -> Path:
    """A spec with three problems: a negative amount, an unknown key, a wrong type."""
    data = minimal_spec(colour="red")
    data["investment"][0]["amount"] = -1
    data["revenues"][0]["quantity"] = "lots"
    return write(tmp_path / "bad.yaml", data)


BAD_PATHS = ["investment[0 建安工程].amount", "revenues[0 停车位].quantity", "colour"]


def test_validate_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(MODEL)]) == 0
    out = capsys.readouterr().out
    data = yaml.safe_load(MODEL.read_text(encoding="utf-8"))
    assert out.startswith(f"OK: {MODEL} is a valid spec ({data['project']['name']}; ")
    assert (f"{len(data['investment'])} investment items, {len(data['revenues'])} revenue "
            f"streams, {len(data['opex'])} operating costs") in out


def test_validate_bad_file_lists_every_problem(
    bad_spec: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(bad_spec)]) == EXIT_INVALID == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert f"invalid spec {bad_spec}: 3 problems" in err
    for path in BAD_PATHS:
        assert f"  - {path}: " in err
    assert "(got -1)" in err and "(got 'lots')" in err and "(got 'red')" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("text", [None, "project: {name: x\n  bad: [\n", "- 1\n- 2\n"])
def test_validate_unreadable_files(
    tmp_path: Path, text: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "spec.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid spec")
    assert "Traceback" not in err


def test_run_prints_summary_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "out" / "metrics.json"  # a missing directory is created
    assert main(["run", str(MODEL), "--json", str(out_path)]) == 0
    out = capsys.readouterr().out
    result = run(load_spec(MODEL))
    # The bilingual summary: the project's names and every metric's Chinese and English label.
    assert "滨江区老旧小区改造及配套设施提升项目" in out
    assert "Binjiang old-community renovation" in out
    printed = [key for key in result.values if key in METRICS]
    assert "total_investment" in printed and "project_irr_after_tax" in printed
    for key in printed:
        assert METRICS[key].zh in out and METRICS[key].en in out
    # Money with thousands separators and its unit (31,080.00 万元 = 29,600 × 1.05 when
    # this test was written).
    assert f"{result.values['total_investment'][0]:,.2f} 万元" in out
    assert f"metrics written to {out_path}" in out

    doc = json.loads(out_path.read_text(encoding="utf-8"))
    assert list(doc["metrics"]) == list(result.values)
    assert doc["money_unit"] == "万元"
    for key, values in result.values.items():
        expected = float(values[0])
        if math.isnan(expected):
            assert doc["metrics"][key] is None  # NaN becomes null
        else:
            assert doc["metrics"][key] == pytest.approx(expected, rel=1e-12)


def test_run_bad_file_exits_2(bad_spec: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(bad_spec)]) == 2
    err = capsys.readouterr().err
    assert all(path in err for path in BAD_PATHS)
    assert "Traceback" not in err


def _walk(node: Any, defs: dict[str, Any], where: str = "#") -> None:
    """Structural check of a JSON Schema (2020-12): references resolve, types are valid,
    required fields exist."""
    types = {"object", "array", "string", "number", "integer", "boolean", "null"}
    if isinstance(node, dict):
        if "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/$defs/") and ref[len("#/$defs/"):] in defs, (where, ref)
        if "type" in node:
            kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
            assert set(kinds) <= types, (where, node["type"])
        if "properties" in node:
            assert set(node.get("required", [])) <= set(node["properties"]), where
        for key, value in node.items():
            _walk(value, defs, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, defs, f"{where}/{i}")


def test_schema_is_json_schema_with_descriptions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object" and schema["title"] == "ProjectSpec"
    assert {"project", "timeline", "investment"} <= set(schema["required"])
    defs = schema["$defs"]
    _walk(schema, defs)
    # Every field of every section carries its docstring as a description (DESIGN.md §2).
    undocumented = [
        f"{name}.{field}"
        for name, model in [("ProjectSpec", schema), *defs.items()]
        for field, prop in model.get("properties", {}).items()
        if not prop.get("description")
    ]
    assert undocumented == []
    assert "元/m²/月" in defs["RevenueStream"]["properties"]["unit_price"]["description"]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("renewfin ")


def test_console_script_reports_problems_without_traceback(bad_spec: Path) -> None:
    # The installed entry point (pyproject [project.scripts]) beside this interpreter.
    exe = Path(sys.executable).with_name("renewfin")
    if not exe.exists():
        pytest.skip("the renewfin console script is not installed beside the interpreter")
    proc = subprocess.run([str(exe), "validate", str(bad_spec)], capture_output=True,
                          text=True, encoding="utf-8", timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "3 problems" in proc.stderr
    assert all(path in proc.stderr for path in BAD_PATHS)
    assert "Traceback" not in proc.stderr
