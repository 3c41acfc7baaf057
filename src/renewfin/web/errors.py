"""Errors of the web API as JSON: a status, a code, a message and, for a bad spec or
request, every problem with its path (the same text as ``renewfin validate``).

Every failure the API reports has the shape ``{"error": {"status", "code", "message",
"problems": [...]}}``; nothing returns a traceback.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from renewfin.errors import ConvergenceError, RenewfinError
from renewfin.spec.errors import Problem, SpecError

__all__ = [
    "ApiError",
    "error_body",
    "field_path",
    "problem_json",
    "renewfin_error_body",
    "spec_error_body",
]

_LABEL = re.compile(r"\[(\d+) [^\]]*\]")


@dataclass
class ApiError(Exception):
    """A request the API refuses, with the HTTP status to answer."""

    status: int
    code: str
    message: str
    problems: list[Problem] = field(default_factory=list)
    reported: list[dict[str, Any]] | None = None
    """Problems already as JSON (an error a worker process reported), instead of
    ``problems``."""

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_json(cls, error: dict[str, Any]) -> ApiError:
        """The error of an ``error_body`` document's ``error`` member."""
        return cls(
            int(error["status"]),
            str(error["code"]),
            str(error["message"]),
            reported=list(error.get("problems", [])),
        )

    def body(self) -> dict[str, Any]:
        """The JSON document of this error."""
        doc = error_body(self.status, self.code, self.message, self.problems)
        if self.reported is not None:
            doc["error"]["problems"] = self.reported
        return doc


def field_path(path: str) -> str:
    """A problem's path as the form names its field: list labels dropped
    (``revenues[0 停车位].unit_price`` → ``revenues[0].unit_price``), a bad-key marker
    too."""
    return _LABEL.sub(r"[\1]", path).replace(" (key)", "")


def _json_value(value: Any) -> Any:
    """The value if JSON can carry it as it is, else its short text."""
    if value is None or isinstance(value, bool | int | str):
        return value if not isinstance(value, str) or len(value) <= 200 else value[:197] + "..."
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def problem_json(problem: Problem) -> dict[str, Any]:
    """One problem: its path, the form field it concerns, what was expected, the value
    and the line ``renewfin validate`` prints for it."""
    return {
        "path": problem.path,
        "field": field_path(problem.path),
        "message": problem.message,
        "value": _json_value(problem.value) if problem.has_value else None,
        "text": str(problem),
    }


def error_body(
    status: int, code: str, message: str, problems: list[Problem] | None = None
) -> dict[str, Any]:
    """The JSON document of an error."""
    return {
        "error": {
            "status": status,
            "code": code,
            "message": message,
            "problems": [problem_json(p) for p in problems or []],
        }
    }


def spec_error_body(exc: SpecError, status: int = 422) -> dict[str, Any]:
    """The JSON document of an invalid spec, scenario or request."""
    return error_body(status, "invalid", str(exc), exc.problems)


def renewfin_error_body(exc: RenewfinError) -> dict[str, Any]:
    """The JSON document of an error renewfin raises on purpose: an invalid spec (every
    problem), or a funding solve that did not converge (what to change) — both 422, the
    answer to this input."""
    if isinstance(exc, SpecError):
        return spec_error_body(exc)
    code = "unconverged" if isinstance(exc, ConvergenceError) else "refused"
    return error_body(422, code, str(exc))
