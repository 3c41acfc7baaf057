"""Reading the quoted figures out of a report and checking them against the engine.

A figure is an element with ``data-value``; its locator says where the value comes from
(``renewfin.report.build`` lists them). ``expected`` recomputes each from fresh engine
objects, independently of the report's own data; ``text_matches`` checks the printed
text against ``data-value`` at the printed precision.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree

LOCATORS = (
    "metric",
    "table",
    "input",
    "spec",
    "ledger",
    "sizing",
    "sens",
    "sim",
    "breach",
    "fan",
    "stress",
    "calc",
)
"""Locator attributes (``data-<name>``); each figure has exactly one."""


@dataclass
class Figure:
    """One quoted figure."""

    attrs: dict[str, str]
    text: str = ""
    table: dict[str, str] = field(default_factory=dict)
    row: dict[str, str] = field(default_factory=dict)
    ordinal: int = -1
    """Position among the report's figures by start tag, from 0 (the Word bookmarks')."""

    @property
    def value(self) -> float:
        return float(self.attrs["data-value"])

    def get(self, name: str) -> str | None:
        """``data-<name>`` of the figure, else of its row, else of its table."""
        key = f"data-{name}"
        for source in (self.attrs, self.row, self.table):
            if key in source:
                return source[key]
        return None

    def locator(self) -> str:
        found = [n for n in LOCATORS if f"data-{n}" in self.attrs]
        if not found and "data-col" in self.attrs and "data-table" in self.table:
            found = ["table"]
        assert len(found) == 1, f"figure {self.attrs} has locators {found}"
        return found[0]


class FigureParser(HTMLParser):
    """Collects every element with ``data-value`` with its row and table attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.figures: list[Figure] = []
        self._table: list[dict[str, str]] = []
        self._row: list[dict[str, str]] = []
        self._open: list[tuple[str, Figure]] = []
        self.images: list[dict[str, str]] = []
        self.external: list[str] = []
        self.sections: list[str] = []
        self._started = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        for k in ("src", "href"):
            if k in a and not (a[k].startswith("data:") or a[k].startswith("#")):
                self.external.append(f"{tag} {k}={a[k]}")
        if tag in ("link", "script", "iframe", "object", "embed"):
            self.external.append(tag)
        if tag == "img":
            self.images.append(a)
        if tag == "section" and "data-section" in a:
            self.sections.append(a["data-section"])
        if tag == "table":
            self._table.append(a)
        elif tag == "tr":
            self._row.append(a)
        if "data-value" in a:
            fig = Figure(
                a,
                table=self._table[-1] if self._table else {},
                row=self._row[-1] if self._row else {},
                ordinal=self._started,
            )
            self._started += 1
            self._open.append((tag, fig))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self.figures.append(self._open.pop()[1])
        if tag == "table" and self._table:
            self._table.pop()
        elif tag == "tr" and self._row:
            self._row.pop()

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1][1].text += data


def parse(html: str) -> FigureParser:
    """Parse a report."""
    p = FigureParser()
    p.feed(html)
    p.close()
    return p


def _number(text: str) -> float:
    s = text.replace(",", "").replace("−", "-")
    m = re.search(r"-?\d+(?:\.\d+)?", s)
    assert m is not None, f"no number in {text!r}"
    return float(m.group(0))


def text_matches(fig: Figure) -> bool:
    """Whether the printed text is ``data-value`` at the precision ``data-fmt`` states."""
    kind, decimals = fig.attrs["data-fmt"].split(":")
    d = int(decimals)
    v = fig.value
    text = fig.text.strip()
    if math.isnan(v):
        return text == "—"
    if math.isinf(v):
        return text in (("无上限", "unbounded") if v > 0 else ("负无穷", "−unbounded"))
    if kind == "flag":
        return text in (("是", "yes") if v > 0.5 else ("否", "no"))
    shown = _number(text)
    target = v * 100 if kind in ("rate", "share") else v
    if kind in ("rate", "share"):
        assert text.endswith("%"), text
    return abs(shown - target) <= 0.5 * 10**-d + 1e-9 * max(1.0, abs(target))


def spec_value(spec: Any, path: str) -> float:
    """The spec field at ``path`` (``funding.special_bonds[name].coupon``)."""
    obj = spec
    for seg in path.split("."):
        m = re.fullmatch(r"([A-Za-z_]+)(?:\[([^\]]+)\])?", seg)
        assert m is not None, path
        obj = getattr(obj, m.group(1))
        if m.group(2) is not None:
            obj = next(x for x in obj if x.name == m.group(2))
    return float(obj)


def same(a: float, b: float) -> bool:
    """Equal, or both NaN, or both the same infinity."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return bool(np.isclose(a, b, rtol=1e-10, atol=1e-9))


def frame_value(frame: pd.DataFrame, row: str, col: str) -> float:
    """A sensitivity frame's cell (row position as text)."""
    return float(frame.iloc[int(row)][col])


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_figures(blob: bytes, prefix: str = "_Fig") -> dict[int, str]:
    """The text inside each figure bookmark (``<prefix><ordinal>``) of a .docx, by
    ordinal, read from ``word/document.xml`` with lxml (not with the writer's library)."""
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    found: dict[int, str] = {}
    open_: dict[str, int] = {}  # bookmark id → ordinal
    for el in root.iter(f"{W}bookmarkStart", f"{W}bookmarkEnd", f"{W}t"):
        if el.tag == f"{W}bookmarkStart":
            name = el.get(f"{W}name", "")
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                ordinal = int(name[len(prefix) :])
                assert ordinal not in found, f"bookmark {name} twice"
                open_[el.get(f"{W}id", "")] = ordinal
                found[ordinal] = ""
        elif el.tag == f"{W}bookmarkEnd":
            open_.pop(el.get(f"{W}id", ""), None)
        else:
            for ordinal in open_.values():
                found[ordinal] += el.text or ""
    assert not open_, f"bookmarks never closed: {open_}"
    return found


def squeeze(text: str) -> str:
    """``text`` in NFKC without any whitespace: how a PDF's extracted text is compared
    (pdftotext breaks lines inside a figure and spaces CJK text as it lays it out)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def missing_from(figures: list[Figure], text: str) -> list[tuple[str, int, int]]:
    """The figure texts that ``text`` (a PDF's, :func:`squeeze`-d) holds fewer times than
    the report prints them: (text, times printed, times found)."""
    wanted = Counter(squeeze(f.text) for f in figures)
    return [(k, n, text.count(k)) for k, n in wanted.items() if text.count(k) < n]
