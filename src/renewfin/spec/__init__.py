"""Project specs: validated, frozen pydantic models that describe a project once."""

from __future__ import annotations

import os

from renewfin.spec.base import MoneyUnit, Periodicity, PricePer, SpecModel
from renewfin.spec.errors import Problem, SpecError
from renewfin.spec.evaluation import EvaluationSpec
from renewfin.spec.investment import (
    AssetClass,
    DepreciationSpec,
    InvestmentCategory,
    InvestmentItem,
    PriceContingency,
)
from renewfin.spec.io import dump, dumps, load_model, validate_data
from renewfin.spec.model import ProjectSpec
from renewfin.spec.opex import OpexBasis, OpexCategory, OpexItem, OpexTiming
from renewfin.spec.project import (
    CityTier,
    PerformanceTarget,
    Phase,
    ProjectInfo,
    ProjectKind,
    Sector,
    TimelineSpec,
)
from renewfin.spec.revenue import GrowthFrom, RevenueKind, RevenueStream
from renewfin.spec.scenario import ScenarioSpec
from renewfin.spec.tax import TaxPreset, TaxRates, TaxSpec, resolve_tax


def load_spec(path: str | os.PathLike[str]) -> ProjectSpec:
    """Load a project spec from a YAML or JSON file.

    Raises
    ------
    SpecError
        Listing every problem with its path, the value and what was expected.
    """
    return load_model(ProjectSpec, path)


def load_scenario(path: str | os.PathLike[str]) -> ScenarioSpec:
    """Load a scenario file (uncertain inputs, correlations, thresholds, stress cases).

    Raises
    ------
    SpecError
        Listing every problem with its path, the value and what was expected.
    """
    return load_model(ScenarioSpec, path, what="scenario")


def scenario_schema() -> dict[str, object]:
    """JSON Schema of scenario files."""
    return ScenarioSpec.model_json_schema()


def project_schema() -> dict[str, object]:
    """JSON Schema of the project spec."""
    return ProjectSpec.model_json_schema()


__all__ = [
    "AssetClass",
    "CityTier",
    "DepreciationSpec",
    "EvaluationSpec",
    "GrowthFrom",
    "InvestmentCategory",
    "InvestmentItem",
    "MoneyUnit",
    "OpexBasis",
    "OpexCategory",
    "OpexItem",
    "OpexTiming",
    "PerformanceTarget",
    "Periodicity",
    "Phase",
    "PriceContingency",
    "PricePer",
    "Problem",
    "ProjectInfo",
    "ProjectKind",
    "ProjectSpec",
    "RevenueKind",
    "RevenueStream",
    "ScenarioSpec",
    "Sector",
    "SpecError",
    "SpecModel",
    "TaxPreset",
    "TaxRates",
    "TaxSpec",
    "TimelineSpec",
    "dump",
    "dumps",
    "load_model",
    "load_scenario",
    "load_spec",
    "project_schema",
    "resolve_tax",
    "scenario_schema",
    "validate_data",
]
