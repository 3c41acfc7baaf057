"""The workbook reproduces the engine on every branch of the spec, not only on what the
bundled models use: a parametrised feature matrix of small specs
(``tests/excel/feature_matrix.py``), each written as a workbook, recalculated headlessly by
LibreOffice (an independent evaluation of the formulas) and compared with the engine —
every ledger line to a relative 1e-9 of the line's scale, every metric to 1e-9, every
check, the master check, and the 13 standard tables to 1e-7 (``renewfin.excel.verify``).

Reference: LibreOffice's recalculation of the written formulas (cached values are
discarded on load), against ``renewfin.engine.run`` on the same spec.

Coverage, by spec enum and switch (``feature_matrix.spec_switches`` derives them from the
spec models; ``test_every_switch_of_the_spec_has_a_case`` fails when one has no case):

- timeline: periodicity annual (most cases), semiannual, quarterly, monthly (``semiannual``,
  ``quarterly``, ``monthly`` and combinations with loans, bonds, reserves, risks, a fund
  and a REIT exit); one phase or two overlapping (``two-phases``); a 1.5-year phase.
- project: money unit 万元, 元 (``money-yuan``), 亿元 (``money-yi``); sector
  urban_infrastructure, real_estate, housing, other; city tier city, county, other.
- investment: category construction, equipment, other_costs, land, contingency; a
  contingency on other bases (``base_categories``); default and explicit schedules; an
  item's phase, own input-VAT rate, kept out of the price contingency (``escalate``),
  exempt from overruns (``overrun_applies``); price contingency (涨价预备费).
- revenue kind: rent, parking, ev_charging, property_services, advertising,
  operating_subsidy, other, sale, land_transfer (with set-asides); price per year, month,
  day, once; price currency 元, 万元, 亿元; growth from operation or from the start,
  stepped every N years; ramp-up; delayed start; end year; a stream's own VAT and
  property-tax rates; an inventory asset class (开发成本) charged against land transfers.
- opex basis: fixed (also cyclical, ``every_years``), per_unit (on a quantity or a
  stream's utilised units), revenue_share (all streams or named ones), asset_share;
  timing operation or construction; every category (the safety categories make
  ``opex.safety``); cost currency 元, 万元, 亿元; cost per year, month, day; input VAT.
- tax: preset cn_default and none; every rate overridden; 房产税 从价; tax losses
  carried forward; residual value recovered or not.
- fiscal funds: capital grant (paced by spending, or scheduled; counted as capital or
  not), equity injection, operating subsidy (运营补贴: delayed, limited, growing,
  untaxed), interest subsidy (贴息: limited or to the end, taxed or not); none at all.
- special bonds: coupons annual, semiannual or by the default rule; principal bullet or
  custom; refinancing (再融资) of a bullet or of custom dues, at its own or the original
  tenor and coupon; capital share (专项债作资本金); a second tranche issued later, fees.
- loans: profile equal_principal, annuity, custom, bullet, sculpted; rate fixed or LPR
  (1y or 5y, level or path); sizing bound amount, gearing, dscr, cost (each case states
  the bound it expects to bind, checked below); up-front and commitment fees; DSRA; cash
  sweep; lock-up; grace zero, shorter than or equal to construction; drawdown pro_rata or
  debt_first; one loan or two; no debt at all.
- fund (senior/junior tiers, upside share; paid in with spending or on a schedule);
  REIT exit (ownership or concession, NOI / cap or DCF), alone or repaying a fund.
- waterfall: distribution policy profit or cash; a non-default priority order; equity
  parties, commitment, capital floor, reserve rate, minimum cash.
- risks: construction delay and capex overrun (the virtual inputs
  ``risk.construction_delay_periods``, ``risk.capex_overrun``), one written as scenario
  1 of a two-scenario run.
- district (片区): two members combined into one company (``renewfin.district``).

Not switched, by design: fields that only label (``feature_matrix.LABELS``, checked by
``test_label_fields_change_no_number_and_no_formula``), and states validation refuses
(``feature_matrix.IMPOSSIBLE``, checked by ``test_impossible_states_are_refused``).
Draw timing (start, middle, end of a period) and construction interest (capitalised or
paid in cash, 债贷组合) are switched for loans, bonds and the fund
(cases ``loan-draw-start``, ``loan-draw-end``, ``loan-interest-paid`` and the bond and
fund cases after them).

Interactions: sub-annual timing (delayed and ending streams, calendar-indexed growth,
cyclical and construction-time costs, scheduled grants and subsidies from later periods,
mid-year bond issues, fractional grace), land inventory with sales and short loss
carry-forward on semiannual periods, monthly sculpting with a DSRA and a sweep, two delayed
quarterly phases with an overrun, a REIT exit repaying a reserved and swept loan after a
bond refinancing, cash distributions with a fund and a lock-up, a quarterly concession
exit with a scheduled fund, 元 on quarterly periods with a price contingency.

Known failures are strict xfails naming the line, the period and both values
(``Case.xfail`` for the workbook, ``Case.engine_bug`` for the engine's own run).

Workbooks are written and recalculated in overlapping chunks, one LibreOffice process per
chunk (``renewfin.excel.recalc.recalculate_many``), two processes at a time; each
recalculated workbook is read once (``renewfin.excel.verify.read_values``). The whole
matrix takes about three minutes on two shared cores.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from openpyxl import load_workbook

from renewfin.checks import run_checks
from renewfin.engine import Result, run
from renewfin.excel.recalc import recalculate_many, soffice
from renewfin.excel.verify import (
    compare_checks,
    compare_ledger,
    compare_metrics,
    compare_tables,
    error_cells,
    listed_table_rows,
    read_values,
)
from renewfin.excel.writer import write_model
from renewfin.spec import ProjectSpec, SpecError, validate_data

from .feature_matrix import (
    BASE,
    CASES,
    IMPOSSIBLE,
    LABELS,
    Case,
    spec_switches,
    switches_reached,
)

BY_ID = {c.id: c for c in CASES}
INTEGRITY = ("sources_uses", "balance_sheet", "debt_repaid", "debt_above_cost", "funding_converged")
"""Checks that say the model is broken (DESIGN.md §6), as opposed to covenants and
viability tests, which a plausible project may fail."""
WORKERS = 2
"""LibreOffice processes run at once (one per core of the test machine)."""
CHUNK = 10
"""Workbooks per LibreOffice process: starting one costs about three small workbooks'
recalculation, and smaller chunks overlap more with the writing."""


def _params(parity: bool) -> list[object]:
    """The case ids, each a strict xfail where the engine (or, for the parity test, the
    workbook) is known to be wrong."""
    out: list[object] = []
    for c in CASES:
        reason = c.engine_bug or (c.xfail if parity else None)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(c.id, id=c.id, marks=marks))
    return out


def run_case(case: Case) -> Result:
    """The engine on a case (with its per-scenario overrides, if any)."""
    overrides = {k: np.asarray(v, dtype=float) for k, v in (case.overrides or {}).items()}
    return run(case.spec(), overrides or None)


@dataclass
class Recalculated:
    """A case's run and its recalculated workbook (or why there is none)."""

    result: Result | None
    path: Path | None
    error: BaseException | None = None


@pytest.fixture(scope="module", autouse=True)
def libreoffice() -> None:
    if soffice() is None:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")


@pytest.fixture(scope="module")
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Recalculated]:
    """Every selected case run, written and recalculated; prints the time it took.

    Writing (Python) and recalculating (LibreOffice processes) overlap: each chunk of
    ``CHUNK`` written workbooks goes to one of ``WORKERS`` LibreOffice processes while the
    next chunk is written."""
    selected = {
        item.callspec.params["case"]
        for item in request.session.items
        if isinstance(item, pytest.Function)
        and item.module is request.module
        and item.originalname == test_workbook_reproduces_the_engine.__name__
    }
    tmp = tmp_path_factory.mktemp("matrix")
    t0 = time.perf_counter()
    out: dict[str, Recalculated] = {}

    def recalc(chunk: list[str]) -> None:
        try:
            recalculate_many([(tmp / f"{id}.xlsx", tmp / f"{id}.recalc.xlsx") for id in chunk])
        except Exception as exc:  # reported by the tests of the cases it lost
            for id in chunk:
                if not (tmp / f"{id}.recalc.xlsx").exists():
                    out[id].error = exc

    chunk: list[str] = []
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        jobs = []
        for case in CASES:
            if case.id not in selected:
                continue
            try:
                result = run_case(case)
                write_model(result, tmp / f"{case.id}.xlsx", case.scenario)
            except Exception as exc:  # reported by the case's own test
                out[case.id] = Recalculated(None, None, exc)
                continue
            out[case.id] = Recalculated(result, tmp / f"{case.id}.recalc.xlsx")
            chunk.append(case.id)
            if len(chunk) == CHUNK:
                jobs.append(pool.submit(recalc, chunk))
                chunk = []
        if chunk:
            jobs.append(pool.submit(recalc, chunk))
        t1 = time.perf_counter()
        for job in jobs:
            job.result()
    t2 = time.perf_counter()
    print(
        f"\nfeature matrix: {len(out)} cases written in {t1 - t0:.1f} s, all recalculated "
        f"by LibreOffice after {t2 - t0:.1f} s"
    )
    return out


@pytest.mark.parametrize("case", _params(parity=True))
def test_workbook_reproduces_the_engine(case: str, matrix: dict[str, Recalculated]) -> None:
    """Every ledger line, metric and check of the recalculated workbook equals the engine
    (the standard tables too, except the rows listed on Control as numbers)."""
    got = matrix[case]
    if got.error is not None:
        raise got.error
    assert got.result is not None and got.path is not None
    result, s = got.result, BY_ID[case].scenario
    values = read_values(got.path)
    problems: list[str] = []
    bad, compared = compare_ledger(result, values, s)
    if compared != len(result.ledger):
        problems.append(f"{len(result.ledger) - compared} ledger lines not in the workbook")
    problems += [str(m) for m in bad]
    bad_m, n = compare_metrics(result, values, s)
    if n != len(result.values):
        problems.append(f"{len(result.values) - n} metrics not on the Outputs sheet")
    problems += bad_m
    problems += compare_checks(result, values, s)[0]
    problems += compare_tables(result, values, listed_table_rows(values), s)[0]
    problems += [f"error value {e}" for e in error_cells(values)]
    assert not problems, "\n".join(problems[:30])


@pytest.mark.parametrize("case", _params(parity=False))
def test_case_is_a_plausible_project(case: str) -> None:
    """Each case is a valid spec whose sources equal its uses and whose integrity checks
    pass (covenants and viability may fail: a weak project is still a model), whose first
    loan is sized by the bound the case names, and whose numbers differ from the base (a
    case that changes nothing tests no branch)."""
    c = BY_ID[case]
    result = run_case(c)
    s = c.scenario
    failed = [ch.id for ch in run_checks(result) if ch.id in INTEGRITY and not ch.passed[s]]
    assert not failed, [ch.message(s) for ch in run_checks(result) if ch.id in failed]
    led = result.ledger
    assert np.allclose(led["su.sources"][s], led["su.uses"][s], rtol=0, atol=1e-6)
    if c.binds is not None:
        assert result.loan_sizing(s)["binding"].iloc[0] == c.binds
    if c.id != "base":
        assert _differs(result, s, _base()), f"{case} computes exactly what the base computes"


def _differs(result: Result, scenario: int, base: Result) -> bool:
    """Whether a scenario of ``result`` has other ledger lines, periods, values or metrics
    than the base."""
    led, ref = result.ledger, base.ledger
    if set(led.ids()) != set(ref.ids()) or set(result.values) != set(base.values):
        return True
    lines = (
        led[i][scenario].shape != ref[i][0].shape
        or not np.allclose(led[i][scenario], ref[i][0], rtol=1e-12, atol=1e-12)
        for i in led.ids()
    )
    metrics = (
        not np.allclose(v[scenario], base.values[k][0], rtol=1e-12, atol=1e-12, equal_nan=True)
        for k, v in result.values.items()
    )
    return any(lines) or any(metrics)


_BASE_RESULT: list[Result] = []


def _base() -> Result:
    if not _BASE_RESULT:
        _BASE_RESULT.append(run_case(BY_ID["base"]))
    return _BASE_RESULT[0]


def test_every_switch_of_the_spec_has_a_case() -> None:
    """Every enum value, option (set / unset), flag and off-by-default number or list of
    the spec models is reached by some case: adding a loan profile, an opex basis or a new
    optional field without a parity case fails here."""
    reached: dict[str, set[str]] = {}
    for c in CASES:
        for key, states in switches_reached(c.spec()).items():
            reached.setdefault(key, set()).update(states)
    missing = {}
    for key, states in spec_switches().items():
        if key in LABELS:
            continue
        left = states - reached.get(key, set()) - {IMPOSSIBLE.get(key, ("", None))[0]}
        if left:
            missing[key] = sorted(left)
    assert not missing, f"no matrix case for: {missing}"
    assert set(LABELS) <= set(spec_switches()), "a LABELS entry names no spec field"
    assert set(IMPOSSIBLE) <= set(spec_switches()), "an IMPOSSIBLE entry names no spec field"


@pytest.mark.parametrize("key", sorted(IMPOSSIBLE))
def test_impossible_states_are_refused(key: str) -> None:
    """The states the coverage test excuses are really refused by validation."""
    with pytest.raises(SpecError):
        validate_data(ProjectSpec, IMPOSSIBLE[key][1]())


LABEL_EDITS = {
    "ProjectInfo.name_en": ("project", "name_en", "Renamed"),
    "ProjectInfo.kind": ("project", "kind", "heritage"),
    "ProjectInfo.location": ("project", "location", "某省某市"),
    "ProjectInfo.description": ("project", "description", "改造说明"),
    "ProjectInfo.prepared_by": ("project", "prepared_by", "某某咨询公司"),
    "ProjectInfo.report_number": ("project", "report_number", "CW-2026-001"),
    "ProjectInfo.report_date": ("project", "report_date", "2026-06-30"),
    "ProjectInfo.implementing_entity": ("project", "implementing_entity", "某区城市更新公司"),
    "ProjectInfo.regional_context": ("project", "regional_context", "某市财政收入稳定"),
    "ProjectInfo.social_benefits": ("project", "social_benefits", ["改善居住条件"]),
    "ProjectInfo.performance_targets": (
        "project",
        "performance_targets",
        [{"indicator": "新增停车位", "target": "≥ 100 个", "category": "产出指标"}],
    ),
    "RevenueStream.price_basis": ("revenues.0", "price_basis", "周边停车场收费调查"),
    "OpexItem.cost_basis": ("opex.0", "cost_basis", "物业服务合同"),
    "FiscalFund.source": ("funding.fiscal_funds.0", "source", "central_pilot_subsidy"),
    "Loan.lender": ("funding.loans.0", "lender", "某商业银行"),
}
"""How the label test edits each field of ``LABELS`` (where, field, new value)."""


def _formulas(path: Path) -> dict[str, object]:
    """Every formula and number of the calculation sheets (labels and the Cover left out)."""
    wb = load_workbook(path)
    out: dict[str, object] = {}
    for ws in wb.worksheets:
        if ws.title == "Cover":
            continue
        for row in ws.iter_rows(min_col=5):
            for cell in row:
                if isinstance(cell.value, int | float) or (
                    isinstance(cell.value, str) and cell.value.startswith("=")
                ):
                    out[f"{ws.title}!{cell.coordinate}"] = cell.value
    return out


def test_label_fields_change_no_number_and_no_formula(tmp_path: Path) -> None:
    """Reference: the base workbook. Editing a field of ``LABELS`` changes neither the
    ledger nor any formula or number of the workbook."""
    import copy

    assert set(LABEL_EDITS) | {"AssetClass.label_zh", "PerformanceTarget.category"} == set(LABELS)
    base = _base()
    reference = _formulas(write_model(base, tmp_path / "base.xlsx"))
    data = copy.deepcopy(BASE)
    for where, name, value in LABEL_EDITS.values():
        node: Any = data
        for part in where.split("."):
            node = node[int(part)] if part.isdigit() else node[part]
        node[name] = value
    data["depreciation"] = {
        "classes": [
            {"name": "building", "life_years": 30, "residual_rate": 0.05, "label_zh": "改名"},
            {"name": "equipment", "life_years": 10, "residual_rate": 0.05, "label_zh": "设备"},
            {"name": "land_use_right", "life_years": 40, "residual_rate": 0.0},
        ]
    }
    edited = run(validate_data(ProjectSpec, data))
    for id in base.ledger.ids():
        np.testing.assert_array_equal(edited.ledger[id], base.ledger[id], err_msg=id)
    assert _formulas(write_model(edited, tmp_path / "edited.xlsx")) == reference
