"""API of the workspace: list, open an example, upload, read, save, duplicate, rename and
delete projects; replace a project's scenario file; the form's schema and the inputs a
goal seek may vary."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse

from renewfin.spec import SpecError, validate_data
from renewfin.spec.io import to_data
from renewfin.spec.model import ProjectSpec
from renewfin.web.bodies import json_body, openapi_body, workspace_of
from renewfin.web.errors import ApiError, problem_json
from renewfin.web.examples import example, examples
from renewfin.web.form_schema import form_schema
from renewfin.web.requests import CreateRequest, NameRequest, SaveRequest
from renewfin.web.uploads import read_scenario_upload, read_spec_upload
from renewfin.web.workspace import Workspace

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["projects"])

MAX_UPLOAD_BYTES = 8 << 20
"""Largest uploaded file [bytes] (the spec readers' own limits are smaller for text)."""


def _info(info: Any) -> dict[str, Any]:
    return dataclasses.asdict(info)


async def _read(upload: UploadFile) -> bytes:
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "too_large", f"the file is larger than {MAX_UPLOAD_BYTES >> 20} MiB")
    return data


@router.get("/schema", summary="JSON Schema of the spec, with Chinese labels and units")
def schema() -> dict[str, Any]:
    """``renewfin schema`` with ``x-zh`` (label), ``x-unit`` and ``x-labels`` (choices)."""
    return form_schema()


@router.get("/examples", summary="The bundled example projects")
def list_examples(request: Request) -> list[dict[str, Any]]:
    """Id, titles and whether each has a scenario file."""
    root = request.app.state.examples_root
    return [
        {"id": e.id, "title": e.title, "title_en": e.title_en, "scenario": e.scenario is not None}
        for e in examples(root)
    ]


@router.get("/projects", summary="The projects of the workspace")
def list_projects(request: Request) -> dict[str, Any]:
    """Each project's name, title, validity and whether it has a scenario file."""
    ws = workspace_of(request)
    return {"workspace": str(ws.root), "projects": [_info(p) for p in ws.projects()]}


@router.post(
    "/projects",
    status_code=201,
    summary="Create a project from a bundled example or an inline spec",
    openapi_extra=openapi_body(CreateRequest),
)
async def create_project(request: Request) -> dict[str, Any]:
    """The example's spec and scenario are copied as they are (comments included); an
    inline spec is validated and written as YAML."""
    body = await json_body(request, CreateRequest)
    ws = workspace_of(request)
    if body.example is not None:
        ex = example(body.example, request.app.state.examples_root)
        name = ws.unique_name(ex.title) if body.name is None else body.name
        scenario = ex.scenario.read_text(encoding="utf-8") if ex.scenario else None
        return _info(ws.create(name, ex.spec.read_text(encoding="utf-8"), scenario))
    from renewfin.spec import ScenarioSpec

    spec = validate_data(ProjectSpec, body.spec, "spec")
    scen = (
        None
        if body.scenario is None
        else validate_data(ScenarioSpec, body.scenario, "scenario", "scenario")
    )
    name = ws.unique_name(spec.project.name) if body.name is None else body.name
    return _info(ws.create(name, spec, scen))


@router.post("/projects/upload", status_code=201, summary="Create a project from files")
async def upload_project(
    request: Request,
    file: Annotated[
        UploadFile, File(description="spec (.yaml, .yml, .json) or filled template (.xlsx)")
    ],
    scenario: Annotated[UploadFile | None, File(description="scenario file (optional)")] = None,
    name: Annotated[str | None, Form(description="project name (default: its title)")] = None,
) -> dict[str, Any]:
    """Read with the defences of ``renewfin validate`` and ``renewfin import``; the
    project is created only when every file is valid."""
    spec = read_spec_upload(await _read(file), file.filename)
    scen = None
    if scenario is not None and scenario.filename:
        scen = read_scenario_upload(await _read(scenario), scenario.filename)
    ws = workspace_of(request)
    return _info(ws.create(name or ws.unique_name(spec.project.name), spec, scen))


@router.get("/projects/{name}", summary="A project: its spec, and its problems if invalid")
def get_project(request: Request, name: str) -> dict[str, Any]:
    """``spec`` is the validated spec with every default filled in, or (for a file that is
    not valid) the file's data as it is, with ``problems``."""
    ws = workspace_of(request)
    info = _info(ws.info(name))
    scenario = ws.scenario_path(name)
    try:
        spec = ws.load(name)
    except SpecError as exc:
        try:
            data = ws.raw(name)
        except SpecError:
            data = None
        return {**info, "spec": data, "problems": [problem_json(p) for p in exc.problems]}
    out = {**info, "spec": to_data(spec), "problems": []}
    if scenario is not None:
        out["scenario"] = _scenario_summary(ws, name)
    return out


def _scenario_summary(ws: Workspace, name: str) -> dict[str, Any] | None:
    try:
        sc = ws.scenario(name)
    except SpecError as exc:
        return {"valid": False, "problems": [problem_json(p) for p in exc.problems]}
    if sc is None:
        return None
    return {
        "valid": True,
        "name": sc.name,
        "n": sc.n,
        "seed": sc.seed,
        "inputs": [{"name": i.name, "path": i.path} for i in sc.inputs],
        "thresholds": [t.text for t in sc.thresholds],
        "stress": [c.name for c in sc.stress],
    }


@router.put(
    "/projects/{name}",
    summary="Save a project's spec (only when valid)",
    openapi_extra=openapi_body(SaveRequest),
)
async def save_project(request: Request, name: str) -> dict[str, Any]:
    """An invalid spec is refused with every problem (422) and the file is left as it
    was."""
    body = await json_body(request, SaveRequest)
    ws = workspace_of(request)
    ws.spec_path(name)  # 404 before validating
    spec = validate_data(ProjectSpec, body.spec, name)
    return {**_info(ws.save_spec(name, spec)), "spec": to_data(spec)}


@router.post(
    "/projects/{name}/duplicate",
    status_code=201,
    summary="Copy a project",
    openapi_extra=openapi_body(NameRequest),
)
async def duplicate_project(request: Request, name: str) -> dict[str, Any]:
    """The copy gets the spec and scenario files as they are."""
    body = await json_body(request, NameRequest)
    return _info(workspace_of(request).duplicate(name, body.name))


@router.post(
    "/projects/{name}/rename", summary="Rename a project", openapi_extra=openapi_body(NameRequest)
)
async def rename_project(request: Request, name: str) -> dict[str, Any]:
    """One rename of the project's folder."""
    body = await json_body(request, NameRequest)
    return _info(workspace_of(request).rename(name, body.name))


@router.delete("/projects/{name}", summary="Delete a project")
def delete_project(request: Request, name: str) -> JSONResponse:
    """The project's folder and files are removed."""
    workspace_of(request).delete(name)
    return JSONResponse({"deleted": name})


@router.put("/projects/{name}/scenario", summary="Replace a project's scenario file")
async def put_scenario(
    request: Request,
    name: str,
    file: Annotated[UploadFile, File(description="scenario file (.yaml, .yml, .json)")],
) -> dict[str, Any]:
    """Checked against the project's spec before it replaces the old one."""
    from renewfin.simulation import check_scenario

    ws = workspace_of(request)
    ws.spec_path(name)
    scenario = read_scenario_upload(await _read(file), file.filename)
    check_scenario(ws.load(name), scenario)
    return _info(ws.save_scenario(name, scenario))


@router.delete("/projects/{name}/scenario", summary="Remove a project's scenario file")
def delete_scenario(request: Request, name: str) -> dict[str, Any]:
    """The project keeps its spec."""
    return _info(workspace_of(request).save_scenario(name, None))


@router.get("/projects/{name}/inputs", summary="The numeric inputs of a project")
def inputs(request: Request, name: str) -> list[dict[str, Any]]:
    """Every path a goal seek may vary (``renewfin.registry``), with its value and
    bounds."""
    from renewfin.spec.labels import field_label
    from renewfin.spec.registry import Shape, registry

    out = []
    for path, entry in registry(workspace_of(request).load(name)).items():
        if entry.shape is not Shape.SCALAR or entry.per_run:
            continue
        model, _, field = entry.field.partition(".")
        out.append(
            {
                "path": path,
                "zh": field_label(model, field) or field or path,
                "value": entry.base,
                "bounds": entry.bounds.expected(),
            }
        )
    return out
