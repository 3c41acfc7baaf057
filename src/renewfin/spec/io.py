"""Reading and writing specs as YAML or JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from renewfin.spec.atomic import atomic_write
from renewfin.spec.errors import Problem, SpecError, problems_from_validation
from renewfin.spec.limits import MAX_TEXT_BYTES, excerpt, shorten, size_text
from renewfin.spec.plausibility import Plausibility, plausibility_problems
from renewfin.spec.safe_load import LimitError, load_json, load_yaml

M = TypeVar("M", bound=BaseModel)


def read_data(path: str | os.PathLike[str], what: str = "spec") -> Any:
    """Parse a YAML (.yaml, .yml) or JSON (.json) file into plain data, within the limits
    of ``renewfin.spec.limits`` (size, nesting, aliases, values, duplicate keys).

    Raises
    ------
    SpecError
        When the file is missing, unreadable, too large, not valid YAML/JSON, or breaks a
        limit; the message quotes at most a short excerpt of the input.
    """
    p = Path(path)
    text = read_text(p, what)
    try:
        if p.suffix.lower() == ".json":
            return load_json(text)
        return load_yaml(text)
    except LimitError as exc:
        raise SpecError([Problem("", str(exc), has_value=False)], str(p), what) from None
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        kind = "JSON" if p.suffix.lower() == ".json" else "YAML"
        raise SpecError(
            [Problem("", f"not valid {kind}: {_parse_error(exc)}", has_value=False)], str(p), what
        ) from None


def read_text(path: Path, what: str = "spec", limit: int = MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of ``path``, read no further than ``limit`` bytes.

    Raises
    ------
    SpecError
        When the file is missing, unreadable, not UTF-8 or larger than ``limit``.
    """

    def fail(message: str, value: Any = None, has_value: bool = False) -> SpecError:
        return SpecError([Problem("", message, value, has_value)], str(path), what)

    try:
        with path.open("rb") as fh:
            raw = fh.read(limit + 1)
    except FileNotFoundError:
        raise fail("file not found", str(path), True) from None
    except OSError as exc:
        raise fail(f"cannot read the file: {exc.strerror or type(exc).__name__}") from None
    if len(raw) > limit:
        raise fail(f"the file is larger than {size_text(limit)}; expected a spec of ordinary size")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise fail(
            f"not UTF-8 text (byte {exc.start:,}: {excerpt(raw[exc.start : exc.start + 8])})"
        ) from None


def _parse_error(exc: Exception) -> str:
    """A parser's message and positions, with any quoted input cut to a short excerpt."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    parts = []
    for text, mark in (
        (getattr(exc, "context", None), getattr(exc, "context_mark", None)),
        (getattr(exc, "problem", None), getattr(exc, "problem_mark", None)),
    ):
        if text:
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            parts.append(shorten(str(text), 120) + where)
    return ", ".join(parts) or shorten(str(exc), 200)


def validate_data(
    model: type[M],
    data: Any,
    source: str | None = None,
    what: str = "spec",
    *,
    plausible: bool = True,
) -> M:
    """Validate plain data into ``model``, raising one ``SpecError`` with every problem;
    ``what`` names the kind of document in the message (spec, scenario …). A project spec
    is also held to its plausibility bounds (``renewfin.spec.plausibility``) unless
    ``plausible`` is False (the values an analysis explores from a spec)."""
    if not isinstance(data, dict):
        raise SpecError(
            [Problem("", "expected a mapping of sections at the top level", type(data).__name__)],
            source,
            what,
        )
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(problems_from_validation(exc, data), source, what) from None
    if plausible:
        check_plausible(obj, source, what)
    return obj


def check_plausible(obj: BaseModel, source: str | None = None, what: str = "spec") -> None:
    """Raise one ``SpecError`` listing every input of a project spec beyond its
    plausibility bounds (other documents pass)."""
    if isinstance(getattr(obj, "plausibility", None), Plausibility):
        problems = plausibility_problems(obj)  # type: ignore[arg-type]
        if problems:
            raise SpecError(problems, source, what)


def load_model(model: type[M], path: str | os.PathLike[str], what: str = "spec") -> M:
    """Load and validate a YAML or JSON file into ``model``."""
    return validate_data(model, read_data(path, what), str(path), what)


def to_data(obj: BaseModel) -> dict[str, Any]:
    """Plain, JSON-compatible data for a spec (dates as ISO strings, enums as values)."""
    return obj.model_dump(mode="json")


def dumps(obj: BaseModel, fmt: str = "yaml") -> str:
    """Serialise a spec to YAML (default) or JSON text."""
    data = to_data(obj)
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def dump(obj: BaseModel, path: str | os.PathLike[str]) -> None:
    """Write a spec to ``path``, as JSON when it ends in .json, else YAML (atomically)."""
    fmt = "json" if str(path).lower().endswith(".json") else "yaml"
    text = dumps(obj, fmt)
    atomic_write(path, lambda fh: fh.write(text))
