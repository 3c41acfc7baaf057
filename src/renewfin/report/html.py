"""HTML building blocks of the report: escaping, tables, the standard tables in column
blocks, and figures."""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from renewfin.report.charts import ChartImage
from renewfin.report.fmt import Formatter, Kind, attrs, kind_of
from renewfin.report.i18n import Lang, pick, t, unit_label

YEARS_PER_BLOCK = 12
"""Year columns per table block (wide tables are split so that they print on A4)."""

LABEL_COLUMNS = ("序号", "项目", "Item", "合计 Total")
"""Columns of a standard table that are not years."""

SHARE_ROWS = {"bs.debt_ratio"}
"""Standard-table rows that are fractions shown as percentages."""

SHARE_COLUMNS = {"占建设投资比例 Share"}
"""Standard-table columns that are fractions shown as percentages."""

COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "其中：可抵扣进项税额 Input VAT": ("其中：可抵扣进项税额", "of which input VAT"),
    "占建设投资比例 Share": ("占建设投资比例", "Share of investment"),
}
"""Headers of the standard tables' non-year value columns."""


def esc(text: object) -> str:
    """Escape text for HTML."""
    return _html.escape(str(text), quote=True)


def td(text: object, cls: str = "label") -> str:
    """A text cell (escaped)."""
    return f'<td class="{cls}">{esc(text)}</td>'


def tr(cells: Iterable[str], cls: str = "", **locator: object) -> str:
    """A row of pre-rendered cells, with optional ``data-*`` locator attributes."""
    c = f' class="{cls}"' if cls else ""
    return f"<tr{c}{attrs(**locator)}>{''.join(cells)}</tr>"


def table(
    head: Sequence[str], rows: Iterable[str], *, cls: str = "", unit: str = "", **locator: object
) -> str:
    """A table: escaped header texts, pre-rendered rows; ``unit`` above it on the right."""
    c = f' class="{cls}"' if cls else ""
    thead = "".join(f"<th>{esc(h)}</th>" for h in head)
    above = f'<p class="table-unit">{esc(unit)}</p>' if unit else ""
    return (
        f'<div class="block">{above}<table{c}{attrs(**locator)}><thead><tr>{thead}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def figure(chart: ChartImage | None, caption: str = "") -> str:
    """An embedded chart (base64 PNG); empty without a chart."""
    if chart is None:
        return ""
    cap = caption or chart.title
    return (
        f'<figure data-chart="{esc(chart.id)}"><img src="{chart.data_uri()}" '
        f'alt="{esc(cap)}" width="{chart.width}" height="{chart.height}">'
        f"<figcaption>{esc(cap)}</figcaption></figure>"
    )


def _levels(numbers: Sequence[str]) -> list[int]:
    """Indent level of each row from its textbook number (memo rows: one below the last
    numbered row)."""
    out, last = [], 0
    for n in numbers:
        if n:
            last = n.count(".")
            out.append(last)
        else:
            out.append(last + 1)
    return out


def bare(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without its ``attrs`` (a shallow copy): pandas deep-copies a frame's attrs into
    every row, slice and column it hands out, which costs more than the data in a loop."""
    out = df.copy(deep=False)
    out.attrs = {}
    return out


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``df`` as column → value dicts (cheaper than ``iterrows``)."""
    columns = list(df.columns)
    return [dict(zip(columns, values, strict=True)) for values in df.itertuples(index=False)]


def cell_kind(key: str, kind: str, column: str = "") -> Kind:
    """Display kind of a standard-table cell."""
    if key in SHARE_ROWS or column in SHARE_COLUMNS:
        return "share"
    return "ratio" if kind == "ratio" else "money"


def standard_table(
    df: pd.DataFrame,
    fmt: Formatter,
    lang: Lang,
    *,
    keys: Sequence[str] | None = None,
    years: Sequence[str] | None = None,
    total: bool = True,
    block: int = YEARS_PER_BLOCK,
) -> str:
    """A standard table (``renewfin.tables``) as HTML, its year columns in blocks of
    ``block``; every number a figure located by ``data-table`` (on the table),
    ``data-key`` (on the row) and ``data-col`` (on the cell).

    Parameters
    ----------
    df : DataFrame
        The table, with ``attrs`` ``id`` and ``kinds``.
    fmt : Formatter
        Number formatting.
    lang : {"zh", "en"}
        Label column shown.
    keys : sequence of str, optional
        Rows to show (default all), in the table's order.
    years : sequence of str, optional
        Year columns to show (default all).
    total : bool
        Show the 合计 column (in the first block).
    """
    table_id = df.attrs["id"]
    kinds: dict[str, str] = df.attrs.get("kinds", {})
    all_years = [c for c in df.columns if c not in LABEL_COLUMNS]
    ys = list(all_years if years is None else years)
    sub = bare(df)  # pandas deep-copies attrs on every row and slice otherwise
    if keys is not None:
        sub = sub.loc[[k for k in sub.index if k in set(keys)]]
    levels = _levels([str(n) for n in sub["序号"]])
    label_col = "项目" if lang == "zh" else "Item"
    blocks = [ys[i : i + block] for i in range(0, len(ys), block)] or [[]]
    money = any(
        cell_kind(str(k), kinds.get(str(k), "flow")) == "money"
        and kinds.get(str(k), "flow") != "heading"
        for k in sub.index
    )
    unit = unit_label(str(df.attrs.get("unit", "")), lang) or fmt.money_unit
    unit = t("money_unit", lang, unit=unit) if money else ""
    out = []
    records = _rows(sub)
    for b, cols in enumerate(blocks):
        show_total = total and b == 0
        head = ["序号" if lang == "zh" else "No.", t("col.item", lang)]
        head += [t("col.total", lang)] * show_total + [
            pick(*COLUMN_LABELS[c], lang) if c in COLUMN_LABELS else c for c in cols
        ]
        rows = []
        for key, r, level in zip(sub.index, records, levels, strict=True):
            kind = kinds.get(str(key), "flow")
            cells = [td(r["序号"], "no"), td(r[label_col])]
            cls = f"level{min(level, 3)}"
            if kind == "heading":
                cells += ["<td></td>"] * (show_total + len(cols))
                rows.append(tr(cells, f"heading {cls}", key=key))
                continue
            ck = cell_kind(str(key), kind)
            if show_total:
                v = r["合计 Total"]
                cells.append(
                    fmt.fig(v, ck, tag="td", unit=False, col="合计 Total")
                    if np.isfinite(v)
                    else "<td></td>"
                )
            cells += [
                fmt.fig(r[c], cell_kind(str(key), kind, c), tag="td", unit=False, col=c)
                for c in cols
            ]
            rows.append(tr(cells, cls, key=key))
        out.append(table(head, rows, cls="std", unit=unit if b == 0 else "", table=table_id))
    return "".join(out)


def indicator_table(df: pd.DataFrame, fmt: Formatter, lang: Lang) -> str:
    """The headline indicators a standard table carries (``attrs["indicators"]``), each a
    figure located by ``data-table`` and ``data-indicator``; empty without indicators."""
    items: dict[str, dict[str, object]] = df.attrs.get("indicators", {})
    if not items:
        return ""
    rows = []
    for key, v in items.items():
        kind = kind_of(str(v["unit"]))
        value = v["value"]
        assert isinstance(value, int | float)
        rows.append(
            tr(
                [
                    td(pick(str(v["zh"]), str(v["en"]), lang)),
                    fmt.fig(float(value), kind, tag="td", table=df.attrs["id"], indicator=key),
                ]
            )
        )
    return table([t("col.metric", lang), t("col.value", lang)], rows, cls="indicators")
