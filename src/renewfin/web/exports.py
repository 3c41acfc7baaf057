"""The files of a project: the live-formula workbook, the evaluation report (in every
format ``renewfin.report`` writes: HTML, and Word and PDF where it has them), the metrics
as JSON and the spec as YAML. The workbook and the report are made in a worker process."""

from __future__ import annotations

import json
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from renewfin.spec.errors import Problem
from renewfin.spec.io import dumps
from renewfin.web.api_model import finished, with_scenario
from renewfin.web.bodies import jobs_of, json_body, openapi_body, project_of, workspace_of
from renewfin.web.errors import ApiError
from renewfin.web.requests import MAX_SCENARIOS, ExportRequest

__all__ = ["formats", "report_formats", "router"]

router = APIRouter(prefix="/api", tags=["files"])


def report_formats() -> tuple[str, ...]:
    """The report formats ``renewfin.report`` writes (its ``FORMATS`` when it declares
    them, else HTML)."""
    import renewfin.report as report

    declared: dict[str, str] = getattr(report, "FORMATS", {".html": "html"})
    return tuple(dict.fromkeys(declared.values()))


def formats() -> tuple[str, ...]:
    """Every file format of a project: ``xlsx``, the report's, ``json`` and ``yaml``."""
    return ("xlsx", *report_formats(), "json", "yaml")


def _check(fmt: str) -> None:
    if fmt not in formats():
        problem = Problem("format", f"expected one of {', '.join(formats())}", fmt)
        raise ApiError(422, "invalid", str(problem), [problem])


def _download(data: bytes, filename: str, media: str) -> Response:
    disposition = f"attachment; filename*=utf-8''{quote(filename)}"
    return Response(data, media_type=media, headers={"content-disposition": disposition})


async def _export(request: Request, body: ExportRequest) -> Response:
    _check(body.format)
    project = project_of(body, workspace_of(request))
    base = project.name
    if body.format == "yaml":
        ws = workspace_of(request)
        text = (
            dumps(project.spec)
            if body.project is None
            else ws.spec_path(body.project).read_text(encoding="utf-8")
        )
        return _download(text.encode(), f"{base}.yaml", "application/yaml")
    if body.format == "json":
        from renewfin.engine import run
        from renewfin.summary import json_document

        doc = await run_in_threadpool(lambda: json_document(run(project.spec)))
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        return _download(text.encode(), f"{base}-metrics.json", "application/json")
    if body.risk:
        with_scenario(project)
    kind = "workbook" if body.format == "xlsx" else "report"
    payload = project.payload(
        lang=body.lang, risk=body.risk, n=body.n, seed=body.seed, format=body.format
    )
    job = jobs_of(request).submit(kind, payload)
    result = await finished(request, job)
    name = f"{base}.xlsx" if kind == "workbook" else f"{base}-report.{body.format}"
    return FileResponse(job.folder / result["file"], filename=name)


@router.post("/export", summary="A file of a project", openapi_extra=openapi_body(ExportRequest))
async def export(request: Request) -> Response:
    """The live-formula workbook (xlsx), the evaluation report (html, and docx or pdf where
    the report module writes them; with the Monte Carlo section when ``risk``), the metrics
    (json) or the spec (yaml)."""
    return await _export(request, await json_body(request, ExportRequest))


@router.get("/formats", summary="The file formats a project can be downloaded in")
def list_formats() -> dict[str, list[str]]:
    """``files``: every format of ``/api/export``; ``reports``: those of the report."""
    return {"files": list(formats()), "reports": list(report_formats())}


@router.get("/projects/{name}/export/{fmt}", summary="A file of a workspace project")
async def export_project(
    request: Request,
    name: str,
    fmt: str,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
    risk: Annotated[bool, Query()] = False,
    n: Annotated[int | None, Query(ge=1, le=MAX_SCENARIOS)] = None,
) -> Response:
    """The same files as ``POST /api/export``, for a link in the page."""
    body = ExportRequest(project=name, format=fmt, lang=lang, risk=risk, n=n)
    return await _export(request, body)
