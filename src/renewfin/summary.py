"""Readable bilingual summaries and JSON documents of a run."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from renewfin.financing.sizing import BOUNDS
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
    (
        "收入与成本 Revenue and costs",
        ["total_revenue", "land_set_asides", "total_opex", "total_taxes"],
    ),
    (
        "项目与资本金收益 Returns",
        [*PROJECT_RETURNS, *EQUITY_RETURNS],
    ),
    (
        "专项债收益与融资平衡 Special-bond balance",
        [
            "bond_coverage",
            "bond_coverage_with_exit",
            "total_debt_coverage",
            "residual_coverage",
            "min_annual_cash_coverage",
            "escrow_deposit",
            "min_cumulative_cash",
        ],
    ),
    (
        "偿债能力（第三版）Debt service capacity (第三版)",
        ["min_dscr_cn", "min_icr"],
    ),
    (
        "银行视角 Bank view (CFADS)",
        ["min_loan_dscr", "min_dscr", "avg_dscr", "min_llcr", "plcr"],
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
            "reit_retained_units",
            "reit_reinvested",
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
    """A bilingual plain-text summary of one scenario of a run: headline metrics by section
    (an undefined one as ``n/a — reason``, a minimum with its year), loan sizing with every
    bound, the integrity checks and the covenant and policy tests that failed."""
    spec = result.spec
    unit = spec.project.money_unit.value
    tl = spec.timeline
    lines = [spec.project.name]
    if not bool(result.converged[scenario]):
        lines.insert(
            0,
            "未收敛 UNCONVERGED: the funding solve did not converge; no figure below "
            "can be trusted (see the notes)",
        )
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
            value = shown_value(result, k, scenario)
            lines.append(f"  {_pad(info.zh, wz)}{_pad(info.en, we)}{value:>20}")
            if k == "equity_irr_other_convention":
                lines.append(_reinvestment_convention(result, scenario))
    lines += _sizing_lines(result, scenario)
    lines += _check_lines(result, scenario)
    if result.diagnostics:
        lines += ["", "注意 Notes:"] + [f"  - {d}" for d in result.diagnostics]
    return "\n".join(lines)


def _reinvestment_convention(result: Result, scenario: int) -> str:
    """The line naming how the equity IRR treats the reinvested recovered REIT money
    (``reit_exit.reinvestment_counts_as_return``), with the figure the other way."""
    rx = result.spec.funding.reit_exit
    assert rx is not None
    irr = shown_value(result, "equity_irr", scenario)
    other = shown_value(result, "equity_irr_other_convention", scenario)
    if rx.reinvestment_counts_as_return:
        return (
            f"    口径：回收资金再投资计入股东收益 {irr}（不计入时 {other}） — equity IRR "
            f"{irr} (reinvested recovery counted; {other} if excluded)"
        )
    return (
        f"    口径：回收资金再投资不计入股东收益 {irr}（计入时 {other}） — equity IRR "
        f"{irr} (reinvested recovery excluded; {other} if counted)"
    )


def shown_value(result: Result, key: str, scenario: int = 0) -> str:
    """A metric as the summary shows it: its value with its unit and, for a minimum, the
    year it falls in; an undefined one as ``n/a — reason``."""
    unit = result.spec.project.money_unit.value
    v = result.metric(key, scenario)
    if math.isnan(v):
        return result.notes.reason(key, scenario) or "n/a"
    text = format_value(v, metric_info(key).unit, unit)
    year = result.notes.year(key, scenario)
    return f"{text} ({year})" if year is not None else text


def _sizing_lines(result: Result, scenario: int) -> list[str]:
    """The loan-sizing block: each loan's size, the binding bound and its year, and every
    bound that was set."""
    sizing = result.loan_sizing_rows(scenario)
    if not sizing:
        return []
    unit = result.spec.project.money_unit.value
    lines = ["", "贷款规模约束 Loan sizing (the smallest bound binds)"]
    for row in sizing:
        name = row["loan"]
        year = f" in {row['binding_year']}" if row["binding_year"] is not None else ""
        lines.append(f"  {name}: {row['size']:,.2f} {unit} — {row['binding']}{year}")
        bounds = []
        for b in BOUNDS:
            value = float(row[b])
            if math.isinf(value):
                continue
            at = row.get(f"{b}_year")
            bounds.append(f"{b} {value:,.2f}" + (f" ({at})" if at is not None else ""))
        lines.append("    bounds: " + "; ".join(bounds))
    return lines


def _check_lines(result: Result, scenario: int) -> list[str]:
    """The integrity checks (the master check) and the covenant and policy tests, each
    with its failures."""
    from renewfin.checks import covenants, integrity, run_checks

    checks = run_checks(result)
    lines: list[str] = []
    for title, group in (
        ("检查（模型完整性）Integrity checks", integrity(checks)),
        ("契约与政策测试 Covenant and policy tests", covenants(checks)),
    ):
        failed = [c for c in group if not bool(c.passed[scenario])]
        lines += ["", f"{title}: {len(failed)} failed" if failed else f"{title}: all passed"]
        lines += [f"  ✗ {c.zh} {c.en}: {c.message(scenario)}" for c in failed]
    return lines


def json_document(result: Result, scenario: int = 0) -> dict[str, Any]:
    """Metrics, loan sizing and checks of one scenario as a JSON-ready document (NaN becomes
    null): ``metrics`` (value or null), ``metric_notes`` (for each undefined metric its
    ``n/a — reason``, for each minimum its ``year``), ``loan_sizing`` (size, binding bound
    and year, every bound), ``checks`` (the integrity checks, whose conjunction is the
    master check) and ``covenants`` (the covenant and policy tests), each with ``passed``
    and ``message``, and ``status`` (whether each group passed)."""
    from renewfin.checks import covenants, integrity, run_checks, status

    def clean(v: float) -> float | None:
        return None if math.isnan(v) or math.isinf(v) else v

    notes: dict[str, dict[str, Any]] = {}
    for k in result.values:
        reason = result.notes.reason(k, scenario)
        year = result.notes.year(k, scenario)
        if reason or year is not None:
            notes[k] = {"reason": reason or None, "year": year}
    sizing = result.loan_sizing_rows(scenario)
    checks = run_checks(result)

    def group(items: list[Any]) -> dict[str, Any]:
        return {
            c.id: {"passed": bool(c.passed[scenario]), "message": c.message(scenario)}
            for c in items
        }

    return {
        "project": result.spec.project.name,
        "money_unit": result.spec.project.money_unit.value,
        "metrics": {k: clean(float(v[scenario])) for k, v in result.values.items()},
        "metric_notes": notes,
        "units": {k: metric_info(k).unit for k in result.values},
        "loan_sizing": {
            str(row["loan"]): {
                "size": clean(float(row["size"])),
                "binding": row["binding"],
                "binding_year": row["binding_year"],
                "bounds": {b: clean(float(row[b])) for b in BOUNDS},
                "years": {b: row[f"{b}_year"] for b in ("dscr", "llcr")},
            }
            for row in sizing
        },
        "checks": group(integrity(checks)),
        "covenants": group(covenants(checks)),
        "status": status(checks, scenario),
        "diagnostics": list(result.diagnostics),
        "converged": bool(result.converged[scenario]),
    }
