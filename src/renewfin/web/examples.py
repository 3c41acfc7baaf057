"""The bundled example projects (``models/*.yaml`` with their ``scenarios/``), offered
by the page's "open an example"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from renewfin.spec import load_spec
from renewfin.web.errors import ApiError

__all__ = ["EXAMPLES", "Example", "example", "examples"]

EXAMPLES = Path(__file__).resolve().parents[3]
"""The repository holding ``models/`` and ``scenarios/`` (a source checkout; an installed
wheel has no examples, and the list is then empty)."""


@dataclass(frozen=True)
class Example:
    """One bundled example."""

    id: str
    """File stem: ``old_community``."""
    title: str
    title_en: str
    spec: Path
    scenario: Path | None


def examples(root: Path = EXAMPLES) -> list[Example]:
    """The bundled examples, sorted by id (invalid files are left out)."""
    out = []
    for path in sorted((root / "models").glob("*.yaml")):
        scenario = root / "scenarios" / path.name
        spec = load_spec(path)
        out.append(
            Example(
                path.stem,
                spec.project.name,
                spec.project.name_en or spec.project.name,
                path,
                scenario if scenario.is_file() else None,
            )
        )
    return out


def example(id: str, root: Path = EXAMPLES) -> Example:
    """The example called ``id`` (looked up in the list, never used as a path).

    Raises
    ------
    ApiError
        404 when there is no such example.
    """
    for ex in examples(root):
        if ex.id == id:
            return ex
    known = ", ".join(e.id for e in examples(root))
    raise ApiError(404, "not_found", f"no example named {id!r}; expected one of: {known}")
