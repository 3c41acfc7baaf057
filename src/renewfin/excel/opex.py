"""The Opex sheet's operating-cost rows (``renewfin.core.opex``): each item's formula is
rendered by the rule of its basis (``renewfin.core.opex_basis.BASES``), the one the engine
evaluates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.core.opex import CATEGORY_ZH, SAFETY, SUBTOTALS
from renewfin.core.opex_basis import BASES, Cells, Helper
from renewfin.excel.book import RATIO, At, Template
from renewfin.excel.fields import describe
from renewfin.excel.operating import concession_term_row
from renewfin.spec.opex import OpexTiming
from renewfin.spec.payment import PaymentModel

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.opex import OpexItem

S = "Opex"
"""The sheet of the operating costs."""


def opex_inputs(w: ModelWriter) -> None:
    """The inputs of the items' formulas that the engine's scalar inputs leave out: the
    vectors of their basis (``Basis.vectors``), the cycle of a cyclical cost
    (``xl.every``) and the factor of a price in ``cost_currency`` per ``cost_per`` to the
    money unit a year (``xl.cost_factor``)."""
    money = w.spec.project.money_unit.yuan
    for o in w.spec.opex:
        for field in BASES[o.basis].vectors:
            path = f"opex[{o.name}].{field}"
            d = describe(path)
            values = w.value(path)
            assert isinstance(values, list)
            w.vector(path, values, d.zh, d.en, low=d.low, high=d.high)
        if o.every_years is not None:
            w.param(
                f"xl.every[{o.name}]", o.every_years, f"周期：{o.name}", f"Cycle: {o.name}", "yr"
            )
        if BASES[o.basis].priced:
            w.param(
                f"xl.cost_factor[{o.name}]",
                o.cost_currency.yuan / money * o.cost_per.per_year,
                f"单价换算：{o.name}",
                f"Unit cost factor: {o.name}",
                "-",
            )


def cells(w: ModelWriter, o: OpexItem) -> Cells:
    """The parts of item ``o``'s formulas: its phase's timing rows, the streams and the
    original-value rows of its asset class."""
    ph = w.spec.timeline.phase(o.phase).name
    values = [f"xl.ov[{c}|{p}]" for c, p in w.groups if c == o.asset_class]
    streams = [r.name for r in w.spec.revenues]
    if o.timing is OpexTiming.CONSTRUCTION:
        return Cells(o, streams, values, f"xl.phase_start[{ph}]", f"flag.construction[{ph}]")
    return Cells(o, streams, values, f"xl.phase_completion[{ph}]", None)


def item_rows(w: ModelWriter, o: OpexItem) -> None:
    """Item ``o``'s helper rows (``Basis.helpers``), its cost if held to the horizon
    (``xl.opex[name]``, its basis's formula) and while held (``opex.item[name]``)."""
    c = cells(w, o)
    rule = BASES[o.basis]

    def formula(x: At) -> str:
        return rule.formula(c, x)

    for h in rule.helpers:
        w.book.row(
            S,
            f"{h.id}[{o.name}]",
            f"{h.zh}：{o.name}",
            f"{h.en}: {o.name}",
            _helper(c, h),
            fmt=RATIO,
            total=False,
        )
    zh = CATEGORY_ZH[o.category]
    w.book.row(
        S, f"xl.opex[{o.name}]", f"{zh}（持有至期末）：{o.name}", f"Opex if held: {o.name}", formula
    )

    def held(x: At) -> str:
        return f"={x.p(f'xl.opex[{o.name}]')}*{x.p('flag.held')}"

    w.book.row(S, f"opex.item[{o.name}]", f"{zh}：{o.name}", f"Opex: {o.name}", held)


def _helper(c: Cells, h: Helper) -> Template:
    """The template of helper row ``h`` of the item of ``c``."""
    return lambda x: h.formula(c, x)


def opex_rows(w: ModelWriter) -> None:
    """Operating costs (renewfin.core.opex.build): by item, the working capital's bases,
    the safety items, the concession fee, the input VAT not credited, the total and the
    creditable input VAT."""
    b, spec = w.book, w.spec
    for o in spec.opex:
        item_rows(w, o)
    for id, zh, en, member in SUBTOTALS:
        b.row(S, id, zh, en, _sum_of_items([o.name for o in spec.opex if member(o)]))
    safety = [o.name for o in spec.opex if o.category in SAFETY]
    if safety:
        b.row(
            S,
            "opex.safety",
            "全生命周期安全费用",
            "Whole-life building-safety costs",
            _sum_of_items(safety),
        )
    fee, fee_projected = _concession_fee_rows(w)
    extra, extra_projected = _vat_not_creditable_rows(w, fee, fee_projected)
    items = lambda x, src: "+".join(x.p(f"{src}[{o.name}]") for o in spec.opex) or "0"
    b.row(
        S,
        "opex.total",
        "经营成本",
        "Operating costs",
        lambda x: f"={items(x, 'opex.item')}{extra(x)}",
    )
    b.row(
        S,
        "xl.opex_projected",
        "经营成本（持有至期末）",
        "Operating costs if held",
        lambda x: f"={items(x, 'xl.opex')}{extra_projected(x)}",
    )
    simplified = any(not r.vat_method.credits_input for r in spec.revenues)
    minus = lambda x: "-" + x.p("opex.vat_not_creditable") if simplified else ""
    b.row(
        S,
        "opex.input_vat",
        "经营成本进项税额（可抵扣）",
        "Creditable input VAT on operating costs",
        lambda x: f"={_items_vat(w, x, 'opex.item')}{minus(x)}",
    )


def _items_vat(w: ModelWriter, x: At, src: str) -> str:
    """Σ cost × its input-VAT rate, on the rows ``src[name]``."""
    return (
        "+".join(
            f"{x.p(f'{src}[{o.name}]')}*{x.i(f'opex[{o.name}].input_vat_rate')}"
            for o in w.spec.opex
        )
        or "0"
    )


def _vat_not_creditable_rows(
    w: ModelWriter, fee: Template, fee_projected: Template
) -> tuple[Template, Template]:
    """With simplified-method streams, the share of revenue they earn and the input VAT
    not credited on that share, a cost (renewfin.core.opex.build); returns the terms the
    fee and it add to the operating costs, held and projected."""
    simplified = [r.name for r in w.spec.revenues if not r.vat_method.credits_input]
    if not simplified:
        return fee, fee_projected
    b = w.book
    b.row(
        S,
        "xl.simplified_share",
        "简易计税收入占比",
        "Share of revenue on the simplified method",
        lambda x: (
            f"=IF({x.p('xl.revenue_projected')}>0,("
            + "+".join(x.p(f"xl.revenue_projected[{n}]") for n in simplified)
            + f")/{x.p('xl.revenue_projected')},0)"
        ),
        fmt=RATIO,
        total=False,
    )
    b.row(
        S,
        "xl.vat_not_creditable",
        "不得抵扣的进项税额（持有至期末）",
        "Input VAT not credited if held",
        lambda x: f"=({_items_vat(w, x, 'xl.opex')})*{x.p('xl.simplified_share')}",
    )
    b.row(
        S,
        "opex.vat_not_creditable",
        "不得抵扣的进项税额（简易计税）",
        "Input VAT not credited (simplified method)",
        lambda x: f"={x.p('xl.vat_not_creditable')}*{x.p('flag.held')}",
    )
    return (
        lambda x: f"{fee(x)}+{x.p('opex.vat_not_creditable')}",
        lambda x: f"{fee_projected(x)}+{x.p('xl.vat_not_creditable')}",
    )


def _concession_fee_rows(w: ModelWriter) -> tuple[Template, Template]:
    """The concession fee to the grantor (renewfin.core.concession.fee): its rate × the
    revenue if held × the term flag, and while held; returns the terms it adds to the
    operating costs, held and projected ("" without a stated rate)."""
    from renewfin.core.concession import FEE_RATE

    gp = w.spec.funding.government_payment
    if gp is None or gp.model is not PaymentModel.CONCESSION or gp.concession_fee_rate is None:
        return (lambda x: ""), (lambda x: "")
    b = w.book
    w.param(
        FEE_RATE,
        gp.concession_fee_rate,
        "特许经营权使用费率（占营业收入）",
        "Concession fee (share of revenue)",
    )
    term = concession_term_row(w)
    b.row(
        S,
        "xl.concession_fee",
        "特许经营权使用费（持有至期末）",
        "Concession fee if held",
        lambda x: f"={x.i(FEE_RATE)}*{x.p('xl.revenue_projected')}*{x.p(term)}",
    )
    b.row(
        S,
        "opex.concession_fee",
        f"特许经营权使用费（付{gp.grantor}）",
        f"Concession fee (to {gp.grantor})",
        lambda x: f"={x.p('xl.concession_fee')}*{x.p('flag.held')}",
    )
    return (lambda x: f"+{x.p('opex.concession_fee')}"), (lambda x: f"+{x.p('xl.concession_fee')}")


def _sum_of_items(names: list[str]) -> Template:
    """A row summing the operating-cost rows ``opex.item[name]`` of ``names`` (0 if none)."""
    return lambda x: "=" + ("+".join(x.p(f"opex.item[{n}]") for n in names) or "0")
