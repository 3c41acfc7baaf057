"""Model checks with diagnostics: each check passes or fails per scenario and, when it
fails, names the first period and the amount.

A check reads the ledger and the metrics; it never changes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from renewfin.spec.project import Sector

if TYPE_CHECKING:
    from renewfin.engine import Result

TOL = 1e-6
"""Absolute tolerance on money checks, relative to the project's total investment."""


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

    def message(self, scenario: int = 0) -> str:
        """Readable result for one scenario."""
        if bool(self.passed[scenario]):
            return "OK"
        return self.detail(scenario)


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
    result: Result, id: str, zh: str, en: str, mask: np.ndarray, values: np.ndarray, what: str
) -> Check:
    labels, unit = result.ledger.labels, result.ledger.money_unit
    return Check(
        id, zh, en, ~np.any(mask, axis=1), lambda s: _first(mask, values, labels, what, unit, s)
    )


def _metric_floor(result: Result, id: str, zh: str, en: str, key: str, floor: float) -> Check:
    v = result.values[key]
    ok = np.isnan(v) | (v >= floor - 1e-12)
    return Check(id, zh, en, ok, lambda s: f"{key} = {v[s]:.4f} is below the floor {floor:g}")


def run_checks(result: Result) -> list[Check]:
    """Every check of a run."""
    led, vals, spec = result.ledger, result.values, result.spec
    scale = np.maximum(1.0, np.abs(vals["total_project_investment"]))[:, None]
    out: list[Check] = []
    diff = led["su.sources"] - led["su.uses"]
    out.append(
        _series_check(
            result,
            "sources_uses",
            "资金来源与运用平衡",
            "Sources equal uses",
            np.abs(diff) > TOL * scale,
            diff,
            "sources minus uses",
        )
    )
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
    cash = led["cash.cumulative_surplus"]
    out.append(
        _series_check(
            result,
            "cumulative_cash",
            "财务生存能力（累计盈余资金非负）",
            "Cumulative cash never negative",
            cash < -TOL * scale,
            cash,
            "cumulative cash below zero",
        )
    )
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
    floor = minimum_capital_ratio(result)
    out.append(
        _metric_floor(
            result,
            "capital_ratio",
            "资本金比例达标",
            "Capital ratio at least the sector minimum",
            "capital_ratio",
            floor,
        )
    )
    cov = spec.funding.covenants
    out.append(
        _metric_floor(
            result,
            "bond_coverage",
            "专项债本息覆盖倍数达标",
            "Bond coverage at least the floor",
            "bond_coverage",
            cov.min_bond_coverage,
        )
    )
    out.append(
        _metric_floor(
            result,
            "total_debt_coverage",
            "全部债务覆盖倍数达标",
            "Total-debt coverage at least the floor",
            "total_debt_coverage",
            cov.min_total_coverage,
        )
    )
    out.append(
        _metric_floor(
            result, "dscr", "偿债备付率达标", "DSCR at least the floor", "min_dscr", cov.min_dscr
        )
    )
    out.append(
        _metric_floor(
            result, "icr", "利息备付率达标", "ICR at least the floor", "min_icr", cov.min_icr
        )
    )
    out.append(
        _metric_floor(
            result, "llcr", "LLCR达标", "LLCR at least the floor", "min_llcr", cov.min_llcr
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
            )
        )
    if result.sizing is not None:
        out.append(funding_converged(result, scale[:, 0]))
    return out


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
    if v["reit_size_yi_yuan"][s] < rx.min_size_yi_yuan:
        why.append(f"size {v['reit_size_yi_yuan'][s]:.2f} 亿元 (< {rx.min_size_yi_yuan:g})")
    return "REIT not eligible: " + ("; ".join(why) or "a distribution-rate year fails")


def checks_frame(result: Result, scenario: int = 0) -> pd.DataFrame:
    """The checks of one scenario: id, labels, passed, message; and the pass rate over S."""
    rows = [
        {
            "id": c.id,
            "zh": c.zh,
            "en": c.en,
            "passed": bool(c.passed[scenario]),
            "pass_rate": float(np.mean(c.passed)),
            "message": c.message(scenario),
        }
        for c in run_checks(result)
    ]
    return pd.DataFrame(rows).set_index("id")
