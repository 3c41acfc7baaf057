"""Running the web app: ``renewfin serve`` binds a socket (127.0.0.1:8765 by default),
serves the application with Uvicorn until interrupted, and says where.

``check=True`` starts the server on the same socket, fetches the page and
``/api/health`` from it, and stops: a quick proof that the installation serves (the
README's quick-start test runs ``renewfin serve`` this way).
"""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

__all__ = ["DEFAULT_PORT", "DEFAULT_WORKSPACE", "bind", "is_loopback", "serve", "url_of"]

DEFAULT_PORT = 8765
DEFAULT_WORKSPACE = Path("~/renewfin-projects")
"""Where projects are kept unless ``--workspace`` says otherwise."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine only (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (port 0: any free port).

    Raises
    ------
    OSError
        When the address cannot be resolved or bound (in use, not this machine's).
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_of(sock: socket.socket) -> str:
    """The address of the page served on ``sock``."""
    host, port = sock.getsockname()[:2]
    if sock.family == socket.AF_INET6:
        host = "::1" if host == "::" else host
        return f"http://[{host}]:{port}/"
    return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/"


def _warm(app: object) -> None:
    """Load the engine, its compiled code and the chart fonts in the server process, and
    start the jobs' fork server, so that the first run answers quickly."""
    from renewfin.engine import run
    from renewfin.spec import ProjectSpec, validate_data
    from renewfin.testing import minimal_spec
    from renewfin.web.results import run_view

    run_view(run(validate_data(ProjectSpec, minimal_spec())), "zh", charts=True)
    app.state.jobs.prepare()  # type: ignore[attr-defined]


def _check(url: str, timeout: float = 30.0) -> str:
    """Fetch the page and the health check from ``url``; what was found, or raise."""
    import urllib.request  # here: the ``renewfin`` command imports this module for its defaults

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "api/health", timeout=5) as r:
                health = r.read().decode()
            with urllib.request.urlopen(url, timeout=5) as r:
                page = r.read().decode()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    if '"ok":true' not in health.replace(" ", "") or "renewfin" not in page:
        raise OSError(f"the server at {url} answered, but not as renewfin")
    return f"OK: the page and the API answer at {url}"


def serve(
    workspace: str | Path,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    *,
    workers: int = 2,
    open_browser: bool = False,
    check: bool = False,
    out: TextIO | None = None,
) -> int:
    """Serve the app on ``host``:``port`` until interrupted (or, with ``check``, prove it
    answers and stop).

    Parameters
    ----------
    workspace : path
        Folder of the projects (``~`` expanded; created on the first save).
    host : str
        Address to bind: 127.0.0.1 (this machine only) unless told otherwise.
    port : int
        TCP port; 0 takes any free one (the address printed says which).
    workers : int
        Jobs running at once, each in its own process.
    open_browser : bool
        Open the page in the default browser.
    check : bool
        Start, fetch the page and ``/api/health``, print what was found, stop.
    out : text stream, optional
        Where the address (or the check) is printed (default stdout).

    Returns
    -------
    int
        0 (Uvicorn handles Ctrl-C; the command line reports the interruption).

    Raises
    ------
    OSError
        When the address cannot be bound, or (``check``) the server does not answer.
    """
    import uvicorn

    from renewfin.web.app import create_app
    from renewfin.web.security import allowed_hosts

    out = out or sys.stdout
    sock = bind(host, port)
    url = url_of(sock)
    root = Path(workspace).expanduser()
    app = create_app(root, hosts=allowed_hosts(host), workers=workers)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    if check:
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        try:
            print(_check(url), file=out)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
        return 0
    print(f"renewfin serves {url}  (workspace {root}; Ctrl-C stops it)", file=out, flush=True)
    threading.Thread(target=_warm, args=(app,), daemon=True).start()
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
