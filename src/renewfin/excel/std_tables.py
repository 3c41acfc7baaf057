"""The standard evaluation tables (renewfin.tables) as workbook sheets, by model year.

Every row that renewfin.tables builds from model lines or from its own rows is a live
formula: a line of the model, or a signed sum of lines (optionally counted only in
construction periods), summed by model year (SUMIF / SUMPRODUCT on the model year),
taken at the start or end of the year, or run up to the year end; sums of rows of the
same table, running totals and the year-before value; the statutory reserve from the
distributable-share input; the investment estimate from the item lines and their VAT
rate inputs. Terms of ``renewfin.tables.Term`` reach further: a line's previous period
(the change of cash in construction), a positive-part flag (taxable income after losses)
and a scalar input (the capital share of bonds; the split of the VAT surcharges by the
shares of the preset rates, written as engine-internal inputs). The depreciation by asset
class reads rows of its own on the Funding sheet (``depreciation_rows``). A row none of
these express is written as a number and listed on the Control sheet (none in the bundled
models or the feature matrix). Ratio rows read the Ratios sheet.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from openpyxl.styles import Font

from renewfin.excel import distributions
from renewfin.excel.book import (
    FIRST,
    HEAD_FILL,
    HEAD_FONT,
    MONEY,
    SOLVED_FILL,
    At,
    col,
    fit_column,
    put_text,
    set_text,
)
from renewfin.excel.exit_taxes import credited_vat
from renewfin.excel.operating import hand_back_term
from renewfin.tables import (
    AND,
    INPUT,
    LAG,
    POSITIVE,
    SHARE,
    TABLES,
    VAT,
    Formula,
    Term,
    standard_tables,
)

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.worksheet.worksheet import Worksheet

    from renewfin.excel.writer import ModelWriter

RATIO_ROWS = {
    "dscr_cn": "ratio.dscr_cn",
    "dscr": "ratio.dscr",
    "loan_dscr": "ratio.loan_dscr",
    "icr": "ratio.icr",
    "coverage.bond": "ratio.annual_cover",
    "coverage.total": "ratio.total_cover",
}
"""Ratio rows of the standard tables that are rows of the Ratios sheet (by model year)."""


def _coef(c: float) -> str:
    """A term's sign and coefficient as formula text."""
    if c == 1.0:
        return "+"
    if c == -1.0:
        return "-"
    return f"+{c!r}*" if c > 0 else f"-{-c!r}*"


class _Years:
    """Year formulas on model lines of the workbook: flows summed by model year, balances
    at the start or end of the year."""

    def __init__(self, w: ModelWriter) -> None:
        b = self.book = w.book
        self.ppy = b.input_ref("timeline.periods_per_year")
        self.n = w.spec.n_periods
        year_row = b.cell("time.year").row
        self.years = f"'Time'!${col(FIRST)}${year_row}:${col(FIRST + self.n - 1)}${year_row}"
        tl = w.result.timeline
        self.own = w.table_formulas
        """Rows written from workbook rows of their own (``depreciation_rows``)."""
        self.of_label = {str(tl.start_years[p]): p // tl.ppy for p in range(0, self.n, tl.ppy)}
        """Model year of each year column label (the calendar year it starts in)."""

    def linked(self, id: str) -> bool:
        """Whether ``id`` (a line, ``LAG`` + line, or a flag of ``renewfin.tables.Term``)
        is calculated in the workbook."""
        if id.startswith(INPUT):
            return id.removeprefix(INPUT) in self.book.inputs
        id = id.removeprefix(LAG).removeprefix(POSITIVE)
        return id in self.book.cells and not self.book.cells[id].constant

    def range(self, id: str) -> str:
        """The period row of line ``id`` (``LAG`` + id: shifted one period, from the
        empty column before the first)."""
        lag = int(id.startswith(LAG))
        cell = self.book.cells[id.removeprefix(LAG)]
        last = FIRST + (cell.n or self.n) - 1 - lag
        return f"'{cell.sheet}'!${col(FIRST - lag)}${cell.row}:${col(last)}${cell.row}"

    def factors(self, flag: str | None) -> list[str]:
        """A term's flag (``renewfin.tables.Term``) as factors of a product (none for
        None)."""
        out = []
        for part in flag.split(AND) if flag is not None else ():
            if part.startswith(POSITIVE):
                out.append(f"({self.range(part.removeprefix(POSITIVE))}>0)")
            elif part.startswith(INPUT):
                out.append(self.book.input_ref(part.removeprefix(INPUT)))
            else:
                out.append(self.range(part))
        return out

    def formula(self, how: str, terms: tuple[Term, ...], y: str) -> str:
        """The value of a model year of a row ``Σ coef · flag · line``; ``y`` is the
        reference of the cell holding the model year (0 = the first). Flows of several
        terms with the same flag are summed in one SUMPRODUCT (short formulas)."""
        if how in ("flow", "upto"):
            return "=" + (self._flows(how, terms, y).removeprefix("+") or "0")
        parts = []
        for c, id, _ in terms:
            rng = self.range(id)
            if how == "start":
                t = f"INDEX({rng},{y}*{self.ppy}+1)"
            else:
                t = f"INDEX({rng},MIN(({y}+1)*{self.ppy},COLUMNS({rng})))"
            parts.append(_coef(c) + t)
        return "=" + ("".join(parts).removeprefix("+") if parts else "0")

    def _flows(self, how: str, terms: tuple[Term, ...], y: str) -> str:
        """``formula`` of flows summed by model year (``upto``: every year to ``y``)."""
        op = "<=" if how == "upto" else "="
        groups: dict[str | None, list[tuple[float, str]]] = {}
        for c, id, flag in terms:
            groups.setdefault(flag, []).append((c, id))
        out = []
        for flag, members in groups.items():
            if flag is None and len(members) == 1:
                c, id = members[0]
                out.append(_coef(c) + f'SUMIF({self.years},"{op}"&{y},{self.range(id)})')
                continue
            total = "".join(_coef(c) + self.range(id) for c, id in members).removeprefix("+")
            factors = "".join(f"*{f}" for f in self.factors(flag))
            out.append(f"+SUMPRODUCT(({self.years}{op}{y}){factors}*({total}))")
        return "".join(out)


def _formula_of(key: str, kind: str, formulas: dict[str, Formula], years: _Years) -> Formula | None:
    """How row ``key`` is written as a formula, or None when it is written as a number."""
    if key in years.own:
        return years.own[key]
    if kind == "ratio" and key in RATIO_ROWS and years.linked(RATIO_ROWS[key]):
        return ("ratio", ((1.0, RATIO_ROWS[key], None),))
    f = formulas.get(key)
    if f is None:
        return None
    if f[0] in ("rows", "cumsum", "lag", "reserve"):
        flags = [p for _, _, m in f[1] if m is not None for p in m.split(AND)]
        return f if all(years.linked(p) for p in flags) else None
    ids = [line for _, line, _ in f[1]]
    ids += [p for _, _, m in f[1] if m is not None for p in m.split(AND)]
    return f if all(years.linked(i) for i in ids) else None


def depreciation_rows(w: ModelWriter) -> None:
    """Rows of the Funding sheet for 折旧摊销估算表 by asset class
    (``renewfin.tables.depreciation``), recorded in ``w.table_formulas``: each class's
    charge scaled to ``dep_fin.total`` (the capitalised financing costs spread over all
    assets in proportion to value), its original value with those costs (``xl.ov`` of its
    groups × (1 + capitalised ÷ ``xl.ov_total``)), and, while it is in service and held,
    the original and the net book value; the same for the total."""
    b = w.book
    F = "Funding"
    cap = [i for i in ("finance.interest_capitalised", "finance.fees_capitalised") if i in b.cells]
    exited = "reit.flag_exit" in b.cells
    term = hand_back_term(w)

    def held(x: At) -> str:
        out = x.p("flag.held")
        out = f"({out}-{x.p('reit.flag_exit')})" if exited else out
        return out if term is None else f"{out}*{x.at(term, 1)}"

    def uplift(x: At) -> str:
        total = x.p("xl.ov_total")
        sums = "+".join(f"SUM({x.row_range(i)})" for i in cap) or "0"
        return f"(1+IF(ABS({total})>1E-12,({sums})/{total},0))"

    b.section(
        F,
        "折旧摊销按资产类别（含资本化融资费用） Depreciation by asset class, with "
        "capitalised financing costs (standard table T06)",
    )
    blocks = [
        (c.name, f"dep.class[{c.name}]")
        for c in w.spec.depreciation.classes
        if f"dep.class[{c.name}]" in b.cells
    ]
    for name, id in [*blocks, ("total", "dep_fin.total")]:
        if name == "total":
            _class_block(w, name, id, id, ["xl.ov_total"], held, uplift)
            continue
        charge = f"xl.t06.charge[{name}]"

        def scaled(x: At, id: str = id) -> str:
            return (
                f"=IF(ABS({x.p('dep.total')})>1E-12,{x.p(id)}*{x.p('dep_fin.total')}/"
                f"{x.p('dep.total')},0)"
            )

        b.row(
            F,
            charge,
            f"折旧摊销（含资本化融资费用）：{name}",
            f"Depreciation with capitalised financing costs: {name}",
            scaled,
        )
        ovs = [f"xl.ov[{c}|{p}]" for c, p in w.groups if c == name]
        _class_block(w, name, id, charge, ovs, held, uplift)


def _class_block(
    w: ModelWriter,
    name: str,
    id: str,
    charge: str,
    ovs: list[str],
    held: Callable[[At], str],
    uplift: Callable[[At], str],
) -> None:
    """``depreciation_rows`` of one asset class (or the total): original value, running
    charge, in-service flag, original and net book value in service, and their formulas
    for the rows of 折旧摊销估算表 (``id`` + ``.original_value`` / ``.charge`` /
    ``.net_value``)."""
    b, F = w.book, "Funding"
    ov, cum, on, orig, net = (
        f"xl.t06.{part}[{name}]" for part in ("ov", "cum", "on", "orig", "net")
    )
    b.constant(
        F,
        ov,
        f"原值（含资本化融资费用）：{name}",
        f"Original value with capitalised financing costs: {name}",
        lambda x: "=(" + ("+".join(x.p(o) for o in ovs) or "0") + f")*{uplift(x)}",
    )
    b.row(
        F,
        cum,
        f"累计折旧摊销：{name}",
        f"Accumulated depreciation: {name}",
        lambda x: f"={x.prev(cum)}+{x.p(charge)}",
        total=False,
    )
    b.row(
        F,
        on,
        f"在用且持有：{name}",
        f"In service and held: {name}",
        lambda x: f"=({x.p(cum)}>1E-12)*{held(x)}",
        unit="-",
        fmt="0",
        total=False,
    )
    b.row(
        F,
        orig,
        f"原值（在用）：{name}",
        f"Original value in service: {name}",
        lambda x: f"={x.p(ov)}*{x.p(on)}",
        total=False,
    )
    b.row(
        F,
        net,
        f"净值（在用）：{name}",
        f"Net book value in service: {name}",
        lambda x: f"=({x.p(ov)}-{x.p(cum)})*{x.p(on)}",
        total=False,
    )
    w.table_formulas[f"{id}.original_value"] = ("end", ((1.0, orig, None),))
    w.table_formulas[f"{id}.charge"] = ("flow", ((1.0, charge, None),))
    w.table_formulas[f"{id}.net_value"] = ("end", ((1.0, net, None),))


def write(w: ModelWriter) -> list[tuple[str, int, str]]:
    """Write one sheet per standard table; return the rows written as numbers
    (sheet, row, key)."""
    b = w.book
    frames = standard_tables(w.result, w.scenario)
    years = _Years(w)
    numbers: list[tuple[str, int, str]] = []
    for k, (tid, info) in enumerate(TABLES.items(), start=1):
        df = frames[tid]
        name = f"T{k:02d} {info.zh}"[:31]
        ws = b.wb.create_sheet(name)
        w.table_sheets.add(name)
        title = f"{w.spec.project.name} — {info.zh} {info.en}"
        put_text(ws, 1, 2, title).font = Font(bold=True, size=13)
        put_text(ws, 3, 2, f"单位 Unit: {df.attrs.get('unit', w.spec.project.money_unit.value)}")
        cols = list(df.columns)
        for j, c in enumerate(["key", *cols], start=1):
            cell = put_text(ws, 5, j, str(c))
            cell.fill, cell.font = HEAD_FILL, HEAD_FONT
        if tid == "investment_estimate":
            numbers += _investment_estimate(w, years, ws, df, name)
            _layout(ws)
            continue
        for path, (value, zh, en) in df.attrs.get("params", {}).items():
            w.param(path, value, zh, en)
        kinds = df.attrs.get("kinds", {})
        formulas = df.attrs.get("formulas", {})
        year_cols = [j for j, c in enumerate(cols) if str(c).isdigit()]
        model_years = [years.of_label[str(c)] for c in cols if str(c).isdigit()]
        row_of = {str(key): 6 + i for i, key in enumerate(df.index)}
        all_years = model_years == list(range(len(model_years)))
        if year_cols:  # the model year of each column, which the formulas read
            put_text(ws, 4, 3, "模型年 Model year (0 = first)")
            for j, y in zip(year_cols, model_years, strict=True):
                ws.cell(4, j + 2, y).font = Font(italic=True, color="808080")
        # the rows as iterrows gives them, without its deep copy of df.attrs per row
        for i, (key, row) in enumerate(zip(df.index, df.values, strict=True)):
            r = 6 + i
            put_text(ws, r, 1, str(key))
            kind = kinds.get(key, "flow")
            f = _formula_of(str(key), kind, formulas, years)
            if f is not None and f[0] in ("cumsum", "lag") and not all_years:
                f = None  # the years shown do not start at the first: keep the numbers
            for j, c in enumerate(cols):
                value = row[j]
                target = ws.cell(r, j + 2)
                if j < 3:  # 序号, 项目, Item
                    set_text(target, "" if value is None or value != value else str(value))
                    continue
                if j in year_cols and f is not None:
                    y = model_years[year_cols.index(j)]
                    here = col(j + 2)
                    if f[0] == "ratio":
                        target.value = f"='Ratios'!{col(FIRST + y)}{b.cells[f[1][0][1]].row}"
                    elif f[0] == "rows":
                        terms = "".join(
                            _coef(c) + "*".join([f"{here}{row_of[k]}", *years.factors(m)])
                            for c, k, m in f[1]
                        )
                        target.value = "=" + (terms.removeprefix("+") or "0")
                    elif f[0] == "cumsum":
                        prev = f"{col(j + 1)}{r}+" if j != year_cols[0] else ""
                        target.value = f"={prev}{here}{row_of[f[1][0][1]]}"
                    elif f[0] == "lag":
                        first = j == year_cols[0]
                        target.value = "=0" if first else f"={col(j + 1)}{row_of[f[1][0][1]]}"
                    elif f[0] == "reserve":  # 法定盈余公积: rate × max(min(net, available), 0)
                        net, avail = (f"{here}{row_of[k]}" for _, k, _ in f[1])
                        share = distributions.distributable_share(w)
                        target.value = f"=(1-{share})*MAX(MIN({net},{avail}),0)"
                    else:
                        target.value = years.formula(f[0], f[1], f"{here}$4")
                elif j == 3 and f is not None and kind == "flow" and year_cols:
                    a, z = col(year_cols[0] + 2), col(year_cols[-1] + 2)
                    target.value = f"=SUM({a}{r}:{z}{r})"
                else:
                    if value is None or (isinstance(value, float) and math.isnan(value)):
                        continue
                    if isinstance(value, int | float):
                        target.value = float(value)
                    else:
                        set_text(target, str(value))
                    if isinstance(value, int | float):
                        target.fill = SOLVED_FILL
                        numbers.append((name, r, str(key)))
                target.number_format = MONEY if kind != "ratio" else "0.000"
        _layout(ws)
    return numbers


def _layout(ws: Worksheet) -> None:
    ws.freeze_panes = ws.cell(6, 5).coordinate
    ws.column_dimensions["A"].hidden = True
    for c in (2, 3, 4):  # 序号, 项目, Item: as wide as their longest label
        fit_column(ws, c, 5, least=6.0)
    for c in range(5, ws.max_column + 1):  # the total and the year columns
        ws.column_dimensions[col(c)].width = 14


def _investment_estimate(
    w: ModelWriter, years: _Years, ws: Worksheet, df: pd.DataFrame, name: str
) -> list[tuple[str, int, str]]:
    """建设投资估算表 (no year columns): items and the price contingency sum their model
    lines over construction, their input VAT uses the item's rate input, each other row
    sums the rows one level below it, and each share is the row over 建设投资合计."""
    keys = [str(k) for k in df.index]
    levels: dict[str, int] = df.attrs["levels"]
    leaves: dict[str, list[str]] = df.attrs["leaves"]
    row_of = {k: 6 + i for i, k in enumerate(keys)}
    total_r = row_of["capex.total"]
    numbers: list[tuple[str, int, str]] = []

    def children(i: int) -> list[str]:
        if keys[i] == "capex.total":
            return [k for k in keys[:i] if levels[k] == 0]
        out = []
        for k in keys[i + 1 :]:
            if levels[k] <= levels[keys[i]]:
                break
            if levels[k] == levels[keys[i]] + 1:
                out.append(k)
        return out

    def vat(n: str) -> str:
        rate = w.book.input_ref(f"xl.capex_vat[{n}]")
        cr = w.book.input_ref(f"xl.capex_credit[{n}]")
        return f"SUM({years.range(f'capex.item[{n}]')})*{credited_vat(rate, cr)}"

    for i, key in enumerate(keys):
        r = row_of[key]
        put_text(ws, r, 1, key)
        for j, c in enumerate(df.columns):
            value: Any = df.iloc[i, j]  # text in the first three columns, else a number
            target = ws.cell(r, j + 2)
            if j < 3:
                set_text(target, "" if value is None or value != value else str(value))
                continue
            if isinstance(value, float) and math.isnan(value):
                continue
            letter = col(j + 2)
            if c == SHARE:
                target.value = f"={col(5)}{r}/{col(5)}{total_r}"
                target.number_format = "0.00%"
                continue
            if key in leaves and c == VAT:
                parts = [vat(n) for n in leaves[key]]
            elif key in leaves:
                lines = [f"capex.item[{n}]" for n in leaves[key]] or (
                    [key] if key in ("capex.price_contingency", "capex.deed_tax") else []
                )
                parts = [f"SUM({years.range(x)})" for x in lines if years.linked(x)]
                if len(parts) != len(lines):
                    target.value, target.fill = float(value), SOLVED_FILL
                    numbers.append((name, r, key))
                    continue
            else:
                parts = [f"{letter}{row_of[k]}" for k in children(i)]
            target.value = "=" + ("+".join(parts) or "0")
            target.number_format = MONEY
    return numbers
