"""Fixtures of the web app's tests: an application over a fresh workspace, driven through
FastAPI's TestClient as if from http://127.0.0.1:8765 (the host the server answers to),
and one job manager (worker processes) shared by the session."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from renewfin.web.app import create_app
from renewfin.web.jobs import JobManager

ROOT = Path(__file__).resolve().parents[2]
"""The repository."""
BASE = "http://127.0.0.1:8765"
"""Where the test client says it is."""


@pytest.fixture(scope="session")
def jobs() -> Iterator[JobManager]:
    """Worker processes for the session's jobs (the fork server starts once)."""
    manager = JobManager(workers=2)
    yield manager
    manager.shutdown()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace folder that does not exist yet."""
    return tmp_path / "workspace"


@pytest.fixture
def client(workspace: Path, jobs: JobManager) -> Iterator[TestClient]:
    """The app over ``workspace``; server errors come back as responses."""
    app = create_app(workspace, jobs=jobs)
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def problems(response: Any) -> list[dict[str, Any]]:
    """The problems of an error response."""
    return list(response.json()["error"]["problems"])


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """``response`` is a JSON error with ``status`` naming each of ``fields`` (a problem's
    form field), and no traceback."""
    assert response.status_code == status, response.text[:2000]
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["status"] == status and error["message"]
    assert "Traceback" not in response.text
    found = {p["field"] for p in error["problems"]}
    for f in fields:
        assert f in found, (f, found)
    return dict(error)


@pytest.fixture
def project(client: TestClient) -> str:
    """A project opened from the old-community example (with its scenario)."""
    r = client.post("/api/projects", json={"example": "old_community", "name": "老旧小区"})
    assert r.status_code == 201, r.text
    return str(r.json()["name"])


@contextmanager
def serving(workspace: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``renewfin serve --port 0`` in a subprocess: (its address, the process); stopped
    (SIGINT, then killed if need be) whatever happens."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "renewfin.cli",
            "serve",
            "--port",
            "0",
            "--workspace",
            str(workspace),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("renewfin serves http://127.0.0.1:"), line
        yield line.split()[2], proc
    finally:
        if proc.poll() is None:
            proc.send_signal(2)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
