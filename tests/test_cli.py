"""The ``renewfin`` command (DESIGN.md §4 "Errors": the CLI prints a bad spec's problems and
exits non-zero, never a traceback; issue 13 items 1, 2, 6, 7, 10 and the CLI tracebacks of
issue 14). Run in-process through ``renewfin.cli.main`` and through the installed console
script. References: the spec files written in each test, the README's own commands, and
the exit statuses documented in ``renewfin --help``."""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
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
    assert (
        f"{len(data['investment'])} investment items, {len(data['revenues'])} revenue "
        f"streams, {len(data['opex'])} operating costs"
    ) in out


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
            assert ref.startswith("#/$defs/") and ref[len("#/$defs/") :] in defs, (where, ref)
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
    proc = subprocess.run(
        [str(exe), "validate", str(bad_spec)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "3 problems" in proc.stderr
    assert all(path in proc.stderr for path in BAD_PATHS)
    assert "Traceback" not in proc.stderr


# --- help, exit statuses, consistent options ----------------------------------------------


def _commands() -> list[str]:
    from renewfin.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["-h"], *([c, "--help"] for c in _commands()), *([c, "-h"] for c in _commands())],
)
def test_every_help_prints_and_exits_0(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13 item 1: ``renewfin --help`` crashed on the '%' of '±10 %'."""
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: renewfin")
    for status in ("0 ", "1 ", "2 ", "3 ", "70 ", "130 "):
        assert f"  {status}" in out, f"exit status {status} undocumented in {argv}"


def test_console_script_help_exits_0() -> None:
    exe = Path(sys.executable).with_name("renewfin")
    if not exe.exists():
        pytest.skip("the renewfin console script is not installed beside the interpreter")
    proc = subprocess.run(
        [str(exe), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0 and "exit status:" in proc.stdout and proc.stderr == ""


def test_the_same_idea_has_the_same_flag_in_every_command() -> None:
    """Issue 13 item 10: -n for scenario counts, --scenario FILE, --seed, --json, --csv,
    -o; old spellings keep working."""
    from renewfin.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    spelling = {
        "n": "-n",
        "seed": "--seed",
        "json": "--json",
        "csv": "--csv",
        "output": "-o",
        "workers": "--workers",
        "progress": "--progress",
    }
    seen: dict[str, set[str]] = {}
    for name, parser in sub.choices.items():
        for action in parser._actions:
            if action.dest in spelling:
                assert spelling[action.dest] in action.option_strings, (name, action.dest)
                seen.setdefault(action.dest, set()).add(name)
            if action.dest == "scenario" and name != "schema":
                assert action.option_strings == ["--scenario"] and action.metavar == "FILE"
    assert seen["n"] >= {"simulate", "sensitivity", "solve", "simulate-portfolio", "report"}
    assert seen["json"] >= {
        "run",
        "simulate",
        "sensitivity",
        "solve",
        "district",
        "simulate-portfolio",
    }
    args = build_parser().parse_args(
        ["sensitivity", "x.yaml", "--scenario", "s.yaml", "--global", "7"]
    )
    assert args.n == 7


SPEC = str(MODEL)
SC = str(MODEL.parents[1] / "scenarios" / "old_community.yaml")
PORTFOLIO = str(MODEL.parents[1] / "scenarios" / "portfolio_city.yaml")
BOND = "funding.special_bonds[0].amount"


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["simulate", SPEC, "--scenario", SC, "-n", "0"],
            "argument -n: expected a whole number >= 1",
        ),
        (["simulate", SPEC, "--scenario", SC, "--seed", "-1"], "argument --seed: expected"),
        (["simulate", SPEC, "--scenario", SC, "--workers", "0"], "argument --workers"),
        (["simulate-portfolio", PORTFOLIO, "-n", "-1"], "argument -n"),
        (["simulate-portfolio", PORTFOLIO, "--scheduler", "bogus"], "a Dask scheduler address"),
        (["simulate-portfolio", PORTFOLIO, "--scheduler", "dask-local:abc"], "needs N >= 1"),
        (["simulate-portfolio", PORTFOLIO, "--scheduler", "dask-local:0"], "needs N >= 1"),
        (["simulate-portfolio", PORTFOLIO, "--scheduler", "tcp://host:99999"], "scheduler address"),
        (
            [
                "solve",
                SPEC,
                "--vary",
                BOND,
                "--require",
                "bond_coverage>=1.2",
                "--lo",
                "1000",
                "--hi",
                "12000",
                "--tol",
                "0",
            ],
            "argument --tol: expected a number > 0",
        ),
        (
            [
                "solve",
                SPEC,
                "--vary",
                BOND,
                "--require",
                "bond_coverage>=1.2",
                "--lo",
                "nan",
                "--hi",
                "12000",
            ],
            "argument --lo: expected a finite number",
        ),
        (
            ["report", SPEC, "-o", "r.odt"],
            "renewfin writes .html or .docx or .pdf here; 'r.odt' has the suffix",
        ),
        (["run", SPEC, "-o", "model.xls"], "renewfin writes .xlsx here"),
        (["run", SPEC, "--json", "out"], "renewfin writes .json here; 'out' has no suffix"),
        (["template", "-o", "t.csv"], "renewfin writes .xlsx here"),
        (["import", "t.xlsx", "-o", "spec.txt"], "renewfin writes .yaml or .yml or .json here"),
    ],
)
def test_bad_options_are_refused_before_anything_runs(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == EXIT_INVALID
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir()), "nothing is written"


def _scenario_with(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(Path(SC).read_text(encoding="utf-8"))
    data.update(changes)
    return write(tmp_path / "scenario.yaml", data)


@pytest.mark.parametrize(
    "command, changes, where",
    [
        (
            "simulate",
            {"thresholds": [{"metric": "bogus", "op": "<", "value": 1}]},
            "thresholds[0].metric: unknown metric",
        ),
        (
            "sensitivity",
            {"sensitivity": {"metrics": ["bond_coverag"]}},
            "sensitivity.metrics[0]: unknown metric; did you mean bond_coverage",
        ),
        (
            "simulate",
            {
                "inputs": [
                    {
                        "name": "超支",
                        "path": "risk.capex_overrun",
                        "apply": "set",
                        "distribution": {"type": "uniform", "low": -5, "high": 0},
                    }
                ],
                "correlations": [],
            },
            "inputs[0] 超支: sampled values of risk.capex_overrun (apply: set): expected a finite "
            "number > -1",
        ),
        (
            "simulate",
            {
                "stress": [
                    {
                        "name": "x",
                        "overrides": [{"path": "revenues[停车].unit_price", "multiply": 0.9}],
                    }
                ]
            },
            "stress[0].overrides[0].path: not a numeric input of this spec; did you mean",
        ),
    ],
)
def test_bad_scenario_contents_are_named(
    command: str,
    changes: dict[str, Any],
    where: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 14 item 5: an unknown metric in sensitivity or a threshold, an out-of-range
    capex overrun, a misspelt path: a clear message, exit 2, no traceback, no file."""
    out = tmp_path / "out.json"
    code = main(
        [
            command,
            SPEC,
            "--scenario",
            str(_scenario_with(tmp_path, **changes)),
            "-n",
            "20",
            "--json",
            str(out),
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == EXIT_INVALID, err
    assert where in err and "Traceback" not in err
    assert not out.exists()


def test_unknown_threshold_metric_in_a_portfolio_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(Path(PORTFOLIO).read_text(encoding="utf-8"))
    data["thresholds"] = [{"metric": "min_dscrr", "op": "<", "value": 1.0}]
    for p in data["projects"]:
        for key in ("spec", "scenario"):
            p[key] = str((Path(PORTFOLIO).parent / p[key]).resolve())
    path = write(tmp_path / "portfolio.yaml", data)
    assert main(["simulate-portfolio", str(path), "-n", "10", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "thresholds[0].metric (project 老旧小区): unknown metric; did you mean min_dscr" in err


def test_a_name_a_workbook_cannot_hold_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(MODEL.read_text(encoding="utf-8"))
    data["project"]["name"] = "bad\x01name"
    out = tmp_path / "model.xlsx"
    assert main(["run", str(write(tmp_path / "spec.yaml", data)), "-o", str(out)]) == 2
    assert "project.name: contains U+0001" in capsys.readouterr().err  # refused on reading
    assert not out.exists()


_FULL_DISK = """
import errno, sys, zipfile
from renewfin.cli import main
def full(self, *args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")
zipfile.ZipFile.writestr = full
zipfile.ZipFile.close = full  # the half-written archive fails again when collected
sys.exit(main(sys.argv[1:]))
"""


def test_a_full_disk_gives_one_message_and_exit_3(tmp_path: Path) -> None:
    """Issue 14: a ``ZipFile.__del__`` traceback followed the clean error."""
    out = tmp_path / "model.xlsx"
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, "run", SPEC, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 3
    assert proc.stderr.strip() == f"error: No space left on device: {out}"  # the user's path
    assert not out.exists()


def test_an_unexpected_failure_is_an_internal_error_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import renewfin.engine

    def boom(*args: Any, **kwargs: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(renewfin.engine, "run", boom)
    assert main(["run", SPEC]) == 70
    err = capsys.readouterr().err
    assert err.startswith("error: internal error (ZeroDivisionError: a bug)")
    assert "Traceback" not in err
    monkeypatch.setenv("RENEWFIN_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        main(["run", SPEC])


def test_run_strict_exits_1_when_a_check_fails(tmp_path: Path) -> None:
    """``--strict`` exits 1 when a covenant fails; without it the failures are printed and
    the run exits 0. The bundled model passes its covenants (issue 16.6); the failing case
    is old_community with its parking fee at 30 % (at 50 % it still passes since its grants
    are 不征税收入 and their release counts in EBIT, issue 17)."""
    import yaml

    from renewfin.checks import run_checks

    base = load_spec(MODEL)
    price = next(r.unit_price for r in base.revenues if r.name == "停车位")
    weak = base.with_changes({"revenues[停车位].unit_price": 0.3 * price})
    failed = [c.id for c in run_checks(run(weak)) if not bool(c.passed[0])]
    assert failed, "a parking fee at 30 % should breach a covenant"
    path = tmp_path / "weak.yaml"
    path.write_text(
        yaml.safe_dump(weak.model_dump(mode="json"), allow_unicode=True), encoding="utf-8"
    )
    assert main(["run", str(path)]) == 0
    assert main(["run", str(path), "--strict"]) == 1
    assert main(["run", SPEC, "--strict"]) == 0


# --- reproducible outputs ------------------------------------------------------------------


def test_simulate_json_is_byte_identical_for_the_same_seed(tmp_path: Path) -> None:
    """Issue 13 item 6: the JSON embedded wall-clock timings; now only with --timings."""
    outs = [tmp_path / f"mc{i}.json" for i in range(3)]
    for i, out in enumerate(outs):
        extra = ["--timings"] if i == 2 else []
        assert (
            main(
                [
                    "simulate",
                    SPEC,
                    "--scenario",
                    SC,
                    "-n",
                    "64",
                    "--seed",
                    "9",
                    "--json",
                    str(out),
                    "--no-progress",
                    *extra,
                ]
            )
            == 0
        )
    assert outs[0].read_bytes() == outs[1].read_bytes()
    docs = [json.loads(o.read_text(encoding="utf-8")) for o in outs]
    assert "timings" not in docs[0] and set(docs[2]["timings"]) >= {"engine", "wall"}
    assert {k: v for k, v in docs[2].items() if k != "timings"} == docs[0]


def test_run_csv_is_the_tidy_ledger(tmp_path: Path) -> None:
    import pandas as pd

    out = tmp_path / "ledger.csv"
    assert main(["run", SPEC, "--csv", str(out)]) == 0
    table = pd.read_csv(out)
    result = run(load_spec(MODEL))
    assert list(table.columns) == [
        "start",
        "period",
        "id",
        "group",
        "zh",
        "en",
        "unit",
        "kind",
        "value",
    ]
    assert len(table) == len(result.ledger) * result.timeline.n_periods
    capex = table[table["id"] == "capex.total"]
    np.testing.assert_allclose(capex["value"], result.ledger["capex.total"][0], rtol=1e-15)


# --- first run --------------------------------------------------------------------------


def test_compile_notice_says_so_once_and_only_on_a_cache_miss() -> None:
    """Issue 13 item 7: the first command in a fresh environment was silent for ~11 s.
    A kernel of a module named renewfin.* compiling (numba's ``numba:compile`` event, a
    cache miss) prints the notice once; an already compiled kernel prints nothing."""
    import io
    import types

    import numba

    from renewfin.compiled import COMPILE_NOTICE, compile_notice

    def make(name: str) -> Any:
        code = compile(f"def {name}(x):\n    return x + 1\n", "<probe>", "exec")
        namespace: dict[str, Any] = {"__name__": "renewfin.probe"}
        exec(code, namespace)
        fn = namespace[name]
        assert isinstance(fn, types.FunctionType) and fn.__module__ == "renewfin.probe"
        return numba.njit(cache=False)(fn)

    first, second = make("first"), make("second")
    stream = io.StringIO()
    with compile_notice(stream):
        assert first(1) == 2 and second(1.0) == 2.0 and first(2) == 3
    assert stream.getvalue() == COMPILE_NOTICE + "\n"
    quiet = io.StringIO()
    with compile_notice(quiet):
        assert first(5) == 6  # compiled already
    assert quiet.getvalue() == ""


def test_a_warm_run_is_silent_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    run(load_spec(MODEL))  # compiled (or loaded from the cache) in this process
    assert main(["run", SPEC]) == 0
    assert capsys.readouterr().err == ""


# --- Dask ----------------------------------------------------------------------------------


def test_dask_local_runs_and_shuts_down_without_a_traceback(tmp_path: Path) -> None:
    """Issue 13 item 10: ``--scheduler dask-local:N`` ends cleanly; its numbers are those
    of the in-process run."""
    pytest.importorskip("distributed")
    outs = {s: tmp_path / f"{s.replace(':', '_')}.json" for s in ("local", "dask-local:2")}
    for scheduler, out in outs.items():
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "renewfin.cli",
                "simulate-portfolio",
                PORTFOLIO,
                "-n",
                "100",
                "--scheduler",
                scheduler,
                "--json",
                str(out),
                "--no-progress",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "Traceback" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    docs = [json.loads(o.read_text(encoding="utf-8")) for o in outs.values()]
    assert docs[0] == docs[1]
