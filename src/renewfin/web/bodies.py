"""Reading a request: its JSON body into one of :mod:`renewfin.web.requests`' models, and
the project it names into a validated spec and scenario."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from pydantic import BaseModel

from renewfin.spec import ProjectSpec, ScenarioSpec, validate_data
from renewfin.spec.io import to_data
from renewfin.web.errors import ApiError
from renewfin.web.jobs import JobManager
from renewfin.web.requests import Source
from renewfin.web.uploads import parse_json
from renewfin.web.workspace import Workspace

__all__ = ["Project", "jobs_of", "json_body", "openapi_body", "project_of", "workspace_of"]

M = TypeVar("M", bound=BaseModel)


def workspace_of(request: Request) -> Workspace:
    """The workspace of the application serving ``request``."""
    ws: Workspace = request.app.state.workspace
    return ws


def jobs_of(request: Request) -> JobManager:
    """The job manager of the application serving ``request``."""
    jobs: JobManager = request.app.state.jobs
    return jobs


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body of ``model`` (the body is read by
    :func:`json_body`, not by FastAPI)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


async def json_body(request: Request, model: type[M]) -> M:
    """The request's JSON body as ``model``.

    Raises
    ------
    ApiError
        415 when the body is not declared as JSON.
    SpecError
        When it is not valid JSON, breaks a limit, or does not fit ``model`` (every
        problem with its field).
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(
            415,
            "unsupported",
            f"expected a JSON body (Content-Type: application/json), got {kind!r}",
        )
    data = parse_json(await request.body())
    return validate_data(model, data, "request", "request")


@dataclass(frozen=True)
class Project:
    """A validated spec, its scenario (if any) and the name it goes by."""

    name: str
    spec: ProjectSpec
    scenario: ScenarioSpec | None

    def payload(self, **options: Any) -> dict[str, Any]:
        """The plain data a job takes (see :mod:`renewfin.web.tasks`)."""
        return {
            "name": self.name,
            "spec": to_data(self.spec),
            "scenario": None if self.scenario is None else to_data(self.scenario),
            **options,
        }


def project_of(source: Source, workspace: Workspace) -> Project:
    """The project a request names: a workspace project (with its scenario file) or the
    inline spec; an inline scenario replaces the project's.

    Raises
    ------
    SpecError
        When the spec or scenario is not valid.
    ApiError
        404 when there is no such project.
    """
    if source.project is not None:
        name = source.project
        spec = workspace.load(name)
        scenario = workspace.scenario(name)
    else:
        spec = validate_data(ProjectSpec, source.spec, "spec")
        name, scenario = spec.project.name, None
    if source.scenario is not None:
        scenario = validate_data(ScenarioSpec, source.scenario, "scenario", "scenario")
    return Project(name, spec, scenario)
