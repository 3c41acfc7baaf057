"""Shared fixtures of the report tests: one collected report per bundled model (with its
scenario, n = 200), rendered in Chinese, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

import renewfin
from renewfin.report import RenderedReport, ReportData, collect, render_report

ROOT = Path(__file__).resolve().parents[2]
MODELS = ["old_community", "old_factory_park", "urban_village", "industrial_park_reit"]
"""The bundled models (each has a scenario file of the same name)."""
N = 200
"""Scenarios simulated in the tests."""


def model_path(name: str) -> Path:
    """The bundled spec ``models/<name>.yaml``."""
    return ROOT / "models" / f"{name}.yaml"


def scenario_path(name: str) -> Path:
    """The bundled scenario ``scenarios/<name>.yaml``."""
    return ROOT / "scenarios" / f"{name}.yaml"


_CACHE: dict[str, tuple[ReportData, RenderedReport]] = {}


def built(name: str) -> tuple[ReportData, RenderedReport]:
    """Collected data and the Chinese report of a bundled model with its scenario."""
    if name not in _CACHE:
        spec = renewfin.load_spec(model_path(name))
        scenario = renewfin.load_scenario(scenario_path(name))
        data = collect(spec, scenario, n=N)
        _CACHE[name] = (data, render_report(data, "zh"))
    return _CACHE[name]


@pytest.fixture(params=MODELS)
def model(request: pytest.FixtureRequest) -> str:
    """Each bundled model in turn."""
    return str(request.param)
