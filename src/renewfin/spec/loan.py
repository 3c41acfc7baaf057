"""A loan tranche (项目贷款): its pricing, repayment profile and sizing bounds.

Rules and default figures: ``DOMAIN.md`` §4. The repayment profiles are computed and
written to the workbook by ``renewfin.instruments.loan.PROFILES``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from renewfin.spec.base import (
    InterestRate,
    Money,
    Name,
    Share,
    SpecModel,
    StandardFactor,
    Years,
    raise_problems,
    shares_problem,
)
from renewfin.spec.drawing import ConstructionInterest, DrawTiming
from renewfin.spec.errors import Problem
from renewfin.spec.labels import Zh, choice_labels


@choice_labels(
    {
        "fixed": "固定利率",
        "lpr": "LPR加点",
    }
)
class RateType(StrEnum):
    """How a loan is priced."""

    FIXED = "fixed"
    """A fixed annual rate."""
    LPR = "lpr"
    """LPR + spread, resetting on the LPR path each year."""


@choice_labels(
    {
        "1y": "1年期",
        "5y": "5年期以上",
    }
)
class LprTenor(StrEnum):
    """Which LPR a loan is priced on."""

    ONE_YEAR = "1y"
    FIVE_YEAR = "5y"


@choice_labels(
    {
        "equal_principal": "等额本金",
        "annuity": "等额本息",
        "custom": "自定义比例",
        "bullet": "到期一次还本",
        "sculpted": "按目标偿债备付率雕塑",
        "increasing": "等比递增还本",
    }
)
class LoanRepayment(StrEnum):
    """Repayment profile of a loan after its grace period."""

    EQUAL_PRINCIPAL = "equal_principal"
    """等额本金."""
    ANNUITY = "annuity"
    """等额本息."""
    CUSTOM = "custom"
    """按比例还本: shares of principal per repayment year."""
    BULLET = "bullet"
    """到期一次还本."""
    SCULPTED = "sculpted"
    """Sculpted so that each period's DSCR equals ``target_dscr``."""
    INCREASING = "increasing"
    """等比递增还本: the principal of each repayment year is (1 + ``repayment_growth``) × the
    last year's."""


class LoanSizing(SpecModel):
    """Bounds on a loan's size; the loan is the smallest of them (and never above cost)."""

    amount: Annotated[Money | None, Zh("最高金额")] = None
    """Maximum amount [money]: drawings plus construction interest capitalised into the
    balance never exceed it; construction interest that no longer fits is paid in cash by
    the next source in the drawdown order (see ``Loan``)."""
    gearing: Annotated[Share | None, Zh("最高贷款比例（占总投资）")] = None
    """Maximum loan as a share of total investment (including IDC and fees)."""
    dscr: Annotated[float | None, Zh("按偿债备付率定规模")] = Field(default=None, gt=0, le=10)
    """Target DSCR (> 0; banks use 1.2–1.3): the largest facility whose debt service meets
    it in every year it is due in operation, on CFADS less special-bond service (paid
    first, 债贷组合) over the loan's debt service plus that of the loans listed before it
    (the cumulative DSCR a junior lender tests). For a sculpted loan this is PV(cash
    available over the repayment periods, at the loan rate) / dscr; for the other profiles
    it is the smallest, over those years, of cash available / (dscr × debt service of a
    unit facility), and 0 when cash available is not positive in a year with debt service
    due (``Result.loan_sizing`` names the year). Interest-only (grace) years in operation
    count as years with debt service due. ``renewfin.financing.bounds`` has the
    formulas."""
    llcr: Annotated[float | None, Zh("LLCR目标（贷款规模上限）")] = Field(default=None, gt=0, le=10)
    """Target LLCR (optional, > 0): the largest facility whose LLCR — PV at the loan rate
    of the cash available to it over its remaining life / its balance — meets it at the
    start of every period of operation with a balance."""

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if all(v is None for v in (self.amount, self.gearing, self.dscr, self.llcr)):
            raise ValueError("give at least one of amount, gearing, dscr or llcr")
        return self


class Loan(SpecModel):
    """One loan tranche (项目贷款).

    Construction interest (建设期利息), net of any interest subsidy, is capitalised into the balance
    (``construction_interest: capitalised``, the default) while it fits in the facility (the loan's
    size): each period the loan draws at most what leaves room for that period's interest. With
    ``construction_interest: paid`` it is paid in cash from the project's own funds instead, and the
    whole facility funds construction. Once the facility is used up, the interest that no longer
    fits is paid in cash in that period, as a construction use met by the next source in the
    drawdown order (cash in hand, then the loans ranked after it under ``debt_first``, then sponsor
    equity); it still counts as IDC in the total investment (ledger line ``loan[name].idc_paid``).
    So the balance at completion is at most the facility, and equals it when the facility was used
    up.
    """

    name: Name
    """Tranche name (e.g. 国开行项目贷款)."""
    lender: Annotated[str | None, Zh("贷款人")] = None
    """Lender, for labels (国开行, 农发行, a commercial bank)."""
    rate_type: Annotated[RateType, Zh("利率类型")] = RateType.LPR
    """Fixed rate or LPR + spread."""
    rate: Annotated[InterestRate | None, StandardFactor.RATE, Zh("固定年利率")] = None
    """Fixed annual rate [1/yr] (rate_type fixed)."""
    lpr_tenor: Annotated[LprTenor, Zh("定价LPR期限")] = LprTenor.FIVE_YEAR
    """LPR the loan is priced on (rate_type lpr)."""
    spread: Annotated[float, Zh("LPR加点")] = Field(default=0.0, ge=-0.05, le=0.10)
    """Spread over the LPR [1/yr] (e.g. −0.003 for LPR − 30 bp)."""
    tenor_years: float = Field(gt=0, le=40)
    """Tenor from the start of construction (financial close) to final maturity [yr]."""
    grace_years: Annotated[Years, Zh("宽限期（年）")] = 0.0
    """Grace period (宽限期) from financial close: interest only [yr]."""
    repayment: LoanRepayment = LoanRepayment.EQUAL_PRINCIPAL
    """Repayment profile after the grace period."""
    repayment_schedule: list[Share] | None = None
    """Custom profile: share of principal repaid in each repayment year (sum 100 %)."""
    target_dscr: Annotated[float | None, Zh("目标偿债备付率（雕塑式）")] = Field(
        default=None, gt=0, le=10
    )
    """Sculpted profile: the DSCR every repayment period should show."""
    repayment_growth: Annotated[float, Zh("还本递增率")] = Field(default=0.05, ge=0, le=1)
    """Increasing profile (等比递增还本): growth of each repayment year's principal over the
    last's [1/yr] (0 repays as 等额本金)."""
    sizing: Annotated[LoanSizing, Zh("贷款规模约束")]
    """Bounds on the loan's size."""
    draw_timing: Annotated[DrawTiming, Zh("提款时点")] = DrawTiming.MIDDLE
    """When in a period the loan is drawn (``DrawTiming``): sets the interest on each
    period's drawings."""
    construction_interest: ConstructionInterest = ConstructionInterest.CAPITALISED
    """How its interest of construction periods is met (``ConstructionInterest``):
    rolled into the balance, or paid in cash from the project's own funds."""
    upfront_fee_rate: Annotated[Share, Zh("前端费率")] = 0.0
    """Up-front fee as a share of the facility, paid at financial close."""
    commitment_fee_rate: Annotated[Share, Zh("承诺费率")] = 0.0
    """Commitment fee per year on the undrawn facility during construction [1/yr]."""
    dsra_months: Annotated[int, Zh("偿债准备金（月）")] = Field(default=0, ge=0, le=24)
    """Debt-service reserve (DSRA): months of the next debt service kept in reserve."""
    cash_sweep: Annotated[Share, Zh("现金扫款比例")] = 0.0
    """Share of cash left after reserves used to prepay this loan."""
    lockup_dscr: Annotated[float | None, Zh("分配锁定偿债备付率")] = Field(
        default=None, gt=0, le=10
    )
    """No distributions in a period whose DSCR is below this."""

    @model_validator(mode="after")
    def _terms(self) -> Self:
        """Each problem at its own field, with its value (``funding.loans[0 L].tenor_years``)."""
        problems: list[Problem | None] = []
        if self.rate_type is RateType.FIXED and self.rate is None:
            problems.append(Problem("rate", "a fixed-rate loan needs `rate`", has_value=False))
        if self.rate_type is RateType.LPR and self.rate is not None:
            problems.append(
                Problem(
                    "rate", "an LPR loan takes `spread`, not `rate`; expected no rate", self.rate
                )
            )
        if self.tenor_years <= self.grace_years:
            problems.append(
                Problem(
                    "tenor_years", f"must be > grace_years ({self.grace_years:g})", self.tenor_years
                )
            )
        if self.repayment is LoanRepayment.CUSTOM:
            if self.repayment_schedule is None:
                problems.append(
                    Problem(
                        "repayment_schedule",
                        "custom repayment needs `repayment_schedule`",
                        has_value=False,
                    )
                )
            else:
                years = self.tenor_years - self.grace_years
                if abs(len(self.repayment_schedule) - years) > 1e-9:
                    problems.append(
                        Problem(
                            "repayment_schedule",
                            f"has {len(self.repayment_schedule)} shares; expected one per "
                            f"repayment year ({years:g} = tenor_years − grace_years)",
                            self.repayment_schedule,
                        )
                    )
                problems.append(
                    shares_problem(self.repayment_schedule, "repayment_schedule shares")
                )
        elif self.repayment_schedule is not None:
            problems.append(
                Problem(
                    "repayment_schedule",
                    "needs repayment: custom; expected no schedule",
                    self.repayment_schedule,
                )
            )
        if self.repayment is LoanRepayment.SCULPTED and self.target_dscr is None:
            problems.append(
                Problem("target_dscr", "a sculpted loan needs `target_dscr`", has_value=False)
            )
        sized = self.sizing.dscr
        if (
            self.repayment is LoanRepayment.SCULPTED
            and self.target_dscr is not None
            and sized is not None
            and abs(sized - self.target_dscr) > 1e-12
        ):
            problems.append(
                Problem(
                    "sizing.dscr",
                    f"a sculpted loan is sized on the DSCR it is sculpted to (target_dscr "
                    f"{self.target_dscr:g}): leave sizing.dscr out or set it to "
                    f"{self.target_dscr:g}",
                    sized,
                )
            )
        raise_problems(problems)
        return self
