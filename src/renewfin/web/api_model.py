"""API of the engine: validate, run, Monte Carlo and sensitivity as jobs with progress,
goal seek, and the files (workbook, report, metrics, spec)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from renewfin.spec import SpecError
from renewfin.spec.errors import Problem
from renewfin.spec.io import dumps
from renewfin.web.bodies import Project, json_body, openapi_body, project_of
from renewfin.web.errors import ApiError
from renewfin.web.jobs import Job, JobManager
from renewfin.web.requests import ExportRequest, RunRequest, SimulateRequest, SolveRequest, Source
from renewfin.web.workspace import Workspace

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["model"])

Format = Literal["xlsx", "html", "json", "yaml"]


def _ws(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


def _jobs(request: Request) -> JobManager:
    jobs: JobManager = request.app.state.jobs
    return jobs


def _with_scenario(project: Project) -> Project:
    """``project`` if it has a scenario that fits its spec (else ``SpecError``)."""
    from renewfin.simulation import check_scenario

    if project.scenario is None:
        raise SpecError(
            [Problem("scenario", "the project has no scenario file; upload one", has_value=False)],
            what="request",
        )
    check_scenario(project.spec, project.scenario)
    return project


def _accepted(job: Job) -> JSONResponse:
    return JSONResponse(job.status(), status_code=202, headers={"Location": f"/api/jobs/{job.id}"})


async def _finished(request: Request, job: Job) -> dict[str, Any]:
    """The result of ``job`` once it ends (a failure is raised as its error)."""
    await _jobs(request).wait(job)
    if job.state == "done" and job.result is not None:
        return job.result
    if job.error is not None:
        raise ApiError.from_json(job.error)
    raise ApiError(409, job.state, f"the job was {job.state}")


@router.post("/validate", summary="Check a spec (and scenario)", openapi_extra=openapi_body(Source))
async def validate(request: Request) -> dict[str, Any]:
    """200 when valid; 422 listing every problem with its path, as ``renewfin validate``."""
    body = await json_body(request, Source)
    project = project_of(body, _ws(request))
    if project.scenario is not None:
        _with_scenario(project)
    spec = project.spec
    return {
        "valid": True,
        "project": spec.project.name,
        "investment_items": len(spec.investment),
        "revenue_streams": len(spec.revenues),
        "operating_costs": len(spec.opex),
        "scenario": project.scenario is not None,
    }


def _run_view(project: Project, lang: str, charts: bool) -> dict[str, Any]:
    from renewfin.engine import run
    from renewfin.web.results import run_view

    return run_view(run(project.spec), lang, charts)


@router.post("/run", summary="Run a project", openapi_extra=openapi_body(RunRequest))
async def run_project(request: Request) -> dict[str, Any]:
    """The summary (metrics by section with floors), the checks (integrity and covenant),
    loan sizing, the standard tables and the charts of scenario 0."""
    body = await json_body(request, RunRequest)
    project = project_of(body, _ws(request))
    return await run_in_threadpool(_run_view, project, body.lang, body.charts)


def _charts(project: Project, lang: str) -> dict[str, Any]:
    from renewfin.engine import run
    from renewfin.tables import standard_tables
    from renewfin.web.charts import run_charts

    result = run(project.spec)
    charts, notes = run_charts(result, standard_tables(result), lang)
    return {"charts": charts, "chart_notes": notes}


@router.post("/charts", summary="The charts of a run", openapi_extra=openapi_body(Source))
async def charts(request: Request) -> dict[str, Any]:
    """Cash flows, debt balances, and DSCR and annual coverage against their floors, as
    PNG ``data:`` URIs (the page asks for them after the summary, which comes faster)."""
    body = await json_body(request, Source)
    project = project_of(body, _ws(request))
    return await run_in_threadpool(_charts, project, body.lang)


@router.post(
    "/simulate",
    status_code=202,
    summary="Start the Monte Carlo of the scenario file (a job)",
    openapi_extra=openapi_body(SimulateRequest),
)
async def simulate(request: Request) -> JSONResponse:
    """202 with the job; poll ``GET /api/jobs/{id}`` for progress and the result."""
    body = await json_body(request, SimulateRequest)
    project = _with_scenario(project_of(body, _ws(request)))
    payload = project.payload(n=body.n, seed=body.seed, lang=body.lang)
    return _accepted(_jobs(request).submit("simulate", payload))


@router.post(
    "/sensitivity",
    status_code=202,
    summary="Start the sensitivity analysis and 临界点 (a job)",
    openapi_extra=openapi_body(Source),
)
async def sensitivity(request: Request) -> JSONResponse:
    """The ±10 % table, 敏感度系数, switching values, tornado and spider; on the scenario
    file's inputs when the project has one."""
    body = await json_body(request, Source)
    project = project_of(body, _ws(request))
    if project.scenario is not None:
        _with_scenario(project)
    return _accepted(_jobs(request).submit("sensitivity", project.payload(lang=body.lang)))


@router.post("/solve", summary="Goal seek", openapi_extra=openapi_body(SolveRequest))
async def solve(request: Request) -> dict[str, Any]:
    """The value, its status, the binding constraint and every constraint's margin (run
    in a worker process; the answer comes when it is found)."""
    body = await json_body(request, SolveRequest)
    project = project_of(body, _ws(request))
    options = body.model_dump(include={"vary", "require", "lo", "hi", "goal", "tol"})
    payload = project.payload(solve=options, n=body.n, seed=body.seed)
    return await _finished(request, _jobs(request).submit("solve", payload))


@router.get("/jobs/{job_id}", summary="A job's progress, and its result once done")
def job_status(request: Request, job_id: str) -> dict[str, Any]:
    """``state`` is queued, running, done, failed or cancelled; ``done``/``total`` count
    scenarios; ``result`` (done) or ``error`` (failed) is included."""
    job = _jobs(request).get(job_id)
    out = job.status()
    if job.state == "done":
        out["result"] = job.result
    elif job.state == "failed":
        out["error"] = job.error
    return out


@router.delete("/jobs/{job_id}", summary="Cancel a job")
def cancel_job(request: Request, job_id: str) -> dict[str, Any]:
    """A queued job never starts; a running one is stopped."""
    return _jobs(request).cancel(job_id).status()


async def _export(request: Request, body: ExportRequest) -> Response:
    project = project_of(body, _ws(request))
    base = project.name
    if body.format == "yaml":
        text = (
            dumps(project.spec)
            if body.project is None
            else (_ws(request).spec_path(body.project).read_text(encoding="utf-8"))
        )
        return _download(text.encode(), f"{base}.yaml", "application/yaml")
    if body.format == "json":
        from renewfin.engine import run
        from renewfin.summary import json_document

        doc = await run_in_threadpool(lambda: json_document(run(project.spec)))
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        return _download(text.encode(), f"{base}-metrics.json", "application/json")
    if body.risk:
        _with_scenario(project)
    kind = "workbook" if body.format == "xlsx" else "report"
    payload = project.payload(lang=body.lang, risk=body.risk, n=body.n, seed=body.seed)
    job = _jobs(request).submit(kind, payload)
    result = await _finished(request, job)
    suffix = ".xlsx" if kind == "workbook" else "-report.html"
    return FileResponse(job.folder / result["file"], filename=f"{base}{suffix}")


def _download(data: bytes, filename: str, media: str) -> Response:
    from urllib.parse import quote

    return Response(
        data,
        media_type=media,
        headers={"content-disposition": f"attachment; filename*=utf-8''{quote(filename)}"},
    )


@router.post("/export", summary="A file of a project", openapi_extra=openapi_body(ExportRequest))
async def export(request: Request) -> Response:
    """The live-formula workbook (xlsx), the evaluation report (html, with the Monte Carlo
    section when ``risk``), the metrics (json) or the spec (yaml)."""
    return await _export(request, await json_body(request, ExportRequest))


@router.get("/projects/{name}/export/{fmt}", summary="A file of a workspace project")
async def export_project(
    request: Request,
    name: str,
    fmt: Format,
    lang: Annotated[Literal["zh", "en"], Query()] = "zh",
    risk: Annotated[bool, Query()] = False,
    n: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
) -> Response:
    """The same files as ``POST /api/export``, for a link in the page."""
    body = ExportRequest(project=name, format=fmt, lang=lang, risk=risk, n=n)
    return await _export(request, body)
