"""The funding stack (资金筹措): fiscal funds, special bonds, loans, equity, a fund and a
REIT exit, with the payment priority and the covenant floors.

Rules and default figures: ``DOMAIN.md`` §2–§5. Every figure marked (param) there is a
field here with that figure as its default.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, ValidationInfo, field_validator, model_validator

from renewfin.spec.base import (
    InterestRate,
    Money,
    Name,
    Rate,
    Share,
    SpecModel,
    StandardFactor,
    Years,
    raise_problems,
    shares_sum_to_one,
    unique_names,
)
from renewfin.spec.drawing import ConstructionInterest as ConstructionInterest
from renewfin.spec.drawing import DrawTiming as DrawTiming
from renewfin.spec.errors import Problem
from renewfin.spec.labels import Zh, choice_labels
from renewfin.spec.loan import Loan as Loan
from renewfin.spec.loan import LoanRepayment as LoanRepayment
from renewfin.spec.loan import LoanSizing as LoanSizing
from renewfin.spec.loan import LprTenor as LprTenor
from renewfin.spec.loan import RateType as RateType
from renewfin.spec.payment import GovernmentPayment
from renewfin.spec.revenue import VatMethod

PositiveRate = Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)]
"""A rate that must be strictly positive (a divisor: cap rate, valuation discount rate)."""


@choice_labels(
    {
        "central_budget": "中央预算内投资",
        "central_pilot_subsidy": "中央财政城市更新补助",
        "ultra_long_treasury": "超长期特别国债",
        "provincial": "省级财政",
        "municipal": "市县财政",
        "other": "其他",
    }
)
class FiscalSource(StrEnum):
    """Where fiscal money comes from (财政资金来源)."""

    CENTRAL_BUDGET = "central_budget"
    """中央预算内投资."""
    CENTRAL_PILOT_SUBSIDY = "central_pilot_subsidy"
    """中央财政城市更新补助 (pilot cities)."""
    ULTRA_LONG_TREASURY = "ultra_long_treasury"
    """超长期特别国债."""
    PROVINCIAL = "provincial"
    """省级财政资金."""
    MUNICIPAL = "municipal"
    """市县财政资金."""
    OTHER = "other"
    """Other public money."""


@choice_labels(
    {
        "capital_grant": "资本性补助",
        "equity_injection": "资本金注入",
        "operating_subsidy": "运营补贴",
        "interest_subsidy": "贷款贴息",
    }
)
class FiscalUse(StrEnum):
    """How fiscal money enters the project."""

    CAPITAL_GRANT = "capital_grant"
    """资本性补助: reduces the funding need; not repaid."""
    EQUITY_INJECTION = "equity_injection"
    """资本金注入: equity of a state shareholder, which shares in distributions."""
    OPERATING_SUBSIDY = "operating_subsidy"
    """运营补贴 / 可行性缺口补助: a yearly payment during operation."""
    INTEREST_SUBSIDY = "interest_subsidy"
    """贴息: a share of a named loan's interest."""


@choice_labels(
    {
        "gross": "总额法（递延收益）",
        "net": "净额法（冲减资产成本）",
    }
)
class GrantMethod(StrEnum):
    """How an asset-related grant is presented (企业会计准则第16号——政府补助 第八条)."""

    GROSS = "gross"
    """总额法: deferred income (递延收益) released into profit with the depreciation of the
    assets it paid for."""
    NET = "net"
    """净额法: deducted from the assets' cost, so their depreciation is lower."""


class FiscalFund(SpecModel):
    """One fiscal fund."""

    name: Name
    """Name (e.g. 中央预算内投资)."""
    source: Annotated[FiscalSource, Zh("资金来源")] = FiscalSource.MUNICIPAL
    """Level and programme the money comes from."""
    use: Annotated[FiscalUse, Zh("资金用途")]
    """How the money is used."""
    amount: Annotated[Money, Zh("金额")] = 0.0
    """Grant or injection: total amount [money]. Operating subsidy: amount per year
    [money/yr]. Not used for an interest subsidy."""
    schedule: Annotated[list[Share] | None, Zh("分年拨付比例")] = None
    """Grant or injection: shares of ``amount`` paid in each year from ``start_year``
    (sum 100 %); default in step with construction spending."""
    start_year: Annotated[Years, Zh("起始年份")] = 0.0
    """Grant or injection with a schedule: first year of payment, from the project start
    [yr]. Operating subsidy: years after completion before it starts [yr]."""
    years: Annotated[float | None, Zh("补助年数")] = Field(default=None, gt=0, le=80)
    """Operating or interest subsidy: how many years it is paid [yr]; default to the end."""
    growth_rate: Annotated[Rate, Zh("补助年增长率")] = 0.0
    """Operating subsidy: growth per year [1/yr]."""
    counts_as_capital: Annotated[bool, Zh("计入资本金")] = False
    """Capital grant: whether it counts as project capital (资本金). An equity injection
    always does."""
    loan: Annotated[str | None, Zh("贴息贷款")] = None
    """Interest subsidy: name of the loan whose interest it subsidises."""
    share: Annotated[Share | None, Zh("贴息比例")] = None
    """Interest subsidy: share of that loan's interest paid by the budget (e.g. 0.5)."""
    taxable: Annotated[bool, Zh("计入应税收入")] = True
    """Whether it is taxable income (企业所得税). Operating or interest subsidy: taxed as it
    is earned; default true. Capital grant: true taxes the grant in the period received
    (财税〔2008〕151号 第一条) and deducts the depreciation of what it paid for in full;
    false treats it as 不征税收入 (财税〔2011〕70号 第一条: special-purpose fiscal funds with
    a 拨付文件, a 管理办法 and separate accounts) — not taxed, and the depreciation and
    cost of the assets it paid for not deductible (第二条); default false for a capital
    grant."""
    unspent_share: Annotated[
        Share | None, Zh("不征税收入60个月内未使用比例（第六年计入应税收入）")
    ] = None
    """Capital grant as 不征税收入: share of each receipt not spent on its purpose within 60
    months nor returned, taxed as income in the sixth year (the model year five years after
    the receipt; 财税〔2011〕70号 第三条), after which the depreciation of what it pays for is
    deductible. Default derived: the non-taxable grants without a stated share count as
    spent first (first in, first out) as far as the investment spent (``capex.total``) by
    60 months after each receipt covers them; a grant paid with the spending is spent."""
    grant_method: Annotated[GrantMethod, Zh("政府补助会计处理（总额法/净额法）")] = (
        GrantMethod.GROSS
    )
    """Capital grant: ``gross`` (总额法, deferred income released with the depreciation) or
    ``net`` (净额法, deducted from the assets' cost) (企业会计准则第16号 第八条). The grant
    relates to the assets the company keeps, pro rata to their original value; profit,
    taxable income and cash are the same under both, only the presentation differs."""

    @model_validator(mode="before")
    @classmethod
    def _grant_not_taxed_by_default(cls, data: Any) -> Any:
        """A capital grant is 不征税收入 unless ``taxable`` is given (财税〔2011〕70号)."""
        if (
            isinstance(data, dict)
            and data.get("use") in (FiscalUse.CAPITAL_GRANT, FiscalUse.CAPITAL_GRANT.value)
            and "taxable" not in data
        ):
            return {**data, "taxable": False}
        return data

    @model_validator(mode="after")
    def _fields_for_use(self) -> Self:
        if self.use is FiscalUse.INTEREST_SUBSIDY:
            if self.loan is None or self.share is None:
                raise ValueError("an interest subsidy needs `loan` and `share`")
        elif self.amount <= 0:
            raise ValueError(f"a {self.use.value} needs `amount` > 0")
        if self.use in (FiscalUse.OPERATING_SUBSIDY, FiscalUse.INTEREST_SUBSIDY):
            if self.schedule is not None:
                raise ValueError("`schedule` applies to grants and injections only")
        shares_sum_to_one(self.schedule, "schedule shares")
        return self


@choice_labels(
    {
        "annual": "按年付息",
        "semiannual": "半年付息",
    }
)
class InterestFrequency(StrEnum):
    """How often bond coupons are paid."""

    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"

    @property
    def per_year(self) -> int:
        """Payments per year."""
        return 1 if self is InterestFrequency.ANNUAL else 2


@choice_labels(
    {
        "bullet": "到期一次还本",
        "custom": "分期还本（自定义）",
    }
)
class BondRepayment(StrEnum):
    """How a special bond's principal is repaid."""

    BULLET = "bullet"
    """到期一次还本."""
    CUSTOM = "custom"
    """分期还本: shares of principal at each anniversary."""


class SpecialBond(SpecModel):
    """One special-bond tranche (专项债券)."""

    name: Name
    """Tranche name (e.g. 2026年第一批专项债)."""
    amount: Annotated[float, Field(gt=0, allow_inf_nan=False), StandardFactor.BOND, Zh("发行金额")]
    """Principal issued [money]."""
    issue_year: Annotated[Years, Zh("发行年份（自项目开始）")] = 0.0
    """Issue date, in years from the project start (on the period grid) [yr]."""
    tenor_years: int = Field(ge=1, le=30)
    """Tenor (期限) [yr]."""
    coupon: Annotated[InterestRate, StandardFactor.RATE, Zh("票面利率")] = 0.025
    """Coupon rate (票面利率) [1/yr] (2025 new issues averaged 2.02 %)."""
    interest_frequency: Annotated[InterestFrequency | None, Zh("付息频率")] = None
    """Coupon frequency; default semiannual for tenors of 10 years and more, else annual."""
    repayment: BondRepayment = BondRepayment.BULLET
    """Principal repayment: bullet or custom shares."""
    repayment_schedule: list[Share] | None = None
    """Custom repayment: share of principal repaid at each anniversary 1 … tenor
    (sum 100 %)."""
    issuance_fee_rate: Annotated[Share, Zh("发行费率")] = 0.000864
    """Issuance costs as a share of principal (about 0.08 % + 0.0064 %)."""
    payment_fee_rate: Annotated[Share, Zh("兑付手续费率")] = 0.00005
    """Payment fee as a share of each payment of interest and principal (0.005 %)."""
    capital_share: Annotated[Share, Zh("作资本金比例")] = 0.0
    """Share of the tranche counted as project capital (专项债作资本金)."""
    refinance_share: Annotated[Share, Zh("到期再融资比例")] = 0.0
    """Share of principal due at maturity refinanced by a new tranche (再融资)."""
    refinance_tenor_years: Annotated[int | None, Zh("再融资期限（年）")] = Field(
        default=None, ge=1, le=30
    )
    """Tenor of the refinancing tranche [yr]; default the original tenor."""
    refinance_coupon: Annotated[InterestRate | None, StandardFactor.RATE, Zh("再融资票面利率")] = (
        None
    )
    """Coupon of the refinancing tranche [1/yr]; default the original coupon."""
    draw_timing: Annotated[DrawTiming, Zh("发行时点")] = DrawTiming.START
    """When in its issue period the tranche is issued (``DrawTiming``): ``start`` (coupons
    accrue from the start of the period) or ``end`` (from the next period); a bond is
    issued on one date, so ``middle`` is refused."""
    construction_interest: ConstructionInterest = ConstructionInterest.CAPITALISED
    """How its coupons of construction periods are met (``ConstructionInterest``)."""

    @model_validator(mode="after")
    def _repayment(self) -> Self:
        if self.repayment is BondRepayment.CUSTOM:
            if self.repayment_schedule is None:
                raise ValueError("custom repayment needs `repayment_schedule`")
            if len(self.repayment_schedule) != self.tenor_years:
                raise ValueError(
                    f"repayment_schedule has {len(self.repayment_schedule)} shares; expected "
                    f"one per year of the tenor ({self.tenor_years})"
                )
            shares_sum_to_one(self.repayment_schedule, "repayment_schedule shares")
        elif self.repayment_schedule is not None:
            raise ValueError("repayment_schedule needs repayment: custom")
        if self.draw_timing is DrawTiming.MIDDLE:
            raise_problems(
                [
                    Problem(
                        "draw_timing",
                        "a special bond is issued on one date: expected start or end of its "
                        "issue period",
                        self.draw_timing.value,
                    )
                ]
            )
        return self

    @property
    def frequency(self) -> InterestFrequency:
        """Coupon frequency after the default rule."""
        if self.interest_frequency is not None:
            return self.interest_frequency
        return InterestFrequency.SEMIANNUAL if self.tenor_years >= 10 else InterestFrequency.ANNUAL


class EquityParty(SpecModel):
    """A sponsor that provides project equity (项目资本金) and receives distributions."""

    name: Name
    """Sponsor name (e.g. 市城投公司, a developer)."""
    share: Annotated[Share, Zh("出资比例")]
    """Share of sponsor equity contributed and of sponsor distributions received."""


@choice_labels(
    {
        "compound": "复利（自出资日起）",
        "simple": "单利",
    }
)
class FundAccrual(StrEnum):
    """How a fund's preferred return accrues (as the partnership agreement says)."""

    COMPOUND = "compound"
    """Compounding at the effective annual rate on capital and unpaid return: a tier paid
    in full has an IRR of exactly its rate (DOMAIN.md §5)."""
    SIMPLE = "simple"
    """Simple interest on unreturned capital."""


@choice_labels(
    {
        "none": "无（均为权益型）",
        "senior": "优先级（回购或保底）",
        "all": "全部层级",
    }
)
class FundDebtLike(StrEnum):
    """Which fund tiers carry a guaranteed return or a buy-back (明股实债)."""

    NONE = "none"
    """Neither: the fund is equity-type capital."""
    SENIOR = "senior"
    """The senior tier (a sponsor buy-back or guaranteed senior return)."""
    ALL = "all"
    """Both tiers."""


class Fund(SpecModel):
    """An urban-renewal fund (城市更新基金) investing as preferred equity, with senior and
    junior tiers. Its returns are paid only from cash, in priority to sponsor equity;
    nothing is guaranteed (财预〔2017〕50号)."""

    name: Name = "城市更新基金"
    """Fund name."""
    amount: Annotated[float, Zh("认缴总额")] = Field(gt=0, allow_inf_nan=False)
    """Total commitment [money]."""
    schedule: Annotated[list[Share] | None, Zh("分年出资比例")] = None
    """Shares of the commitment paid in each year from ``start_year``; default in step
    with construction spending."""
    start_year: Annotated[Years, Zh("首次出资年份")] = 0.0
    """First year of investment, from the project start (with a schedule) [yr]."""
    senior_share: Annotated[Share, Zh("优先级比例")] = 0.8
    """Senior (优先级) share of the commitment (3–4 : 1 → 0.75–0.8)."""
    senior_return: Annotated[InterestRate, Zh("优先级预期收益率")] = 0.055
    """Senior preferred return [1/yr], accrued on unreturned capital and paid when cash allows."""
    junior_return: Annotated[InterestRate, Zh("劣后级预期收益率")] = 0.10
    """Junior (劣后级) preferred return [1/yr]."""
    term_years: Annotated[float, Zh("存续期（年）")] = Field(default=7.0, gt=0, le=30)
    """Term from the start of investment; capital is returned from cash at and after the
    end of the term (or from REIT exit proceeds) [yr]."""
    upside_share: Annotated[Share, Zh("超额收益劣后分成比例")] = 0.0
    """Share of distributions beyond the preferred returns that goes to the junior tier
    during the term."""
    accrual: Annotated[FundAccrual, Zh("优先回报计息方式")] = FundAccrual.COMPOUND
    """Compounding or simple preferred return."""
    draw_timing: Annotated[DrawTiming, Zh("基金出资时点（期内）")] = DrawTiming.END
    """When in a period contributions are paid in (``DrawTiming``, as for loans): the
    return accrues from then; ``end`` (from the next period) dates them as the period's
    cash flows are dated, so a tier's IRR equals its rate."""
    debt_like: Annotated[FundDebtLike, Zh("明股实债层级（不计入资本金）")] = FundDebtLike.NONE
    """Tiers that are debt in substance (明股实债: a guaranteed return or a buy-back), which
    are not project capital (国发〔2019〕26号) and are left out of the capital ratio."""

    @property
    def debt_like_share(self) -> float:
        """Share of the contributions that is debt-like (0, the senior share, or 1)."""
        return {"none": 0.0, "senior": self.senior_share, "all": 1.0}[self.debt_like.value]


@choice_labels(
    {
        "ownership": "产权类",
        "concession": "特许经营权类",
    }
)
class ReitAssetType(StrEnum):
    """REIT asset type, which sets the eligibility test."""

    OWNERSHIP = "ownership"
    """产权类: projected distribution rate test."""
    CONCESSION = "concession"
    """经营权类: IRR test."""


@choice_labels(
    {
        "noi_cap": "净运营收入/资本化率",
        "dcf": "收益法（现金流折现）",
    }
)
class ReitValuation(StrEnum):
    """How the exit value is set."""

    NOI_CAP = "noi_cap"
    """Forward NOI / cap rate."""
    DCF = "dcf"
    """Discounted NOI to the end of the horizon (plus, for ownership assets, a terminal value
    at the cap rate)."""


class ReitExit(SpecModel):
    """Sale of the operating asset to a public infrastructure REIT (基础设施公募REITs)."""

    exit_year: Annotated[float, Zh("退出年份（自项目开始）")] = Field(gt=0, le=80)
    """Exit at the end of this year from the project start [yr]; operations pass to the
    REIT after it."""
    asset_type: Annotated[ReitAssetType, Zh("资产类型")] = ReitAssetType.OWNERSHIP
    """Ownership or concession asset."""
    valuation: Annotated[ReitValuation, Zh("估值方法")] = ReitValuation.NOI_CAP
    """Valuation method."""
    cap_rate: Annotated[PositiveRate, Zh("资本化率")] = 0.05
    """Capitalisation rate on forward NOI [1/yr] (about 4–5.5 %); must be > 0."""
    discount_rate: Annotated[PositiveRate, Zh("现金流折现率")] = 0.07
    """DCF discount rate [1/yr] (6–7.5 % for ownership assets); must be > 0."""
    transaction_cost_rate: Annotated[Share, Zh("交易及发行费用率")] = 0.02
    """Transaction and issuance costs as a share of value."""
    payout_ratio: Annotated[Share, Zh("分派比例")] = 0.9
    """Share of distributable cash the REIT pays out (at least 90 %)."""
    management_fee_rate: Annotated[Share, Zh("基金管理费及托管费率（占估值，每年）")] = 0.003
    """Fund manager, custodian and asset-manager fees a year as a share of the REIT's value
    [1/yr] (param; about 0.2–0.5 %), taken from the asset's NOI before distribution."""
    capex_reserve_rate: Annotated[Share, Zh("资本性支出预留（占收入）")] = 0.02
    """Capital-expenditure reserve as a share of the asset's revenue (param), kept back
    from distributable cash."""
    spv_tax_rate: Annotated[Share, Zh("项目公司税负（占净营业收入）")] = 0.0
    """Taxes the project company (SPV) pays under the REIT as a share of NOI (param; near
    0 where shareholder-loan interest shields its income tax; property tax is in NOI)."""
    debt_service: Annotated[Money, Zh("REITs层面年还本付息")] = 0.0
    """REIT-level debt service a year [money/yr] (borrowing by the REIT, at most 140 % of
    net assets), paid before distribution."""
    min_operating_years: Annotated[Years, Zh("最短运营年限")] = 3.0
    """Eligibility: years of operation before exit."""
    min_distribution_rate: Annotated[Rate, Zh("最低现金分派率")] = 0.038
    """Eligibility (ownership): projected distribution rate in each of the next 3 years."""
    min_irr: Annotated[Rate, Zh("最低内部收益率（特许经营类）")] = 0.05
    """Eligibility (concession): IRR of the asset's remaining cash flows at the exit value."""
    affordable_rental: Annotated[bool, Zh("保障性租赁住房（首发规模下限8亿元）")] = False
    """The asset is 保障性租赁住房, which presets the size floor to 8 亿元 (else 10)."""
    min_size_yi_yuan: Annotated[float | None, Zh("最低首发规模（亿元）")] = Field(
        default=None, ge=0
    )
    """Eligibility: minimum first-issue size [亿元]; default 10, or 8 for 保障性租赁住房
    (``affordable_rental``)."""
    concession_end_year: Annotated[float | None, Zh("特许经营期末（自项目开始，年）")] = Field(
        default=None, gt=0, le=80
    )
    """End of the concession (特许经营权到期), in years from the project start [yr]; a
    concession asset is valued and its IRR tested on the NOI to then (default: the
    horizon)."""
    retained_share: Annotated[Share, Zh("原始权益人持有份额比例")] = 0.2
    """Share of the REIT's units the original owner (原始权益人, the shareholders) subscribes
    at issue and holds under lock-up (at least 20 %); it pays for them from the proceeds,
    receives their distributions and sells them at the end of the lock-up at the issue
    price (no appreciation assumed)."""
    lockup_years: Annotated[int, Zh("份额锁定期（年）")] = Field(default=5, ge=0, le=30)
    """Lock-up of the retained units [yr] (60 months for the first 20 %)."""
    reinvestment_share: Annotated[Share, Zh("回收资金再投资比例")] = 0.9
    """Share of the net recovered money (回收资金: the shareholders' cash at the exit less
    the retained units) to be reinvested in new projects (param; about 90 % in earlier
    NDRC notices)."""
    reinvestment_counts_as_return: Annotated[bool, Zh("再投资资金计入股东收益")] = False
    """Whether the reinvested money counts as a return to the shareholders (their IRR);
    by default it is shown and left out."""
    early_redemption: Annotated[list[str], Zh("退出时提前赎回的专项债（须经批准）")] = Field(
        default_factory=list
    )
    """Special bonds redeemed early from the exit proceeds (提前赎回, only with approval).
    Every other bond is not prepaid: the proceeds attributable to it go to a
    bond-repayment reserve (偿债准备金专户) that pays its coupons and principal to maturity
    (DOMAIN.md §5). A refinanced bond (``refinance_share`` > 0) is always redeemed at the
    exit: the reserve holds a tranche to its own maturity, not its refinancing."""
    escrow_rate: Annotated[Share, Zh("偿债准备金专户利率")] = 0.0
    """Interest the bond-repayment reserve earns on its balance [1/yr]; the deposit at the
    exit is the remaining bond service discounted at this rate."""
    vat_method: Annotated[VatMethod, Zh("资产转让增值税计税方法（退出）")] = VatMethod.GENERAL
    """VAT on the transfer of the asset at the exit (销售不动产), the exit value being the
    price including VAT (含税价): ``general`` at the sales rate (``tax.vat_rates[sale]``,
    9 %) with the input credit left offsetting it; ``simplified`` at the levy rate
    (``tax.simplified_vat_rates[sale]``, 5 %; only for property acquired before
    2016-05-01, 财税〔2016〕36号 附件2 一(八)), with no credit; ``exempt`` for none (e.g. a
    transfer of the project company's shares, outside VAT)."""
    land_appreciation_tax: Annotated[bool | None, Zh("退出计征土地增值税（旧房转让）")] = None
    """Whether the exit bears 土地增值税 as a transfer of old property (旧房转让, 土地增值税
    暂行条例实施细则 第七条(四)); default ``tax.land_appreciation.enabled`` (yes under
    ``cn_default``). False for a share transfer outside LAT."""
    lat_replacement_cost: Annotated[Money | None, Zh("重置成本价（土地增值税，退出）")] = None
    """重置成本价 of the buildings for the exit's LAT (实施细则 第七条(四): 评估价格 = 重置成本价
    × 成新度折扣率) [money]; default their historical cost, the investment other than land
    excluding the input VAT credited (no price index)."""
    lat_condition_rate: Annotated[Share | None, Zh("成新度折扣率（土地增值税，退出）")] = None
    """成新度折扣率 of the buildings at the exit; default 1 − years operated before the exit
    ÷ the ``building`` class's life (straight-line wear), at least 0."""

    @property
    def size_floor(self) -> float:
        """The first-issue size floor after the asset-class preset [亿元]."""
        if self.min_size_yi_yuan is not None:
            return self.min_size_yi_yuan
        return 8.0 if self.affordable_rental else 10.0

    @model_validator(mode="after")
    def _concession_after_exit(self) -> Self:
        end = self.concession_end_year
        if end is not None and self.asset_type is not ReitAssetType.CONCESSION:
            raise ValueError("concession_end_year: only a concession asset has one")
        if end is not None and end <= self.exit_year:
            raise ValueError(
                f"concession_end_year ({end:g}) must be after exit_year ({self.exit_year:g})"
            )
        return self

    def last_period(self, ppy: int, n_periods: int) -> int:
        """The last period whose NOI the REIT values and tests: the concession's end, or the
        horizon (``n_periods − 1``)."""
        if self.concession_end_year is None:
            return n_periods - 1
        return min(round(self.concession_end_year * ppy) - 1, n_periods - 1)


@choice_labels(
    {
        "bond": "专项债还本付息",
        "loan": "贷款还本付息",
        "reserves": "偿债准备金",
        "sweep": "现金扫款",
        "fund": "基金分配",
        "equity": "股东分配",
    }
)
class PriorityStep(StrEnum):
    """A step of the operating cash waterfall."""

    BOND = "bond"
    """Special-bond interest, principal and fees."""
    LOAN = "loan"
    """Loan interest, principal and fees."""
    RESERVES = "reserves"
    """Top up the debt-service reserve (DSRA)."""
    SWEEP = "sweep"
    """Cash sweep prepaying loans."""
    FUND = "fund"
    """Fund preferred returns and capital."""
    EQUITY = "equity"
    """Distributions to sponsor equity."""


DEFAULT_PRIORITY = [
    PriorityStep.BOND,
    PriorityStep.LOAN,
    PriorityStep.RESERVES,
    PriorityStep.SWEEP,
    PriorityStep.FUND,
    PriorityStep.EQUITY,
]


@choice_labels(
    {
        "profit": "以可分配利润为限",
        "cash": "以现金为限",
    }
)
class DistributionPolicy(StrEnum):
    """What limits distributions to shareholders."""

    PROFIT = "profit"
    """可供分配利润: only accumulated net profit after the statutory reserve, and only cash
    (the Chinese 利润与利润分配表 and 财务计划现金流量表)."""
    CASH = "cash"
    """All free cash after debt service, reserves and the fund."""


@choice_labels(
    {
        "pro_rata": "贷款与资本金按比例",
        "debt_first": "先用贷款",
    }
)
class Drawdown(StrEnum):
    """How loans and equity share each construction period's funding gap."""

    PRO_RATA = "pro_rata"
    """Each loan funds a fixed share of every gap (its size over the total need), sponsor
    equity the rest: debt and equity are drawn in step (同比例到位)."""
    DEBT_FIRST = "debt_first"
    """Loans, in order, fund each gap until their facilities are used up; equity the rest.
    The construction interest of a loan already used up is part of the next gaps (see
    ``Loan``)."""


class LprSpec(SpecModel):
    """Loan prime rates (贷款市场报价利率): a level, or a path by year."""

    one_year: Annotated[InterestRate, StandardFactor.RATE, Zh("1年期LPR")] = 0.030
    """1-year LPR [1/yr] (3.00 % since 2025-05-20)."""
    five_year: Annotated[InterestRate, StandardFactor.RATE, Zh("5年期以上LPR")] = 0.035
    """5-year-plus LPR [1/yr] (3.50 % since 2025-05-20)."""
    one_year_path: Annotated[list[InterestRate] | None, Zh("1年期LPR逐年路径")] = None
    """1-year LPR in each model year (the last value holds after the path ends)."""
    five_year_path: Annotated[list[InterestRate] | None, Zh("5年期LPR逐年路径")] = None
    """5-year LPR in each model year (the last value holds after the path ends)."""


class Covenants(SpecModel):
    """Floors of the covenant and policy tests (param): a project below one is weak, not a
    broken model (``renewfin.checks``). The defaults do not contradict each other: the LLCR
    of a loan whose DSCR meets a floor in every period meets the same floor (at the loan
    rate), so the LLCR floor defaults to the DSCR floor."""

    min_bond_coverage: Annotated[float, Zh("专项债本息覆盖倍数下限")] = Field(default=1.1, ge=0)
    """Bond-only coverage multiple (本息覆盖倍数) floor; 1.0 is the legal minimum, 1.1 the
    common screening norm."""
    min_total_coverage: Annotated[float, Zh("全部债务覆盖倍数下限")] = Field(default=1.0, ge=0)
    """Total-debt coverage floor."""
    min_dscr: Annotated[float, Zh("银行DSCR下限（贷款，专项债还本付息后）")] = Field(
        default=1.2, ge=0
    )
    """Bank DSCR floor: CFADS less special-bond service / loan debt service due, in every
    operating year (banks: 1.2–1.3)."""
    min_llcr: Annotated[float | None, Zh("贷款期偿债覆盖率下限")] = Field(default=None, ge=0)
    """Bank LLCR floor; default the DSCR floor (banks: 1.3–1.4; a floor above the DSCR
    target of a sculpted loan fails it by construction)."""
    min_dscr_cn: Annotated[float, Zh("偿债备付率下限（第三版）")] = Field(default=1.3, ge=0)
    """偿债备付率 floor (《建设项目经济评价方法与参数》第三版: > 1, generally ≥ 1.3)."""
    min_icr: Annotated[float, Zh("利息备付率下限（第三版）")] = Field(default=2.0, ge=0)
    """利息备付率 floor (第三版: > 1, generally ≥ 2)."""

    @property
    def llcr_floor(self) -> float:
        """The LLCR floor after the default rule."""
        return self.min_dscr if self.min_llcr is None else self.min_llcr


@choice_labels(
    {
        "cash": "运营期由经营现金充实",
        "construction": "建设期末由融资计划一次足额计提",
    }
)
class DsraFunding(StrEnum):
    """How the debt-service reserve (DSRA) is first filled."""

    CASH = "cash"
    """From operating cash after debt service, from the first period of operation."""
    CONSTRUCTION = "construction"
    """Filled to its target at completion (the last period of construction) as a use of the
    funding plan, met like any construction cost; then kept at its target from cash."""


class MaintenanceReserve(SpecModel):
    """Maintenance reserve account (MMRA, 大中修准备金): each occurrence of a cyclical
    major-maintenance cost is funded in equal parts over the operating periods since the
    one before it (the first from the start of operation), and released to pay it. The
    contributions come out of CFADS before debt service, the release goes back into it, so
    the cycle's cost is smoothed over the years before it."""

    items: Annotated[list[str] | None, Zh("计提准备金的大中修项目")] = None
    """Names of the cyclical operating costs (``opex`` items with ``every_years``) reserved
    for; default every cyclical item of category ``major_maintenance``."""


class FundingSpec(SpecModel):
    """Every source of money, the waterfall and the floors."""

    fiscal_funds: Annotated[list[FiscalFund], Zh("财政资金")] = Field(default_factory=list)
    """Fiscal funds (财政资金)."""
    special_bonds: Annotated[list[SpecialBond], Zh("专项债券")] = Field(default_factory=list)
    """Special-bond tranches (专项债券)."""
    loans: Annotated[list[Loan], Zh("银行贷款")] = Field(default_factory=list)
    """Loan tranches, in order of seniority for DSCR sizing."""
    equity_parties: Annotated[list[EquityParty], Zh("股东（资本金出资方）")] = Field(
        default_factory=lambda: [EquityParty(name="项目公司股东", share=1.0)]
    )
    """Sponsors sharing the balancing equity (项目资本金)."""
    equity_commitment: Annotated[Money | None, Zh("股东出资上限")] = None
    """Most sponsor equity available [money]. The equity a plan needs is known only once
    the engine has sized the debt (per scenario in a simulation), so a plan that needs more
    is not refused when the spec is read: it fails the ``equity_commitment`` check, which
    names the amount needed (summary, Checks sheet, JSON)."""
    fund: Annotated[Fund | None, Zh("城市更新基金")] = None
    """An urban-renewal fund, if any."""
    reit_exit: Annotated[ReitExit | None, Zh("REITs退出")] = None
    """A REIT exit, if any."""
    government_payment: Annotated[GovernmentPayment | None, Zh("政府付费方式")] = None
    """The government payment model (使用者付费, 可行性缺口补助, 政府购买服务, 特许经营), if
    declared; the checks hold the spec to it."""
    lpr: Annotated[LprSpec, Zh("贷款市场报价利率（LPR）")] = Field(default_factory=LprSpec)
    """Loan prime rates for LPR-priced loans."""
    priority: Annotated[list[PriorityStep], Zh("经营现金流分配顺序")] = Field(
        default_factory=lambda: list(DEFAULT_PRIORITY)
    )
    """Order of the operating cash waterfall (default 债贷组合: bonds before loans)."""
    min_capital_ratio: Annotated[Share | None, Zh("最低资本金比例")] = None
    """Minimum project-capital ratio; default by sector (20 %, or 25 % for real estate)."""
    equity_instrument_cap: Annotated[Share, Zh("权益型金融工具占资本金比例上限")] = 0.5
    """Most of the project capital that equity-type instruments (the fund's tiers that are
    not debt-like) may make up (国发〔2019〕26号: 50 %); checked."""
    bond_capital_cap: Annotated[Share, Zh("专项债作资本金比例上限")] = 0.30
    """Cap on the share of the project's special bonds counted as project capital, over all
    its tranches [Σ capital_share × amount / Σ amount] (国办发〔2024〕52号 sets 30 % as a
    provincial ratio, checked across a portfolio by ``renewfin simulate-portfolio``;
    provinces may set a per-project cap; 1 for none)."""
    min_cash_balance: Annotated[Money, Zh("最低留存现金")] = 0.0
    """Cash kept in the project before any distribution [money]."""
    drawdown: Annotated[Drawdown, Zh("建设期资金提取方式")] = Drawdown.PRO_RATA
    """How loans and sponsor equity share the construction funding gap."""
    distribution_policy: Annotated[DistributionPolicy, Zh("利润分配政策")] = (
        DistributionPolicy.PROFIT
    )
    """Whether distributions are limited by distributable profit (default) or only by cash;
    everything left is paid out at the end of the holding."""
    statutory_reserve_rate: Annotated[Share, Zh("法定盈余公积比例")] = 0.10
    """法定盈余公积: share of net profit set aside before distribution (profit policy)."""
    covenants: Annotated[Covenants, Zh("考核指标下限")] = Field(default_factory=Covenants)
    """Floors of the covenant and policy tests."""
    dsra_funding: Annotated[DsraFunding, Zh("偿债准备金计提方式")] = DsraFunding.CASH
    """How the DSRA (``Loan.dsra_months``) is first filled."""
    mmra: Annotated[MaintenanceReserve | None, Zh("大中修准备金")] = None
    """A maintenance reserve account for cyclical major maintenance, if any."""
    cash_interest_rate: Annotated[float, Zh("现金及准备金存款利率")] = Field(
        default=0.0, ge=0, le=0.2, allow_inf_nan=False
    )
    """Interest earned on cash and reserve balances (the opening balance of each period)
    [1/yr]; taxable income, part of CFADS."""

    @field_validator("fiscal_funds", "special_bonds", "loans", "equity_parties")
    @classmethod
    def _unique(cls, items: list[Any], info: ValidationInfo) -> list[Any]:
        return unique_names(items, str(info.field_name).rstrip("s"))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = []
        total = sum(p.share for p in self.equity_parties)
        if self.equity_parties and abs(total - 1.0) > 1e-6:
            problems.append(f"equity_parties shares must sum to 100%; they sum to {total:.4%}")
        if sorted(self.priority) != sorted(DEFAULT_PRIORITY):
            problems.append(
                f"priority must list each step once: {', '.join(s.value for s in DEFAULT_PRIORITY)}"
            )
        elif self.priority[-1] is not PriorityStep.EQUITY:
            problems.append("priority must end with equity")
        issued = sum(b.amount for b in self.special_bonds)
        capital = sum(b.amount * b.capital_share for b in self.special_bonds)
        if issued > 0 and capital > self.bond_capital_cap * issued + 1e-9 * issued:
            problems.append(
                f"bond_capital_cap: the special bonds count {capital / issued:.1%} of their "
                f"{issued:,.2f} as project capital (Σ capital_share × amount); the cap is "
                f"{self.bond_capital_cap:.0%}"
            )
        problems += self._exit_problems()
        loans = {ln.name for ln in self.loans}
        for f in self.fiscal_funds:
            if f.loan is not None and f.loan not in loans:
                problems.append(
                    f"fiscal fund {f.name}: unknown loan {f.loan!r}; expected one of "
                    f"{sorted(loans)}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _exit_problems(self) -> list[str]:
        """Bonds named at the REIT exit must exist."""
        rx = self.reit_exit
        if rx is None:
            return []
        bonds = {b.name: b for b in self.special_bonds}
        problems = [
            f"reit_exit.early_redemption: unknown special bond {name!r}; expected one of "
            f"{sorted(bonds)}"
            for name in rx.early_redemption
            if name not in bonds
        ]
        held = [b for b in bonds if b not in rx.early_redemption]
        if rx.escrow_rate and not held:
            problems.append(
                f"reit_exit.escrow_rate: {rx.escrow_rate:g} for a bond-repayment reserve, but "
                "no special bond is left to it (none, or all redeemed "
                "early); expected 0 or a special bond held to maturity"
            )
        return problems
