"""Checks sheet of the model workbook: the integrity checks, the covenant and policy
tests, and the funding solve (its block on the Control sheet and its live residual). The
rest of the Control sheet, the cover and the check headers are ``renewfin.excel.control``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from openpyxl.styles import Font

from renewfin.checks import (
    FLOOR_TESTS,
    SOLVE_TOL,
    minimum_capital_ratio,
    platform_land_applies,
    platform_land_streams,
)
from renewfin.excel.book import FLAG, At, put_text

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter

C = "Checks"
TOL = "xl.check_tol"
LIVE = "xl.solve_residual"
"""The workbook's own (live) residual of the funding solve, on the Checks sheet."""
SOLVER_ROWS = 7
"""First row of the funding-solve block at the top of the Control sheet."""


def checks(w: ModelWriter) -> None:
    """Each check of renewfin.checks as a row whose value is 1 when it passes: the
    integrity checks, whose product is the master check (shown on every sheet), and the
    covenant and policy tests, whose product is the covenant status."""
    b = w.book
    w.param(TOL, 1e-6, "检查容差（相对总投资）", "Check tolerance (share of total investment)")
    integrity = _integrity_rows(w)
    covenants = _covenant_rows(w)
    for title, rows, total, zh, en in (
        (
            "检查（模型完整性） Integrity checks (1 = passed, 0 = failed)",
            integrity,
            "check.master",
            "总检查",
            "Master check: the model is sound (1 = all passed)",
        ),
        (
            "契约与政策测试 Covenant and policy tests (1 = passed, 0 = failed)",
            covenants,
            "check.covenants",
            "契约与政策测试总体",
            "Covenant status (1 = all met)",
        ),
    ):
        b.section(C, title)
        for id, zh_, en_, f in rows:
            b.constant(C, f"check.{id}", zh_, en_, f, unit="-", fmt=FLAG)

        def product(x: At, ids: tuple[str, ...] = tuple(f"check.{r[0]}" for r in rows)) -> str:
            return "=" + ("*".join(x.p(i) for i in ids) or "1")

        b.constant(C, total, zh, en, product, unit="-", fmt=FLAG)


CheckRow = tuple[str, str, str, Callable[[At], str]]
"""A check row: id, Chinese and English labels, formula (1 when it passes)."""

FLOOR_INPUTS = {
    "capital_ratio": "xl.floor.capital_ratio",
    "bond_coverage": "xl.floor.bond_coverage",
    "total_debt_coverage": "xl.floor.total_coverage",
    "dscr": "xl.floor.dscr",
    "llcr": "xl.floor.llcr",
    "dscr_cn": "xl.floor.dscr_cn",
    "icr": "xl.floor.icr",
}
"""The input holding the floor of each metric-against-floor test
(``renewfin.checks.FLOOR_TESTS``)."""


def _scale(x: At) -> str:
    return f"MAX(1,ABS({x.p('metric.total_project_investment')}))"


def _series(expr: Callable[[At], str]) -> Callable[[At], str]:
    """A check that no period of ``expr`` (an array condition) holds."""
    return lambda x: f"=(SUMPRODUCT(--({expr(x)}))=0)*1"


def _tol(x: At) -> str:
    """The checks' money tolerance: ``xl.check_tol`` × max(1, |total investment|)."""
    return f"{x.i(TOL)}*{_scale(x)}"


def _integrity_rows(w: ModelWriter) -> list[CheckRow]:
    """Sources = uses, balance sheet, corkscrews, debt repaid and not above cost, funding
    solve, sizing targets (renewfin.checks._integrity_checks)."""
    r = lambda x, id: x.row_range(id)
    gap = _corkscrew_gap(w)
    rows: list[CheckRow] = [
        (
            "sources_uses",
            "资金来源与运用平衡",
            "Sources equal uses",
            _series(lambda x: f"ABS({r(x, 'su.sources')}-{r(x, 'su.uses')})>{_tol(x)}"),
        ),
        (
            "balance_sheet",
            "资产负债表平衡",
            "Balance sheet balances",
            _series(lambda x: f"ABS({r(x, 'bs.check')})>{_tol(x)}"),
        ),
        (
            "corkscrews",
            "债务及准备金余额勾稽",
            "Debt and reserve corkscrews close",
            _series(lambda x: f"{r(x, gap)}>{_tol(x)}"),
        ),
        (
            "debt_repaid",
            "债务到期全部偿还",
            "All debt repaid",
            lambda x: (
                f"=((INDEX({r(x, 'bond.closing')},{x.i('xl.n_periods')})+"
                f"INDEX({r(x, 'loan.closing')},{x.i('xl.n_periods')}))<={_tol(x)})*1"
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
    ]
    converged = solver(w)
    rows.append(
        (
            "funding_converged",
            "融资方案迭代收敛",
            "Funding solve converged",
            lambda x: f"=({x.p(LIVE)}<={SOLVE_TOL!r})*{converged}",
        )
    )
    rows.append(
        (
            "sizing_targets",
            "按DSCR测算的贷款逐年达标",
            "Loans sized on DSCR meet it every year",
            _sizing_targets(w),
        )
    )
    from renewfin.excel.drift import drift_rows

    rows.append(drift_rows(w))
    rows.append(_formula_rows(w))
    return rows


PASTED = "xl.pasted_message"
"""The Checks row naming, per sheet, the first calculation row with a cell that is no
longer a formula ('' when none)."""
MESSAGES = "xl.check_message"
"""The Checks row every sheet's header shows: the stale solved values and the pasted rows."""


def _formula_rows(w: ModelWriter) -> CheckRow:
    """Per calculation sheet, the cells of its rows that are no longer formulas (the
    integrity column, ``Book.integrity_cells``) and the first row holding one; the check
    'calculation rows are formulas' (a number pasted over a calculation fails it) and the
    message naming the rows, with the stale solved values, for the sheet headers."""
    from renewfin.excel.drift import MESSAGE

    b = w.book
    sheets = sorted({c.sheet for c in b.cells.values()} - {C}, key=b.wb.sheetnames.index)
    b.section(C, "计算行公式完整性 Formula integrity (a number pasted over a calculation row)")
    for name in sheets:
        count, first = f"xl.pasted[{name}]", f"xl.pasted_row[{name}]"

        def total(x: At, name: str = name) -> str:
            return f"=SUM({b.integrity_range(name)})"

        def row(x: At, name: str = name, count: str = count) -> str:
            at = f"MATCH(TRUE,INDEX({b.integrity_range(name)}>0,0),0)"
            return f'=IF({x.p(count)}>0,"{name}!"&INDEX({b.sheet_ids(name)},{at})&"; ","")'

        b.constant(
            C,
            count,
            f"非公式单元格数：{name}",
            f"Cells no longer formulas: {name}",
            total,
            unit="-",
            fmt="0",
        )
        b.constant(
            C,
            first,
            f"首个被粘贴数值的行：{name}",
            f"First row pasted over: {name}",
            row,
            unit="-",
            fmt="General",
        )

    def message(x: At) -> str:
        rows = "&".join(x.p(f"xl.pasted_row[{n}]") for n in sheets) or '""'
        return (
            f'=IF({x.p("check.formulas_intact")}=1,"","PASTED 计算行被数值覆盖 — "&{rows}&'
            f'"restore the formulas 请恢复公式")'
        )

    b.constant(
        C,
        PASTED,
        "被数值覆盖的计算行",
        "Calculation rows pasted over (restore them)",
        message,
        unit="-",
        fmt="General",
    )
    b.constant(
        C,
        MESSAGES,
        "检查说明",
        "What the integrity checks found",
        lambda x: (
            f'={x.p(MESSAGE)}&IF(AND({x.p(MESSAGE)}<>"",{x.p(PASTED)}<>"")," | ","")&{x.p(PASTED)}'
        ),
        unit="-",
        fmt="General",
    )

    def check(x: At) -> str:
        counts = "+".join(x.p(f"xl.pasted[{n}]") for n in sheets) or "0"
        return f"=(({counts})=0)*1"

    return (
        "formulas_intact",
        "计算行均为公式（无粘贴数值）",
        "Calculation rows are formulas (no number pasted over one)",
        check,
    )


def _corkscrew_gap(w: ModelWriter) -> str:
    """Write the Metrics row Σ |opening + flows − closing| of every loan and bond tranche
    by period (renewfin.checks.corkscrew_gaps) and return its id."""
    id = "xl.corkscrew_gap"

    def gap(x: At) -> str:
        parts = []
        for ln in w.spec.funding.loans:
            k = f"loan[{ln.name}]"
            parts.append(
                f"ABS({x.p(k + '.opening')}+{x.p(k + '.draw')}+{x.p(k + '.capitalised')}-"
                f"{x.p(k + '.principal')}-{x.p(k + '.prepayment')}-{x.p(k + '.closing')})"
            )
        assert w.result.plan is not None
        for tr in w.result.plan.bonds:
            k = f"bond[{tr.name}]"
            parts.append(
                f"ABS({x.p(k + '.opening')}+{x.p(k + '.issue')}-{x.p(k + '.principal')}-"
                f"{x.p(k + '.closing')})"
            )
        return "=" + ("+".join(parts) or "0")

    w.book.row(
        "Metrics", id, "债务余额勾稽差额", "Debt corkscrew gap (should be 0)", gap, total=False
    )
    return id


def _loan_cover_rows(w: ModelWriter) -> None:
    """The cumulative cover of each loan (renewfin.checks.loan_cover): by period
    (Metrics) and by model year (Ratios), the debt service due of the loan and of the loans
    before it, and the cash for the loans (CFADS less special-bond service)."""
    b = w.book
    n = w.spec.timeline.horizon_years
    names = [ln.name for ln in w.spec.funding.loans]

    def yearly(x: At, row: str) -> str:
        return f"=SUMIF({x.row_range('time.year')},{x.p('ratio.year')},{x.row_range(row)})"

    b.row(
        "Metrics",
        "xl.loan_cash",
        "可用于贷款偿债的现金",
        "Cash for the loans (after bonds)",
        lambda x: f"={x.p('cash.cfads')}-{x.p('cash.bond_debt_service')}",
    )
    b.row(
        "Ratios",
        "ratio.loan_cash",
        "可用于贷款偿债的现金",
        "Cash for the loans (after bonds)",
        lambda x: yearly(x, "xl.loan_cash"),
        n=n,
    )
    for k, name in enumerate(names):

        def due(x: At, upto: tuple[str, ...] = tuple(names[: k + 1])) -> str:
            return "=" + "+".join(
                f"{x.p(f'loan[{o}].interest')}-{x.p(f'loan[{o}].capitalised')}+"
                f"{x.p(f'loan[{o}].principal')}"
                for o in upto
            )

        def own(x: At, name: str = name) -> str:
            return (
                f"={x.p(f'loan[{name}].interest')}-{x.p(f'loan[{name}].capitalised')}+"
                f"{x.p(f'loan[{name}].principal')}"
            )

        def own_by_year(x: At, row: str = f"xl.loan_own[{name}]") -> str:
            return yearly(x, row)

        b.row(
            "Metrics",
            f"xl.loan_own[{name}]",
            f"应还本付息：{name}",
            f"Debt service due: {name}",
            own,
        )
        b.row(
            "Ratios",
            f"ratio.loan_own[{name}]",
            f"应还本付息：{name}",
            f"Debt service due: {name}",
            own_by_year,
            n=n,
        )
        b.row(
            "Metrics",
            f"xl.loan_due[{name}]",
            f"应还本付息（累计至{name}）",
            f"Debt service due, {name} and the loans before it",
            due,
        )

        def due_by_year(x: At, row: str = f"xl.loan_due[{name}]") -> str:
            return yearly(x, row)

        b.row(
            "Ratios",
            f"ratio.loan_due[{name}]",
            f"应还本付息（累计至{name}）",
            f"Debt service due, {name} and the loans before it",
            due_by_year,
            n=n,
        )


def _sizing_targets(w: ModelWriter) -> Callable[[At], str]:
    """Every loan sized on a DSCR meets it in every test year on the cumulative basis: cash
    for the loans ≥ target × its debt service due and that of the loans before it, by model
    year (renewfin.checks.sizing_targets)."""
    from renewfin.checks import TARGET_TOL

    res = w.result
    assert res.plan is not None
    _loan_cover_rows(w)
    from renewfin.excel.drift import sizing_dscr

    terms = []
    for k, ln in enumerate(res.plan.loans):
        if ln.dscr_target is None:
            continue
        path = sizing_dscr(w, k)
        if path is not None and path in w.book.inputs:
            target = w.book.input_ref(path)  # the sizing input itself, so that edits follow
        else:
            value = np.ravel(ln.dscr_target)[min(w.scenario, np.size(ln.dscr_target) - 1)]
            target = w.param(
                f"xl.sizing_dscr[{ln.name}]",
                float(value),
                f"测算DSCR：{ln.name}",
                f"DSCR the loan is sized on: {ln.name}",
                "-",
            )
        terms.append((ln.name, target))

    for name, target in terms:

        def short(x: At, name: str = name, target: str = target) -> str:
            rr = x.row_range
            due = f"{rr(f'ratio.loan_own[{name}]')}>1E-7*MAX({x.p(f'xl.facility[{name}]')},1)"
            need = f"{target}*{rr(f'ratio.loan_due[{name}]')}*(1-{TARGET_TOL!r})-1E-9"
            return f"=SUMPRODUCT({rr('ratio.test')}*({due})*({rr('ratio.loan_cash')}<{need}))"

        w.book.constant(
            C,
            f"xl.dscr_short[{name}]",
            f"未达测算DSCR的年数：{name}",
            f"Test years below the sizing DSCR: {name}",
            short,
            unit="-",
            fmt="0",
        )

    def formula(x: At) -> str:
        years = "+".join(x.p(f"xl.dscr_short[{name}]") for name, _ in terms)
        return f"=(({years or '0'})=0)*1"

    return formula


def _floor_inputs(w: ModelWriter) -> None:
    """Write the floor of each metric-against-floor test (``FLOOR_INPUTS``) as an input."""
    cov = w.spec.funding.covenants
    floors = {
        "xl.floor.capital_ratio": (
            minimum_capital_ratio(w.result),
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
        "xl.floor.dscr": (cov.min_dscr, "贷款DSCR下限（银行口径）", "Loan DSCR floor (bank)"),
        "xl.floor.llcr": (cov.llcr_floor, "LLCR下限", "LLCR floor"),
        "xl.floor.dscr_cn": (
            cov.min_dscr_cn,
            "偿债备付率下限",
            "Debt service coverage ratio (偿债备付率) floor",
        ),
        "xl.floor.icr": (
            cov.min_icr,
            "利息备付率下限",
            "Interest coverage ratio (利息备付率) floor",
        ),
    }
    for path, (value, zh, en) in floors.items():
        w.param(path, value, zh, en, "-")


def _floor(metric: str, path: str) -> Callable[[At], str]:
    """A floor test on ``metric.<metric>`` against the input ``path``: passes on a number at
    least the floor and on an undefined metric unless its numerator was negative (or there
    was no revenue)."""
    m = lambda x: x.p(f"metric.{metric}")
    return lambda x: (
        f"=IF(ISNUMBER({m(x)}),({m(x)}>={x.i(path)}-1E-12)*1,IF(OR(ISNUMBER(SEARCH("
        f'" negative",{m(x)})),ISNUMBER(SEARCH("no revenue",{m(x)}))),0,1))'
    )


def _cap_rows(w: ModelWriter) -> list[CheckRow]:
    """The viability-gap payment within its cap (when the spec sets one) and the
    equity-type instruments within their share of capital (when the run has them), with
    their inputs."""
    spec, res = w.spec, w.result
    rows: list[CheckRow] = []
    gp = spec.funding.government_payment
    if gp is not None and gp.gap_cap_share is not None:
        w.param(
            "funding.government_payment.gap_cap_share",
            gp.gap_cap_share,
            "可行性缺口补助上限（占营业收入）",
            "Viability-gap cap (share of revenue)",
        )
        rows.append(
            (
                "viability_gap_cap",
                "可行性缺口补助不超过上限",
                "Viability-gap payment within its cap",
                lambda x: (
                    f"=(SUM({x.row_range('fiscal.operating_subsidies')})<="
                    f"{x.i('funding.government_payment.gap_cap_share')}*"
                    f"SUM({x.row_range('revenue.total')})+{_tol(x)})*1"
                ),
            )
        )
    if "equity_instrument_share" in res.values:
        w.param(
            "funding.equity_instrument_cap",
            spec.funding.equity_instrument_cap,
            "权益型金融工具占资本金比例上限",
            "Cap on equity-type instruments in capital",
        )
        share = lambda x: x.p("metric.equity_instrument_share")
        rows.append(
            (
                "equity_instrument_cap",
                "权益型金融工具占资本金比例不超过上限",
                "Equity-type instruments within their share of capital",
                lambda x: (
                    f"=IF(ISNUMBER({share(x)}),({share(x)}<="
                    f"{x.i('funding.equity_instrument_cap')}+1E-12)*1,1)"
                ),
            )
        )
    return rows


def _sponsor_rows(w: ModelWriter) -> list[CheckRow]:
    """REIT eligibility (when the run tests it) and the sponsor's equity within its
    commitment (when the spec states one, with its input)."""
    spec, res = w.spec, w.result
    rows: list[CheckRow] = []
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
    return rows


def _covenant_rows(w: ModelWriter) -> list[CheckRow]:
    """Financial survival, equity, the capital ratio, the coverage floors, the bank and the
    第三版 ratios, REIT eligibility, the equity commitment (renewfin.checks.
    _covenant_checks): a floor passes on a number at least the floor and on an undefined
    metric unless its numerator was negative (or there was no revenue)."""
    _floor_inputs(w)
    rows: list[CheckRow] = [
        (
            "cumulative_cash",
            "财务生存能力（累计盈余资金非负）",
            "Cumulative cash never negative",
            _series(lambda x: f"{x.row_range('cash.cumulative_surplus')}<-{_tol(x)}"),
        ),
        (
            "negative_equity",
            "所有者权益非负",
            "Equity not negative",
            _series(lambda x: f"{x.row_range('bs.equity')}<-{_tol(x)}"),
        ),
        *(
            (test.id, test.zh, test.en, _floor(test.metric, FLOOR_INPUTS[test.id]))
            for test in FLOOR_TESTS
        ),
    ]
    return rows + _cap_rows(w) + _platform_land_row(w) + _sponsor_rows(w)


def _platform_land_row(w: ModelWriter) -> list[CheckRow]:
    """The policy test ``platform_land_loan`` (renewfin.checks._platform_land_loan): 0 when
    a financing platform's booked land revenue, its loan drawings and its distributions to
    shareholders are each above the tolerance; land the government books is not the
    company's (its land revenue 0, the test passes)."""
    if not platform_land_applies(w.result):
        return []
    ids = platform_land_streams(w.result)
    above = lambda x, lines: (
        "(" + ("+".join(f"SUM({x.row_range(i)})" for i in lines) or "0") + f">{_tol(x)})"
    )
    return [
        (
            "platform_land_loan",
            "融资平台公司土地出让收入不同时偿还市场化贷款并分配股东回报",
            "Land revenue of a platform company not both repaying a market loan and paying an "
            "equity return",
            lambda x: (
                f"=1-{above(x, ids)}*{above(x, ['loan.draw'])}*{above(x, ['equity.distribution'])}"
            ),
        )
    ]


def _live_residual(w: ModelWriter) -> Callable[[At], str]:
    """Formula of the workbook's live residual of the funding solve: the largest gap,
    relative to the total investment, between what the workbook draws from a loan
    (drawings plus capitalised interest, from its own live rows) and the loan's solved size,
    and between a pasted debt-service forecast of the reserve target (when the workbook
    holds one) and the workbook's live debt service. 0 at the engine's fixed point; an edit
    that moves what the solve fixed makes it positive."""
    loans = [ln.name for ln in w.spec.funding.loans]
    pasted = any(item.get("id") == "xl.debt_service" for item in w.book.solved)
    gap = "xl.forecast_gap"
    if pasted:

        def forecast_gap(x: At) -> str:
            live = "+".join(
                x.row_range(i)
                for i in (
                    "bond.interest",
                    "bond.principal",
                    "bond.fees",
                    "loan.interest",
                    "loan.principal",
                )
            )
            return f"=SUMPRODUCT(ABS({x.row_range('xl.debt_service')}-({live})))"

        w.book.constant(
            C,
            gap,
            "准备金目标所用偿债预测与实时偿债之差",
            "Pasted debt-service forecast less the live debt service (Σ |gap|)",
            forecast_gap,
        )

    def formula(x: At) -> str:
        scale = f"MAX(1,ABS({x.p('metric.total_project_investment')}))"
        n = x.i("xl.n_periods")
        terms = [
            f"ABS(INDEX({x.row_range(f'xl.used[{k}]')},{n})-{x.p(f'xl.facility[{k}]')})"
            for k in loans
        ] + ([x.p(gap)] if pasted else [])
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
        (
            "迭代次数 Iterations (passes of the period loop)",
            int(sizing.passes[s]) if sizing is not None and sizing.passes is not None else 0,
        ),
        (
            "引擎残差 Engine residual (relative change in the last pass)",
            float(sizing.residuals[s])
            if sizing is not None and sizing.residuals is not None
            else 0.0,
        ),
        (
            "引擎已收敛 Engine converged (1 = yes)",
            int(bool(sizing.converged[s])) if sizing is not None else 1,
        ),
        (
            "工作簿实时残差 Workbook residual (live, on Checks)",
            f"='{b.cell(LIVE).sheet}'!$E${b.cell(LIVE).row}",
        ),
    ]
    for k, (label, value) in enumerate(rows):
        r = SOLVER_ROWS + k
        cell = put_text(ws, r, 2, label)
        if value is None:
            cell.font = Font(bold=True)
            continue
        ws.cell(r, 5, value).number_format = "0.00E+00" if isinstance(value, float) else "0"
    return f"'Control'!$E${SOLVER_ROWS + 3}"
