"""renewfin: financial modelling for urban-renewal (城市更新) investment in China.

``import renewfin`` is enough: ``renewfin.load_spec``, ``renewfin.run``,
``renewfin.simulate``, ``renewfin.tables.standard_tables(result)``,
``renewfin.simulation``, ``renewfin.sensitivity`` … Submodules and the names below load
on first use (the engine and numba only when a run needs them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from renewfin.errors import ConvergenceError, RenewfinError
from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, load_scenario, load_spec

if TYPE_CHECKING:
    from renewfin.engine import Result

__version__ = "0.1.0"

SUBMODULES = frozenset(
    {
        "allocator",
        "checks",
        "cli",
        "compiled",
        "district",
        "display",
        "engine",
        "excel",
        "finance",
        "inputs",
        "instruments",
        "ledger",
        "ledger_table",
        "metrics",
        "montecarlo",
        "overrides",
        "paths",
        "portfolio",
        "ratios",
        "report",
        "sensitivity",
        "simulation",
        "solve",
        "spec",
        "spec_runs",
        "summary",
        "tables",
        "testing",
        "timeline",
    }
)
"""Submodules reachable as attributes of the package."""

NAMES = {
    "Result": "renewfin.engine",
    "Simulation": "renewfin.simulation",
    "simulate": "renewfin.simulation",
    "stress_table": "renewfin.simulation",
    "goal_seek": "renewfin.solve",
    "standard_tables": "renewfin.tables",
    "run_checks": "renewfin.checks",
    "write_model": "renewfin.excel.writer",
    "write_report": "renewfin.report",
    "load_portfolio": "renewfin.portfolio",
    "simulate_portfolio": "renewfin.portfolio",
    "load_district": "renewfin.district",
    "run_district": "renewfin.district",
    "with_changes": "renewfin.spec.changes",
    "registry": "renewfin.spec.registry",
}
"""Functions and classes reachable from the package, by the module that defines them."""

__all__ = [
    "ConvergenceError",
    "ProjectSpec",
    "RenewfinError",
    "ScenarioSpec",
    "SpecError",
    "__version__",
    "load_scenario",
    "load_spec",
    "run",
    *sorted(NAMES),
]


def run(spec: ProjectSpec, overrides: Any = None, **kwargs: Any) -> Result:
    """Run the engine on a spec (see ``renewfin.engine.run``): a ``Result`` with the ledger,
    the metrics (``result.metrics``, one row per scenario) and the loan sizing. Raises
    ``ConvergenceError`` when the funding solve does not converge, unless called with
    ``allow_unconverged=True``."""
    from renewfin.engine import run as _run

    return _run(spec, overrides, **kwargs)


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"renewfin.{name}")
    if name in NAMES:
        return getattr(importlib.import_module(NAMES[name]), name)
    raise AttributeError(f"module 'renewfin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *SUBMODULES, *NAMES})
