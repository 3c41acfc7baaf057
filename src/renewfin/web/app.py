"""The web application: the page, the API under ``/api``, its documentation, the static
files, the guards and the error handlers.

``create_app(workspace)`` builds a FastAPI application; ``renewfin serve`` runs it with
Uvicorn. Every error the API answers is JSON (:mod:`renewfin.web.errors`): a bad spec or
request is 4xx with every problem and its path; an unexpected exception is a 500 that
says what happened in one line, never a traceback.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from renewfin import __version__
from renewfin.errors import RenewfinError
from renewfin.spec import SpecError
from renewfin.spec.errors import Problem, format_loc
from renewfin.web.errors import ApiError, error_body, renewfin_error_body, spec_error_body
from renewfin.web.examples import EXAMPLES
from renewfin.web.jobs import JobManager
from renewfin.web.security import Guard
from renewfin.web.workspace import Workspace

__all__ = ["HERE", "create_app"]

HERE = Path(__file__).resolve().parent
"""The package folder holding ``templates/`` and ``static/``."""

log = logging.getLogger("renewfin.web")


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(RenewfinError)
    async def renewfin_error(request: Request, exc: RenewfinError) -> JSONResponse:
        return JSONResponse(renewfin_error_body(exc), status_code=422)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            Problem(
                format_loc([p for p in e["loc"] if p not in ("path", "query", "body")]),
                e["msg"],
                e.get("input"),
            )
            for e in exc.errors()
        ]
        err = SpecError(problems, None, "request")
        return JSONResponse(spec_error_body(err), status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http")
        body = error_body(exc.status_code, code, str(exc.detail))
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.error("internal error on %s %s: %r", request.method, request.url.path, exc)
        message = f"internal error ({type(exc).__name__}: {exc}); please report it"
        return JSONResponse(error_body(500, "internal", message), status_code=500)


def create_app(
    workspace: str | os.PathLike[str],
    *,
    hosts: Iterable[str] | None = ("127.0.0.1", "localhost", "::1"),
    workers: int = 2,
    examples_root: Path = EXAMPLES,
    jobs: JobManager | None = None,
) -> FastAPI:
    """The application over the projects in ``workspace``.

    Parameters
    ----------
    workspace : path
        Folder of the projects (created on the first save).
    hosts : iterable of str, optional
        Host names the server answers to (None: any; see
        :func:`renewfin.web.security.allowed_hosts`).
    workers : int
        Jobs (Monte Carlo, sensitivity, goal seek, files) running at once, each in its
        own process.
    examples_root : Path
        The folder holding the bundled ``models/`` and ``scenarios/``.
    jobs : JobManager, optional
        The job manager to use (default: a new one with ``workers``, shut down with the
        application; one passed in is left running).
    """
    manager = jobs or JobManager(workers=workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if jobs is None:
            manager.shutdown()

    app = FastAPI(
        title="renewfin",
        version=__version__,
        description=(
            "城市更新项目投融资测算 · Urban-renewal investment and financing model. "
            "The same engine as the `renewfin` command: validate, run, Monte Carlo and "
            "sensitivity as jobs, goal seek, files. Errors are JSON with every problem "
            "and its path."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.workspace = Workspace(workspace)
    app.state.jobs = manager
    app.state.examples_root = examples_root
    _handlers(app)
    from renewfin.web import api_model, api_projects, exports, pages

    app.include_router(api_projects.router)
    app.include_router(api_model.router)
    app.include_router(exports.router)
    app.include_router(pages.router)

    @app.get("/api/health", tags=["server"], summary="Whether the server answers")
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__}

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(Guard, hosts=hosts)
    return app
