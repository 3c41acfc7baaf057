"""The report as a document model: sections of headings, paragraphs, lists, tables and
figures, which the Word writer (:mod:`renewfin.report.word`) lays out.

The sections are written once, by the section renderers (``renewfin.report.sections``,
``basis``, ``analysis``), as the tagged HTML the report's figure tests read. This module
reads that HTML back into blocks (:func:`sections_of`), so that the Word and PDF
documents carry exactly the text and figures of the HTML, never a second hand-written
copy. Each quoted figure (an element with ``data-value``) stays tagged: the text of a
paragraph or a cell is a sequence of :class:`Run`, and a figure's run holds the figure's
ordinal among the HTML's figures, which the Word writer turns into a bookmark.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar, Literal

_SPACES = re.compile(r"\s+")

ParagraphStyle = Literal["body", "note", "item"]
"""How a paragraph reads: running text, a note under a table, or a list item."""


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section (level 2: the section title is level 1)."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Run:
    """A stretch of text; ``figure`` is the ordinal of the quoted figure it prints (the
    n-th element with ``data-value`` in the HTML, counted from 0 in document order by start
    tag), None for plain text."""

    text: str
    figure: int | None = None


Runs = tuple[Run, ...]


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text; ``runs`` (when given) are its text split at the figures."""

    text: str
    style: ParagraphStyle = "body"
    runs: Runs = ()


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, whether it holds a number (right-aligned), its check status
    and its text split at the figures (``runs``, when given)."""

    text: str
    numeric: bool = False
    status: Literal["", "ok", "bad"] = ""
    runs: Runs = ()


def runs_of(block: Paragraph | Cell) -> Runs:
    """The runs of a paragraph or cell: ``runs``, else its text as one plain run."""
    return block.runs or ((Run(block.text),) if block.text else ())


@dataclass(frozen=True)
class Table:
    """A table: header texts, rows of cells and the money unit shown above it."""

    head: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    unit: str = ""


@dataclass(frozen=True)
class Figure:
    """A chart, by id (``ReportData`` charts), with its caption."""

    chart: str
    caption: str


Block = Heading | Paragraph | Table | Figure


@dataclass(frozen=True)
class Section:
    """A numbered section of the report."""

    key: str
    title: str
    blocks: tuple[Block, ...]


def _norm_runs(pieces: list[tuple[str, int | None]]) -> Runs:
    """``pieces`` of text (each with the figure it belongs to), stripped, every run of
    whitespace made one space (as ``" ".join(text.split())``), regrouped into runs of the
    same figure."""
    owners = {owner for _, owner in pieces}
    if len(owners) == 1:  # most cells: plain text, or one figure's text
        text = " ".join("".join(p for p, _ in pieces).split())
        return (Run(text, owners.pop()),) if text else ()
    runs: list[Run] = []
    for piece, owner in pieces:
        text = _SPACES.sub(" ", piece)
        if text.startswith(" ") and (not runs or runs[-1].text.endswith(" ")):
            text = text[1:]  # the space before it already ends the last run, or none leads
        if not text:
            continue
        if runs and runs[-1].figure == owner:
            runs[-1] = Run(runs[-1].text + text, owner)
        else:
            runs.append(Run(text, owner))
    while runs and runs[-1].text.endswith(" "):
        last = runs.pop()
        if last.text.rstrip():
            runs.append(Run(last.text.rstrip(), last.figure))
    return tuple(runs)


@dataclass
class _Row:
    cells: list[Cell] = field(default_factory=list)
    header: bool = False


class _Reader(HTMLParser):
    """Reads the section bodies of a rendered report into blocks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[Section] = []
        self._key: str | None = None
        self._title = ""
        self._blocks: list[Block] = []
        self._text: list[tuple[str, int | None]] | None = None
        self._inner = 0  # <section> elements open inside the section being read
        self._figures = 0  # data-value elements seen so far, in the whole HTML
        self._open: list[tuple[str, int]] = []  # the figure elements open: (tag, ordinal)
        self._kind = ""  # what the text being read is: h2, h3, p, li, td, cap, card
        self._style: ParagraphStyle = "body"
        self._cell_numeric = False
        self._cell_status: Literal["", "ok", "bad"] = ""
        self._rows: list[_Row] | None = None
        self._unit = ""
        self._pending_unit = ""
        self._figure = ""
        self._cards: list[tuple[Runs, Runs]] | None = None
        self._card: list[Runs] = []

    # ---------------------------------------------------------------- tags
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "data-value" in a:
            self._open.append((tag, self._figures))
            self._figures += 1
        cls = set(a.get("class", "").split())
        if tag == "section" and "data-section" in a:
            self._key, self._title, self._blocks = a["data-section"], "", []
            return
        if self._key is None:
            return
        if tag == "section":
            self._inner += 1
        if tag == "h2":
            self._start("h2")
        elif tag == "h3" or tag == "h4":
            self._start("h3")
        elif tag == "div" and "cards" in cls:
            self._cards = []
        elif tag == "div" and self._cards is not None and cls & {"k", "v"}:
            self._start("card")
        elif tag == "p" and self._rows is None:
            if "table-unit" in cls:
                self._start("unit")
            else:
                self._style = "note" if "note" in cls else "body"
                self._start("p")
        elif tag == "li":
            self._style = "item"
            self._start("p")
        elif tag == "table":
            self._rows, self._unit, self._pending_unit = [], self._pending_unit, ""
        elif tag == "tr" and self._rows is not None:
            self._rows.append(_Row())
        elif tag in ("td", "th") and self._rows is not None and self._rows:
            if tag == "th":
                self._rows[-1].header = True
            self._cell_numeric = bool(cls & {"num", "fig"}) or "data-value" in a
            status = cls & {"ok", "bad"}
            self._cell_status = "ok" if "ok" in status else "bad" if "bad" in status else ""
            self._start("td")
        elif tag == "figure":
            self._figure = a.get("data-chart", "")
        elif tag == "figcaption":
            self._start("cap")
        elif tag == "br" and self._text is not None:
            self._text.append((" ", None))

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            self._open.pop()
        if self._key is None:
            return
        if tag == "section" and self._inner:
            self._inner -= 1  # an appendix table's own <section>
            return
        if tag == "section":
            self._flush_cards()
            self.sections.append(Section(self._key, self._title, tuple(self._blocks)))
            self._key = None
            return
        runs = self._take() if self._text is not None and self._closes(tag) else None
        if runs is None:
            if tag == "table" and self._rows is not None:
                self._end_table()
            elif tag == "div" and self._cards is not None and not self._card_open():
                pass
            return
        text = "".join(r.text for r in runs)
        if self._kind == "h2":
            self._title = text
        elif self._kind == "h3":
            self._flush_cards()
            self._blocks.append(Heading(text))
        elif self._kind == "unit":
            self._pending_unit = text
        elif self._kind == "p":
            if text:
                self._flush_cards()
                self._blocks.append(Paragraph(text, self._style, runs))
        elif self._kind == "td" and self._rows:
            cell = Cell(text, self._cell_numeric, self._cell_status, runs)
            self._rows[-1].cells.append(cell)
        elif self._kind == "cap":
            self._blocks.append(Figure(self._figure, text))
        elif self._kind == "card" and self._cards is not None:
            self._card.append(runs)
            if len(self._card) == 2:
                self._cards.append((self._card[0], self._card[1]))
                self._card = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append((data, self._open[-1][1] if self._open else None))

    # ---------------------------------------------------------------- helpers
    _CLOSERS: ClassVar[dict[str, str]] = {
        "h2": "h2",
        "h3": "h3",
        "unit": "p",
        "p": "p",
        "td": "td",
        "cap": "figcaption",
    }

    def _closes(self, tag: str) -> bool:
        if self._kind == "h3":
            return tag in ("h3", "h4")
        if self._kind == "p" and self._style == "item":
            return tag == "li"
        if self._kind == "td":
            return tag in ("td", "th")
        if self._kind == "card":
            return tag == "div"
        return self._CLOSERS.get(self._kind) == tag

    def _card_open(self) -> bool:
        return self._kind == "card" and self._text is not None

    def _start(self, kind: str) -> None:
        self._kind, self._text = kind, []

    def _take(self) -> Runs:
        assert self._text is not None
        runs = _norm_runs(self._text)
        self._text = None
        return runs

    def _end_table(self) -> None:
        assert self._rows is not None
        rows = [r for r in self._rows if r.cells]
        self._rows = None
        if not rows:
            return
        head: tuple[str, ...] = ()
        if rows[0].header:
            head = tuple(c.text for c in rows[0].cells)
            rows = rows[1:]
        self._flush_cards()
        self._blocks.append(Table(head, tuple(tuple(r.cells) for r in rows), self._unit))

    def _flush_cards(self) -> None:
        if self._cards:
            rows = tuple((_cell(k), _cell(v, numeric=True)) for k, v in self._cards)
            self._blocks.append(Table((), rows))
        if self._cards is not None:
            self._cards = None if not self._card_open() else self._cards


def _cell(runs: Runs, numeric: bool = False) -> Cell:
    return Cell("".join(r.text for r in runs), numeric, runs=runs)


def sections_of(html: str) -> list[Section]:
    """The sections of a rendered report (``<section data-section=…>``) as blocks.

    Parameters
    ----------
    html : str
        A report from :func:`renewfin.report.render`.

    Returns
    -------
    list of Section
        In reading order, each with its title and blocks.
    """
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.sections
