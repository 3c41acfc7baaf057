"""renewfin: financial modelling for urban-renewal (城市更新) investment in China."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from renewfin.errors import ConvergenceError, RenewfinError
from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, load_scenario, load_spec

if TYPE_CHECKING:
    from renewfin.engine import Result

__version__ = "0.1.0"

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
]


def run(spec: ProjectSpec, overrides: Any = None, **kwargs: Any) -> Result:
    """Run the engine on a spec (see ``renewfin.engine.run``): a ``Result`` with the ledger,
    the metrics (``result.metrics``, one row per scenario) and the loan sizing. Raises
    ``ConvergenceError`` when the funding solve does not converge, unless called with
    ``allow_unconverged=True``."""
    from renewfin.engine import run as _run

    return _run(spec, overrides, **kwargs)
