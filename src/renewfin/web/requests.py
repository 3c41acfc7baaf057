"""The JSON request bodies of the API, as pydantic models: they document the API (OpenAPI)
and check each request, an error naming the field (``n: Input should be greater than or
equal to 1 (got 0)``).

Bodies are parsed by :func:`renewfin.web.uploads.parse_json` (the spec readers' limits)
and validated by :func:`renewfin.spec.io.validate_data`, like a spec file.
"""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from renewfin.spec.errors import CrossCheckError, Problem

__all__ = [
    "MAX_SCENARIOS",
    "CreateRequest",
    "ExportRequest",
    "NameRequest",
    "RunRequest",
    "SaveRequest",
    "SimulateRequest",
    "SolveRequest",
    "Source",
]

MAX_SCENARIOS = 1_000_000
"""Most Monte Carlo scenarios one request may ask for."""

Lang = Literal["zh", "en"]


def _either(first: Any, spec: Any, name: str, what: str) -> None:
    """Refuse a request that gives both ``name`` and ``spec``, or neither."""
    if (first is None) == (spec is None):
        problem = Problem(name, f"give either {name} ({what}) or spec (a spec)", has_value=False)
        raise CrossCheckError([problem])


class Body(BaseModel):
    """Base of the request bodies: unknown fields refused."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Source(Body):
    """Which project: a project of the workspace by name, or a spec given inline."""

    project: str | None = None
    """Name of a project in the workspace (its spec and scenario file are used)."""
    spec: dict[str, Any] | None = None
    """A project spec given inline (the document ``renewfin schema`` describes)."""
    scenario: dict[str, Any] | None = None
    """A scenario given inline (``renewfin schema --scenario``); replaces the project's."""
    lang: Lang = "zh"
    """Language of labels in charts and documents."""

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        _either(self.project, self.spec, "project", "a name")
        return self


class RunRequest(Source):
    """A deterministic run."""

    charts: bool = True
    """Draw the charts (cash flows, debt balances, ratios against their floors)."""


class SimulateRequest(Source):
    """A Monte Carlo run of the scenario file."""

    n: int | None = Field(default=None, ge=1, le=MAX_SCENARIOS)
    """Scenarios (default: the scenario file's)."""
    seed: int | None = Field(default=None, ge=0)
    """Seed (default: the scenario file's)."""


class SolveRequest(Source):
    """A goal seek (``renewfin solve``)."""

    vary: str = Field(min_length=1, max_length=300)
    """The input to solve for, e.g. ``funding.special_bonds[0].amount``."""
    require: list[str] = Field(min_length=1, max_length=10)
    """Targets: ``bond_coverage>=1.2``, ``equity_irr>=6%``, ``project_npv=0``,
    ``P(bond_coverage>=1.1)>=90%`` (the tightest binds)."""
    lo: float = Field(allow_inf_nan=False)
    """Lower end of the range, in the input's unit."""
    hi: float = Field(allow_inf_nan=False)
    """Upper end of the range."""
    goal: Literal["max", "min", "root"] = "max"
    """Largest or smallest value meeting every target, or the root of one equality."""
    tol: float = Field(default=1e-6, gt=0, allow_inf_nan=False)
    """Absolute tolerance on the value."""
    n: int | None = Field(default=None, ge=1, le=MAX_SCENARIOS)
    """Scenarios for probability targets (default: the scenario file's)."""
    seed: int | None = Field(default=None, ge=0)
    """Seed for probability targets."""


class ExportRequest(Source):
    """A file: the model workbook, the report, the metrics or the spec."""

    format: str = Field(max_length=8)
    """``xlsx`` the live-formula workbook, ``html`` the evaluation report (``docx`` and
    ``pdf`` too where the report module writes them: ``GET /api/formats``), ``json`` the
    metrics (``renewfin run --json``), ``yaml`` the spec."""
    risk: bool = False
    """Report only: add the Monte Carlo section (needs a scenario)."""
    n: int | None = Field(default=None, ge=1, le=MAX_SCENARIOS)
    """Report only: scenarios simulated (default: the scenario file's)."""
    seed: int | None = Field(default=None, ge=0)
    """Report only: seed."""


class SaveRequest(Body):
    """A new version of a project's spec."""

    spec: dict[str, Any]
    """The spec; it is saved only when valid."""


class CreateRequest(Body):
    """A new project: a bundled example, or a spec given inline."""

    name: str | None = None
    """Name of the new project (default: from the project's title)."""
    example: str | None = None
    """Id of a bundled example (``GET /api/examples``)."""
    spec: dict[str, Any] | None = None
    """A spec given inline."""
    scenario: dict[str, Any] | None = None
    """A scenario given inline, with ``spec``."""

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        _either(self.example, self.spec, "example", "an id")
        return self


class NameRequest(Body):
    """A project name (for a copy or a new name)."""

    name: str
    """The name."""
