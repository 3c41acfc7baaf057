"""``renewfin serve``: the server starts on 127.0.0.1 (a warning for another address),
answers, and stops; a port in use or a bad host is a clear error with its exit status."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from renewfin.cli import main
from renewfin.cli_args import EXIT_ENVIRONMENT, EXIT_INTERRUPTED, EXIT_INVALID
from renewfin.web.server import bind, is_loopback, url_of

from .conftest import serving


def test_check_serves_and_stops(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--check", "--port", "0", "--workspace", str(tmp_path / "ws")]) == 0
    out = capsys.readouterr()
    assert out.out.startswith("OK: the page and the API answer at http://127.0.0.1:")
    assert "warning" not in out.err
    assert not (tmp_path / "ws").exists()  # nothing written until a project is saved


def test_another_address_is_served_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--check", "--host", "0.0.0.0", "--port", "0"]) == 0
    err = capsys.readouterr().err
    assert "warning: serving on 0.0.0.0" in err and "no login" in err


def test_a_port_in_use_is_the_environment(capsys: pytest.CaptureFixture[str]) -> None:
    taken = bind("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        assert main(["serve", "--check", "--port", str(port)]) == EXIT_ENVIRONMENT
        assert f"cannot serve on 127.0.0.1:{port}" in capsys.readouterr().err
    finally:
        taken.close()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "expected a port from 0 to 65535"),
        (["--port", "x"], "expected a whole number"),
        (["--host", "http://x"], "expected a host name or IP address"),
        (["--host", "no-such-host.invalid"], "--host 'no-such-host.invalid'"),
        (["--jobs", "0"], "expected a whole number >= 1"),
    ],
)
def test_bad_options(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = main(["serve", "--check", *argv])
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    assert code == EXIT_INVALID
    assert message in capsys.readouterr().err


def test_loopback_and_urls() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    sock = bind("127.0.0.1", 0)
    try:
        assert url_of(sock) == f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        sock.close()


def test_serve_runs_until_interrupted(tmp_path: Path) -> None:
    """The real command in a subprocess: it prints its address, answers, and stops on
    SIGINT (Ctrl-C) with the exit status of an interrupted command."""
    with serving(tmp_path) as (url, proc):
        with urllib.request.urlopen(url + "api/health", timeout=30) as r:
            assert b'"ok":true' in r.read()
        proc.send_signal(2)
        assert proc.wait(timeout=60) == EXIT_INTERRUPTED


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_no_job_outlives_a_killed_server(tmp_path: Path) -> None:
    """A server killed outright (SIGKILL, no shutdown) leaves no worker computing on."""
    import json

    with serving(tmp_path) as (url, proc):

        def post(path: str, body: object) -> dict[str, object]:
            req = urllib.request.Request(url + path, json.dumps(body).encode(), method="POST")
            req.add_header("Content-Type", "application/json")
            with urllib.request.urlopen(req, timeout=60) as r:
                return dict(json.loads(r.read()))

        post("api/projects", {"example": "old_community", "name": "p"})
        job = post("api/simulate", {"project": "p", "n": 1_000_000})
        deadline = time.monotonic() + 120
        while True:
            with urllib.request.urlopen(f"{url}api/jobs/{job['id']}", timeout=30) as r:
                if json.loads(r.read())["done"] > 0:
                    break
            assert time.monotonic() < deadline
            time.sleep(0.1)
        below = _descendants(proc.pid)
        assert below  # the fork server and the job
        proc.kill()
        proc.wait(timeout=10)
        deadline = time.monotonic() + 30
        while any(_running(p) for p in below):
            assert time.monotonic() < deadline, [p for p in below if _running(p)]
            time.sleep(0.2)
