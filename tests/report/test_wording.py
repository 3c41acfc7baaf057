"""The report's wording lives in ``renewfin/report/wording.toml`` (issue 20, point 6): every
text key the code asks for is there, in both languages, with the same ``{fields}``."""

from __future__ import annotations

import re
import string
from pathlib import Path

from renewfin.report import i18n

SRC = Path(i18n.__file__).parent
KEY = re.compile(r"""\bt\(\s*f?["']([a-z_][a-z_.0-9]*)["']""")
"""A literal key passed to ``t(...)`` / ``ctx.t(...)`` (f-string keys end at the brace)."""


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_key_of_the_code_is_in_the_wording_file() -> None:
    words = i18n.wording()
    used = {k for p in SRC.glob("*.py") for k in KEY.findall(p.read_text("utf-8"))}
    exact = {k for k in used if not k.endswith(".")}
    assert exact and not exact - set(words), exact - set(words)
    prefixes = {k for k in used if k.endswith(".")}
    assert all(any(w.startswith(p) for w in words) for p in prefixes), prefixes


def test_both_languages_fill_the_same_fields() -> None:
    for key, (zh, en) in i18n.wording().items():
        assert zh.strip() and en.strip(), key
        assert _fields(zh) == _fields(en), key


def test_the_wording_file_is_package_data() -> None:
    root = Path(__file__).resolve().parents[2]
    assert (SRC / i18n.WORDING).is_file()
    assert "report/wording.toml" in (root / "pyproject.toml").read_text("utf-8")
