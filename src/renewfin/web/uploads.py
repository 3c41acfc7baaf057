"""Uploaded files and request bodies, parsed by the same readers as the command line.

Bytes from the browser or another system are written to a private temporary file with a
fixed name (never the sender's file name) and read there by ``renewfin.spec.io``
(``load_spec``, ``load_scenario``, ``read_data``) or ``renewfin.excel.template.
read_template``: the limits and defences of ``renewfin validate`` and ``renewfin import``
apply unchanged. Errors name the upload by its (cleaned) file name.
"""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, load_scenario, load_spec
from renewfin.spec.errors import Problem
from renewfin.spec.io import read_data

__all__ = [
    "SCENARIO_SUFFIXES",
    "SPEC_SUFFIXES",
    "display_name",
    "parse_json",
    "read_scenario_upload",
    "read_spec_upload",
]

SPEC_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")
"""What a project upload may be: a spec (YAML or JSON) or a filled input template."""
SCENARIO_SUFFIXES = (".yaml", ".yml", ".json")
"""What a scenario upload may be."""

T = TypeVar("T")


def display_name(filename: str | None) -> str:
    """The sender's file name as messages quote it: its last component, without control
    characters, at most 80 characters."""
    base = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return (clean or "upload")[:80]


def _suffix(filename: str | None, allowed: tuple[str, ...], what: str) -> str:
    suffix = Path(display_name(filename)).suffix.lower()
    if suffix not in allowed:
        raise SpecError(
            [
                Problem(
                    "file",
                    f"expected a {what} file ending in {', '.join(allowed)}",
                    display_name(filename),
                )
            ],
            what="upload",
        )
    return suffix


def _through_file(data: bytes, suffix: str, read: Callable[[Path], T], name: str, what: str) -> T:
    """``read`` applied to ``data`` saved as a private temporary file ending in ``suffix``;
    a ``SpecError`` comes back as one about the ``what`` called ``name``, without the
    temporary path."""
    with tempfile.TemporaryDirectory(prefix="renewfin-upload-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            return read(path)
        except SpecError as exc:
            problems = [
                Problem(
                    p.path, _named(p.message, path, name), _named(p.value, path, name), p.has_value
                )
                for p in exc.problems
            ]
            raise SpecError(problems, name, what) from None


def _named(value: Any, path: Path, name: str) -> Any:
    """``value`` with the temporary ``path`` replaced by the upload's ``name``."""
    return value.replace(str(path), name) if isinstance(value, str) else value


def _read_template(path: Path) -> ProjectSpec:
    from renewfin.excel.template import read_template

    return read_template(path)


def read_spec_upload(data: bytes, filename: str | None) -> ProjectSpec:
    """A project spec from an uploaded YAML or JSON spec or a filled input template.

    Raises
    ------
    SpecError
        When the name has another suffix, or the file breaks a limit or is not a valid
        spec or template (every problem, as ``renewfin validate`` / ``import`` say).
    """
    suffix = _suffix(filename, SPEC_SUFFIXES, "spec (YAML, JSON) or input template (.xlsx)")
    if suffix == ".xlsx":
        return _through_file(data, suffix, _read_template, display_name(filename), "template")
    return _through_file(data, suffix, load_spec, display_name(filename), "spec")


def read_scenario_upload(data: bytes, filename: str | None) -> ScenarioSpec:
    """A scenario file from an upload (YAML or JSON), as ``load_scenario`` reads it."""
    suffix = _suffix(filename, SCENARIO_SUFFIXES, "scenario (YAML, JSON)")
    return _through_file(data, suffix, load_scenario, display_name(filename), "scenario")


def parse_json(data: bytes, what: str = "request") -> Any:
    """A JSON request body as plain data, within the limits of ``read_data``.

    Raises
    ------
    SpecError
        When the body is not valid JSON or breaks a limit.
    """
    return _through_file(data, ".json", lambda p: read_data(p, what), what, what)
