"""Row helpers shared by the Funding sheet's modules (sources, bonds, loans, reserves,
distributions, waterfall, statements): the sheet's name, formula terms of a period column,
sums over rows, instrument totals, corkscrews and derived inputs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.excel.book import At, Template

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

F = "Funding"
"""The sheet of the funding rows."""
PPY = "timeline.periods_per_year"
"""The input path of the periods a year [1/yr]."""


def sum_rows(x: At, ids: list[str]) -> str:
    """The sum of the rows ``ids`` in the column at ``x`` (a formula term; ``0`` for none)."""
    return "(" + "+".join(x.p(i) for i in ids) + ")" if ids else "0"


def construction(x: At) -> str:
    """The construction flag of the column at ``x`` (1 in construction, 0 after)."""
    return x.p("flag.construction")


def period(x: At) -> str:
    """The period index of the column at ``x`` (0 the first)."""
    return x.p("time.period")


def corkscrew(id: str, inflows: list[str], outflow: str) -> Template:
    """A balance row: the one before + the ``inflows`` − the ``outflow`` (money units)."""

    def formula(x: At) -> str:
        return f"={x.prev(id)}+{sum_rows(x, inflows)}-{x.p(outflow)}"

    return formula


def instrument_totals(
    w: ModelWriter, kind: str, names: list[str], rows: list[tuple[str, str, str, bool]]
) -> None:
    """Rows ``{kind}.{key}`` = Σ over instruments ``{kind}[name].{key}``, for each
    (key, Chinese label, English label, flow?) of ``rows`` (a balance has no total)."""
    for key, zh, en, flow in rows:

        def total(x: At, key: str = key) -> str:
            return "=" + sum_rows(x, [f"{kind}[{n}].{key}" for n in names])

        w.book.row(F, f"{kind}.{key}", zh, en, total, total=flow)


def derived_input(w: ModelWriter, path: str, formula: str) -> None:
    """Turn the Inputs cell of ``path`` into a calculation (``formula``), styled as one:
    a value the formulas need that follows from other inputs."""
    from openpyxl.styles import Font, PatternFill

    ref = w.book.input_ref(path)
    cell = w.book.wb["Inputs"][ref.split("!")[1].replace("$", "")]
    cell.value = formula
    cell.fill, cell.font = PatternFill(fill_type=None), Font(color="000000")
