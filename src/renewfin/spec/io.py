"""Reading and writing specs as YAML or JSON."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from renewfin.spec.errors import Problem, SpecError, problems_from_validation

M = TypeVar("M", bound=BaseModel)


def read_data(path: str | os.PathLike[str], what: str = "spec") -> Any:
    """Parse a YAML (.yaml, .yml) or JSON (.json) file into plain data.

    Raises
    ------
    SpecError
        When the file is missing, unreadable or not valid YAML/JSON.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([Problem("", "file not found", str(p))], str(p), what) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(
            [Problem("", f"cannot read the file: {exc}", str(p))], str(p), what
        ) from None
    try:
        if p.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise SpecError(
            [
                Problem(
                    "",
                    f"not valid {p.suffix.lstrip('.').upper() or 'YAML'}: {exc}",
                    has_value=False,
                )
            ],
            str(p),
            what,
        ) from None


def validate_data(model: type[M], data: Any, source: str | None = None, what: str = "spec") -> M:
    """Validate plain data into ``model``, raising one ``SpecError`` with every problem;
    ``what`` names the kind of document in the message (spec, scenario …)."""
    if not isinstance(data, dict):
        raise SpecError(
            [Problem("", "expected a mapping of sections at the top level", type(data).__name__)],
            source,
            what,
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(problems_from_validation(exc, data), source, what) from None


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


def atomic_write(path: str | os.PathLike[str], write: Any, mode: str = "w") -> None:
    """Write a file through ``write(fileobj)`` into a temporary file beside ``path``, then
    rename it into place, so that a failure never leaves a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        kwargs: dict[str, Any] = {} if "b" in mode else {"encoding": "utf-8"}
        with os.fdopen(fd, mode, **kwargs) as fh:
            write(fh)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def dump(obj: BaseModel, path: str | os.PathLike[str]) -> None:
    """Write a spec to ``path``, as JSON when it ends in .json, else YAML (atomically)."""
    fmt = "json" if str(path).lower().endswith(".json") else "yaml"
    text = dumps(obj, fmt)
    atomic_write(path, lambda fh: fh.write(text))
