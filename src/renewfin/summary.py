"""Readable bilingual summaries and JSON documents of a run."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from renewfin.metrics import EQUITY_RETURNS, PROJECT_RETURNS, metric_info

if TYPE_CHECKING:
    from renewfin.engine import Result

SECTIONS: list[tuple[str, list[str]]] = [
    (
        "投资与资金筹措 Investment and financing",
        [
            "total_investment",
            "idc",
            "total_project_investment",
            "fiscal_outlay",
            "bond_amount",
            "loan_amount",
            "sponsor_equity",
            "capital_ratio",
            "fiscal_leverage",
        ],
    ),
    ("收入与成本 Revenue and costs", ["total_revenue", "total_opex", "total_taxes"]),
    (
        "项目与资本金收益 Returns",
        [*PROJECT_RETURNS, *EQUITY_RETURNS],
    ),
    (
        "专项债收益与融资平衡 Special-bond balance",
        [
            "bond_coverage",
            "total_debt_coverage",
            "residual_coverage",
            "min_annual_cash_coverage",
            "min_cumulative_cash",
        ],
    ),
    (
        "银行视角 Bank view",
        ["min_dscr", "avg_dscr", "min_loan_dscr", "min_icr", "min_llcr", "plcr"],
    ),
    (
        "REITs退出 REIT exit",
        [
            "reit_exit_value",
            "reit_distribution_yield",
            "reit_asset_irr",
            "reit_operating_years",
            "reit_size_yi_yuan",
            "reit_eligible",
        ],
    ),
]


def format_value(value: float | None, unit: str, money_unit: str) -> str:
    """Render a metric value with its unit: money with thousands separators, rates in %."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if unit == "money":
        return f"{value:,.2f} {money_unit}"
    if unit in ("rate", "share"):
        return f"{value:.2%}"
    if unit == "years":
        return f"{value:.2f} 年 yr"
    if unit == "flag":
        return "是 yes" if value > 0.5 else "否 no"
    return f"{value:,.3f}"


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_summary(result: Result, scenario: int = 0) -> str:
    """A bilingual plain-text summary of one scenario of a run: headline metrics by section,
    loan sizing and the checks that failed."""
    from renewfin.checks import run_checks

    spec = result.spec
    unit = spec.project.money_unit.value
    tl = spec.timeline
    lines = [spec.project.name]
    if not bool(result.converged[scenario]):
        lines.insert(0, "未收敛 UNCONVERGED: the funding solve did not converge; no figure below "
                        "can be trusted (see the notes)")
    if spec.project.name_en:
        lines.append(spec.project.name_en)
    lines.append(
        f"{tl.start_date.isoformat()} · {tl.periodicity.value} · "
        f"{tl.horizon_years} 年 years · {unit}"
    )
    sections = [(title, [k for k in keys if k in result.values]) for title, keys in SECTIONS]
    parties = [k for k in result.values if k.startswith(("party_irr[", "party_moic["))]
    loans = [k for k in result.values if k.startswith("loan_size[")]
    sections[2][1].extend(parties)
    sections[0][1].extend(loans)
    rows = [(metric_info(k).zh, metric_info(k).en) for _, keys in sections for k in keys]
    wz = max(_width(zh) for zh, _ in rows) + 2
    we = max(_width(en) for _, en in rows) + 2
    for title, keys in sections:
        if not keys or (title.startswith("REITs") and spec.funding.reit_exit is None):
            continue
        lines += ["", title]
        for k in keys:
            info = metric_info(k)
            value = format_value(result.metric(k, scenario), info.unit, unit)
            lines.append(f"  {_pad(info.zh, wz)}{_pad(info.en, we)}{value:>20}")
    sizing = result.loan_sizing(scenario)
    if len(sizing):
        lines += ["", "贷款规模约束 Loan sizing (binding bound)"]
        for name, row in sizing.iterrows():
            lines.append(f"  {name}: {row['size']:,.2f} {unit} — {row['binding']}")
    failed = [c for c in run_checks(result) if not bool(c.passed[scenario])]
    lines += ["", f"检查 Checks: {len(failed)} failed" if failed else "检查 Checks: all passed"]
    lines += [f"  ✗ {c.zh} {c.en}: {c.message(scenario)}" for c in failed]
    if result.diagnostics:
        lines += ["", "注意 Notes:"] + [f"  - {d}" for d in result.diagnostics]
    return "\n".join(lines)


def json_document(result: Result, scenario: int = 0) -> dict[str, Any]:
    """Metrics, loan sizing and checks of one scenario as a JSON-ready document (NaN becomes
    null)."""
    from renewfin.checks import run_checks

    def clean(v: float) -> float | None:
        return None if math.isnan(v) or math.isinf(v) else v

    sizing = result.loan_sizing(scenario)
    return {
        "project": result.spec.project.name,
        "money_unit": result.spec.project.money_unit.value,
        "metrics": {k: clean(float(v[scenario])) for k, v in result.values.items()},
        "units": {k: metric_info(k).unit for k in result.values},
        "loan_sizing": {
            str(name): {
                "size": clean(float(row["size"])),
                "binding": row["binding"],
                "bounds": {b: clean(float(row[b])) for b in ("amount", "gearing", "dscr", "cost")},
            }
            for name, row in sizing.iterrows()
        },
        "checks": {
            c.id: {"passed": bool(c.passed[scenario]), "message": c.message(scenario)}
            for c in run_checks(result)
        },
        "diagnostics": list(result.diagnostics),
        "converged": bool(result.converged[scenario]),
    }
