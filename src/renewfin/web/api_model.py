"""API of the engine: validate, run, Monte Carlo and sensitivity as jobs with progress,
goal seek (the files are :mod:`renewfin.web.exports`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from renewfin.spec import SpecError
from renewfin.spec.errors import Problem
from renewfin.web.bodies import Project, jobs_of, json_body, openapi_body, project_of, workspace_of
from renewfin.web.errors import ApiError
from renewfin.web.jobs import Job
from renewfin.web.requests import RunRequest, SimulateRequest, SolveRequest, Source

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["model"])


def with_scenario(project: Project) -> Project:
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


async def finished(request: Request, job: Job) -> dict[str, Any]:
    """The result of ``job`` once it ends (a failure is raised as its error)."""
    await jobs_of(request).wait(job)
    if job.state == "done" and job.result is not None:
        return job.result
    if job.error is not None:
        raise ApiError.from_json(job.error)
    raise ApiError(409, job.state, f"the job was {job.state}")


@router.post("/validate", summary="Check a spec (and scenario)", openapi_extra=openapi_body(Source))
async def validate(request: Request) -> dict[str, Any]:
    """200 when valid; 422 listing every problem with its path, as ``renewfin validate``."""
    body = await json_body(request, Source)
    project = project_of(body, workspace_of(request))
    if project.scenario is not None:
        with_scenario(project)
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
    project = project_of(body, workspace_of(request))
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
    project = project_of(body, workspace_of(request))
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
    project = with_scenario(project_of(body, workspace_of(request)))
    payload = project.payload(n=body.n, seed=body.seed, lang=body.lang)
    return _accepted(jobs_of(request).submit("simulate", payload))


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
    project = project_of(body, workspace_of(request))
    if project.scenario is not None:
        with_scenario(project)
    return _accepted(jobs_of(request).submit("sensitivity", project.payload(lang=body.lang)))


@router.post("/solve", summary="Goal seek", openapi_extra=openapi_body(SolveRequest))
async def solve(request: Request) -> dict[str, Any]:
    """The value, its status, the binding constraint and every constraint's margin (run
    in a worker process; the answer comes when it is found)."""
    body = await json_body(request, SolveRequest)
    project = project_of(body, workspace_of(request))
    options = body.model_dump(include={"vary", "require", "lo", "hi", "goal", "tol"})
    payload = project.payload(solve=options, n=body.n, seed=body.seed)
    return await finished(request, jobs_of(request).submit("solve", payload))


@router.get("/jobs/{job_id}", summary="A job's progress, and its result once done")
def job_status(request: Request, job_id: str) -> dict[str, Any]:
    """``state`` is queued, running, done, failed or cancelled; ``done``/``total`` count
    scenarios; ``result`` (done) or ``error`` (failed) is included."""
    job = jobs_of(request).get(job_id)
    out = job.status()
    if job.state == "done":
        out["result"] = job.result
    elif job.state == "failed":
        out["error"] = job.error
    return out


@router.delete("/jobs/{job_id}", summary="Cancel a job")
def cancel_job(request: Request, job_id: str) -> dict[str, Any]:
    """A queued job never starts; a running one is stopped."""
    return jobs_of(request).cancel(job_id).status()
