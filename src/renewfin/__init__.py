"""renewfin: financial modelling for urban-renewal (城市更新) investment in China."""

from __future__ import annotations

from renewfin.spec import ProjectSpec, SpecError, load_spec

__version__ = "0.1.0"

__all__ = ["ProjectSpec", "SpecError", "__version__", "load_spec"]
