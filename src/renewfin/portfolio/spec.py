"""Portfolio files: the projects (and their scenario files) and the shared risk factors
that correlate them (an LPR shift, a regional economy factor …)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Self

from pydantic import Field, model_validator

from renewfin.spec.base import Name, Share, SpecModel
from renewfin.spec.errors import CrossCheckError, Problem
from renewfin.spec.io import load_model
from renewfin.spec.scenario import Apply, Distribution, Threshold, UncertainInput


class Member(SpecModel):
    """One project of the portfolio."""

    key: Name
    """Short unique key (used in tables and seeds)."""
    spec: str
    """Project spec file, or a district file (merged into one project), relative to the
    portfolio file."""
    scenario: str | None = None
    """Scenario file for the project's own uncertainty, relative to the portfolio file;
    without one only the shared factors vary."""


class Target(SpecModel):
    """Where a shared factor acts."""

    path: str = Field(min_length=1)
    """Spec path in each project it applies to, e.g. ``funding.lpr.five_year`` or
    ``revenues[0].utilisation``."""
    projects: list[str] | None = None
    """Keys of the projects it applies to; default every project that has the path."""


class SharedFactor(SpecModel):
    """A risk factor drawn once per scenario and applied to every project it targets, so
    that it correlates them."""

    name: Name
    """Factor name (e.g. 区域经济因子)."""
    distribution: Distribution
    """Distribution of the factor."""
    apply: Apply = Apply.MULTIPLY
    """How it changes each target: multiply, add or set."""
    targets: list[Target] = Field(min_length=1)
    """Paths it acts on."""
    basis: str | None = None
    """Why this range."""

    def math(self):  # type: ignore[no-untyped-def]
        """The factor's distribution (``ppf``)."""
        return UncertainInput(name=self.name, path="x", distribution=self.distribution).math()


class PortfolioSpec(SpecModel):
    """A pipeline of projects simulated together."""

    name: Name
    """Portfolio name."""
    n: int = Field(default=10000, ge=1, le=10_000_000)
    """Scenarios per project (the same scenario index across projects shares the factors)."""
    seed: int = Field(default=20261127, ge=0)
    """Seed; results do not depend on the scheduler or the number of workers."""
    chunk_size: int = Field(default=2000, ge=10, le=100_000)
    """Scenarios per task; part of the sampling plan, so keep it to reproduce results."""
    projects: list[Member] = Field(default_factory=list)
    """Projects listed one by one."""
    folder: str | None = None
    """Alternatively, a folder of project specs (every .yaml/.json), relative to this file;
    a scenario file with the same stem in ``scenario_folder`` is used when present."""
    scenario_folder: str | None = None
    """Folder of scenario files for ``folder`` projects."""
    shared_factors: list[SharedFactor] = Field(default_factory=list)
    """Risk factors common to the projects."""
    thresholds: list[Threshold] = Field(default_factory=list)
    """Per-project breaches to count across the portfolio (e.g. bond_coverage < 1.1)."""
    correlation_metric: str = "bond_coverage"
    """Metric whose cross-project correlation is reported."""
    bond_capital_cap: Share = 0.30
    """Most of the special bonds the portfolio (a province) uses for project construction
    that may count as project capital (国办发〔2024〕52号: 30 %); checked on the members'
    bonds."""

    @model_validator(mode="after")
    def _members(self) -> Self:
        problems = []
        if not self.projects and self.folder is None:
            problems.append(Problem("projects", "list projects or give a folder", has_value=False))
        keys_list = [m.key for m in self.projects]
        repeated = sorted({k for k in keys_list if keys_list.count(k) > 1})
        if repeated:
            problems.append(Problem("projects", "project keys must be unique", repeated))
        keys = set(keys_list)
        for i, f in enumerate(self.shared_factors):
            for j, t in enumerate(f.targets):
                for k in t.projects or []:
                    if self.projects and k not in keys:
                        problems.append(
                            Problem(
                                f"shared_factors[{i}].targets[{j}].projects",
                                f"unknown project; expected one of {sorted(keys)}",
                                k,
                            )
                        )
        if problems:
            raise CrossCheckError(problems)
        return self

    def members(self, base: str | os.PathLike[str]) -> list[Member]:
        """The projects, with ``folder`` expanded (sorted by file name); paths stay
        relative to ``base``."""
        out = list(self.projects)
        if self.folder is not None:
            folder = Path(base) / self.folder
            for p in sorted(folder.glob("*.y*ml")) + sorted(folder.glob("*.json")):
                scen = None
                if self.scenario_folder is not None:
                    cand = Path(base) / self.scenario_folder / p.name
                    if cand.exists():
                        scen = os.path.relpath(cand, base)
                out.append(Member(key=p.stem, spec=os.path.relpath(p, base), scenario=scen))
        return out


def load_portfolio(path: str | os.PathLike[str]) -> PortfolioSpec:
    """Load and validate a portfolio file."""
    return load_model(PortfolioSpec, path, what="portfolio")
