"""Text fields of a spec: visible characters only.

A name or label that reaches a workbook, a CSV file, a report or a terminal must look
like what it is. Control characters (NUL, escape sequences), zero-width and other format
characters (U+200B, U+FEFF), bidirectional overrides (U+202E, "Trojan source") and line
or paragraph separators can make two names look alike, hide text, or reorder what is
shown; they are refused with the field's path and the character's code point. Free text
(descriptions, the basis of an assumption) may also hold line breaks and tabs; names may
not.
"""

from __future__ import annotations

import unicodedata
from typing import Any

INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
"""Unicode categories refused in spec text: control, format (zero-width, bidi), line and
paragraph separators, lone surrogates."""
FREE_TEXT_ALLOWED = "\n\t"
"""Invisible characters that free text (not names) may hold."""


def code_point(ch: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: a character's code point and Unicode name."""
    name = unicodedata.name(ch, "")
    if not name and unicodedata.category(ch) == "Cc":
        name = "control character"
    return f"U+{ord(ch):04X} {name}".rstrip()


def invisible_problem(text: str, allowed: str = "") -> str | None:
    """What is wrong with ``text`` (the first invisible character and where), or None."""
    if text.isprintable():
        return None
    for i, ch in enumerate(text):
        if ch not in allowed and unicodedata.category(ch) in INVISIBLE:
            return (
                f"contains {code_point(ch)} at character {i + 1}, an invisible control "
                "or formatting character; expected visible text"
            )
    return None


def check_name(text: str) -> str:
    """Validator of names: refuse any invisible character (``ValueError``)."""
    problem = invisible_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def check_texts(value: Any) -> Any:
    """Validator of every field: refuse invisible characters other than line breaks and
    tabs in strings, in lists of strings and in the keys and values of mappings."""
    for text in _strings(value):
        problem = invisible_problem(text, FREE_TEXT_ALLOWED)
        if problem:
            raise ValueError(problem)
    return value


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return [v for kv in value.items() for v in kv if isinstance(v, str)]
    return []
