"""Cover, checks and control sheets of the model workbook."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from importlib import metadata
from typing import TYPE_CHECKING

from openpyxl.styles import Font
from openpyxl.worksheet.hyperlink import Hyperlink

from renewfin.checks import SOLVE_TOL, minimum_capital_ratio
from renewfin.excel.book import FLAG, HEAD_FILL, HEAD_FONT, SOLVED_FILL, At, put_text

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

C = "Checks"
TOL = "xl.check_tol"
LIVE = "xl.solve_residual"
"""The workbook's own (live) residual of the funding solve, on the Checks sheet."""
SOLVER_ROWS = 7
"""First row of the funding-solve block at the top of the Control sheet."""
CONTROL_ROWS = SOLVER_ROWS + 6
"""First row of the rest of the Control sheet (spec hash, versions, solved values)."""


def checks(w: ModelWriter) -> None:
    """Each check of renewfin.checks as a row whose value is 1 when it passes; the master
    check is their product."""
    b, spec, res = w.book, w.spec, w.result
    cov = spec.funding.covenants
    w.param(TOL, 1e-6, "检查容差（相对总投资）", "Check tolerance (share of total investment)")
    floors = {
        "xl.floor.capital_ratio": (
            minimum_capital_ratio(res),
            "最低资本金比例",
            "Minimum capital ratio",
        ),
        "xl.floor.bond_coverage": (
            cov.min_bond_coverage,
            "专项债覆盖倍数下限",
            "Bond coverage floor",
        ),
        "xl.floor.total_coverage": (
            cov.min_total_coverage,
            "全部债务覆盖倍数下限",
            "Total-debt coverage floor",
        ),
        "xl.floor.dscr": (cov.min_dscr, "DSCR下限", "DSCR floor"),
        "xl.floor.icr": (cov.min_icr, "ICR下限", "ICR floor"),
        "xl.floor.llcr": (cov.min_llcr, "LLCR下限", "LLCR floor"),
    }
    for path, (value, zh, en) in floors.items():
        w.param(path, value, zh, en, "-")
    scale = lambda x: f"MAX(1,ABS({x.p('metric.total_project_investment')}))"
    tol = lambda x: f"{x.i(TOL)}*{scale(x)}"

    def series(expr: str) -> callable:  # type: ignore[valid-type]
        return lambda x: f"=(SUMPRODUCT(--({expr.format(**_ranges(x))}))=0)*1"

    def _ranges(x: At) -> dict[str, str]:
        ids = ("su.sources", "su.uses", "bs.check", "cash.cumulative_surplus", "bs.equity")
        out = {k.replace(".", "_"): x.row_range(k) for k in ids}
        out["tol"] = tol(x)
        return out

    def floor(metric: str, path: str) -> callable:  # type: ignore[valid-type]
        return lambda x: (
            f"=IF(ISNUMBER({x.p(f'metric.{metric}')}),"
            f"({x.p(f'metric.{metric}')}>={x.i(path)}-1E-12)*1,1)"
        )

    rows = [
        (
            "sources_uses",
            "资金来源与运用平衡",
            "Sources equal uses",
            series("ABS({su_sources}-{su_uses})>{tol}"),
        ),
        (
            "balance_sheet",
            "资产负债表平衡",
            "Balance sheet balances",
            series("ABS({bs_check})>{tol}"),
        ),
        (
            "cumulative_cash",
            "财务生存能力（累计盈余资金非负）",
            "Cumulative cash never negative",
            series("{cash_cumulative_surplus}<-{tol}"),
        ),
        ("negative_equity", "所有者权益非负", "Equity not negative", series("{bs_equity}<-{tol}")),
        (
            "debt_repaid",
            "债务到期全部偿还",
            "All debt repaid",
            lambda x: (
                f"=((INDEX({x.row_range('bond.closing')},{x.i('xl.n_periods')})+"
                f"INDEX({x.row_range('loan.closing')},{x.i('xl.n_periods')}))<={tol(x)})*1"
            ),
        ),
        (
            "debt_above_cost",
            "债务不超过总投资",
            "Debt not above cost",
            lambda x: (
                f"=({x.p('metric.bond_amount')}+{x.p('metric.loan_amount')}<="
                f"{x.p('metric.total_project_investment')}*(1+1E-9))*1"
            ),
        ),
        (
            "capital_ratio",
            "资本金比例达标",
            "Capital ratio at least the sector minimum",
            floor("capital_ratio", "xl.floor.capital_ratio"),
        ),
        (
            "bond_coverage",
            "专项债本息覆盖倍数达标",
            "Bond coverage at least the floor",
            floor("bond_coverage", "xl.floor.bond_coverage"),
        ),
        (
            "total_debt_coverage",
            "全部债务覆盖倍数达标",
            "Total-debt coverage at least the floor",
            floor("total_debt_coverage", "xl.floor.total_coverage"),
        ),
        ("dscr", "偿债备付率达标", "DSCR at least the floor", floor("min_dscr", "xl.floor.dscr")),
        ("icr", "利息备付率达标", "ICR at least the floor", floor("min_icr", "xl.floor.icr")),
        ("llcr", "LLCR达标", "LLCR at least the floor", floor("min_llcr", "xl.floor.llcr")),
    ]
    if "reit_eligible" in res.values:
        rows.append(
            (
                "reit_eligible",
                "REITs发行条件",
                "REIT eligibility",
                lambda x: f"=({x.p('metric.reit_eligible')}>0.5)*1",
            )
        )
    if spec.funding.equity_commitment is not None:
        w.param(
            "funding.equity_commitment",
            spec.funding.equity_commitment,
            "股东出资承诺",
            "Equity commitment",
        )
        rows.append(
            (
                "equity_commitment",
                "股东出资承诺足额",
                "Equity within commitment",
                lambda x: (
                    f"=({x.p('metric.sponsor_equity')}<="
                    f"{x.i('funding.equity_commitment')}*(1+1E-9)+1E-9)*1"
                ),
            )
        )
    converged = solver(w)
    rows.append(
        (
            "funding_converged",
            "融资方案迭代收敛",
            "Funding solve converged",
            lambda x: f"=({x.p(LIVE)}<={SOLVE_TOL!r})*{converged}",
        )
    )
    b.section(C, "检查 Checks (1 = passed, 0 = failed)")
    for id, zh, en, f in rows:
        b.constant(C, f"check.{id}", zh, en, f, unit="-", fmt=FLAG)
    ids = [f"check.{r[0]}" for r in rows]
    b.constant(
        C,
        "check.master",
        "总检查",
        "Master check (1 = all passed)",
        lambda x: "=" + "*".join(x.p(i) for i in ids),
        unit="-",
        fmt=FLAG,
    )


def _live_residual(w: ModelWriter) -> Callable[[At], str]:
    """Formula of the workbook's live residual of the funding solve: the largest gap,
    relative to the total investment, between what the workbook draws from a loan
    (drawings plus capitalised interest, from its own live rows) and the loan's solved size,
    and between a pasted debt-service forecast of the reserve target (when the workbook
    holds one) and the workbook's live debt service. 0 at the engine's fixed point; an edit
    that moves what the solve fixed makes it positive."""
    loans = [ln.name for ln in w.spec.funding.loans]
    pasted = any(item.get("id") == "xl.debt_service" for item in w.book.solved)

    def formula(x: At) -> str:
        scale = f"MAX(1,ABS({x.p('metric.total_project_investment')}))"
        n = x.i("xl.n_periods")
        terms = [
            f"ABS(INDEX({x.row_range(f'xl.used[{k}]')},{n})-{x.p(f'xl.facility[{k}]')})"
            for k in loans
        ]
        if pasted:
            live = "+".join(
                x.row_range(i)
                for i in ("bond.interest", "bond.principal", "bond.fees", "loan.interest",
                          "loan.principal")
            )
            terms.append(f"SUMPRODUCT(ABS({x.row_range('xl.debt_service')}-({live})))")
        return f"=MAX(0,{','.join(terms) or '0'})/{scale}"

    return formula


def solver(w: ModelWriter) -> str:
    """The funding solve on the Control sheet (iterations, the engine's residual and
    whether it converged, written by the engine) and its live residual on the Checks sheet
    (``_live_residual``); returns the absolute reference of the engine's converged flag."""
    b, sizing = w.book, w.result.sizing
    b.constant(
        C,
        LIVE,
        "融资求解残差（工作簿实时计算）",
        "Funding solve residual, recomputed live by the workbook",
        _live_residual(w),
        unit="-",
        fmt="0.00E+00",
    )
    ws = b.sheet("Control")
    s = w.scenario
    rows = [
        ("融资求解 Funding solve", None),
        ("迭代次数 Iterations (passes of the period loop)",
         int(sizing.passes[s]) if sizing is not None and sizing.passes is not None else 0),
        ("引擎残差 Engine residual (relative change in the last pass)",
         float(sizing.residuals[s]) if sizing is not None and sizing.residuals is not None
         else 0.0),
        ("引擎已收敛 Engine converged (1 = yes)",
         int(bool(sizing.converged[s])) if sizing is not None else 1),
        ("工作簿实时残差 Workbook residual (live, on Checks)",
         f"='{b.cell(LIVE).sheet}'!$E${b.cell(LIVE).row}"),
    ]
    for k, (label, value) in enumerate(rows):
        r = SOLVER_ROWS + k
        cell = put_text(ws, r, 2, label)
        if value is None:
            cell.font = Font(bold=True)
            continue
        ws.cell(r, 5, value).number_format = "0.00E+00" if isinstance(value, float) else "0"
    return f"'Control'!$E${SOLVER_ROWS + 3}"


def master_check_headers(w: ModelWriter) -> None:
    """Show the master check at the top of every sheet."""
    cell = w.book.cell("check.master")
    ref = f"'{cell.sheet}'!$E${cell.row}"
    for ws in w.book.wb.worksheets:
        row, label, value = (1, 8, 9) if ws.title == "Inputs" else (2, 2, 5)
        ws.cell(row, label, "总检查 Master check (1 = all passed)").font = Font(bold=True)
        c = ws.cell(row, value, f"={ref}")
        c.number_format = FLAG
        c.font = Font(bold=True, color="C00000")


def control(w: ModelWriter) -> None:
    """Spec hash, seed, versions, and every value the engine solved and wrote as a number."""
    ws = w.book.sheet("Control")
    spec = w.spec
    digest = hashlib.sha256(
        json.dumps(spec.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()
    rows = [
        ("规格哈希 Spec hash (SHA-256)", digest),
        ("情景 Scenario", str(w.scenario)),
        ("随机种子 Seed", "n/a (deterministic run)" if w.seed is None else str(w.seed)),
    ]
    for pkg in ("renewfin", "numpy", "pandas", "scipy", "openpyxl", "pydantic"):
        try:
            rows.append((f"版本 {pkg}", metadata.version(pkg)))
        except metadata.PackageNotFoundError:
            rows.append((f"版本 {pkg}", "not installed"))
    r = CONTROL_ROWS
    for label, value in rows:
        put_text(ws, r, 2, label)
        put_text(ws, r, 5, value)
        r += 1
    r += 1
    ws.cell(
        r, 2, "引擎求解并以数值写入的单元格 Values solved by the engine and written as numbers"
    ).font = Font(bold=True)
    r += 1
    for c, h in enumerate(
        ("", "名称 Name", "位置 Cell", "", "数值 Value", "残差 Residual"), start=1
    ):
        cell = ws.cell(r, c, h)
        cell.fill, cell.font = HEAD_FILL, HEAD_FONT
    r += 1
    for item in w.book.solved:
        put_text(ws, r, 2, item["name"])
        put_text(ws, r, 3, f"{item['sheet']}!E{item['row']}")
        cell = ws.cell(r, 5, item["value"])
        cell.fill = SOLVED_FILL
        ws.cell(r, 6, item["residual"])
        r += 1
    r += 1
    put_text(
        ws,
        r,
        2,
        "IRR starting guesses (Inputs, xl.irr_guess[...]) are the engine's roots, "
        "so that Excel's IRR finds the same root when cash flows change sign more than once.",
    )
    numbers = sorted({(sheet, row, key) for sheet, row, key in w.table_numbers})
    r += 2
    ws.cell(
        r,
        2,
        f"标准报表中以数值写入的行 Standard-table rows written as numbers "
        f"({len(numbers)}; derived by renewfin.tables, green cells)",
    ).font = Font(bold=True)
    for sheet, row, key in numbers:
        r += 1
        put_text(ws, r, 2, key)
        put_text(ws, r, 3, f"{sheet}!{row}:{row}")
    ws.column_dimensions["B"].width = 46
    ws.column_dimensions["E"].width = 70


def cover(w: ModelWriter) -> None:
    """Cover and contents with links to every sheet."""
    wb = w.book.wb
    ws = wb.create_sheet("Cover", 0)
    spec = w.spec
    put_text(ws, 1, 2, spec.project.name).font = Font(bold=True, size=16)
    put_text(ws, 3, 2, spec.project.name_en or "")
    put_text(
        ws,
        4,
        2,
        f"{spec.timeline.start_date.isoformat()} · {spec.timeline.periodicity.value} · "
        f"{spec.timeline.horizon_years} 年 years · {spec.project.money_unit.value}",
    )
    notes = [
        "黄色单元格为输入（可修改）；绿色为引擎求解值（见 Control）；其余均为公式。",
        "Yellow cells are inputs you may change; green cells are values the engine solved "
        "(listed on Control); every other number is a live formula.",
        "每张计算表：A列为行标识，G列起为各期；同一行公式一致。",
        "On every calculation sheet column A is the line id and the periods run from column G;"
        " each row has one formula.",
    ]
    for k, text in enumerate(notes):
        put_text(ws, 6 + k, 2, text)
    ws.cell(11, 2, "目录 Contents").font = Font(bold=True)
    for k, name in enumerate(n for n in wb.sheetnames if n != "Cover"):
        cell = ws.cell(12 + k, 2, name)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{name}'!A1")
        cell.font = Font(color="0563C1", underline="single")
    ws.column_dimensions["B"].width = 90
