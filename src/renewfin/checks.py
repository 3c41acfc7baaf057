"""Model checks with diagnostics: each check passes or fails per scenario and, when it
fails, names the first period and the amount.

Two kinds (``DESIGN.md`` §6): **integrity** checks say the model is broken — sources ≠
uses, a corkscrew that does not close, a balance sheet that does not balance, debt left
unpaid or above cost, a solve that did not converge or a loan sized on a DSCR (LLCR)
target that misses it — and make the master check; **covenant and policy** tests say the
project is weak — the bank DSCR and LLCR, 偿债备付率 and 利息备付率, the coverage
multiples, the annual cash test (财务生存能力), equity, the capital ratio, REIT
eligibility, the equity commitment — and are reported apart (``renewfin run --strict``
exits 1 when one fails).

A check reads the ledger and the metrics; it never changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from renewfin.ratios import Why, by_year
from renewfin.spec.project import EntityType, Sector
from renewfin.spec.revenue import LandBooking, RevenueKind

if TYPE_CHECKING:
    import pandas as pd

    from renewfin.engine import Result

TOL = 1e-6
"""Absolute tolerance on money checks, relative to the project's total investment."""
TARGET_TOL = 1e-9
"""Relative slack of the sizing-target check: a loan sized on a DSCR or LLCR target meets
it to the solve's tolerance."""


class CheckKind(StrEnum):
    """What a failed check means."""

    INTEGRITY = "integrity"
    """The model is broken."""
    COVENANT = "covenant"
    """The project is weak: a covenant or policy floor is not met."""


@dataclass(frozen=True)
class Check:
    """One check over S scenarios."""

    id: str
    zh: str
    en: str
    passed: np.ndarray
    """(S,) bool."""
    detail: Callable[[int], str]
    """What failed in a scenario (first period and amount), or '' when it passed."""
    kind: CheckKind = CheckKind.INTEGRITY
    """Integrity check or covenant / policy test."""

    def message(self, scenario: int = 0) -> str:
        """Readable result for one scenario."""
        if bool(self.passed[scenario]):
            return "OK"
        return self.detail(scenario)


def integrity(checks: list[Check]) -> list[Check]:
    """The integrity checks of ``checks`` (the master check)."""
    return [c for c in checks if c.kind is CheckKind.INTEGRITY]


def covenants(checks: list[Check]) -> list[Check]:
    """The covenant and policy tests of ``checks``."""
    return [c for c in checks if c.kind is CheckKind.COVENANT]


def status(checks: list[Check], scenario: int = 0) -> dict[str, bool]:
    """Whether every integrity check (``integrity``) and every covenant and policy test
    (``covenants``) passed in ``scenario``."""
    return {
        kind.value: all(bool(c.passed[scenario]) for c in checks if c.kind is kind)
        for kind in CheckKind
    }


def minimum_capital_ratio(result: Result) -> float:
    """Minimum capital ratio: the spec's, else 25 % for real estate, 20 % otherwise
    (国发〔2019〕26号)."""
    fs = result.spec.funding
    if fs.min_capital_ratio is not None:
        return fs.min_capital_ratio
    return 0.25 if result.spec.project.sector is Sector.REAL_ESTATE else 0.20


def _first(
    mask: np.ndarray, values: np.ndarray, labels: list[str], what: str, unit: str, scenario: int
) -> str:
    row = mask[min(scenario, mask.shape[0] - 1)]
    if not row.any():
        return ""
    t = int(np.argmax(row))
    v = values[min(scenario, values.shape[0] - 1), t]
    count = int(row.sum())
    more = f" (and {count - 1} more period{'s' * (count > 2)})" if count > 1 else ""
    return f"{what} in {labels[t]}: {v:,.2f} {unit}{more}"


def _series_check(
    result: Result,
    id: str,
    zh: str,
    en: str,
    mask: np.ndarray,
    values: np.ndarray,
    what: str,
    kind: CheckKind = CheckKind.INTEGRITY,
) -> Check:
    labels, unit = result.ledger.labels, result.ledger.money_unit
    return Check(
        id,
        zh,
        en,
        ~np.any(mask, axis=1),
        lambda s: _first(mask, values, labels, what, unit, s),
        kind,
    )


@dataclass(frozen=True)
class FloorTest:
    """A covenant or policy test of a metric against its floor: the check's id, its Chinese
    and English label, and the metric (``renewfin.metrics``) it reads; the checks here and
    the workbook's checks sheet (``renewfin.excel.sheets``) read these."""

    id: str
    zh: str
    en: str
    metric: str


FLOOR_TESTS = (
    FloorTest(
        "capital_ratio",
        "资本金比例达标",
        "Capital ratio at least the sector minimum",
        "capital_ratio",
    ),
    FloorTest(
        "bond_coverage",
        "专项债本息覆盖倍数达标",
        "Bond coverage at least the floor",
        "bond_coverage",
    ),
    FloorTest(
        "total_debt_coverage",
        "全部债务覆盖倍数达标",
        "Total-debt coverage at least the floor",
        "total_debt_coverage",
    ),
    FloorTest(
        "dscr", "贷款DSCR达标（银行口径）", "Loan DSCR at least the bank floor", "min_loan_dscr"
    ),
    FloorTest("llcr", "LLCR达标", "LLCR at least the floor", "min_llcr"),
    FloorTest(
        "dscr_cn",
        "偿债备付率达标（第三版）",
        "Debt service coverage ratio (偿债备付率) at least the floor (3rd edition)",
        "min_dscr_cn",
    ),
    FloorTest(
        "icr",
        "利息备付率达标（第三版）",
        "Interest coverage ratio (利息备付率) at least the floor (3rd edition)",
        "min_icr",
    ),
)
"""The metric-against-floor tests, in the order the checks list them."""


def _metric_floor(result: Result, id: str, zh: str, en: str, key: str, floor: float) -> Check:
    """A covenant test: metric ``key`` at least ``floor``. An undefined metric passes when
    nothing is due or what is due is negligible, and fails when its numerator is negative
    (a negative cover is below any floor), with its reason."""
    v = result.values[key]
    noted = result.notes.why.get(key)
    why = np.broadcast_to(np.full(v.shape, Why.NOT_DUE) if noted is None else noted, v.shape)
    undefined_ok = np.isin(why, (Why.NOT_DUE, Why.TINY))
    ok = np.where(np.isnan(v), undefined_ok, v >= floor - 1e-12)

    def detail(s: int) -> str:
        year = result.notes.year(key, s)
        if np.isnan(v[s]):
            return f"{key}: {result.notes.reason(key, s)} (floor {floor:g})"
        where = f" in {year}" if year is not None else ""
        return f"{key} = {v[s]:.4f}{where} is below the floor {floor:g}"

    return Check(id, zh, en, ok, detail, CheckKind.COVENANT)


def run_checks(result: Result) -> list[Check]:
    """Every check of a run: the integrity checks, then the covenant and policy tests."""
    return _integrity_checks(result) + _covenant_checks(result)


def _integrity_checks(result: Result) -> list[Check]:
    """Sources = uses, the balance sheet, the corkscrews, debt repaid and not above cost,
    the funding solve and the sizing targets."""
    led, vals = result.ledger, result.values
    scale = np.maximum(1.0, np.abs(vals["total_project_investment"]))[:, None]
    diff = led["su.sources"] - led["su.uses"]
    out = [
        _series_check(
            result,
            "sources_uses",
            "资金来源与运用平衡",
            "Sources equal uses",
            np.abs(diff) > TOL * scale,
            diff,
            "sources minus uses",
        )
    ]
    bs = led["bs.check"]
    out.append(
        _series_check(
            result,
            "balance_sheet",
            "资产负债表平衡",
            "Balance sheet balances",
            np.abs(bs) > TOL * scale,
            bs,
            "assets minus liabilities and equity",
        )
    )
    gap = corkscrew_gaps(result)
    out.append(
        _series_check(
            result,
            "corkscrews",
            "债务及准备金余额勾稽",
            "Debt and reserve corkscrews close",
            np.abs(gap) > TOL * scale,
            gap,
            "a balance differs from its opening plus its flows by",
        )
    )
    end = led["bond.closing"][:, -1:] + led["loan.closing"][:, -1:]
    out.append(
        _series_check(
            result,
            "debt_repaid",
            "债务到期全部偿还",
            "All debt repaid",
            end > TOL * scale,
            end,
            "debt outstanding at the end",
        )
    )
    debt = vals["bond_amount"] + vals["loan_amount"]
    above = debt > vals["total_project_investment"] * (1 + 1e-9)
    out.append(
        Check(
            "debt_above_cost",
            "债务不超过总投资",
            "Debt not above cost",
            ~above,
            lambda s: (
                f"debt {debt[s]:,.2f} exceeds total investment "
                f"{vals['total_project_investment'][s]:,.2f}"
            ),
        )
    )
    if result.sizing is not None:
        out.append(funding_converged(result, scale[:, 0]))
        out.append(sizing_targets(result))
    return out


def _covenant_checks(result: Result) -> list[Check]:
    """Financial survival, equity, the capital ratio, the coverage floors, the bank and the
    第三版 ratios, REIT eligibility and the equity commitment."""
    led, vals, spec = result.ledger, result.values, result.spec
    scale = np.maximum(1.0, np.abs(vals["total_project_investment"]))[:, None]
    cash = led["cash.cumulative_surplus"]
    out = [
        _series_check(
            result,
            "cumulative_cash",
            "财务生存能力（累计盈余资金非负）",
            "Cumulative cash never negative",
            cash < -TOL * scale,
            cash,
            "cumulative cash below zero",
            CheckKind.COVENANT,
        )
    ]
    equity = led["bs.equity"]
    out.append(
        _series_check(
            result,
            "negative_equity",
            "所有者权益非负",
            "Equity not negative",
            equity < -TOL * scale,
            equity,
            "negative equity",
            CheckKind.COVENANT,
        )
    )
    cov = spec.funding.covenants
    floors = {
        "capital_ratio": minimum_capital_ratio(result),
        "bond_coverage": cov.min_bond_coverage,
        "total_debt_coverage": cov.min_total_coverage,
        "dscr": cov.min_dscr,
        "llcr": cov.llcr_floor,
        "dscr_cn": cov.min_dscr_cn,
        "icr": cov.min_icr,
    }
    for test in FLOOR_TESTS:
        out.append(_metric_floor(result, test.id, test.zh, test.en, test.metric, floors[test.id]))
    gp = spec.funding.government_payment
    if gp is not None and gp.gap_cap_share is not None:
        cap = gp.gap_cap_share
        subsidy = led["fiscal.operating_subsidies"].sum(axis=1)
        revenue = led["revenue.total"].sum(axis=1)
        out.append(
            Check(
                "viability_gap_cap",
                "可行性缺口补助不超过上限",
                "Viability-gap payment within its cap",
                subsidy <= cap * revenue + TOL * scale[:, 0],
                lambda s: (
                    f"operating subsidies {subsidy[s]:,.2f} exceed "
                    f"funding.government_payment.gap_cap_share {cap:.0%} of operating revenue "
                    f"{revenue[s]:,.2f}"
                ),
                CheckKind.COVENANT,
            )
        )
    out += _platform_land_loan(result)
    if "equity_instrument_share" in vals:
        cap = spec.funding.equity_instrument_cap
        share = vals["equity_instrument_share"]
        out.append(
            Check(
                "equity_instrument_cap",
                "权益型金融工具占资本金比例不超过上限",
                "Equity-type instruments within their share of capital",
                ~(share > cap + 1e-12),
                lambda s: (
                    f"the fund's equity-type tiers make up {share[s]:.2%} of project capital; "
                    f"funding.equity_instrument_cap is {cap:.0%} (国发〔2019〕26号)"
                ),
                CheckKind.COVENANT,
            )
        )
    if "reit_eligible" in vals:
        ok = vals["reit_eligible"] > 0.5
        out.append(
            Check(
                "reit_eligible",
                "REITs发行条件",
                "REIT eligibility",
                ok,
                lambda s: _reit_reasons(result, s),
                CheckKind.COVENANT,
            )
        )
    commitment = spec.funding.equity_commitment
    if commitment is not None:
        need = vals["sponsor_equity"]
        out.append(
            Check(
                "equity_commitment",
                "股东出资承诺足额",
                "Equity within commitment",
                need <= commitment * (1 + 1e-9) + 1e-9,
                lambda s: (
                    f"the plan needs {need[s]:,.2f} of sponsor equity; "
                    f"funding.equity_commitment is {commitment:,.2f}"
                ),
                CheckKind.COVENANT,
            )
        )
    return out


def platform_land_applies(result: Result) -> bool:
    """Whether the policy test ``platform_land_loan`` runs: the implementing entity is a
    financing platform (``project.implementing_entity_type``) and the project has land-transfer
    income, whoever books it (land the government books passes: the company books none)."""
    spec = result.spec
    return spec.project.implementing_entity_type is EntityType.FINANCING_PLATFORM and any(
        r.kind is RevenueKind.LAND_TRANSFER for r in spec.revenues
    )


def platform_land_streams(result: Result) -> list[str]:
    """Ledger ids of the land-transfer streams whose income a financing-platform
    implementing entity books as its own revenue (``_platform_land_loan``); none unless
    ``project.implementing_entity_type`` is ``financing_platform``; a stream the government
    books (``booked_by: government``, the company paid 成本返还) is not the company's."""
    if not platform_land_applies(result):
        return []
    return [
        f"revenue.stream[{r.name}]"
        for r in result.spec.revenues
        if r.kind is RevenueKind.LAND_TRANSFER and r.booked_by is LandBooking.COMPANY
    ]


def _platform_land_loan(result: Result) -> list[Check]:
    """The policy test ``platform_land_loan`` (DOMAIN.md §5a): where the implementing entity
    is a financing platform (``project.implementing_entity_type``) and the company books
    land-transfer income, it fails in a scenario where that company both draws a market
    (bank) loan and pays its shareholders a distribution: land revenue that repays a market
    loan and earns a platform company an equity return is the hidden-debt pattern the
    land-reserve rules forbid (财预〔2017〕50号, 财综〔2016〕4号). A covenant / policy test,
    not an integrity error; the lawful route is 成本返还 by the government (it runs, and
    passes, when the government books all the land: the company then books none)."""
    if not platform_land_applies(result):
        return []
    led = result.ledger
    income = sum(
        (led[i].sum(axis=1) for i in platform_land_streams(result)), np.zeros(led.n_scenarios)
    )
    loans = led["loan.draw"].sum(axis=1)
    paid = led["equity.distribution"].sum(axis=1)
    scale = TOL * np.maximum(1.0, np.abs(result.values["total_project_investment"]))
    bad = (income > scale) & (loans > scale) & (paid > scale)
    return [
        Check(
            "platform_land_loan",
            "融资平台公司土地出让收入不同时偿还市场化贷款并分配股东回报",
            "Land revenue of a platform company not both repaying a market loan and paying "
            "an equity return",
            ~bad,
            lambda s: (
                f"土地出让收入 {income[s]:,.2f} 由融资平台公司（project.implementing_entity_type）"
                f"入账，既偿还市场化贷款（提款 {loans[s]:,.2f}）又向股东分配 {paid[s]:,.2f}，"
                "属财预〔2017〕50号禁止的隐性债务模式 / the financing platform "
                f"books land-transfer income of {income[s]:,.2f} that services a market "
                f"loan (drawn {loans[s]:,.2f}) and pays its shareholders {paid[s]:,.2f}: "
                "the hidden-debt pattern the land-reserve rules forbid (财预〔2017〕50号); "
                "let the government book the land revenue and repay the company's cost "
                "(成本返还 plus a management fee), or fund the works without the loan"
            ),
            CheckKind.COVENANT,
        )
    ]


def corkscrew_gaps(result: Result) -> np.ndarray:
    """(S, T) the sum over the loans, the bond tranches and the reserves of |opening +
    flows − closing| and |opening − closing of the period before| [money]: zero when every
    corkscrew closes."""
    led = result.ledger
    gap = np.zeros((led.n_scenarios, led.n_periods))

    def prev(x: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros_like(x[:, :1]), x[:, :-1]], axis=1)

    for key in led.ids(prefix="loan["):
        if not key.endswith("].closing"):
            continue
        at = key[: -len(".closing")]
        opening, closing = led[f"{at}.opening"], led[key]
        flows = (
            led[f"{at}.draw"]
            + led[f"{at}.capitalised"]
            - led[f"{at}.principal"]
            - led[f"{at}.prepayment"]
        )
        gap = gap + np.abs(opening + flows - closing) + np.abs(opening - prev(closing))
    for key in led.ids(prefix="bond["):
        if not key.endswith("].closing"):
            continue
        at = key[: -len(".closing")]
        opening, closing = led[f"{at}.opening"], led[key]
        gap = gap + np.abs(opening - prev(closing))
    reserves = [("cash.dsra_balance", led["cash.dsra_change"])]
    if "reserve.mmra.balance" in led:
        flow = led["reserve.mmra.contribution"] - led["reserve.mmra.release"]
        reserves.append(("reserve.mmra.balance", flow))
    for key, flow in reserves:
        balance = led[key]
        gap = gap + np.abs(prev(balance) + flow - balance)
    return gap


def loan_cover(result: Result, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cumulative cover of loan ``k`` by model year, each (S, Y) [money]: the cash for
    the loans (CFADS less special-bond service), the debt service due (interest and
    scheduled principal) of loan ``k`` and of the loans before it, and loan ``k``'s own
    (``renewfin.financing.bounds``)."""
    led, ppy = result.ledger, result.spec.periods_per_year
    assert result.plan is not None
    due = np.zeros(led["cash.cfads"].shape)
    own = due
    for ln in result.plan.loans[: k + 1]:
        at = f"loan[{ln.name}]"
        own = led[f"{at}.interest"] - led[f"{at}.capitalised"] + led[f"{at}.principal"]
        due = due + own
    avail = led["cash.cfads"] - led["cash.bond_debt_service"]
    return by_year(avail, ppy), by_year(due, ppy), by_year(own, ppy)


def sizing_targets(result: Result) -> Check:
    """Every loan sized on a DSCR target meets it in every test year (cash for the loans /
    its debt service due and that of the loans before it ≥ target, ``loan_cover``), to the
    solve's tolerance: the DSCR bound guarantees it, so a miss is a broken model."""
    from renewfin.metrics_funding import test_years

    plan, sizing = result.plan, result.sizing
    assert plan is not None and sizing is not None
    s = result.n_scenarios
    ok = np.ones(s, dtype=bool)
    worst: list[tuple[str, np.ndarray, np.ndarray, float]] = []
    rows = test_years(result.ledger, result.spec.periods_per_year)
    for k, ln in enumerate(plan.loans):
        if ln.dscr_target is None:
            continue
        target = np.broadcast_to(ln.dscr_target, (s,))[:, None]
        avail, due, own = loan_cover(result, k)
        # A year counts where the loan itself has debt service due (beyond the rounding
        # of a loan repaid early: 1e-7 of its size).
        owes = own > 1e-7 * np.maximum(sizing.facility[k], 1.0)[:, None]
        short = rows & owes & (avail < target * due * (1 - TARGET_TOL) - 1e-9)
        ok &= ~short.any(axis=1)
        worst.append((ln.name, short, avail / np.where(due > 0, due, 1.0), float(target[0, 0])))

    def detail(j: int) -> str:
        for name, short, ratio, target in worst:
            if short[j].any():
                y = int(np.argmax(short[j]))
                year = int(result.timeline.start_years[y * result.spec.periods_per_year])
                return (
                    f"loan {name} is sized on a DSCR of {target:g} but shows {ratio[j, y]:.4f} "
                    f"in {year}: the DSCR bound did not hold (a bug; please report it)"
                )
        return ""

    return Check(
        "sizing_targets",
        "按DSCR测算的贷款逐年达标",
        "Loans sized on DSCR meet it every year",
        ok,
        detail,
    )


SOLVE_TOL = 1e-8
"""Largest gap between a loan's drawings plus capitalised interest and its solved size,
relative to the total investment, that the ``funding_converged`` check accepts."""


def facility_gaps(result: Result, scale: np.ndarray) -> np.ndarray:
    """(S,) the largest gap, over the loans, between what the ledger shows drawn from a loan
    (drawings plus construction interest capitalised into it) and the size the solve gave
    it, relative to ``scale`` (S,) [money]: zero at the solve's fixed point."""
    sizing, led = result.sizing, result.ledger
    worst = np.zeros(led.n_scenarios)
    if sizing is None or result.plan is None:
        return worst
    for k, ln in enumerate(result.plan.loans):
        used = (led[f"loan[{ln.name}].draw"] + led[f"loan[{ln.name}].capitalised"]).sum(axis=1)
        worst = np.maximum(worst, np.abs(used - sizing.facility[k]) / scale)
    return worst


def funding_converged(result: Result, scale: np.ndarray) -> Check:
    """The funding solve converged: it met its tolerance (``Sizing.converged``) and, read
    from the ledger, every loan's drawings plus capitalised interest equal its solved size
    (``facility_gaps`` ≤ ``SOLVE_TOL``); ``scale`` (S,) is the total investment [money]."""
    sizing = result.sizing
    assert sizing is not None
    names = [ln.name for ln in result.plan.loans] if result.plan is not None else []
    gaps = facility_gaps(result, scale)
    ok = sizing.converged & (gaps <= SOLVE_TOL)

    def detail(s: int) -> str:
        if not bool(sizing.converged[s]):
            return sizing.failure(names, s)
        return (
            f"a loan's drawings and capitalised interest differ from its solved size by "
            f"{gaps[s]:.2e} of the total investment"
        )

    return Check("funding_converged", "融资方案迭代收敛", "Funding solve converged", ok, detail)


def _reit_reasons(result: Result, s: int) -> str:
    rx = result.spec.funding.reit_exit
    assert rx is not None
    v = result.values
    why = []
    if v["reit_operating_years"][s] < rx.min_operating_years - 1e-9:
        why.append(
            f"operated {v['reit_operating_years'][s]:.1f} years (< {rx.min_operating_years:g})"
        )
    if rx.asset_type.value == "ownership" and not (
        v["reit_distribution_yield"][s] >= rx.min_distribution_rate
    ):
        why.append(
            f"distribution rate {v['reit_distribution_yield'][s]:.2%} in year 1 "
            f"(each of 3 years must be ≥ {rx.min_distribution_rate:.2%})"
        )
    if rx.asset_type.value == "concession" and not v["reit_asset_irr"][s] >= rx.min_irr:
        why.append(f"asset IRR {v['reit_asset_irr'][s]:.2%} (< {rx.min_irr:.2%})")
    if v["reit_size_yi_yuan"][s] < rx.size_floor:
        why.append(f"size {v['reit_size_yi_yuan'][s]:.2f} 亿元 (< {rx.size_floor:g})")
    return "REIT not eligible: " + ("; ".join(why) or "a distribution-rate year fails")


def checks_frame(result: Result, scenario: int = 0) -> pd.DataFrame:
    """The checks of one scenario: id, kind (integrity or covenant), labels, passed,
    message; and the pass rate over S."""

    import pandas as pd  # lazily: ``renewfin run`` does not need pandas

    rows = [
        {
            "id": c.id,
            "kind": c.kind.value,
            "zh": c.zh,
            "en": c.en,
            "passed": bool(c.passed[scenario]),
            "pass_rate": float(np.mean(c.passed)),
            "message": c.message(scenario),
        }
        for c in run_checks(result)
    ]
    return pd.DataFrame(rows).set_index("id")
