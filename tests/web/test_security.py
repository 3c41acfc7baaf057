"""The server's guards (renewfin.web.security) and the workspace boundary: no path outside
the workspace can be read or written through any endpoint, oversized requests are
refused, requests from another site or under another host name change nothing, and the
page keeps to its own scripts."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from renewfin.web.app import create_app
from renewfin.web.jobs import JobManager
from renewfin.web.security import MAX_BODY_BYTES, allowed_hosts

from .conftest import BASE, ROOT, assert_error

MODEL = ROOT / "models" / "old_community.yaml"

TRAVERSALS = [
    "..",
    "%2e%2e",
    "..%2F..%2Fetc",
    "..%5C..%5Cetc",
    "%2Fetc%2Fpasswd",
    "~root",
    ".hidden",
    "a%00b",
    "%E2%80%AE..",
]


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file beside the workspace that nothing may read or change."""
    path = tmp_path / "secret" / "spec.yaml"
    path.parent.mkdir()
    path.write_text(MODEL.read_text(encoding="utf-8"), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", TRAVERSALS)
def test_no_endpoint_reaches_outside_the_workspace(
    client: TestClient, project: str, secret: Path, name: str
) -> None:
    before = secret.read_bytes()
    spec = client.get(f"/api/projects/{project}").json()["spec"]
    calls = [
        ("GET", f"/api/projects/{name}", None),
        ("PUT", f"/api/projects/{name}", {"spec": spec}),
        ("DELETE", f"/api/projects/{name}", None),
        ("GET", f"/api/projects/{name}/inputs", None),
        ("GET", f"/api/projects/{name}/export/yaml", None),
        ("POST", f"/api/projects/{name}/rename", {"name": "x"}),
        ("POST", f"/api/projects/{name}/duplicate", {"name": "x"}),
        ("DELETE", f"/api/projects/{name}/scenario", None),
        ("POST", "/api/run", {"project": name.replace("%2F", "/").replace("%2e", ".")}),
    ]
    for method, url, body in calls:
        r = client.request(method, url, json=body)
        assert 400 <= r.status_code < 500, (method, url, r.status_code, r.text[:300])
        assert "Traceback" not in r.text
    target = name.replace("%2F", "/").replace("%2e", ".")
    for body in ({"name": target}, {"name": "../secret"}, {"name": "/tmp/x"}):
        r = client.post(f"/api/projects/{project}/rename", json=body)
        assert_error(r, 422, "name")
        r = client.post(f"/api/projects/{project}/duplicate", json=body)
        assert_error(r, 422, "name")
    assert secret.read_bytes() == before
    assert (Path(secret).parent.parent / "workspace" / project).is_dir()


def test_upload_names_never_become_paths(
    client: TestClient, workspace: Path, tmp_path: Path
) -> None:
    for filename in ("../../evil.yaml", "/tmp/evil.yaml", "..\\..\\evil.yaml"):
        files = {"file": (filename, io.BytesIO(MODEL.read_bytes()))}
        r = client.post("/api/projects/upload", files=files, data={"name": "up"})
        assert r.status_code in (201, 409), r.text
    assert not list(tmp_path.rglob("evil.yaml"))
    r = client.post(
        "/api/projects/upload",
        files={"file": ("a.yaml", io.BytesIO(MODEL.read_bytes()))},
        data={"name": "../../escape"},
    )
    assert_error(r, 422, "name")
    assert not (tmp_path.parent / "escape").exists()


def test_static_files_stay_in_the_package(client: TestClient) -> None:
    assert client.get("/static/app.js").status_code == 200
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2Fapp.py"):
        r = client.get(path)
        assert r.status_code == 404 and "create_app" not in r.text


def test_a_body_over_the_limit_is_refused(client: TestClient) -> None:
    big = b"x" * (MAX_BODY_BYTES + 1)
    r = client.post("/api/validate", content=big, headers={"content-type": "application/json"})
    assert_error(r, 413)

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // (1 << 20) + 1):
            yield b"x" * (1 << 20)

    r = client.post("/api/validate", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413)  # no Content-Length: counted as it arrives
    r = client.post(
        "/api/projects/upload", files={"file": ("a.xlsx", io.BytesIO(b"0" * (9 << 20)))}
    )
    assert_error(r, 413)


def test_requests_from_another_site_change_nothing(client: TestClient, project: str) -> None:
    evil = {"origin": "http://evil.example"}
    assert_error(client.delete(f"/api/projects/{project}", headers=evil), 403)
    assert_error(client.post("/api/projects", json={"example": "old_community"}, headers=evil), 403)
    r = client.delete(f"/api/projects/{project}", headers={"sec-fetch-site": "cross-site"})
    assert_error(r, 403)
    assert client.get(f"/api/projects/{project}").status_code == 200
    same = {"origin": BASE}
    assert client.post("/api/validate", json={"project": project}, headers=same).status_code == 200


def test_other_host_names_are_refused(client: TestClient) -> None:
    """A page whose name was rebound to 127.0.0.1 (DNS rebinding) cannot read the API."""
    assert_error(client.get("/api/projects", headers={"host": "evil.example:8765"}), 421)
    assert client.get("/api/projects", headers={"host": "localhost:8765"}).status_code == 200
    assert allowed_hosts("0.0.0.0") is None
    assert allowed_hosts("192.168.1.5") == {"127.0.0.1", "localhost", "::1", "192.168.1.5"}


def test_any_host_when_serving_every_interface(workspace: Path, jobs: JobManager) -> None:
    app = create_app(workspace, hosts=allowed_hosts("0.0.0.0"), jobs=jobs)
    with TestClient(app, base_url="http://192.168.1.5:8765") as c:
        assert c.get("/api/health").status_code == 200


def test_pages_keep_to_their_own_scripts(client: TestClient) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert "http" not in csp  # nothing from the internet
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # no inline script: the texts are a JSON data block
    for asset in ("app.js", "api.js", "dom.js", "form.js", "views.js", "app.css"):
        text = client.get(f"/static/{asset}").text
        assert "http://" not in text and "https://" not in text, asset
        assert "innerHTML" not in text and "outerHTML" not in text, asset
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/api/simulate" in docs.text and "<script" not in docs.text
    assert client.get("/api/openapi.json").json()["paths"]["/api/run"]["post"]["requestBody"]


def test_the_language_switch(client: TestClient) -> None:
    assert "城市更新投融资测算" in client.get("/").text
    english = client.get("/?lang=en")
    assert "Urban-renewal financial model" in english.text
    assert english.cookies.get("renewfin_lang") == "en"
    assert "Urban-renewal" in client.get("/").text  # remembered
    assert client.get("/?lang=<script>").status_code == 422
