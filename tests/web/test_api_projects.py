"""API of the workspace (renewfin.web.api_projects): every endpoint, with good input and
bad — each bad request a JSON error with the field path and a 4xx status, never a 500.
Uploads are read by the command line's readers: the same file gives the same problems
as ``renewfin validate`` / ``renewfin import``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from renewfin.cli import main
from renewfin.excel.template import write_template
from renewfin.spec import load_spec
from renewfin.spec.io import to_data
from renewfin.spec.model import mmra_items

from .conftest import ROOT, assert_error, problems

MODEL = ROOT / "models" / "old_community.yaml"
SCENARIO = ROOT / "scenarios" / "old_community.yaml"


def _upload(client: TestClient, name: str, data: bytes, **extra: tuple[str, bytes]) -> Any:
    files = {"file": (name, io.BytesIO(data))}
    files.update({k: (v[0], io.BytesIO(v[1])) for k, v in extra.items()})
    return client.post("/api/projects/upload", files=files)


def test_health_schema_and_examples(client: TestClient) -> None:
    assert client.get("/api/health").json()["ok"] is True
    schema = client.get("/api/schema").json()
    rent = schema["$defs"]["RevenueStream"]["properties"]["unit_price"]
    assert rent["x-zh"] == "单价（不含税）" and rent["x-unit"] == "price"
    assert schema["$defs"]["RevenueKind"]["x-labels"]["rent"] == "租金"
    ids = [e["id"] for e in client.get("/api/examples").json()]
    assert ids == sorted(p.stem for p in (ROOT / "models").glob("*.yaml"))


def test_open_an_example_copies_its_files_as_they_are(client: TestClient, workspace: Path) -> None:
    r = client.post("/api/projects", json={"example": "old_community"})
    assert r.status_code == 201
    info = r.json()
    assert info["title"] == load_spec(MODEL).project.name and info["has_scenario"]
    folder = workspace / info["name"]
    assert (folder / "spec.yaml").read_bytes() == MODEL.read_bytes()
    assert (folder / "scenario.yaml").read_bytes() == SCENARIO.read_bytes()
    again = client.post("/api/projects", json={"example": "old_community"}).json()
    assert again["name"] == f"{info['name']} (2)"
    listed = client.get("/api/projects").json()
    assert [p["name"] for p in listed["projects"]] == sorted([info["name"], again["name"]])
    assert listed["workspace"] == str(workspace)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"example": "nope"}, 404, None),
        ({}, 422, "example"),
        ({"example": "old_community", "spec": {}}, 422, "example"),
        ({"example": "old_community", "bogus": 1}, 422, "bogus"),
        ({"example": "old_community", "name": "../evil"}, 422, "name"),
        ({"spec": {"project": {}}}, 422, "project.name"),
    ],
)
def test_create_refuses_bad_requests(
    client: TestClient, body: dict[str, object], status: int, field: str | None
) -> None:
    assert_error(client.post("/api/projects", json=body), status, *([field] if field else []))


def test_create_from_an_inline_spec(client: TestClient, workspace: Path) -> None:
    data = to_data(load_spec(MODEL))
    r = client.post("/api/projects", json={"spec": data, "name": "inline"})
    assert r.status_code == 201
    assert load_spec(workspace / "inline" / "spec.yaml") == load_spec(MODEL)
    assert_error(client.post("/api/projects", json={"spec": data, "name": "inline"}), 409)


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_upload_a_spec(client: TestClient, workspace: Path, suffix: str) -> None:
    spec = load_spec(MODEL)
    from renewfin.spec import dumps

    text = dumps(spec, "json" if suffix == ".json" else "yaml")
    r = _upload(client, f"mine{suffix}", text.encode(), scenario=("s.yaml", SCENARIO.read_bytes()))
    assert r.status_code == 201, r.text
    name = r.json()["name"]
    assert load_spec(workspace / name / "spec.yaml") == spec  # stored as YAML whatever came
    assert (workspace / name / "scenario.yaml").is_file()


def test_upload_a_filled_template(client: TestClient, workspace: Path, tmp_path: Path) -> None:
    write_template(tmp_path / "input.xlsx", load_spec(MODEL))
    r = _upload(client, "input.xlsx", (tmp_path / "input.xlsx").read_bytes())
    assert r.status_code == 201, r.text
    spec = load_spec(MODEL)
    if spec.funding.mmra is not None and spec.funding.mmra.items is None:
        # ``mmra: {}`` is written with the items it funds by default (as
        # tests/excel/test_template.py compares it): the same reserve, named explicitly.
        spec = spec.with_changes({"funding.mmra.items": mmra_items(spec)})
    assert load_spec(workspace / r.json()["name"] / "spec.yaml") == spec


def test_upload_problems_are_those_of_the_cli(
    client: TestClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same bytes give the same problems through the upload as through ``renewfin
    validate`` (so the upload has the same defences as the reader)."""
    bad = MODEL.read_text(encoding="utf-8").replace("unit_price: 260", "unit_price: -260", 1)
    assert bad != MODEL.read_text(encoding="utf-8")
    cases = {
        "bad.yaml": bad.encode(),
        "broken.yaml": b"project: [unclosed\n",
        "dupe.json": b'{"project": {}, "project": {}}',
        "binary.yaml": b"\xff\xfe\x00garbage",
        "list.yaml": b"- 1\n- 2\n",
        "deep.json": b"[" * 5000 + b"]" * 5000,
        "bomb.yaml": b"a: &a [1, 2]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\n"
        + b"d: &d [*c, *c, *c, *c]\ne: &e [*d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e]\n",
    }
    for name, data in cases.items():
        r = _upload(client, name, data)
        assert r.status_code == 422, (name, r.text[:500])
        (tmp_path / name).write_bytes(data)
        assert main(["validate", str(tmp_path / name)]) == 2
        cli = capsys.readouterr().err.removeprefix("error: ").rstrip("\n")
        assert r.json()["error"]["message"] == cli.replace(str(tmp_path / name), name), name
        listed = "\n".join(f"  - {p['text']}" for p in problems(r))
        assert listed == r.json()["error"]["message"].split("\n", 1)[1]  # each at its field


def test_a_deeply_nested_request_body_is_refused(client: TestClient) -> None:
    """Request bodies are read by the same reader as files (its nesting limit)."""
    deep = b"[" * 5000 + b"]" * 5000
    r = client.post("/api/validate", content=deep, headers={"content-type": "application/json"})
    assert_error(r, 422)


def test_upload_refuses_other_files(client: TestClient) -> None:
    assert_error(_upload(client, "notes.txt", b"hello"), 422, "file")
    assert_error(_upload(client, "../../x.yaml", b"a: 1"), 422)
    assert_error(_upload(client, "t.xlsx", b"not a zip"), 422)
    r = client.post("/api/projects/upload", data={"name": "x"})
    assert_error(r, 422, "file")


def test_upload_with_a_bad_scenario_creates_nothing(client: TestClient, workspace: Path) -> None:
    r = _upload(client, "a.yaml", MODEL.read_bytes(), scenario=("s.yaml", b"n: -1\n"))
    assert_error(r, 422, "n")
    assert not workspace.exists() or list(workspace.iterdir()) == []


def test_get_a_project(client: TestClient, project: str) -> None:
    doc = client.get(f"/api/projects/{project}").json()
    assert doc["valid"] and doc["problems"] == []
    assert doc["spec"]["project"]["name"] == load_spec(MODEL).project.name
    assert doc["scenario"]["n"] > 0 and doc["scenario"]["inputs"]
    assert_error(client.get("/api/projects/nope"), 404)


def test_an_invalid_file_on_disk_opens_with_its_problems(
    client: TestClient, project: str, workspace: Path
) -> None:
    path = workspace / project / "spec.yaml"
    path.write_text(
        MODEL.read_text(encoding="utf-8").replace("horizon_years: 22", "horizon_years: -1"),
        encoding="utf-8",
    )
    doc = client.get(f"/api/projects/{project}").json()
    assert not doc["valid"] and doc["spec"]["timeline"]["horizon_years"] == -1
    assert doc["problems"][0]["field"] == "timeline.horizon_years"
    path.write_text("{ broken", encoding="utf-8")
    doc = client.get(f"/api/projects/{project}").json()
    assert doc["spec"] is None and doc["problems"]


def test_save_only_a_valid_spec(client: TestClient, project: str, workspace: Path) -> None:
    path = workspace / project / "spec.yaml"
    before = path.read_bytes()
    spec = client.get(f"/api/projects/{project}").json()["spec"]
    spec["revenues"][0]["unit_price"] = -5
    r = client.put(f"/api/projects/{project}", json={"spec": spec})
    error = assert_error(r, 422, "revenues[0].unit_price")
    assert "greater than or equal to 0" in error["problems"][0]["text"]
    assert path.read_bytes() == before  # the valid file stays as it was
    spec["revenues"][0]["unit_price"] = 99
    r = client.put(f"/api/projects/{project}", json={"spec": spec})
    assert r.status_code == 200 and r.json()["spec"]["revenues"][0]["unit_price"] == 99
    assert load_spec(path).revenues[0].unit_price == 99
    assert_error(client.put(f"/api/projects/{project}", json={"specs": spec}), 422, "specs")
    assert_error(client.put("/api/projects/nope", json={"spec": spec}), 404)


def test_duplicate_rename_delete(client: TestClient, project: str, workspace: Path) -> None:
    r = client.post(f"/api/projects/{project}/duplicate", json={"name": "副本"})
    assert r.status_code == 201 and (workspace / "副本" / "scenario.yaml").is_file()
    assert_error(client.post(f"/api/projects/{project}/duplicate", json={"name": "副本"}), 409)
    assert_error(
        client.post(f"/api/projects/{project}/duplicate", json={"name": ".."}), 422, "name"
    )
    assert_error(client.post(f"/api/projects/{project}/duplicate", json={}), 422, "name")
    r = client.post("/api/projects/副本/rename", json={"name": "改名"})
    assert r.status_code == 200 and r.json()["name"] == "改名"
    assert_error(client.post("/api/projects/副本/rename", json={"name": "x"}), 404)
    assert client.delete("/api/projects/改名").json() == {"deleted": "改名"}
    assert not (workspace / "改名").exists()
    assert_error(client.delete("/api/projects/改名"), 404)


def test_replace_and_remove_the_scenario(client: TestClient, project: str, workspace: Path) -> None:
    scenario = yaml.safe_load(SCENARIO.read_text(encoding="utf-8"))
    scenario["n"] = 123
    r = client.put(
        f"/api/projects/{project}/scenario",
        files={
            "file": ("s.yaml", io.BytesIO(yaml.safe_dump(scenario, allow_unicode=True).encode()))
        },
    )
    assert r.status_code == 200, r.text
    assert client.get(f"/api/projects/{project}").json()["scenario"]["n"] == 123
    scenario["inputs"][0]["path"] = "revenues[nope].unit_price"
    r = client.put(
        f"/api/projects/{project}/scenario",
        files={
            "file": ("s.yaml", io.BytesIO(yaml.safe_dump(scenario, allow_unicode=True).encode()))
        },
    )
    assert_error(r, 422)
    assert client.get(f"/api/projects/{project}").json()["scenario"]["n"] == 123  # kept
    assert client.delete(f"/api/projects/{project}/scenario").json()["has_scenario"] is False
    assert not (workspace / project / "scenario.yaml").exists()


def test_inputs_lists_the_numeric_inputs(client: TestClient, project: str) -> None:
    inputs = {i["path"]: i for i in client.get(f"/api/projects/{project}/inputs").json()}
    first = load_spec(MODEL).funding.special_bonds[0]
    bond = inputs[f"funding.special_bonds[{first.name}].amount"]
    assert bond["value"] == first.amount and bond["zh"] == "发行金额"
    assert "timeline.horizon_years" not in inputs  # one value per run: not a goal
