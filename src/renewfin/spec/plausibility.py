"""Plausibility bounds: values a field's type allows but no real project has.

A 100 % bond coupon, a discount rate of −100 %, or capital grants a hundred times the
investment are typing mistakes (a rate in percent, an amount in 元 for 万元), and a
model built on them prints confident nonsense. ``ProjectSpec.plausibility`` holds the
bounds (defaults generous for Chinese urban-renewal projects; raise one in the spec for a
genuinely unusual project); ``plausibility_problems`` reports every input beyond them with
the bound in the message. The bounds apply to a spec as it is read (a file, a template,
``validate_data``), not to the values an analysis explores from it (a sensitivity at
−90 %, a goal seek, Monte Carlo samples, which keep only the fields' own bounds). A
discount rate at or below −100 % is refused always (``rate_floor_problems``, a rule of the
spec model): its discount factors are undefined.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from renewfin.spec.base import SpecModel
from renewfin.spec.errors import Problem
from renewfin.spec.funding import FiscalUse, FundingSpec
from renewfin.spec.investment import InvestmentCategory, InvestmentItem
from renewfin.spec.labels import Zh

if TYPE_CHECKING:  # the spec holds its bounds; this module is imported by spec.model
    from renewfin.spec.model import ProjectSpec


class Plausibility(SpecModel):
    """Bounds beyond which an input is taken for a mistake; each problem names its bound
    (``plausibility.max_coupon`` …), which may be raised here."""

    max_coupon: Annotated[float, Zh("专项债票面利率上限")] = Field(default=0.15, gt=0, le=10)
    """Highest special-bond coupon, including a refinancing coupon [1/yr]."""
    max_loan_rate: Annotated[float, Zh("贷款利率上限")] = Field(default=0.20, gt=0, le=10)
    """Highest loan rate: a fixed rate, an LPR (and its path) plus the loan's spread [1/yr]."""
    max_fund_return: Annotated[float, Zh("基金预期收益率上限")] = Field(default=0.30, gt=0, le=10)
    """Highest preferred return of a fund tier [1/yr]."""
    min_discount_rate: Annotated[float, Zh("折现率下限")] = Field(default=-0.10, gt=-1, le=1)
    """Lowest discount or benchmark rate (evaluation and REIT valuation) [1/yr]."""
    max_discount_rate: Annotated[float, Zh("折现率上限")] = Field(default=0.30, gt=0, le=10)
    """Highest discount or benchmark rate (evaluation and REIT valuation) [1/yr]."""
    max_grant_share: Annotated[float, Zh("财政补助占建设投资比例上限")] = Field(
        default=1.0, gt=0, le=100
    )
    """Highest capital grants and equity injections of fiscal funds, as a share of the
    construction investment (建设投资: amounts plus basic contingency)."""
    max_sources_ratio: Annotated[float, Zh("固定资金来源占建设投资倍数上限")] = Field(
        default=1.5, gt=0, le=100
    )
    """Highest fixed sources (capital grants and injections, special bonds, the fund), as a
    multiple of the construction investment. Loans are not counted: their amount is a cap,
    and a loan is never sized above cost."""


def construction_investment(items: list[InvestmentItem]) -> float:
    """建设投资 of the spec's items: amounts plus contingency rates on their bases [money]
    (price contingency and construction interest, which the engine solves, excluded)."""
    amounts = {c: 0.0 for c in InvestmentCategory}
    for item in items:
        if item.amount is not None:
            amounts[item.category] += item.amount
    total = sum(amounts.values())
    for item in items:
        if item.amount is None and item.rate is not None:
            total += item.rate * sum(amounts[c] for c in item.base_categories)
    return total


def plausibility_problems(spec: ProjectSpec) -> list[Problem]:
    """Every input of ``spec`` beyond its plausibility bound, or a discount rate ≤ −100 %."""
    b = spec.plausibility
    problems = list(_rate_problems(spec, b))
    problems += _source_problems(spec.funding, construction_investment(spec.investment), b)
    return problems


def _rate_problems(spec: ProjectSpec, b: Plausibility) -> Iterator[Problem]:
    fs = spec.funding
    for i, bond in enumerate(fs.special_bonds):
        at = f"funding.special_bonds[{i} {bond.name}]"
        yield from _above(f"{at}.coupon", bond.coupon, b.max_coupon, "max_coupon")
        if bond.refinance_coupon is not None:
            yield from _above(
                f"{at}.refinance_coupon", bond.refinance_coupon, b.max_coupon, "max_coupon"
            )
    lprs = [
        fs.lpr.one_year,
        fs.lpr.five_year,
        *(fs.lpr.one_year_path or []),
        *(fs.lpr.five_year_path or []),
    ]
    for i, ln in enumerate(fs.loans):
        at = f"funding.loans[{i} {ln.name}]"
        if ln.rate is not None:
            yield from _above(f"{at}.rate", ln.rate, b.max_loan_rate, "max_loan_rate")
        elif ln.rate_type.value == "lpr" and lprs:
            yield from _above(
                f"{at}.spread",
                max(lprs) + ln.spread,
                b.max_loan_rate,
                "max_loan_rate",
                what="LPR + spread reaches",
            )
    if fs.fund is not None:
        for tier in ("senior_return", "junior_return"):
            yield from _above(
                f"funding.fund.{tier}", getattr(fs.fund, tier), b.max_fund_return, "max_fund_return"
            )
    for path, rate in discount_rates(spec):
        if rate < b.min_discount_rate and rate > -1:
            yield Problem(
                path,
                f"below the plausible bound plausibility.min_discount_rate "
                f"({b.min_discount_rate:g}); expected a fraction such as 0.06",
                rate,
            )
        elif rate > -1:
            yield from _above(path, rate, b.max_discount_rate, "max_discount_rate")


def discount_rates(spec: ProjectSpec) -> list[tuple[str, float]]:
    """Every discount or benchmark rate of the spec, by path."""
    rates = [
        (f"evaluation.{k}", float(getattr(spec.evaluation, k)))
        for k in ("discount_rate", "benchmark_irr", "equity_discount_rate")
    ]
    if spec.funding.reit_exit is not None:
        rates.append(("funding.reit_exit.discount_rate", spec.funding.reit_exit.discount_rate))
    return rates


def rate_floor_problems(spec: ProjectSpec) -> list[Problem]:
    """Discount rates at or below −100 %, whose discount factors are undefined."""
    return [
        Problem(
            path,
            "a discount rate at or below -100% has no discount factors; "
            "expected > -1 (a fraction: 0.06 = 6%)",
            rate,
        )
        for path, rate in discount_rates(spec)
        if rate <= -1
    ]


def _above(path: str, value: float, bound: float, name: str, what: str = "") -> Iterator[Problem]:
    if value > bound:
        lead = f"{what} {value:.4g}, " if what else ""
        yield Problem(
            path,
            f"{lead}above the plausible bound plausibility.{name} ({bound:g}); "
            "expected a fraction per year (0.03 = 3%), or raise the bound",
            value,
        )


def _source_problems(fs: FundingSpec, investment: float, b: Plausibility) -> list[Problem]:
    capital = [
        f for f in fs.fiscal_funds if f.use in (FiscalUse.CAPITAL_GRANT, FiscalUse.EQUITY_INJECTION)
    ]
    grants = sum(f.amount for f in capital)
    problems = []
    if investment > 0 and grants > b.max_grant_share * investment:
        problems.append(
            Problem(
                "funding.fiscal_funds",
                f"capital grants and injections of {grants:,.2f} exceed "
                f"plausibility.max_grant_share ({b.max_grant_share:g}) × the construction "
                f"investment of {investment:,.2f}; expected amounts in the spec's money unit",
                [f.name for f in capital],
            )
        )
    sources = grants + sum(x.amount for x in fs.special_bonds)
    sources += fs.fund.amount if fs.fund is not None else 0.0
    if investment > 0 and sources > b.max_sources_ratio * investment and not problems:
        problems.append(
            Problem(
                "funding",
                f"fixed sources of {sources:,.2f} (capital grants and injections, "
                "special bonds, the fund) exceed plausibility.max_sources_ratio "
                f"({b.max_sources_ratio:g}) × the construction investment of {investment:,.2f}; "
                "expected sources in proportion to the uses",
                has_value=False,
            )
        )
    return problems
