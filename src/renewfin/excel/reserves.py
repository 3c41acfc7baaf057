"""The workbook's reserves (renewfin.instruments.reserve, renewfin.financing.waterfall, the
Funding sheet): the debt-service reserve step of the waterfall, the share of construction
interest capitalised by phase, the maintenance reserve and the interest earned on cash and
reserves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, RATIO, At
from renewfin.excel.rows import PPY, F, construction, sum_rows
from renewfin.spec.funding import DsraFunding, LoanRepayment
from renewfin.spec.investment import InvestmentCategory

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def dsra_months(w: ModelWriter) -> int:
    """The longest debt-service reserve of the loans [months] (0: no DSRA)."""
    return max((ln.dsra_months for ln in w.spec.funding.loans), default=0)


def dsra_rows(w: ModelWriter, prev: str, out: str) -> None:
    """The debt-service reserve: meet a shortfall, then top up to or release down to the
    target of the next months' debt service (renewfin.financing.waterfall.dsra_target).
    ``prev`` is the row of the cash before the step, ``out`` the row of the cash after it."""
    months = dsra_months(w)
    if months <= 0:
        w.book.row(
            F, out, "准备金后现金", "Cash after reserves", lambda x: f"={x.p(prev)}", total=False
        )
        return
    n = months * w.spec.periods_per_year / 12.0
    whole = int(n + 1e-12)
    frac = n - whole
    loans = w.spec.funding.loans
    sweep = any(ln.cash_sweep > 0 for ln in loans)
    ahead = whole + (1 if frac > 1e-12 else 0)
    plan_funds = w.spec.funding.dsra_funding is DsraFunding.CONSTRUCTION
    sculpted = any(ln.repayment is LoanRepayment.SCULPTED for ln in loans)
    # With a cash sweep, next periods' service depends on this period's cash through the
    # prepayment; a target looking two or more periods ahead reads balances that depend
    # on this period's drawings; a reserve funded at completion is part of the gap that
    # sets those drawings; a sculpted loan's next service depends on next CFADS, which
    # holds the interest earned on this period's cash. Each would be a circular
    # reference, so the engine's solved debt service is written as values (listed on
    # Control).
    if sweep or ahead > 1 or plan_funds or sculpted:
        _solved_debt_service(w)
    else:
        # Service on opening balances: equal to the debt service whenever nothing is drawn
        # (operation), and free of a circular reference through this period's drawings.
        w.book.row(
            F,
            "xl.debt_service",
            "债务还本付息（用于准备金目标）",
            "Debt service for the DSRA target",
            lambda x: f"={x.p('xl.bond_service')}+{x.p('xl.int_open')}+{x.p('loan.principal')}",
        )
    _dsra_target(w, whole, frac)
    _dsra_funding(w, plan_funds)
    _dsra_balance(w, prev, out)


def _solved_debt_service(w: ModelWriter) -> None:
    """``xl.debt_service`` as the engine's solved debt service of the scenario (values, one
    a period [money], listed on Control as solved)."""
    led = w.result.ledger
    values = (
        led["bond.interest"]
        + led["bond.principal"]
        + led["bond.fees"]
        + led["loan.interest"]
        + led["loan.principal"]
    )[w.scenario]
    r = w.book.row(
        F,
        "xl.debt_service",
        "债务还本付息（引擎求解）",
        "Debt service for the DSRA target (solved by the engine)",
        lambda x: float(values[x.c - 7]),
    )
    sizing = w.result.sizing
    assert sizing is not None
    w.book.solved.append(
        {
            "sheet": F,
            "row": r,
            "id": "xl.debt_service",
            "name": "Debt service for the DSRA target",
            "whole_row": True,
            "value": float(values.sum()),
            "residual": float(sizing.residual),
        }
    )


def _dsra_target(w: ModelWriter, whole: int, frac: float) -> None:
    """``xl.dsra_target``: the debt service of the next ``whole`` periods and ``frac`` of
    the one after, while the project is held [money]."""

    def target(x: At) -> str:
        parts = [x.at("xl.debt_service", j) for j in range(1, whole + 1)]
        if frac > 1e-12:
            parts.append(f"{frac!r}*{x.at('xl.debt_service', whole + 1)}")
        on = f"({x.p('time.period')}<{x.p('xl.last_held')})"
        return f"={on}*(" + ("+".join(parts) or "0") + ")"

    w.book.row(F, "xl.dsra_target", "偿债准备金目标", "DSRA target", target, total=False)


def _dsra_funding(w: ModelWriter, plan_funds: bool) -> None:
    """The last construction period's flag and the reserve funded then by the funding plan
    (``plan_funds``; a zero row when the reserve is funded from cash) [money]."""
    b = w.book
    if plan_funds:  # read by the funding row only (from cash it is a zero row)
        w.param(
            "xl.dsra_from_plan",
            1.0,
            "偿债准备金由建设期资金计提",
            "DSRA funded at completion by the funding plan (1 = yes)",
            "-",
        )
    b.row(
        F,
        "xl.completion",
        "建设期末标志",
        "Last construction period",
        lambda x: f"={construction(x)}*(1-{x.at('flag.construction', 1)})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    # Funded from cash, the reserve takes nothing from the funding gap: a zero row (a
    # formula reading the target would close a circle through the drawings).
    b.row(
        F,
        "xl.dsra_fund",
        "建设期末计提偿债准备金",
        "DSRA funded at completion",
        (
            lambda x: (
                f"={x.i('xl.dsra_from_plan')}*{x.p('xl.completion')}*MAX({x.p('xl.dsra_target')}-"
                f"{x.prev('cash.dsra_balance')},0)"
            )
        )
        if plan_funds
        else (lambda x: "=0"),
    )


def _dsra_balance(w: ModelWriter, prev: str, out: str) -> None:
    """The reserve drawn for a shortfall of the cash ``prev``, its top-up or release in
    operation, its balance and change, and the cash ``out`` after it [money]."""
    b = w.book
    avail = construction
    b.row(
        F,
        "xl.dsra_cover",
        "准备金弥补缺口",
        "DSRA drawn for a shortfall",
        lambda x: f"=MIN(0+{x.prev('cash.dsra_balance')},MAX(-{x.p(prev)},0))",
    )
    b.row(
        F,
        "xl.dsra_level",
        "弥补后准备金",
        "DSRA after covering",
        lambda x: f"={x.prev('cash.dsra_balance')}-{x.p('xl.dsra_cover')}",
        total=False,
    )
    b.row(
        F,
        "xl.dsra_move",
        "准备金补足(+)/释放(−)",
        "DSRA top-up (+) / release (−)",
        lambda x: (
            f"=(1-{avail(x)})*(MIN(MAX({x.p('xl.dsra_target')}-{x.p('xl.dsra_level')},0),"
            f"MAX({x.p(prev)}+{x.p('xl.dsra_cover')},0))-MAX({x.p('xl.dsra_level')}-"
            f"{x.p('xl.dsra_target')},0))"
        ),
    )
    b.row(
        F,
        "cash.dsra_balance",
        "偿债准备金余额",
        "Debt-service reserve (DSRA)",
        lambda x: (
            f"={avail(x)}*({x.prev('cash.dsra_balance')}+{x.p('xl.dsra_fund')})+(1-{avail(x)})*("
            f"{x.p('xl.dsra_level')}+{x.p('xl.dsra_move')})"
        ),
        total=False,
    )
    b.row(
        F,
        "cash.dsra_change",
        "偿债准备金变动",
        "DSRA top-up (+) / release (−)",
        lambda x: f"={x.p('cash.dsra_balance')}-{x.prev('cash.dsra_balance')}",
    )
    b.row(
        F,
        out,
        "准备金后现金",
        "Cash after reserves",
        # a reserve funded at completion is met by the funding gap, not by cash
        lambda x: f"={x.p(prev)}-{x.p('cash.dsra_change')}+{x.p('xl.dsra_fund')}",
        total=False,
    )


def reserves_and_phases(w: ModelWriter) -> None:
    """The capitalisation share of construction interest by phase, the maintenance reserve
    and the interest earned on cash and reserves (renewfin.instruments.reserve,
    renewfin.financing.waterfall)."""
    b = w.book
    b.section(F, "建设期利息资本化与准备金 Interest capitalisation and reserves")
    _capitalisation_share(w)
    if w.spec.funding.mmra is not None:
        _maintenance_reserve(w)
    w.param(
        "funding.cash_interest_rate",
        w.spec.funding.cash_interest_rate,
        "货币资金及准备金利率",
        "Interest rate on cash and reserves",
        "1/yr",
    )
    mmra = w.spec.funding.mmra is not None

    def earned(x: At) -> str:
        reserve = f"+{x.prev('reserve.mmra.balance')}" if mmra else ""
        return (
            f"={x.i('funding.cash_interest_rate')}/{x.i(PPY)}*(MAX({x.prev('cash.balance')},0)+"
            f"{x.prev('cash.dsra_balance')}{reserve})"
        )

    b.row(
        F,
        "finance.interest_income",
        "利息收入（货币资金及准备金）",
        "Interest earned on cash and reserves",
        earned,
    )


def _phase_of(w: ModelWriter) -> dict[str, list[str]]:
    """The rows of the Investment sheet whose spending builds each phase: its items, its
    part of each contingency and its price contingency (renewfin.core.investment)."""
    spec, cells = w.spec, w.book.cells
    first = spec.timeline.phases[0].name
    out: dict[str, list[str]] = {p.name: [] for p in spec.timeline.phases}
    for item in spec.investment:
        if item.category is not InvestmentCategory.CONTINGENCY:
            out[item.phase or first].append(f"capex.item[{item.name}]")
    for item in spec.investment:
        if item.category is InvestmentCategory.CONTINGENCY:
            for ph in out:
                if f"xl.contingency[{item.name}|{ph}]" in cells:
                    out[ph].append(f"xl.contingency[{item.name}|{ph}]")
    for ph in out:
        if f"xl.pc[{ph}]" in cells:
            out[ph].append(f"xl.pc[{ph}]")
    for item in spec.investment:  # 契税 on land, spent with the land item
        if f"xl.deed[{item.name}]" in cells:
            out[item.phase or first].append(f"xl.deed[{item.name}]")
    return out


def _capitalisation_share(w: ModelWriter) -> None:
    """``xl.cap_share``: the share of construction-period interest on opening balances that
    is capitalised — 1 with one phase; with several, the investment spent before the period
    on phases still under construction over all spent before it
    (renewfin.instruments.reserve.capitalisation_share)."""
    b, phases = w.book, w.spec.timeline.phases
    if len(phases) < 2:
        b.row(
            F,
            "xl.cap_share",
            "建设期利息资本化比例",
            "Share of construction interest capitalised",
            lambda x: "=1",
            unit="-",
            fmt=RATIO,
            total=False,
        )
        return
    for ph, rows in _phase_of(w).items():

        def phase_capex(x: At, rows: list[str] = rows) -> str:
            return "=" + sum_rows(x, rows)

        def phase_cum(x: At, ph: str = ph) -> str:
            return f"={x.prev(f'xl.phase_cum[{ph}]')}+{x.p(f'capex.phase[{ph}]')}"

        b.row(
            F,
            f"capex.phase[{ph}]",
            f"建设投资：{ph}",
            f"Construction investment: {ph}",
            phase_capex,
        )
        b.row(
            F,
            f"xl.phase_cum[{ph}]",
            f"累计建设投资：{ph}",
            f"Investment to date: {ph}",
            phase_cum,
            total=False,
        )
    names = [p.name for p in phases]

    def share(x: At) -> str:
        total = "+".join(x.prev(f"xl.phase_cum[{p}]") for p in names)
        building = "+".join(
            f"{x.p(f'flag.construction[{p}]')}*{x.prev(f'xl.phase_cum[{p}]')}" for p in names
        )
        return f"=IF({total}>1E-12,({building})/({total}),1)"

    b.row(
        F,
        "xl.cap_share",
        "建设期利息资本化比例",
        "Share of construction interest capitalised",
        share,
        unit="-",
        fmt=RATIO,
        total=False,
    )


MmRow = tuple[str, str, str, Callable[[At], str], bool]
"""A row of the MMRA block: id, Chinese and English labels, formula, 1 for a flow."""


def _mm_occurrence_rows(w: ModelWriter) -> list[MmRow]:
    """The operation flag, the reserved cyclical costs, their occurrences and the breaks
    (an occurrence or a period out of operation) that cut the funding into segments."""
    from renewfin.spec.model import mmra_items

    return [
        (
            "xl.mm_on",
            "运营期标志（准备金）",
            "In operation (reserve)",
            lambda x: f"=(1-{x.p('flag.construction')})*{x.p('flag.held')}",
            False,
        ),
        (
            "xl.mm_cost",
            "大中修费用（准备金覆盖）",
            "Cyclical costs reserved for",
            lambda x: (
                "="
                + sum_rows(x, [f"opex.item[{i}]" for i in mmra_items(w.spec)])
                + f"*{x.p('xl.mm_on')}"
            ),
            True,
        ),
        (
            "xl.mm_occ",
            "大中修发生标志",
            "Occurrence",
            lambda x: f"=({x.p('xl.mm_cost')}>0)*1",
            False,
        ),
        (
            "xl.mm_break",
            "分段标志",
            "Break (occurrence or not in operation)",
            lambda x: f"=MAX({x.p('xl.mm_occ')},1-{x.p('xl.mm_on')})",
            False,
        ),
    ]


def _mm_segment_rows(w: ModelWriter) -> list[MmRow]:
    """Each period's last break before it, next break after it, and the cost of the next
    occurrence (the one the period funds)."""
    n = w.spec.n_periods
    t = lambda x: x.p("time.period")
    return [
        (
            "xl.mm_last",
            "上一分段期",
            "Last break before",
            lambda x: (
                f"=IF({t(x)}=0,-1,IF({x.prev('xl.mm_break')}=1,{t(x)}-1,{x.prev('xl.mm_last')}))"
            ),
            False,
        ),
        (
            "xl.mm_next",
            "下一分段期",
            "Next break after",
            lambda x: (
                f"=IF({t(x)}={n - 1},{n},IF({x.at('xl.mm_break', 1)}=1,{t(x)}+1,"
                f"{x.at('xl.mm_next', 1)}))"
            ),
            False,
        ),
        (
            "xl.mm_ahead",
            "下一次大中修费用",
            "Cost of the next occurrence",
            lambda x: (
                f"=IF({t(x)}={n - 1},0,IF({x.at('xl.mm_break', 1)}=1,"
                f"{x.at('xl.mm_occ', 1)}*{x.at('xl.mm_cost', 1)},{x.at('xl.mm_ahead', 1)}))"
            ),
            False,
        ),
    ]


def _mm_account_rows() -> list[MmRow]:
    """The reserve's contribution (the next occurrence in equal parts over its segment),
    release (the balance, at an occurrence) and balance."""
    return [
        (
            "reserve.mmra.contribution",
            "大中修准备金计提",
            "MMRA contribution",
            lambda x: (
                f"={x.p('xl.mm_on')}*(1-{x.p('xl.mm_occ')})*{x.p('xl.mm_ahead')}/MAX("
                f"{x.p('xl.mm_next')}-{x.p('xl.mm_last')}-1,1)"
            ),
            True,
        ),
        (
            "reserve.mmra.release",
            "大中修准备金使用",
            "MMRA release",
            lambda x: f"={x.p('xl.mm_occ')}*{x.prev('reserve.mmra.balance')}",
            True,
        ),
        (
            "reserve.mmra.balance",
            "大中修准备金余额",
            "Maintenance reserve (MMRA) balance",
            lambda x: (
                f"={x.prev('reserve.mmra.balance')}+{x.p('reserve.mmra.contribution')}-"
                f"{x.p('reserve.mmra.release')}"
            ),
            False,
        ),
    ]


def _maintenance_reserve(w: ModelWriter) -> None:
    """The MMRA (renewfin.instruments.reserve.maintenance_reserve): each occurrence of the
    reserved cyclical costs funded in equal parts since the break before it, released to
    pay it."""
    b = w.book
    rows = _mm_occurrence_rows(w) + _mm_segment_rows(w) + _mm_account_rows()
    for id, zh, en, formula, flow in rows:
        if flow or id == "reserve.mmra.balance":
            b.row(F, id, zh, en, formula, total=flow)
        else:
            b.row(F, id, zh, en, formula, unit="-", fmt=FLAG, total=False)
