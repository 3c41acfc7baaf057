"""API of the engine (renewfin.web.api_model): validate, run, Monte Carlo and
sensitivity as jobs with progress and cancellation, goal seek and the files — with good
input and bad. The numbers are the engine's: each is compared with the library call or
the command that computes it."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from renewfin.cli import main
from renewfin.engine import run
from renewfin.metrics import metric_info
from renewfin.spec import load_scenario, load_spec
from renewfin.spec.io import to_data
from renewfin.summary import json_document

from .conftest import ROOT, assert_error

MODEL = ROOT / "models" / "old_community.yaml"
SCENARIO = ROOT / "scenarios" / "old_community.yaml"


def _wait(client: TestClient, job: dict[str, Any], timeout: float = 300) -> list[dict[str, Any]]:
    """Every status of ``job`` until it ends."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/api/jobs/{job['id']}").json()
        seen.append(status)
        if status["state"] not in ("queued", "running"):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job {job['id']} did not end in {timeout} s: {seen[-1]}")


def test_validate(client: TestClient, project: str, capsys: pytest.CaptureFixture[str]) -> None:
    ok = client.post("/api/validate", json={"project": project}).json()
    assert ok["valid"] and ok["scenario"] and ok["revenue_streams"] == 5
    data = to_data(load_spec(MODEL))
    data["revenues"][4]["unit_price"] = -5
    data["timeline"]["horizon_years"] = "long"
    r = client.post("/api/validate", json={"spec": data})
    error = assert_error(r, 422, "revenues[4].unit_price", "timeline.horizon_years")
    path = Path("bad.json")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    cli = capsys.readouterr().err.splitlines()[1:]
    assert [f"  - {p['text']}" for p in error["problems"]] == cli  # the same words


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "project"),
        ({"project": "x", "spec": {}}, "project"),
        ({"project": 3}, "project"),
        ({"spec": []}, "spec"),
        ({"spec": {}, "lang": "fr"}, "lang"),
        ({"spec": {}, "extra": 1}, "extra"),
    ],
)
def test_validate_refuses_bad_requests(client: TestClient, body: Any, field: str) -> None:
    assert_error(client.post("/api/validate", json=body), 422, field)


def test_bodies_must_be_json(client: TestClient) -> None:
    assert_error(client.post("/api/validate", content=b"project: x"), 415)
    r = client.post("/api/validate", content=b"{nope", headers={"content-type": "application/json"})
    error = assert_error(r, 422)
    assert "not valid JSON" in error["message"]
    assert_error(client.post("/api/validate", json=[1, 2]), 422)
    assert_error(client.post("/api/run", json={"project": "nope"}), 404)


def test_run_shows_the_engines_numbers(client: TestClient, project: str) -> None:
    view = client.post("/api/run", json={"project": project}).json()
    result = run(load_spec(MODEL))
    expected = json_document(result)
    assert view["metrics"] == expected["metrics"]
    shown = {m["key"]: m for s in view["sections"] for m in s["metrics"]}
    assert set(shown) == set(result.values)  # every metric of the registry, new ones too
    covenants = result.spec.funding.covenants
    cov = shown["bond_coverage"]
    floor = covenants.min_bond_coverage
    assert cov["zh"] == metric_info("bond_coverage").zh and cov["floor"] == floor
    assert cov["ok"] == (cov["value"] >= floor)
    # each floor is the one its covenant test of renewfin.checks applies
    assert shown["min_loan_dscr"]["floor"] == covenants.min_dscr
    assert shown["min_llcr"]["floor"] == covenants.llcr_floor
    assert shown["min_dscr_cn"]["floor"] == covenants.min_dscr_cn
    assert shown["min_icr"]["floor"] == covenants.min_icr
    assert "floor" not in shown["min_dscr"]  # all-debt DSCR: no covenant tests it
    # the split of the JSON document: integrity checks apart from covenant and policy tests
    assert {c["id"] for c in view["checks"]["integrity"]} == set(expected["checks"])
    assert {c["id"] for c in view["checks"]["covenant"]} == set(expected["covenants"])
    assert {c["id"] for c in view["checks"]["integrity"]} >= {"sources_uses", "balance_sheet"}
    assert "dscr" in {c["id"] for c in view["checks"]["covenant"]}
    assert len(view["tables"]) == 13 and view["tables"][0]["zh"] == "建设投资估算表"
    assert {c["id"] for c in view["charts"]} == {"cash_flow", "debt", "coverage"}
    assert all(c["src"].startswith("data:image/png;base64,") for c in view["charts"])
    english = client.post("/api/run", json={"project": project, "lang": "en", "charts": False})
    assert english.json()["charts"] == []


def test_charts_of_a_run(client: TestClient, project: str) -> None:
    doc = client.post("/api/charts", json={"project": project, "lang": "en"}).json()
    assert [c["id"] for c in doc["charts"]] == ["cash_flow", "debt", "coverage"]
    assert doc["charts"][0]["title"] == "Cash flow by year"  # the English labels
    assert_error(client.post("/api/charts", json={"project": project, "lang": "xx"}), 422, "lang")


def test_run_an_inline_spec(client: TestClient) -> None:
    data = to_data(load_spec(MODEL))
    data["revenues"][4]["unit_price"] *= 2
    view = client.post("/api/run", json={"spec": data, "charts": False}).json()
    base = run(load_spec(MODEL)).metric("bond_coverage")
    assert view["metrics"]["bond_coverage"] > base


def test_simulate_as_a_job_with_progress(client: TestClient, project: str) -> None:
    r = client.post("/api/simulate", json={"project": project, "n": 2000, "seed": 7})
    assert r.status_code == 202 and r.headers["location"] == f"/api/jobs/{r.json()['id']}"
    seen = _wait(client, r.json())
    final = seen[-1]
    assert final["state"] == "done", final
    assert final["done"] == final["total"] == 2000
    doc = final["result"]["document"]
    assert doc["n"] == 2000 and doc["seed"] == 7
    from renewfin.simulation import simulate
    from renewfin.summary_mc import simulation_document

    sim = simulate(load_spec(MODEL), load_scenario(SCENARIO), n=2000, seed=7)
    expected = simulation_document(sim)
    assert doc["summary"] == expected["summary"] and doc["breaches"] == expected["breaches"]
    assert {c["id"] for c in final["result"]["charts"]} == {"histograms", "tornado"}
    fractions = [s["fraction"] for s in seen if s["state"] == "running"]
    assert fractions == sorted(fractions)  # progress never goes back


def test_cancel_a_running_job(client: TestClient, project: str) -> None:
    job = client.post("/api/simulate", json={"project": project, "n": 200_000}).json()
    deadline = time.monotonic() + 120
    while client.get(f"/api/jobs/{job['id']}").json()["done"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    cancelled = client.delete(f"/api/jobs/{job['id']}").json()
    assert cancelled["state"] == "cancelled" and cancelled["done"] < 200_000
    assert client.get(f"/api/jobs/{job['id']}").json()["state"] == "cancelled"
    assert_error(client.get("/api/jobs/nope"), 404)
    assert_error(client.delete("/api/jobs/nope"), 404)


def test_simulate_refuses_bad_requests(client: TestClient, project: str) -> None:
    assert_error(client.post("/api/simulate", json={"project": project, "n": 0}), 422, "n")
    assert_error(client.post("/api/simulate", json={"project": project, "n": 10**9}), 422, "n")
    assert_error(client.post("/api/simulate", json={"project": project, "seed": -1}), 422, "seed")
    client.delete(f"/api/projects/{project}/scenario")
    assert_error(client.post("/api/simulate", json={"project": project}), 422, "scenario")
    scenario = to_data(load_scenario(SCENARIO))
    scenario["inputs"][0]["path"] = "revenues[nope].unit_price"
    body = {"project": project, "scenario": scenario}
    assert_error(client.post("/api/simulate", json=body), 422)


def test_sensitivity_job(client: TestClient, project: str) -> None:
    job = client.post("/api/sensitivity", json={"project": project}).json()
    final = _wait(client, job)[-1]
    assert final["state"] == "done", final
    res = final["result"]
    from renewfin import sensitivity as sens

    switching = sens.switching_table(load_spec(MODEL))
    assert len(res["tables"]["switching"]) == len(switching)
    assert [r["status"] for r in res["tables"]["switching"]] == list(switching["status"])
    assert res["tables"]["evaluation"][0]["factor"] == "基本方案"
    assert {c["id"] for c in res["charts"]} == {"tornado", "spider"}


SOLVE: dict[str, Any] = {
    "vary": "funding.special_bonds[0].amount",
    "require": ["bond_coverage>=1.2"],
    "lo": 1000,
    "hi": 12000,
}
"""The goal seek of the README: the bond amount for a coverage of 1.2."""


def test_solve_matches_the_cli(client: TestClient, project: str) -> None:
    vary = SOLVE["vary"]
    body = {"project": project, **SOLVE}
    doc = client.post("/api/solve", json=body).json()
    lo, hi = str(SOLVE["lo"]), str(SOLVE["hi"])
    argv = ["solve", str(MODEL), "--vary", vary, "--require", *SOLVE["require"], "--lo", lo]
    assert main([*argv, "--hi", hi, "--json", "solve.json"]) == 0
    cli = json.loads(Path("solve.json").read_text(encoding="utf-8"))
    assert doc["value"] == pytest.approx(cli["value"], abs=1e-6)
    assert doc["binding"] == cli["binding"] and doc["status"] == cli["status"] and doc["reached"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vary": "funding.nothing"}, "vary"),
        ({"require": ["bond_coverage>>1"]}, "require"),
        ({"require": []}, "require"),
        ({"lo": 5000, "hi": 1000}, "lo"),
        ({"goal": "best"}, "goal"),
        ({"tol": 0}, "tol"),
        ({"lo": "x"}, "lo"),
    ],
)
def test_solve_refuses_bad_requests(
    client: TestClient, project: str, change: dict[str, Any], field: str
) -> None:
    body = {"project": project, **SOLVE, **change}
    error = assert_error(client.post("/api/solve", json=body), 422)
    assert any(p["field"].startswith(field) for p in error["problems"]), error


def test_export_every_file(client: TestClient, project: str, tmp_path: Path) -> None:
    r = client.get(f"/api/projects/{project}/export/xlsx")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    (tmp_path / "m.xlsx").write_bytes(r.content)
    book = openpyxl.load_workbook(tmp_path / "m.xlsx")
    assert {"Inputs", "Outputs", "Checks"} <= set(book.sheetnames)
    html = client.get(f"/api/projects/{project}/export/html").text
    assert "财务评价报告" in html and load_spec(MODEL).project.name in html
    english = client.get(f"/api/projects/{project}/export/html?lang=en").text
    assert '<html lang="en"' in english
    metrics = client.get(f"/api/projects/{project}/export/json").json()
    assert metrics == json.loads(json.dumps(json_document(run(load_spec(MODEL)))))
    spec = client.get(f"/api/projects/{project}/export/yaml")
    assert spec.content == MODEL.read_bytes()
    body = {"spec": to_data(load_spec(MODEL)), "format": "yaml"}
    assert load_spec_text(client.post("/api/export", json=body).text) == load_spec(MODEL)


def load_spec_text(text: str) -> Any:
    path = Path("spec.yaml")
    path.write_text(text, encoding="utf-8")
    return load_spec(path)


def test_every_report_format_downloads(client: TestClient, project: str) -> None:
    """HTML, and whatever else ``renewfin.report`` declares it writes (Word, PDF)."""
    from renewfin.web.exports import formats, report_formats

    listed = client.get("/api/formats").json()
    assert listed["reports"] == list(report_formats()) and "html" in listed["reports"]
    assert listed["files"] == list(formats())
    for fmt in report_formats():
        r = client.get(f"/api/projects/{project}/export/{fmt}")
        assert r.status_code == 200, (fmt, r.text[:300])
        assert r.headers["content-disposition"].endswith(f"-report.{fmt}"), fmt
        assert len(r.content) > 1000


def test_export_a_report_with_the_monte_carlo(client: TestClient, project: str) -> None:
    r = client.get(f"/api/projects/{project}/export/html?risk=true&n=300")
    assert r.status_code == 200, r.text[:500]
    assert "蒙特卡洛" in r.text


def test_export_refuses_bad_requests(client: TestClient, project: str) -> None:
    assert_error(client.get(f"/api/projects/{project}/export/exe"), 422, "format")
    assert_error(client.post("/api/export", json={"project": project, "format": "x" * 9}), 422)
    assert_error(client.get(f"/api/projects/{project}/export/html?n=0"), 422, "n")
    assert_error(client.get(f"/api/projects/{project}/export/html?lang=de"), 422, "lang")
    assert_error(client.post("/api/export", json={"project": project}), 422, "format")
    client.delete(f"/api/projects/{project}/scenario")
    assert_error(client.get(f"/api/projects/{project}/export/html?risk=true"), 422, "scenario")


def test_a_solve_that_does_not_converge_is_a_clear_422(client: TestClient) -> None:
    """A structure whose funding solve does not settle (a DSRA loop in construction, see
    the fixture): the run says what to change instead of showing numbers (``renewfin run``
    exits 4 on it). Issue 23's first reproduction converges since issue 16."""
    spec = load_spec(Path(__file__).parent / "fixtures" / "dsra_loop_in_construction.yaml")
    r = client.post("/api/run", json={"spec": to_data(spec)})
    error = assert_error(r, 422)
    assert error["code"] == "unconverged" and "did not converge" in error["message"]
    r = client.post("/api/export", json={"spec": to_data(spec), "format": "xlsx"})
    assert assert_error(r, 422)["code"] == "unconverged"  # the same from a worker process


def test_an_unexpected_error_is_a_json_500_without_traceback(
    client: TestClient, project: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import renewfin.web.results as results

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(results, "run_view", broken)
    r = client.post("/api/run", json={"project": project})
    assert r.status_code == 500
    assert r.json()["error"]["message"].startswith("internal error (ZeroDivisionError: boom)")
    assert "Traceback" not in r.text and "File " not in r.text


def test_upload_through_the_api_then_run(client: TestClient) -> None:
    files = {"file": ("p.yaml", io.BytesIO(MODEL.read_bytes()))}
    name = client.post("/api/projects/upload", files=files).json()["name"]
    view = client.post("/api/run", json={"project": name, "charts": False}).json()
    assert view["metrics"]["bond_coverage"] == run(load_spec(MODEL)).metric("bond_coverage")
