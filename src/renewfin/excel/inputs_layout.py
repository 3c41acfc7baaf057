"""The Inputs sheet laid out for people (issue 19, point 4): the inputs grouped under
headings by part of the spec, the engine-internal values (unit factors, period counts,
IRR starting guesses, values derived by formula) in a separate block below them, styled
grey, and above every time-series input a row with the calendar year of each column.

The inputs are written in the order the formulas first need them; ``regroup`` moves the
rows once every formula is written and rewrites every reference to them (formulas on
every sheet, data validation, the book's input map)."""

from __future__ import annotations

import re
from copy import copy
from typing import TYPE_CHECKING, Any

from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.cell_range import MultiCellRange

from renewfin.excel.book import FIRST, NOTE_FONT, SECTION_FONT, col, put_text
from renewfin.spec.labels import first_year
from renewfin.spec.opex import OpexItem, OpexTiming

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

S = "Inputs"
INTERNAL_FILL = PatternFill("solid", fgColor="EDEDED")
INTERNAL_FONT = Font(color="595959")
INTERNAL_TITLE = (
    "模型内部参数（由规格推导或由引擎求得，请重新运行 renewfin 而非修改） "
    "Engine-internal values (derived from the spec or by the engine: rerun "
    "renewfin rather than edit them)"
)
INTERNAL = (
    "timeline.periods_per_year",
    "xl.n_periods",
    "xl.last_held_period",
    "xl.has_exit",
    "xl.irr_guess",
    "xl.money",
    "xl.yuan",
    "xl.per_year",
    "xl.cost_factor",
    "xl.surcharge_share",
    "xl.lpr_level",
    "xl.repay_start",
    "xl.maturity",
    "xl.draw_weight",
    "xl.fund_draw_weight",
    "xl.fund_end",
    "xl.reit_end",
    "xl.check_tol",
    "xl.capex_credit",
    "xl.coupons_per_year",
    "xl.weights_left",
    "xl.dsra_from_plan",
    "xl.sizing_dscr",
)
"""Path prefixes of the engine-internal values (and every vector of formulas)."""
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("时间与风险 Timeline and risks", ("timeline.", "risk.", "xl.first_year")),
    ("投资 Investment", ("investment[", "price_contingency.", "xl.capex_vat[", "xl.schedule[")),
    (
        "收入 Revenues",
        (
            "revenues[",
            "xl.vat_rate[",
            "xl.ptax_rate[",
            "xl.growth_every[",
            "xl.end_year[",
            "xl.sales",
        ),
    ),
    ("运营成本 Operating costs", ("opex[", "xl.every[")),
    (
        "税费与营运资金 Taxes and working capital",
        (
            "tax.",
            "working_capital.",
            "xl.ptax_",
            "xl.carry_years",
            "xl.land_use_",
            "xl.stamp_",
            "xl.vat_refund",
            "xl.deed_rate",
            "xl.holiday_",
            "xl.lat_",
            "xl.life[",
            "xl.tax_life[",
            "xl.residual[",
            "xl.include_residual",
        ),
    ),
    (
        "财政资金 Fiscal funds",
        ("funding.fiscal_funds", "funding.government_payment", "xl.disburse[", "xl.subsidy_years["),
    ),
    ("专项债 Special bonds", ("funding.special_bonds", "xl.bond_shares[", "xl.refi_tenor[")),
    (
        "贷款 Loans",
        ("funding.loans", "funding.lpr", "xl.lpr_path", "xl.target_dscr[", "xl.weights["),
    ),
    (
        "基金与REITs退出 Fund and REIT exit",
        (
            "funding.fund.",
            "funding.reit_exit",
            "funding.equity_instrument_cap",
            "xl.reit_",
            "xl.fund_",
            "xl.reinvest_kept",
            "xl.disburse[fund]",
        ),
    ),
    (
        "现金与分配 Cash and distribution",
        ("funding.", "xl.profit_policy", "xl.distributable_share", "xl.party_share["),
    ),
    ("评价与契约 Evaluation and covenants", ("evaluation.", "xl.floor.")),
)
OTHER = "其他参数 Other parameters"
YEAR_LABEL = "年份 Calendar year"
REF = re.compile(r"(?:'Inputs'|Inputs)!(\$?[A-Z]{1,3}\$?)(\d+)(?::(\$?[A-Z]{1,3}\$?)(\d+))?")


def group_of(path: str, formulas: bool = False) -> str:
    """The heading an input falls under (``INTERNAL_TITLE`` for an engine-internal value
    or a vector of formulas)."""
    if formulas or path.startswith(INTERNAL):
        return INTERNAL_TITLE
    if path.startswith("xl.disburse[fund]"):
        return GROUPS[8][0]
    return next((title for title, prefixes in GROUPS if path.startswith(prefixes)), OTHER)


def regroup(w: ModelWriter) -> None:
    """Move the Inputs rows under their headings (spec inputs first, in the order of
    ``GROUPS``, then the engine-internal block), with a calendar-year row above every
    vector, and rewrite every reference to a moved row."""
    b = w.book
    ws = b.wb[S]
    assert not any(c.sheet == S for c in b.cells.values())
    vectors = {int(REF.match(v).group(2)): p for p, v in b.vectors.items()}  # type: ignore[union-attr]
    store: dict[tuple[int, int], Any] = ws._cells
    rows: dict[int, list[Any]] = {}
    for (r, _), cell in sorted(store.items()):
        if r >= 2:
            rows.setdefault(r, []).append(cell)
    blocks: dict[str, list[int]] = {}
    for r, cells in rows.items():
        path = str(ws.cell(r, 1).value)
        formulas = r in vectors and any(c.data_type == "f" for c in cells if c.column >= FIRST)
        blocks.setdefault(group_of(path, formulas), []).append(r)
    order = [t for t, _ in GROUPS] + [OTHER, INTERNAL_TITLE]
    moved: dict[int, int] = {}
    layout: list[tuple[str, str | int]] = []
    for title in order:
        if title not in blocks:
            continue
        layout.append(("head", title))
        for r in blocks[title]:
            if r in vectors:
                layout.append(("years", r))
            layout.append(("row", r))
    for k, (kind, what) in enumerate(layout, start=2):
        if kind == "row":
            moved[int(what)] = k
    w.input_row = len(layout) + 2  # an input written later goes below the layout
    _remap_everything(w, moved)
    snapshot = {
        r: [(c.column, c._value, copy(c._style), c.data_type) for c in cells]
        for r, cells in rows.items()
    }
    for key in [k for k in store if k[0] >= 2]:
        del store[key]
    internal = False
    for k, (kind, what) in enumerate(layout, start=2):
        if kind == "head":
            internal = what == INTERNAL_TITLE
            put_text(ws, k, 2, str(what)).font = SECTION_FONT
        elif kind == "years":
            _year_row(w, k, vectors[int(what)])
        else:
            for c, value, style, dtype in snapshot[int(what)]:
                target: Any = ws.cell(k, c)
                target._value, target._style, target.data_type = value, style, dtype
                if internal and c >= 5 and value is not None:
                    target.fill, target.font = INTERNAL_FILL, INTERNAL_FONT


def _remap_everything(w: ModelWriter, moved: dict[int, int]) -> None:
    """Rewrite every reference to an Inputs row in ``moved`` (old → new row)."""

    def sub(m: re.Match[str]) -> str:
        a = f"Inputs!{m.group(1)}{moved.get(int(m.group(2)), int(m.group(2)))}"
        if m.group(3) is None:
            return a
        return f"{a}:{m.group(3)}{moved.get(int(m.group(4)), int(m.group(4)))}"

    for sheet in w.book.wb.worksheets:
        store: dict[tuple[int, int], Any] = sheet._cells
        for cell in store.values():
            v = cell._value
            if isinstance(v, str) and v.startswith("=") and "Inputs!" in v:
                cell._value = REF.sub(sub, v)
    b = w.book
    b.inputs = {p: REF.sub(sub, v) for p, v in b.inputs.items()}
    b.vectors = {p: REF.sub(sub, v) for p, v in b.vectors.items()}
    ws = b.wb[S]
    for dv in ws.data_validations.dataValidation:
        cells = []
        for rng in dv.sqref.ranges:
            r = moved.get(rng.min_row, rng.min_row)  # one row: a cell or a vector's span
            end = f":{col(rng.max_col)}{r}" if rng.max_col > rng.min_col else ""
            cells.append(f"{col(rng.min_col)}{r}{end}")
        dv.sqref = MultiCellRange(" ".join(cells))


def _year_row(w: ModelWriter, r: int, path: str) -> None:
    """Row ``r``: the calendar year of each column of the vector ``path`` (formulas on the
    first-year input and the vector's anchor: its phase's start, its stream's first period,
    its issue or disbursement start, its first repayment period, or the model year)."""
    ws = w.book.wb[S]
    put_text(ws, r, 2, YEAR_LABEL).font = NOTE_FONT
    put_text(ws, r, 3, f"Calendar year of each column of {path}").font = NOTE_FONT
    first = w.book.input_ref("xl.first_year")
    start = _anchor(w, path)
    for k in range(_width(w.book.vectors[path])):
        cell = ws.cell(r, FIRST + k, f"={first}+{start(k)}")
        cell.number_format, cell.font = "0", NOTE_FONT


def _width(rng: str) -> int:
    """The number of columns of an Inputs range."""
    m = REF.match(rng)
    assert m is not None
    a, z = m.group(1).replace("$", ""), (m.group(3) or m.group(1)).replace("$", "")
    from openpyxl.utils import column_index_from_string as idx

    return idx(z) - idx(a) + 1


def _anchor(w: ModelWriter, path: str) -> Any:
    """The model year of column ``k`` of vector ``path``, as a formula of ``k``."""
    spec, b = w.spec, w.book
    ppy = b.input_ref("timeline.periods_per_year")
    name = path.split("[", 1)[1].split("]", 1)[0] if "[" in path else ""
    if path.startswith("xl.schedule["):
        item = next(i for i in spec.investment if i.name == name)
        ph = spec.timeline.phases[0] if item.phase is None else spec.timeline.phase(item.phase)
        s = b.input_ref(f"timeline.phases[{ph.name}].start_year")
        return lambda k: f"INT({s})+{k}"
    if path.startswith(("revenues[", "xl.sales[")):
        c = b.cell(f"xl.start[{name}]")
        s = f"'{c.sheet}'!$E${c.row}"
        return lambda k: f"INT({s}/{ppy})+{k}"
    if path.startswith("xl.disburse["):
        at = "funding.fund" if name == "fund" else f"funding.fiscal_funds[{name}]"
        s = b.input_ref(f"{at}.start_year")
        return lambda k: f"INT({s})+{k}"
    if path.startswith("xl.bond_shares["):
        at = f"funding.special_bonds[{name}].issue_year"
        if at in b.inputs:
            s = b.inputs[at]
            return lambda k: f"INT({s})+{k}"
    if path.startswith("opex["):  # a year list of the item (``Basis.vectors``), by its years
        item = next(o for o in spec.opex if o.name == name)
        first = first_year(OpexItem, path.rsplit(".", 1)[1])  # the field's ``FromYear``
        ph = spec.timeline.phase(item.phase).name
        edge = "start" if item.timing is OpexTiming.CONSTRUCTION else "completion"
        c = b.cell(f"xl.phase_{edge}[{ph}]")
        s = f"'{c.sheet}'!$E${c.row}"
        return lambda k: f"INT({s}/{ppy})+{first + k}"
    if path.startswith(("xl.weights[", "xl.weights_left[")):
        s = b.input_ref(f"xl.repay_start[{name}]")
        return lambda k: f"INT(({s}+{k})/{ppy})"
    return lambda k: f"{k}"
