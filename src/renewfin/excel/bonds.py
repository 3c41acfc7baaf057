"""The workbook's special-bond rows (renewfin.instruments.special_bond, the Funding sheet):
each tranche's inputs, issue, principal, coupons, fees and balance, refinancing and early
redemption at a REIT exit, the bond-repayment reserve of a tranche held to maturity after
it, and the totals over the tranches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, RATIO, At
from renewfin.excel.rows import PPY, F, instrument_totals, period, sum_rows
from renewfin.financing.plan import Tranche
from renewfin.financing.source_lines import ESCROW_LINES
from renewfin.ledger import Kind
from renewfin.spec.funding import DrawTiming, SpecialBond

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def bonds(w: ModelWriter) -> None:
    """Special-bond tranches (renewfin.instruments.special_bond), with refinancing and
    early redemption at a REIT exit."""
    b, spec = w.book, w.spec
    plan = w.result.plan
    assert plan is not None
    b.section(F, "专项债券 Special bonds")
    originals = {bd.name: bd for bd in spec.funding.special_bonds}
    for tr in plan.bonds:
        src = originals[tr.refinancing_of or tr.name]
        _tranche(w, tr, src)
    escrow_totals(w)
    instrument_totals(
        w,
        "bond",
        [tr.name for tr in plan.bonds],
        [
            ("issue", "专项债发行", "Special-bond issues", True),
            ("interest", "专项债付息", "Special-bond interest", True),
            ("principal", "专项债还本", "Special-bond principal", True),
            ("fees", "专项债发行及兑付费", "Special-bond fees", True),
            ("closing", "专项债余额", "Special-bond balance", False),
        ],
    )
    refi = [tr.name for tr in plan.bonds if tr.refinanced_principal is not None]
    b.row(
        F,
        "bond.refinanced",
        "再融资偿还本金",
        "Principal repaid by refinancing",
        lambda x: "=" + sum_rows(x, [f"xl.bond_refi[{n}]" for n in refi]),
    )
    b.row(
        F,
        "xl.bond_service",
        "专项债还本付息及费用",
        "Special-bond service",
        lambda x: f"={x.p('bond.interest')}+{x.p('bond.principal')}+{x.p('bond.fees')}",
    )
    own = [f"bond[{tr.name}].interest" for tr in plan.bonds if tr.paid_interest]
    b.row(
        F,
        "xl.bond_own",
        "自有资金支付的专项债利息",
        "Bond coupons paid from own funds in construction",
        lambda x: f"={x.p('flag.construction')}*" + sum_rows(x, own),
    )


@dataclass(frozen=True)
class _Terms:
    """A tranche's terms as formula terms of a period column: ``tr`` the tranche, ``src``
    the spec bond it comes from (itself, or the bond it refinances)."""

    tr: Tranche
    src: SpecialBond

    @property
    def at(self) -> str:
        """The input path of the spec bond."""
        return f"funding.special_bonds[{self.src.name}]"

    @property
    def key(self) -> str:
        """The ledger id stem of the tranche's lines."""
        return f"bond[{self.tr.name}]"

    @property
    def refi(self) -> bool:
        """Whether the tranche refinances another."""
        return self.tr.refinancing_of is not None

    @property
    def tenor(self) -> int:
        """The tranche's tenor [yr]."""
        src = self.src
        return src.refinance_tenor_years or src.tenor_years if self.refi else src.tenor_years

    @property
    def late(self) -> int:
        """1 if the bond is issued at the end of its period (DrawTiming.END), else 0."""
        return int(self.src.draw_timing is DrawTiming.END)

    @property
    def at_end(self) -> bool:
        """Whether the tranche is outstanding from the period after its issue (a
        refinancing tranche always; renewfin.spec.funding.DrawTiming)."""
        return self.refi or bool(self.late)

    @property
    def coupon(self) -> str:
        """The input path of the tranche's coupon rate [1/yr]."""
        return f"{self.at}.refinance_coupon" if self.refi else f"{self.at}.coupon"

    def issue_period(self, x: At) -> str:
        """The period of issue (for a refinancing tranche, the refinanced bond's maturity)."""
        at = self.at
        if self.refi:
            return (
                f"(ROUND({x.i(at + '.issue_year')}*{x.i(PPY)},0)+{self.late}+"
                f"{x.i(at + '.tenor_years')}*{x.i(PPY)}-1)"
            )
        return f"ROUND({x.i(at + '.issue_year')}*{x.i(PPY)},0)"

    def tenor_ref(self, x: At) -> str:
        """The reference of the tranche's tenor input [yr]."""
        if self.refi:
            return x.i(f"xl.refi_tenor[{self.src.name}]")
        return x.i(self.at + ".tenor_years")

    def k(self, x: At) -> str:
        """Periods since the first period outstanding."""
        return f"({x.p('time.period')}-{x.p(f'xl.bond_start[{self.tr.name}]')})"

    def amount(self, x: At) -> str:
        """The amount issued [money]: the refinancing amount, or the bond's input."""
        if self.refi:
            return x.p(f"xl.refi_amount[{self.tr.name}]")
        return x.i(self.at + ".amount")


def _tranche(w: ModelWriter, tr: Tranche, src: SpecialBond) -> None:
    """One tranche's rows (renewfin.instruments.special_bond): its inputs, issue and
    scheduled principal, coupons, balance and fees, and its refinanced principal."""
    terms = _Terms(tr, src)
    shares = _tranche_inputs(w, terms)
    _issue_rows(w, terms, shares)
    _coupon_rows(w, terms)
    if tr.escrow is not None:
        _escrow(w, tr, terms.at, terms.key)
    _balance_rows(w, terms)
    if tr.refinanced_principal is not None:
        _refinanced_row(w, terms)


def _tranche_inputs(w: ModelWriter, terms: _Terms) -> list[float]:
    """The tranche's principal shares (a vector, one a year of its tenor) and its inputs:
    issue year and tenor [yr], coupons a year [1/yr], fee rates, and for a refinancing
    tranche the refinanced share and tenor. Returns the shares."""
    src, at, name = terms.src, terms.at, terms.tr.name
    shares = (
        [0.0] * (terms.tenor - 1) + [1.0]
        if terms.refi or src.repayment_schedule is None
        else list(src.repayment_schedule)
    )
    w.vector(f"xl.bond_shares[{name}]", shares, f"还本比例：{name}", f"Principal shares: {name}")
    w.param(
        f"{at}.issue_year", src.issue_year, f"发行年：{src.name}", f"Issue year: {src.name}", "yr"
    )
    w.param(f"{at}.tenor_years", src.tenor_years, f"期限：{src.name}", f"Tenor: {src.name}", "yr")
    w.param(
        f"xl.coupons_per_year[{src.name}]",
        src.frequency.per_year,
        f"付息次数：{src.name}",
        f"Coupons per year: {src.name}",
        "1/yr",
    )
    w.param(
        f"{at}.issuance_fee_rate",
        src.issuance_fee_rate,
        f"发行费率：{src.name}",
        f"Issuance fee rate: {src.name}",
    )
    w.param(
        f"{at}.payment_fee_rate",
        src.payment_fee_rate,
        f"兑付费率：{src.name}",
        f"Payment fee rate: {src.name}",
    )
    if terms.refi:
        w.param(
            f"{at}.refinance_share",
            src.refinance_share,
            f"再融资比例：{src.name}",
            f"Refinanced share: {src.name}",
        )
        w.param(
            f"xl.refi_tenor[{src.name}]",
            terms.tenor,
            f"再融资期限：{src.name}",
            f"Refinancing tenor: {src.name}",
            "yr",
        )
    return shares


def _issue_rows(w: ModelWriter, terms: _Terms, shares: list[float]) -> None:
    """The first period outstanding, the refinancing amount (a refinancing tranche), the
    issue and the scheduled principal before any early redemption [money]."""
    b, tr, at, key = w.book, terms.tr, terms.at, terms.key
    b.constant(
        F,
        f"xl.bond_start[{tr.name}]",
        f"首个计息期：{tr.name}",
        f"First period outstanding: {tr.name}",
        lambda x: f"={terms.issue_period(x)}+1" if terms.at_end else f"={terms.issue_period(x)}",
        unit="-",
        fmt=FLAG,
    )
    t, k = period, terms.k
    if terms.refi:
        orig = f"bond[{terms.src.name}]"
        b.constant(
            F,
            f"xl.refi_amount[{tr.name}]",
            f"再融资金额：{tr.name}",
            f"Refinancing amount: {tr.name}",
            lambda x: (
                f"={x.i(at + '.refinance_share')}*SUMPRODUCT("
                f"{x.row_range(orig + '.principal_base')},"
                f"--({x.row_range('time.period')}={terms.issue_period(x)}))"
            ),
        )
    b.row(
        F,
        f"{key}.issue",
        f"专项债{tr.name}发行",
        f"Special bond {tr.name} issue",
        lambda x: f"={terms.amount(x)}*({t(x)}={terms.issue_period(x)})*{x.p('flag.held')}",
    )
    b.row(
        F,
        f"{key}.principal_base",
        f"到期还本（提前赎回前）：{tr.name}",
        f"Scheduled principal: {tr.name}",
        lambda x: (
            f"={terms.amount(x)}*({k(x)}>=0)*(MOD({k(x)}+1,{x.i(PPY)})=0)*({k(x)}+1<="
            f"{terms.tenor_ref(x)}*{x.i(PPY)})*INDEX({x.v(f'xl.bond_shares[{tr.name}]')},"
            f"MIN(MAX(INT(({k(x)}+1)/{x.i(PPY)}),1),{len(shares)}))"
        ),
    )


def _coupon_rows(w: ModelWriter, terms: _Terms) -> None:
    """The coupon accrued on the balance outstanding (to maturity for a tranche held after
    an exit), the coupon dates, the coupon paid on them before any early redemption and the
    accrued coupon unpaid [money]."""
    b, tr, key, src = w.book, terms.tr, terms.key, terms.src
    k = terms.k
    opening = f"{key}.opening"
    if tr.escrow is not None:  # coupons accrue to maturity, after the exit too
        opening = f"xl.bond_full_open[{tr.name}]"
        b.row(
            F,
            opening,
            f"到期前期初余额：{tr.name}",
            f"Opening balance to maturity: {tr.name}",
            lambda x: (
                f"={x.prev(opening)}+{x.prev(f'{key}.issue')}-{x.prev(f'{key}.principal_base')}"
            ),
            total=False,
        )
    out_for_interest = (
        (lambda x: x.p(opening))
        if terms.at_end
        else (lambda x: f"({x.p(opening)}+{x.p(f'{key}.issue')})")
    )
    b.row(
        F,
        f"{key}.accrued",
        f"应计利息：{tr.name}",
        f"Coupon accrued: {tr.name}",
        lambda x: f"={x.i(terms.coupon)}*{out_for_interest(x)}/{x.i(PPY)}",
    )
    step = lambda x: f"MAX(1,INT({x.i(PPY)}/{x.i(f'xl.coupons_per_year[{src.name}]')}))"
    b.row(
        F,
        f"xl.bond_payflag[{tr.name}]",
        f"付息标志：{tr.name}",
        f"Coupon date: {tr.name}",
        lambda x: (
            f"=({k(x)}>=0)*MIN(1,(MOD({k(x)}+1,{step(x)})=0)+({k(x)}+1="
            f"{terms.tenor_ref(x)}*{x.i(PPY)}))"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        F,
        f"xl.bond_paid_base[{tr.name}]",
        f"付息（提前赎回前）：{tr.name}",
        f"Coupon paid before redemption: {tr.name}",
        lambda x: (
            f"={x.p(f'xl.bond_payflag[{tr.name}]')}*({x.prev(f'xl.bond_unpaid[{tr.name}]')}"
            f"+{x.p(f'{key}.accrued')})"
        ),
    )
    b.row(
        F,
        f"xl.bond_unpaid[{tr.name}]",
        f"未付应计利息：{tr.name}",
        f"Accrued coupon unpaid: {tr.name}",
        lambda x: (
            f"={x.prev(f'xl.bond_unpaid[{tr.name}]')}+{x.p(f'{key}.accrued')}-"
            f"{x.p(f'xl.bond_paid_base[{tr.name}]')}"
        ),
        total=False,
    )


def _balance_rows(w: ModelWriter, terms: _Terms) -> None:
    """The tranche's opening balance, principal (the scheduled one, and the rest at a REIT
    exit), interest, fees and closing balance [money]: redeemed at an exit, the coupon
    accrued to it is paid with it; held to maturity, the exit pays the reserve's deposit
    less the balance."""
    b, tr, at, key = w.book, terms.tr, terms.at, terms.key
    ex = lambda x: f"({period(x)}={x.p('xl.last_held')})*{x.i('xl.has_exit')}"
    held = lambda x: x.p("flag.held")
    b.row(
        F,
        f"{key}.opening",
        f"专项债{tr.name}期初余额",
        f"Special bond {tr.name} opening balance",
        lambda x: f"={x.prev(f'{key}.closing')}",
        total=False,
    )
    b.row(
        F,
        f"{key}.principal",
        f"专项债{tr.name}还本",
        f"Special bond {tr.name} principal",
        lambda x: (
            f"={held(x)}*({x.p(f'{key}.principal_base')}+{ex(x)}*("
            f"{x.p(f'{key}.opening')}+{x.p(f'{key}.issue')}-"
            f"{x.p(f'{key}.principal_base')}))"
        ),
    )
    paid_base = lambda x: x.p(f"xl.bond_paid_base[{tr.name}]")
    if tr.escrow is None:  # redeemed at an exit: the coupon accrued to it paid with it
        interest = lambda x: (
            f"={held(x)}*({ex(x)}*({x.prev(f'xl.bond_unpaid[{tr.name}]')}+"
            f"{x.p(f'{key}.accrued')})+(1-{ex(x)})*{paid_base(x)})"
        )
        paid = lambda x: f"({x.p(f'{key}.interest')}+{x.p(f'{key}.principal')})"
    else:  # held to maturity: the exit pays the reserve's deposit less the balance
        interest = lambda x: (
            f"={held(x)}*({paid_base(x)}+{ex(x)}*({x.p(f'xl.escrow_deposit[{tr.name}]')}-"
            f"({x.p(f'{key}.opening')}+{x.p(f'{key}.issue')}-"
            f"{x.p(f'{key}.principal_base')})))"
        )
        paid = lambda x: f"({paid_base(x)}+{x.p(f'{key}.principal_base')})"
    b.row(
        F, f"{key}.interest", f"专项债{tr.name}付息", f"Special bond {tr.name} interest", interest
    )
    b.row(
        F,
        f"{key}.fees",
        f"专项债{tr.name}发行及兑付费",
        f"Special bond {tr.name} fees",
        lambda x: (
            f"={held(x)}*({x.i(at + '.issuance_fee_rate')}*{x.p(f'{key}.issue')}+"
            f"{x.i(at + '.payment_fee_rate')}*{paid(x)})"
        ),
    )
    b.row(
        F,
        f"{key}.closing",
        f"专项债{tr.name}期末余额",
        f"Special bond {tr.name} closing balance",
        lambda x: f"={x.p(f'{key}.opening')}+{x.p(f'{key}.issue')}-{x.p(f'{key}.principal')}",
        total=False,
    )


def _refinanced_row(w: ModelWriter, terms: _Terms) -> None:
    """``xl.bond_refi[name]``: the principal of the tranche repaid at its maturity by the
    refinancing tranche (the refinanced share of the scheduled principal) [money]."""
    tr, at, key, late = terms.tr, terms.at, terms.key, terms.late
    maturity = lambda x: (
        f"(ROUND({x.i(at + '.issue_year')}*{x.i(PPY)},0)+{late}+"
        f"{x.i(at + '.tenor_years')}*{x.i(PPY)}-1)"
    )
    w.book.row(
        F,
        f"xl.bond_refi[{tr.name}]",
        f"再融资偿还本金：{tr.name}",
        f"Principal repaid by refinancing: {tr.name}",
        lambda x: (
            f"={x.i(at + '.refinance_share')}*{x.p(f'{key}.principal_base')}*"
            f"({period(x)}={maturity(x)})"
        ),
    )


def _escrow(w: ModelWriter, tr: Tranche, at: str, key: str) -> None:
    """The bond-repayment reserve of a tranche held to maturity after a REIT exit
    (renewfin.instruments.special_bond.escrow_at): its service to maturity, the deposit
    (that service after the exit discounted at the reserve's rate) and its corkscrew."""
    b = w.book
    e = f"{key}.escrow"
    b.row(
        F,
        f"xl.bond_service_full[{tr.name}]",
        f"到期前还本付息及兑付费：{tr.name}",
        f"Service to maturity: {tr.name}",
        lambda x: (
            f"=(1+{x.i(at + '.payment_fee_rate')})*({x.p(f'xl.bond_paid_base[{tr.name}]')}+"
            f"{x.p(f'{key}.principal_base')})"
        ),
    )
    b.constant(
        F,
        f"xl.escrow_deposit[{tr.name}]",
        f"偿债准备金存入额：{tr.name}",
        f"Reserve deposit: {tr.name}",
        lambda x: (
            f"=SUMPRODUCT({x.row_range(f'xl.bond_service_full[{tr.name}]')},"
            f"{x.row_range('xl.escrow_factor')})"
        ),
    )
    b.row(
        F,
        f"{e}_opening",
        f"偿债准备金专户期初余额：{tr.name}",
        f"Bond-repayment reserve opening balance: {tr.name}",
        lambda x: f"={x.prev(f'{e}_closing')}",
        total=False,
    )
    b.row(
        F,
        f"{e}_deposit",
        f"偿债准备金专户存入（退出收入）：{tr.name}",
        f"Bond-repayment reserve deposit from the exit proceeds: {tr.name}",
        lambda x: (
            f"={x.p(f'xl.escrow_deposit[{tr.name}]')}*({x.p('time.period')}={x.p('xl.last_held')})"
        ),
    )
    b.row(
        F,
        f"{e}_earned",
        f"偿债准备金专户利息收入：{tr.name}",
        f"Bond-repayment reserve interest earned: {tr.name}",
        lambda x: f"={x.i('funding.reit_exit.escrow_rate')}/{x.i(PPY)}*{x.p(f'{e}_opening')}",
    )
    b.row(
        F,
        f"{e}_release",
        f"偿债准备金专户支付专项债本息：{tr.name}",
        f"Bond-repayment reserve bond service paid: {tr.name}",
        lambda x: f"={x.p('xl.after_exit')}*{x.p(f'xl.bond_service_full[{tr.name}]')}",
    )
    b.row(
        F,
        f"{e}_closing",
        f"偿债准备金专户期末余额：{tr.name}",
        f"Bond-repayment reserve closing balance: {tr.name}",
        lambda x: (
            f"={x.p(f'{e}_opening')}+{x.p(f'{e}_deposit')}+{x.p(f'{e}_earned')}-"
            f"{x.p(f'{e}_release')}"
        ),
        total=False,
    )


def escrow_totals(w: ModelWriter) -> None:
    """The reserve's discount factor and the totals ``escrow.<key>`` over the tranches held
    to maturity after a REIT exit (renewfin.financing.source_lines.ESCROW_LINES)."""
    plan = w.result.plan
    assert plan is not None
    held = [tr.name for tr in plan.bonds if tr.escrow is not None]
    if not held:
        return
    b = w.book
    b.row(
        F,
        "xl.escrow_factor",
        "偿债准备金折现系数",
        "Reserve discount factor",
        lambda x: (
            f"={x.p('xl.after_exit')}/(1+{x.i('funding.reit_exit.escrow_rate')}/{x.i(PPY)})^"
            f"({x.p('time.period')}-{x.p('xl.last_held')})"
        ),
        unit="-",
        fmt=RATIO,
        total=False,
    )
    for key, zh, en, kind in ESCROW_LINES:

        def total(x: At, key: str = key) -> str:
            return "=" + sum_rows(x, [f"bond[{n}].escrow_{key}" for n in held])

        b.row(
            F,
            f"escrow.{key}",
            f"偿债准备金专户{zh}",
            f"Bond-repayment reserve {en}",
            total,
            total=kind is Kind.FLOW,
        )
