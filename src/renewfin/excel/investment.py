"""Workbook rows of the construction investment (renewfin.core.investment): each item's
spending profile over its phase, the items, the basic and price contingencies, the deed
tax on land acquired, the totals, the creditable input VAT and the original values of
the assets the company keeps, by asset class and phase."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.core.investment import CATEGORY_ZH, deed_taxed
from renewfin.excel.book import RATIO, At, Template
from renewfin.excel.exit_taxes import credited_per_gross
from renewfin.spec.investment import InvestmentCategory
from renewfin.spec.model import default_asset_class

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.investment import InvestmentItem

SHEET = "Investment"
"""The sheet the investment rows are written on."""

PhaseOf = dict[str, str]
"""The phase (its name) of each investment item by name, and of each contingency's part
by ``"contingency|phase"``."""


def investment_rows(w: ModelWriter) -> None:
    """Construction investment (renewfin.core.investment), in this order on the Investment
    sheet: spending profiles, the items and contingencies, the price contingency, the deed
    tax, the totals, the creditable input VAT and the original values; sets ``w.groups``
    to the (asset class, phase) pairs of the original values.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; its spec gives the investment items.
    """
    b, spec = w.book, w.spec
    b.section(SHEET, "投资支出比例 Spending profiles")
    phase_of = {item.name: _spending_profile_rows(w, item) for item in _works(w)}
    b.section(SHEET, "建设投资 Construction investment")
    for item in _works(w):
        _capex_item_row(w, item)
    for item in spec.investment:
        if item.category is InvestmentCategory.CONTINGENCY:
            _contingency_rows(w, item, phase_of)
    pc_parts = _price_contingency_rows(w, phase_of)
    deeds = _deed_rows(w)
    _total_rows(w, deeds)
    _input_vat_rows(w)
    _original_value_rows(w, phase_of, pc_parts, deeds)


def _works(w: ModelWriter) -> list[InvestmentItem]:
    """The investment items other than the contingencies, in the spec's order.

    Parameters
    ----------
    w : ModelWriter
        The writer whose spec gives the items.

    Returns
    -------
    list of InvestmentItem
        The items spent on a profile of their own.
    """
    return [i for i in w.spec.investment if i.category is not InvestmentCategory.CONTINGENCY]


def _spending_profile_rows(w: ModelWriter, item: InvestmentItem) -> str:
    """An item's construction years elapsed at each period end, the share of it spent by
    then (its schedule's cumulative share, interpolated within the year) and the share
    spent in the period [-].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    item : InvestmentItem
        An item other than a contingency.

    Returns
    -------
    str
        The name of the item's phase (the first phase if it names none).
    """
    b, spec = w.book, w.spec
    ph = spec.timeline.phases[0] if item.phase is None else spec.timeline.phase(item.phase)
    n = math.ceil(ph.duration_years - 1e-9)
    sched = f"xl.schedule[{item.name}]"
    years_path = f"timeline.phases[{ph.name}].duration_years"

    def position(x: At) -> str:
        start = x.p(f"xl.phase_start[{ph.name}]")
        dur = f"({x.p(f'xl.phase_completion[{ph.name}]')}-{start})"
        return f"=MIN(MAX(({x.p('time.period')}+1-{start})/{dur},0),1)*{x.i(years_path)}"

    def spent(x: At) -> str:
        p = x.p(f"xl.position[{item.name}]")
        k = f"MIN(INT({p}),{n - 1})"
        return (
            f"=INDEX({x.v(sched + '.cum')},{k}+1)+({p}-{k})/"
            f"INDEX({x.v(sched + '.seg')},{k}+1)*INDEX({x.v(sched)},{k}+1)"
        )

    def profile(x: At) -> str:
        return f"={x.p(f'xl.spent[{item.name}]')}-{x.prev(f'xl.spent[{item.name}]')}"

    b.row(
        SHEET,
        f"xl.position[{item.name}]",
        f"期末所处建设年份：{item.name}",
        f"Construction years elapsed at the period end: {item.name}",
        position,
        unit="-",
        fmt=RATIO,
        total=False,
    )
    b.row(
        SHEET,
        f"xl.spent[{item.name}]",
        f"期末累计支出比例：{item.name}",
        f"Share spent by the period end: {item.name}",
        spent,
        unit="-",
        fmt=RATIO,
        total=False,
    )
    b.row(
        SHEET,
        f"xl.profile[{item.name}]",
        f"支出比例：{item.name}",
        f"Spend share: {item.name}",
        profile,
        unit="-",
        fmt=RATIO,
    )
    return ph.name


def _capex_item_row(w: ModelWriter, item: InvestmentItem) -> None:
    """An item's spending: its amount (× 1 + the risk overrun, if it applies) × its spend
    share [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the row.
    item : InvestmentItem
        An item other than a contingency.
    """
    over = "*(1+{o})" if item.overrun_applies else ""

    def capex_item(x: At) -> str:
        return (
            f"={x.i(f'investment[{item.name}].amount')}"
            + over.format(o=x.i("risk.capex_overrun"))
            + f"*{x.p(f'xl.profile[{item.name}]')}"
        )

    w.book.row(
        SHEET,
        f"capex.item[{item.name}]",
        f"{CATEGORY_ZH[item.category]}：{item.name}",
        f"Capex: {item.name}",
        capex_item,
    )


def _contingency_rows(w: ModelWriter, item: InvestmentItem, phase_of: PhaseOf) -> None:
    """A basic contingency by phase (its rate × the items of its base categories in the
    phase) and in all [money unit]; adds each part's phase to ``phase_of`` under
    ``"name|phase"``.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    item : InvestmentItem
        A contingency item.
    phase_of : PhaseOf
        The phase of each item written so far; extended in place.
    """
    b = w.book
    base = [o.name for o in w.spec.investment if o.category in item.base_categories]
    phases = sorted({phase_of[n] for n in base}, key=list(w.phase_names).index)
    for ph in phases:
        parts = [n for n in base if phase_of[n] == ph]

        def contingency(x: At, parts: list[str] = parts) -> str:
            return (
                f"={x.i(f'investment[{item.name}].rate')}*("
                + "+".join(x.p(f"capex.item[{n}]") for n in parts)
                + ")"
                if parts
                else "=0"
            )

        b.row(
            SHEET,
            f"xl.contingency[{item.name}|{ph}]",
            f"基本预备费 {item.name}（{ph}）",
            f"Contingency {item.name} ({ph})",
            contingency,
        )
    ids = [f"xl.contingency[{item.name}|{ph}]" for ph in phases]
    b.row(
        SHEET,
        f"capex.item[{item.name}]",
        f"{CATEGORY_ZH[item.category]}：{item.name}",
        f"Capex: {item.name}",
        lambda x: "=" + ("+".join(x.p(i) for i in ids) if ids else "0"),
    )
    for ph in {phase_of[n] for n in base}:  # a set's order, which orders xl.pc and xl.ov
        phase_of[f"{item.name}|{ph}"] = ph


def _price_contingency_rows(w: ModelWriter, phase_of: PhaseOf) -> dict[str, list[str]]:
    """The price-contingency factor ((1 + rate)^(years before the start + years to the
    period's middle) − 1) [-], the price contingency on the escalating items and
    contingencies by phase and in all [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    phase_of : PhaseOf
        The phase of each item and contingency part.

    Returns
    -------
    dict of str to list of str
        The rows escalated, by phase (only the phases with any).
    """
    b, spec = w.book, w.spec
    ppy = "timeline.periods_per_year"
    first = min(spec.timeline.phases, key=lambda p: p.start_year).name
    b.row(
        SHEET,
        "xl.pc_factor",
        "涨价预备费系数",
        "Price-contingency factor",
        lambda x: (
            f"=(1+{x.i('price_contingency.rate')})^({x.i('price_contingency.years_before_start')}"
            f"+({x.p('time.period')}-{x.p(f'xl.phase_start[{first}]')}+0.5)/{x.i(ppy)})-1"
        ),
        unit="-",
        fmt=RATIO,
        total=False,
    )
    pc_parts: dict[str, list[str]] = {}
    for it in spec.investment:
        if it.category is InvestmentCategory.CONTINGENCY:
            if it.escalates:
                for key, ph in phase_of.items():
                    if key.startswith(f"{it.name}|"):
                        pc_parts.setdefault(ph, []).append(f"xl.contingency[{key}]")
        elif it.escalates:
            pc_parts.setdefault(phase_of[it.name], []).append(f"capex.item[{it.name}]")
    for ph, parts in pc_parts.items():

        def price_contingency(x: At, parts: list[str] = parts) -> str:
            return "=(" + "+".join(x.p(p) for p in parts) + f")*{x.p('xl.pc_factor')}"

        b.row(
            SHEET,
            f"xl.pc[{ph}]",
            f"涨价预备费（{ph}）",
            f"Price contingency ({ph})",
            price_contingency,
        )
    b.row(
        SHEET,
        "capex.price_contingency",
        "涨价预备费",
        "Price contingency",
        lambda x: "=" + ("+".join(x.p(f"xl.pc[{ph}]") for ph in pc_parts) or "0"),
    )
    return pc_parts


def _deed_rows(w: ModelWriter) -> list[str]:
    """契税 on the land acquired, capitalised (renewfin.core.investment.build): the rate
    (契税法 第三条) and each item's cost net of VAT × the rate, and their sum [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.

    Returns
    -------
    list of str
        The items that bear deed tax (none: no rows).
    """
    b = w.book
    deeds = deed_taxed(w.spec)
    if not deeds:
        return deeds
    w.param(
        "xl.deed_rate",
        w.result_rates().deed,
        "契税税率",
        "Deed tax rate",
        "-",
        "契税法 第三条: 3–5 % by province",
    )
    for n in deeds:

        def deed_row(x: At, n: str = n) -> str:
            return (
                f"={x.p(f'capex.item[{n}]')}/(1+{x.i(f'xl.capex_vat[{n}]')})*{x.i('xl.deed_rate')}"
            )

        b.row(SHEET, f"xl.deed[{n}]", f"契税：{n}", f"Deed tax: {n}", deed_row)
    b.row(
        SHEET,
        "capex.deed_tax",
        "契税",
        "Deed tax on land acquired",
        lambda x: "=" + "+".join(x.p(f"xl.deed[{n}]") for n in deeds),
    )
    return deeds


def _total_rows(w: ModelWriter, deeds: list[str]) -> None:
    """The construction investment (the items, the price contingency and the deed tax)
    and its total by category [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    deeds : list of str
        The items that bear deed tax.
    """
    b, items = w.book, w.spec.investment
    b.row(
        SHEET,
        "capex.total",
        "建设投资",
        "Construction investment",
        lambda x: (
            "="
            + "+".join(
                [x.p(f"capex.item[{it.name}]") for it in items]
                + [x.p("capex.price_contingency")]
                + ([x.p("capex.deed_tax")] if deeds else [])
            )
        ),
    )
    for cat in InvestmentCategory:
        names = [it.name for it in items if it.category is cat]
        if names:

            def category_total(x: At, names: list[str] = names) -> str:
                return "=" + "+".join(x.p(f"capex.item[{n}]") for n in names)

            b.row(
                SHEET,
                f"capex.category[{cat.value}]",
                CATEGORY_ZH[cat],
                cat.value.replace("_", " "),
                category_total,
            )


def _input_vat_rows(w: ModelWriter) -> None:
    """Each item's creditable input VAT per unit of its gross cost [-], the creditable
    input VAT of the construction investment and the works handed over (not company
    assets) [money unit].

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows.
    """
    b, items = w.book, [it.name for it in w.spec.investment]
    for n in items:

        def vat_share(x: At, n: str = n) -> str:
            return f"={credited_per_gross(x, n)}"

        b.constant(
            SHEET,
            f"xl.capex_vat_share[{n}]",
            f"可抵扣进项税占含税投资比例：{n}",
            f"Creditable input VAT per unit of gross cost: {n}",
            vat_share,
            unit="-",
            fmt="0.000000",
        )
    b.row(
        SHEET,
        "capex.input_vat",
        "建设投资进项税额（可抵扣）",
        "Creditable input VAT in construction investment",
        lambda x: (
            "="
            + "+".join(
                f"{x.p(f'capex.item[{n}]')}*{x.p(f'xl.capex_vat_share[{n}]')}" for n in items
            )
        ),
    )
    handed = [it.name for it in w.spec.investment if not it.ownership.kept]
    if handed:
        b.row(
            SHEET,
            "capex.handed_over",
            "移交资产投资（不形成企业资产）",
            "Works handed over (not company assets)",
            lambda x: "=" + "+".join(x.p(f"capex.item[{n}]") for n in handed),
        )


def _original_value_rows(
    w: ModelWriter, phase_of: PhaseOf, pc_parts: dict[str, list[str]], deeds: list[str]
) -> None:
    """The original values, by asset class and phase, of the assets the company keeps:
    their spending net of the credited input VAT, the deed tax and the price contingency,
    and their total [money unit]; sets ``w.groups`` to the (class, phase) pairs.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the constants.
    phase_of : PhaseOf
        The phase of each item and contingency part.
    pc_parts : dict of str to list of str
        The price contingency's rows by phase.
    deeds : list of str
        The items that bear deed tax.
    """
    b, spec = w.book, w.spec
    b.section(SHEET, "固定资产原值 Original values (excl. financing costs)")
    groups: dict[tuple[str, str], list[Callable[[At], str]]] = {}

    def net(row: str, n: str) -> Callable[[At], str]:
        return lambda x: f"SUM({x.row_range(row)})*(1-{x.p(f'xl.capex_vat_share[{n}]')})"

    items = {i.name: i for i in spec.investment}
    for name, it in items.items():
        if not it.ownership.kept:
            continue
        cls = it.asset_class or default_asset_class(it.category)
        if it.category is InvestmentCategory.CONTINGENCY:
            for key, ph in phase_of.items():
                if key.startswith(f"{name}|"):
                    groups.setdefault((cls, ph), []).append(net(f"xl.contingency[{key}]", name))
        else:
            groups.setdefault((cls, phase_of[name]), []).append(net(f"capex.item[{name}]", name))
    for n in deeds:
        cls = items[n].asset_class or default_asset_class(items[n].category)
        groups.setdefault((cls, phase_of[n]), []).append(_sum_of(f"xl.deed[{n}]"))
    pc_class = spec.price_contingency.asset_class or "building"
    for ph in pc_parts:
        groups.setdefault((pc_class, ph), []).append(_sum_of(f"xl.pc[{ph}]"))
    w.groups = list(groups)
    for (cls, ph), terms in groups.items():

        def original_value(x: At, terms: list[Template] = terms) -> str:
            return "=" + "+".join(t(x) for t in terms)

        b.constant(
            SHEET,
            f"xl.ov[{cls}|{ph}]",
            f"原值：{cls}（{ph}）",
            f"Original value: {cls} ({ph})",
            original_value,
        )
    b.constant(
        SHEET,
        "xl.ov_total",
        "原值合计",
        "Original value, total",
        lambda x: "=" + ("+".join(x.p(f"xl.ov[{c}|{p}]") for c, p in groups) or "0"),
    )


def _sum_of(row: str) -> Template:
    """A term of an original value: the sum of the row ``row`` over the periods.

    Parameters
    ----------
    row : str
        A row id (the deed tax of an item, or the price contingency of a phase).

    Returns
    -------
    Template
        The term's formula, without a leading ``=``.
    """
    return lambda x: f"SUM({x.row_range(row)})"
