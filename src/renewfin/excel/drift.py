"""Live targets of the values the engine solved and the workbook holds as numbers, and
the drift check that compares them (DESIGN.md §6: live or flagged).

A loan's facility, its drawdown share and the reserve's debt-service forecast are solved
by the engine's fixed point (``renewfin.financing.sizing``) and pasted into the workbook:
written as formulas they would be circular references. Their *targets* are not circular
when computed from the workbook's own live rows, which read the pasted values: each bound
of ``renewfin.financing.sizing._set_sizes`` is written here as a formula —

- amount: the input ``sizing.amount``;
- gearing: the input ``sizing.gearing`` × the live total investment;
- DSCR, every profile but sculpted (``renewfin.financing.bounds.dscr_bound``): debt
  service is proportional to the facility, so with ``A_y`` the cash for the loans less
  the target × the service of the loans before it and ``D_y`` the loan's own debt
  service due in test year ``y``, the bound is ``facility × min_y A_y / (target × D_y)``
  over the test years with debt service, 0 where ``A_y ≤ 0`` in such a year;
- DSCR, sculpted (``bounds._sculpted_bound``): the PV at the loan rate of ``A / target``
  over the repayment periods, limited by the interest-only periods in operation and by
  every period's interest cover (a period with no cash for service ends the loan before
  its year begins: the DSCR is tested on the year), ÷ the balance at the first period of
  operation per unit drawn;
- cost: the construction funding gap less the cash parts of the loans before it, plus
  the loan's own capitalised interest;

the target is the smallest bound (less ``SAFETY``, as in the engine), and the drawdown
share of a pro-rata loan is its target's cash part over the gap. At the engine's fixed
point every target equals its pasted value (to rounding); after an edit that moves one,
the check ``solved_current`` fails (and with it the master check), and the message on
the Checks sheet and in every sheet's header names each stale value with its live target
and its pasted value. Pasting the targets over the pasted values and recalculating
repeats one pass of the engine's fixed point, so a few rounds converge to the engine's
answer; rerunning renewfin gives it at once.

- LLCR (``bounds.llcr_bound``): at the start of each test year, the PV at the loan rate
  of the cash available to maturity ÷ (target × the balance per unit of facility);

Not written as a formula (the engine's value, labelled so and listed on Control): a
sculpted loan's LLCR bound, and the DSCR and LLCR bounds of a loan with a cash sweep (the
engine sizes on its profile without prepayments, a schedule the swept rows do not hold),
and the DSCR bound of a loan the engine sized to zero (no schedule to scale).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, RATIO, At
from renewfin.financing.bounds import SAFETY, TINY
from renewfin.spec.funding import LoanRepayment

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

F = "Funding"
C = "Checks"
R = "Ratios"
BIG = "1E+300"
"""Stands for an unset bound (inf) in MIN."""
DRIFT_TOL = 1e-7
"""A pasted value is stale when its live target differs by more than this, relative to
max(1, |pasted|) for money and absolutely for a share. At the fixed point they agree to
about 1e-12 (the solve's tolerance is 1e-10)."""
MESSAGE = "xl.stale_message"
"""The Checks row whose text names every stale solved value ('' when none)."""


def sizing_dscr(w: ModelWriter, k: int) -> str | None:
    """Path of the input holding loan ``k``'s sizing DSCR (None when it has none): the
    spec's ``sizing.dscr``, or for a sculpted loan without one its target DSCR."""
    ln = w.spec.funding.loans[k]
    at = f"funding.loans[{ln.name}]"
    if ln.sizing.dscr is not None:
        return f"{at}.sizing.dscr"
    if ln.repayment is LoanRepayment.SCULPTED and ln.target_dscr is not None:
        return f"xl.target_dscr[{ln.name}]"
    return None


def _senior(x: At, w: ModelWriter, k: int, target: str, yearly: bool) -> str:
    """``− target × Σ`` debt service of the loans before loan ``k`` (by year on Ratios, or
    interest + principal this period), as formula text ('' for the first loan)."""
    names = [ln.name for ln in w.spec.funding.loans[:k]]
    if not names:
        return ""
    if yearly:
        return f"-{target}*{x.p(f'ratio.loan_due[{names[-1]}]')}"
    parts = "+".join(f"{x.p(f'loan[{n}].interest')}+{x.p(f'loan[{n}].principal')}" for n in names)
    return f"-{target}*({parts})"


def _dscr_bound(w: ModelWriter, k: int, target: str) -> str:
    """Row id of loan ``k``'s live DSCR bound (a constant on Funding)."""
    b = w.book
    ln = w.spec.funding.loans[k]
    n = ln.name
    fac = f"xl.facility[{n}]"
    sizing = w.result.sizing
    assert sizing is not None
    empty = float(sizing.facility[k, w.scenario]) <= TINY
    if ln.repayment is not LoanRepayment.SCULPTED and (ln.cash_sweep > 0 or empty):
        # The engine sizes on the profile without prepayments, a schedule the workbook's
        # swept rows do not hold; a loan of zero has no schedule to scale: the bound is
        # the engine's value, labelled so.
        return _engine_bound(w, k, 2, "dscr", "DSCR")
    if ln.repayment is not LoanRepayment.SCULPTED:
        years = w.spec.timeline.horizon_years

        def per_year(x: At) -> str:
            a = f"({x.p('ratio.loan_cash')}{_senior(x, w, k, target, True)})"
            own = x.p(f"ratio.loan_own[{n}]")
            return (
                f"=IF({x.p('ratio.test')}*({own}>1E-12*{x.p(fac)}),IF({a}<=0,0,"
                f"{x.p(fac)}*{a}/({target}*{own})),{BIG})"
            )

        b.row(
            R,
            f"xl.dscr_cap[{n}]",
            f"DSCR测算额度（按年）：{n}",
            f"Facility the DSCR target allows, by test year: {n}",
            per_year,
            n=years,
            total=False,
        )
        b.constant(
            F,
            f"xl.bound.dscr[{n}]",
            f"DSCR上限（实时）：{n}",
            f"DSCR bound (live): {n}",
            lambda x: f"=MIN({x.row_range(f'xl.dscr_cap[{n}]')})*(1-{SAFETY!r})",
        )
        return f"xl.bound.dscr[{n}]"
    return _sculpted_bound(w, k, target)


def _sc(n: str, name: str) -> str:
    """Row id of the working row ``name`` of sculpted loan ``n``'s live DSCR bound."""
    return f"xl.sc.{name}[{n}]"


def _period(x: At) -> str:
    """The period index (``time.period``) at ``x``."""
    return x.p("time.period")


def _rate(n: str, x: At) -> str:
    """Loan ``n``'s rate per period at ``x``."""
    return x.p(f"xl.rate[{n}]")


def _in_window(n: str, x: At) -> str:
    """1 where the period at ``x`` is in sculpted loan ``n``'s counted repayment window
    (from its first repayment in operation to one before its stop), else 0."""
    return f"({_period(x)}>={x.p(_sc(n, 's0'))})*({_period(x)}<{x.p(_sc(n, 'stop'))})"


def _sculpted_window(w: ModelWriter, n: str) -> None:
    """Rows of sculpted loan ``n``'s counted periods: the first period of operation, the
    first repayment period in operation and one past the last period counted."""
    first = min(w.spec.timeline.phases, key=lambda p: p.start_year).name
    b = w.book
    s = partial(_sc, n)
    t = _period
    b.row(
        F,
        s("op"),
        "运营期序号",
        "Period if in operation after close, else n",
        lambda x: (
            f"=IF((1-{x.p('flag.construction')})*({t(x)}>="
            f"{x.p(f'xl.phase_start[{first}]')}),{t(x)},{x.i('xl.n_periods')})"
        ),
        unit="-",
        fmt="0",
        total=False,
    )
    b.constant(
        F,
        s("t0"),
        "首个运营期",
        "First period of operation",
        lambda x: f"=MIN({x.row_range(s('op'))})",
        unit="-",
        fmt="0",
    )
    b.constant(
        F,
        s("s0"),
        "首个运营还款期",
        "First repayment period in operation",
        lambda x: f"=MAX({x.i(f'xl.repay_start[{n}]')},{x.p(s('t0'))})",
        unit="-",
        fmt="0",
    )
    b.constant(
        F,
        s("stop"),
        "测算截止期（不含）",
        "One past the last period counted",
        lambda x: (
            f"=MIN({x.i(f'xl.maturity[{n}]')},{x.i('xl.last_held_period')}+1-{x.i('xl.has_exit')})"
        ),
        unit="-",
        fmt="0",
    )


def _sculpted_pv(w: ModelWriter, k: int, target: str) -> None:
    """Rows of sculpted loan ``k``'s PV at its rate of cash ÷ target over the counted
    window, the balance's growth from the first repayment and the PV at that period."""
    n = w.spec.funding.loans[k].name
    win = partial(_in_window, n)
    b = w.book
    s = partial(_sc, n)
    t, r = _period, partial(_rate, n)
    b.row(
        F,
        s("a"),
        "可用现金÷目标DSCR",
        "Cash available ÷ target DSCR",
        lambda x: f"=({x.p('xl.loan_cash')}{_senior(x, w, k, target, False)})/{target}",
    )
    b.row(
        F,
        s("pv"),
        "现值（至截止期）",
        "PV at the loan rate to the last period counted",
        lambda x: f"={win(x)}*({x.p(s('a'))}+{x.at(s('pv'), 1)})/(1+{r(x)})",
        total=False,
    )
    b.row(
        F,
        s("g"),
        "余额增长系数",
        "Growth of the balance from the first repayment",
        lambda x: f"=IF({t(x)}<={x.p(s('s0'))},1,{x.prev(s('g'))}*(1+{x.prev(f'xl.rate[{n}]')}))",
        unit="-",
        fmt=RATIO,
        total=False,
    )
    b.constant(
        F,
        s("p0"),
        "首个还款期现值",
        "PV at the first repayment period",
        lambda x: (
            f"=SUMPRODUCT(({x.row_range('time.period')}={x.p(s('s0'))})*{x.row_range(s('pv'))})"
        ),
    )


def _sculpted_limits(w: ModelWriter, n: str) -> None:
    """Rows of the limits on sculpted loan ``n``'s bound: a year with no cash for service,
    each period's interest cover and the interest-only periods in operation, and the
    balance at operation per unit drawn."""
    key = f"loan[{n}]"
    win = partial(_in_window, n)
    b = w.book
    s = partial(_sc, n)
    t, r = _period, partial(_rate, n)
    b.row(
        F,
        s("ys"),
        "年初还款期",
        "First repayment period of the period's year",
        lambda x: f"=MAX({x.p(s('s0'))},{x.p('time.year')}*{x.i('timeline.periods_per_year')})",
        unit="-",
        fmt="0",
        total=False,
    )
    b.row(
        F,
        s("short"),
        "年内现金不足时的余额上限",
        "Limit where no service fits: repaid before the year begins",
        lambda x: (
            f"={x.p(s('p0'))}-INDEX({x.row_range(s('pv'))},{x.p(s('ys'))}+1)/"
            f"INDEX({x.row_range(s('g'))},{x.p(s('ys'))}+1)"
        ),
        total=False,
    )
    b.row(
        F,
        s("lim"),
        "逐期利息覆盖上限",
        "Limit of each period's interest cover",
        lambda x: (
            f"=IF({win(x)}*(({r(x)}>0)+({x.p(s('a'))}<=0)),IF({x.p(s('a'))}<=0,"
            f"{x.p(s('short'))},{x.p(s('p0'))}+(MAX({x.p(s('a'))},0)/{r(x)}-"
            f"{x.p(s('pv'))})/{x.p(s('g'))}),{BIG})"
        ),
        total=False,
    )
    b.row(
        F,
        s("io"),
        "运营期只付息上限",
        "Limit of interest-only periods in operation",
        lambda x: (
            f"=IF(({t(x)}>={x.p(s('t0'))})*({t(x)}<{x.p(s('s0'))}),IF({r(x)}>0,"
            f"MAX({x.p(s('a'))},0)/{r(x)},IF({x.p(s('a'))}>0,{BIG},0)),{BIG})"
        ),
        total=False,
    )
    b.constant(
        F,
        s("beta"),
        "运营初余额÷已提款",
        "Balance at operation per unit drawn",
        lambda x: (
            f"=IF({x.p(s('t0'))}<1,1,IF(INDEX({x.row_range(f'xl.used[{n}]')},"
            f"{x.p(s('t0'))})>1E-9,MAX(INDEX({x.row_range(key + '.opening')},"
            f"{x.p(s('t0'))}+1)/INDEX({x.row_range(f'xl.used[{n}]')},"
            f"{x.p(s('t0'))}),1E-9),1))"
        ),
        unit="-",
        fmt=RATIO,
    )


def _sculpted_bound(w: ModelWriter, k: int, target: str) -> str:
    """Row id of a sculpted loan's live DSCR bound (``bounds._sculpted_bound``)."""
    b = w.book
    n = w.spec.funding.loans[k].name
    s = partial(_sc, n)
    b.section(F, f"DSCR上限（雕塑还款，实时） Sculpted DSCR bound (live): {n}")
    _sculpted_window(w, n)
    _sculpted_pv(w, k, target)
    _sculpted_limits(w, n)
    b.constant(
        F,
        f"xl.bound.dscr[{n}]",
        f"DSCR上限（实时）：{n}",
        f"DSCR bound (live): {n}",
        lambda x: (
            f"=IF({x.p(s('s0'))}>={x.p(s('stop'))},{BIG},MAX(MIN({x.p(s('p0'))},"
            f"MIN({x.row_range(s('lim'))}),MIN({x.row_range(s('io'))})),0)/"
            f"{x.p(s('beta'))}*(1-{SAFETY!r}))"
        ),
    )
    return f"xl.bound.dscr[{n}]"


def _engine_bound(w: ModelWriter, k: int, which: int, id: str, label: str) -> str:
    """Row id of a bound of loan ``k`` written as the engine's value (index ``which`` of
    ``Sizing.bounds``), labelled as not live and listed on Control."""
    b, sizing = w.book, w.result.sizing
    assert sizing is not None
    n = w.spec.funding.loans[k].name
    value = min(float(sizing.bounds[k, which, w.scenario]), 1e300)
    row = b.constant(
        F,
        f"xl.bound.{id}[{n}]",
        f"{label}上限（引擎求解，非实时）：{n}",
        f"{label} bound (the engine's, not live): {n}",
        lambda x: value,
    )
    b.solved.append(
        {
            "sheet": F,
            "row": row,
            "name": f"{label} bound: {n}",
            "value": value,
            "residual": float(sizing.residual),
        }
    )
    return f"xl.bound.{id}[{n}]"


def _llcr_bound(w: ModelWriter, k: int) -> str:
    """Row id of loan ``k``'s LLCR bound (``renewfin.financing.bounds.llcr_bound``): at
    the start of each test year with a balance, the PV at the loan rate of the cash
    available to the loan to its maturity ÷ (target × the balance per unit of facility).
    Live for every profile but sculpted; a sculpted loan's (whose balance is affine in its
    size) is the engine's value, labelled so."""
    b, res = w.book, w.result
    ln = w.spec.funding.loans[k]
    n = ln.name
    key = f"loan[{n}]"
    at = f"funding.loans[{n}]"
    sizing = res.sizing
    assert sizing is not None
    if (
        ln.repayment is LoanRepayment.SCULPTED
        or ln.cash_sweep > 0
        or f"{at}.sizing.llcr" not in b.inputs
    ):
        return _engine_bound(w, k, 3, "llcr", "LLCR")
    llcr = b.input_ref(f"{at}.sizing.llcr")
    t = lambda x: x.p("time.period")
    s = lambda name: f"xl.ll.{name}[{n}]"
    b.constant(
        F,
        s("stop"),
        f"LLCR测算截止期（不含）：{n}",
        f"LLCR: one past the last period: {n}",
        lambda x: (
            f"=MIN({x.i(f'xl.maturity[{n}]')},{x.i('xl.last_held_period')}+1-{x.i('xl.has_exit')})"
        ),
        unit="-",
        fmt="0",
    )
    b.row(
        F,
        s("pv"),
        f"LLCR现值（至到期）：{n}",
        f"PV of the cash available to maturity: {n}",
        lambda x: (
            f"=({t(x)}<{x.p(s('stop'))})*({x.p('xl.loan_cash')}"
            f"{_senior(x, w, k, llcr, False)}+{x.at(s('pv'), 1)})/"
            f"(1+{x.p(f'xl.rate[{n}]')})"
        ),
        total=False,
    )
    ppy = b.input_ref("timeline.periods_per_year")

    def balance(x: At) -> str:
        i = f"{x.p('ratio.year')}*{ppy}+1"
        return (
            f"=INDEX({x.row_range(key + '.opening')},{i})+INDEX({x.row_range(key + '.draw')},{i})"
        )

    def per_year(x: At) -> str:
        i = f"{x.p('ratio.year')}*{ppy}+1"
        pv = f"INDEX({x.row_range(s('pv'))},{i})"
        bal, fac = x.p(s("bal")), x.p(f"xl.facility[{n}]")
        return (
            f"=IF({x.p('ratio.test')}*({bal}>1E-12*{fac})*({i}-1<{x.p(s('stop'))}),"
            f"{fac}*MAX({pv},0)/({llcr}*{bal}),{BIG})"
        )

    years = w.spec.timeline.horizon_years
    b.row(
        R,
        s("bal"),
        f"年初贷款余额（含当期提款）：{n}",
        f"Balance at the start of the year incl. its drawing: {n}",
        balance,
        n=years,
        total=False,
    )
    b.row(
        R,
        s("cap"),
        f"LLCR测算额度（按年）：{n}",
        f"Facility the LLCR target allows: {n}",
        per_year,
        n=years,
        total=False,
    )
    b.constant(
        F,
        f"xl.bound.llcr[{n}]",
        f"LLCR上限（实时）：{n}",
        f"LLCR bound (live): {n}",
        lambda x: f"=MIN({x.row_range(s('cap'))})*(1-{SAFETY!r})",
    )
    return f"xl.bound.llcr[{n}]"


def loan_tag(k: int) -> str:
    """How the drift message names loan ``k`` (its position, never its user-given name: a
    name is user text and never goes into a formula; the Funding rows carry the names)."""
    return f"(贷款 loan {k + 1})"


Target = tuple[str, str, str, str, bool]
"""A solved value for the drift check: (name, pasted row id, target row id, tolerance kind
'money'|'share', whole row)."""


def _facility_bounds(w: ModelWriter, k: int) -> list[str]:
    """Write loan ``k``'s live bounds (gearing, DSCR, LLCR, cost; its amount is an input);
    return their row ids."""
    b, fs = w.book, w.spec.funding
    names = [ln.name for ln in fs.loans]
    ln = fs.loans[k]
    n = ln.name
    at = f"funding.loans[{n}]"
    bounds: list[str] = []
    if ln.sizing.amount is not None:
        bounds.append(f"{at}.sizing.amount")
    if ln.sizing.gearing is not None:

        def gearing(x: At, at: str = at) -> str:
            return f"={x.i(at + '.sizing.gearing')}*{x.p('metric.total_project_investment')}"

        b.constant(
            F,
            f"xl.bound.gearing[{n}]",
            f"资产负债率上限（实时）：{n}",
            f"Gearing bound (live): {n}",
            gearing,
        )
        bounds.append(f"xl.bound.gearing[{n}]")
    target = sizing_dscr(w, k)
    if target is not None and target in b.inputs:
        bounds.append(_dscr_bound(w, k, b.input_ref(target)))

    def cost(x: At, k: int = k, n: str = n) -> str:
        before = "".join(
            f"-MAX({x.p(f'xl.facility_target[{o}]')}-"
            f"SUM({x.row_range(f'loan[{o}].capitalised')}),0)"
            for o in names[:k]
        )
        return (
            f"=MAX(SUM({x.row_range('xl.gap')}){before},0)+"
            f"SUM({x.row_range(f'loan[{n}].capitalised')})"
        )

    if ln.sizing.llcr is not None:
        bounds.append(_llcr_bound(w, k))
    b.constant(
        F, f"xl.bound.cost[{n}]", f"总投资上限（实时）：{n}", f"Cost bound (live): {n}", cost
    )
    bounds.append(f"xl.bound.cost[{n}]")
    return bounds


def _loan_targets(w: ModelWriter, k: int) -> list[Target]:
    """Write loan ``k``'s live facility target (the smallest of its bounds) and, for a
    pro-rata loan, its drawdown share target; return them for the drift check."""
    b = w.book
    ln = w.spec.funding.loans[k]
    n = ln.name
    bounds = _facility_bounds(w, k)
    out: list[Target] = []
    llcr = (
        ""
        if ln.sizing.llcr is None or ln.repayment is not LoanRepayment.SCULPTED
        else " (its LLCR bound the engine's)"
    )

    def facility(x: At, bounds: list[str] = bounds) -> str:
        refs = ",".join(x.i(p) if p in b.inputs else x.p(p) for p in bounds)
        return f"=MIN({refs})"

    b.constant(
        F,
        f"xl.facility_target[{n}]",
        f"贷款额度实时目标：{n}",
        f"Facility target (live){llcr}: {n}",
        facility,
    )
    # an amount-bound facility is live, but after an edit another bound may bind
    out.append(
        (
            f"贷款额度 Facility {loan_tag(k)}",
            f"xl.facility[{n}]",
            f"xl.facility_target[{n}]",
            "money",
            False,
        )
    )
    if f"xl.share[{n}]" in b.cells:

        def share(x: At, n: str = n) -> str:
            gap = f"SUM({x.row_range('xl.gap')})"
            rolled = f"SUM({x.row_range(f'loan[{n}].capitalised')})"
            cash = f"MAX({x.p(f'xl.facility_target[{n}]')}-{rolled},0)"
            return f"=IF({gap}>0,MIN({cash}/{gap},1),0)"

        b.constant(
            F,
            f"xl.share_target[{n}]",
            f"提款比例实时目标：{n}",
            f"Drawdown share target (live): {n}",
            share,
            unit="-",
            fmt="0.000000",
        )
        out.append(
            (
                f"提款比例 Drawdown share {loan_tag(k)}",
                f"xl.share[{n}]",
                f"xl.share_target[{n}]",
                "share",
                False,
            )
        )
    return out


def _reserve_target(w: ModelWriter, solved_ids: set[object]) -> list[Target]:
    """Write the live debt service behind the reserve's target, when the reserve's forecast
    is pasted (its id in ``solved_ids``); return it for the drift check."""
    b = w.book
    out: list[Target] = []
    if "xl.debt_service" in solved_ids:
        live = ("bond.interest", "bond.principal", "bond.fees", "loan.interest", "loan.principal")
        b.row(
            F,
            "xl.debt_service_target",
            "债务还本付息（实时）",
            "Debt service for the DSRA target (live)",
            lambda x: "=" + "+".join(x.p(i) for i in live),
        )
        out.append(
            (
                "准备金目标 Reserve target (debt service forecast)",
                "xl.debt_service",
                "xl.debt_service_target",
                "money",
                True,
            )
        )
    return out


def targets(w: ModelWriter) -> list[Target]:
    """Write each solved value's live target; return (name, pasted row id, target row id,
    tolerance kind 'money'|'share', whole row) for the drift check."""
    b, fs = w.book, w.spec.funding
    assert w.result.sizing is not None
    solved_ids = {item.get("id") for item in b.solved}
    if fs.loans:
        b.section(
            F,
            "已求解数值的实时目标 Live targets of the solved values (rerun renewfin "
            "when they differ)",
        )
    out = [t for k in range(len(fs.loans)) for t in _loan_targets(w, k)]
    return out + _reserve_target(w, solved_ids)


def drift_rows(w: ModelWriter) -> tuple[str, str, str, Callable[[At], str]]:
    """The live targets (``targets``), the Checks row naming every stale solved value
    (``MESSAGE``), and the integrity check 'solved values current' as a check row
    (id, labels, formula) for ``renewfin.excel.sheets``."""
    items = targets(w)
    b = w.book

    def gap(x: At, pasted: str, target: str, kind: str, whole: bool) -> str:
        if whole:
            d = f"SUMPRODUCT(ABS({x.row_range(pasted)}-{x.row_range(target)}))"
            scale = f"MAX(1,SUMPRODUCT(ABS({x.row_range(pasted)})))"
        else:
            d = f"ABS({x.p(target)}-{x.p(pasted)})"
            scale = "1" if kind == "share" else f"MAX(1,ABS({x.p(pasted)}))"
        return f"({d}<={DRIFT_TOL!r}*{scale})"

    def text(x: At, k: int, name: str, pasted: str, target: str, kind: str, whole: bool) -> str:
        fmt = '"0.000000"' if kind == "share" else '"#,##0.00"'
        if whole:
            live = f"SUM({x.row_range(target)})"
            was = f"SUM({x.row_range(pasted)})"
        else:
            live, was = x.p(target), x.p(pasted)
        return (
            f'IF({x.p(f"xl.current[{k}]")}=1,"","{name}: live target "&'
            f'TEXT({live},{fmt})&", pasted "&TEXT({was},{fmt})&"; ")'
        )

    def check(x: At) -> str:
        return "=" + ("*".join(x.p(f"xl.current[{k}]") for k in range(len(items))) or "1")

    for k, it in enumerate(items):

        def current(x: At, it: tuple[str, str, str, str, bool] = it) -> str:
            return f"={gap(x, *it[1:])}*1"

        def part(x: At, k: int = k, it: tuple[str, str, str, str, bool] = it) -> str:
            return "=" + text(x, k, *it)

        b.constant(
            C,
            f"xl.current[{k}]",
            f"与实时目标一致：{it[0]}",
            f"Equals its live target: {it[0]}",
            current,
            unit="-",
            fmt=FLAG,
        )
        b.constant(
            C,
            f"xl.stale[{k}]",
            f"失效说明：{it[0]}",
            f"Stale: {it[0]}",
            part,
            unit="-",
            fmt="General",
        )

    def message(x: At) -> str:
        if not items:
            return '=""'
        parts = "&".join(x.p(f"xl.stale[{k}]") for k in range(len(items)))
        return (
            f'=IF({x.p("check.solved_current")}=1,"","STALE 已失效 — "&{parts}&'
            f'"rerun renewfin 请重新运行 renewfin")'
        )

    b.constant(
        C,
        MESSAGE,
        "已求解数值失效说明",
        "Stale solved values (rerun renewfin)",
        message,
        unit="-",
        fmt="General",
    )

    return (
        "solved_current",
        "已求解数值与实时目标一致",
        "Solved values equal their live targets (else rerun renewfin)",
        check,
    )
