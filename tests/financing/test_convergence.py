"""Issue 23: a funding solve converges to the stated rule for construction interest beyond
a facility, and one that does not converge never prints numbers.

The fixtures are the issue's reproductions (tests/financing/fixtures, derived from
models/old_community.yaml): a 6,000 万元 loan drawn ``debt_first`` is used up in year 2 of a
three-year build, in one phase or in two. Before the fix the solve ran 200 iterations with
residual ``inf`` and reported uninitialised memory. The rule (``renewfin.spec.funding.Loan``):
construction interest is capitalised while it fits in the facility; the rest is paid in
cash by the next source in the drawdown order.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import renewfin
from renewfin.checks import checks_frame
from renewfin.cli import EXIT_UNCONVERGED, main
from renewfin.engine import Result, run
from renewfin.errors import ConvergenceError, RenewfinError
from renewfin.financing import sizing, stage
from renewfin.simulation import simulate
from renewfin.spec import ProjectSpec, ScenarioSpec, SpecError, validate_data

FIXTURES = Path(__file__).parent / "fixtures"
ONE = FIXTURES / "idc_beyond_facility.yaml"
TWO = FIXTURES / "idc_beyond_facility_two_phases.yaml"


def _spec(path: Path, **funding: object) -> ProjectSpec:
    data = renewfin.load_spec(path).model_dump(mode="json")
    data["funding"].update(funding)
    return validate_data(ProjectSpec, data)


def _row(res: Result, id: str) -> np.ndarray:
    return res.ledger[id][0]


@pytest.fixture(scope="module")
def one() -> Result:
    return run(renewfin.load_spec(ONE))


def test_the_reproduction_converges(one: Result) -> None:
    """The single-phase reproduction converges in a few passes, every line finite."""
    assert one.sizing is not None
    assert bool(one.converged.all())
    assert one.sizing.iterations < 20
    assert one.sizing.residual < 1e-10
    for id in one.ledger.ids():
        assert np.all(np.isfinite(one.ledger[id])), id
    assert checks_frame(one).loc["funding_converged", "passed"]


def test_construction_interest_beyond_the_facility_follows_the_rule(one: Result) -> None:
    """Hand calculation of the rule (4 % a year, interest on half of the period's draw;
    grant 9,000 paid in step with spending: 5,000 / 2,000 / 2,000; facility F = 6,000):

    - year 1: gap 10,000 − 5,000 = 5,000 fits: draw 5,000, interest 0.04 × 2,500 = 100,
      capitalised; balance 5,100.
    - year 2: gap 2,000; the facility leaves 900 for the draw A and its interest
      0.04 × (5,100 + A/2): A = (900 − 204) / 1.02 = 682.3529…, interest 217.6471…,
      capitalised; balance 6,000 = F; equity 2,000 − A.
    - year 3: no room left: the interest 0.04 × 6,000 = 240 is paid in cash by sponsor
      equity (the next source): equity 2,000 + 240 = 2,240; balance stays 6,000.
    """
    a = 696 / 1.02
    np.testing.assert_allclose(_row(one, "loan[贷款].draw")[:3], [5000, a, 0], rtol=1e-12)
    np.testing.assert_allclose(
        _row(one, "loan[贷款].capitalised")[:3], [100, 204 + 0.02 * a, 0], rtol=1e-12
    )
    np.testing.assert_allclose(_row(one, "loan[贷款].idc_paid")[:3], [0, 0, 240], rtol=1e-12)
    np.testing.assert_allclose(_row(one, "loan[贷款].closing")[:3], [5100, 6000, 6000], rtol=1e-12)
    np.testing.assert_allclose(
        _row(one, "equity.sponsor")[:3], [0, 2000 - a, 2240], rtol=1e-12, atol=1e-9
    )
    idc = 100 + 204 + 0.02 * a + 240
    assert _row(one, "finance.interest_capitalised").sum() == pytest.approx(idc, rel=1e-12)
    assert one.metric("total_project_investment") == pytest.approx(18000 + idc, rel=1e-12)
    assert float(_row(one, "loan[贷款].idc_paid")[3:].sum()) == 0.0


def test_sources_uses_and_balance_sheet_hold_with_cash_paid_interest(one: Result) -> None:
    """The interest paid in cash is a construction use met by equity, and IDC in the assets:
    sources = uses and the balance sheet balances (1e-9 of the investment)."""
    led = one.ledger
    scale = one.metric("total_project_investment")
    np.testing.assert_allclose(led["su.sources"], led["su.uses"], atol=1e-9 * scale)
    assert float(np.abs(led["bs.check"]).max()) < 1e-9 * scale


def test_two_phases_first_financed_while_the_second_is_built() -> None:
    """Two phases: 一期 (10,000 in year 1) and 二期 (4,000 in each of years 2 and 3), the
    parking of 一期 earning while 二期 is built. The loan follows the same hand calculation
    as the single phase (same gaps before operating cash: the grant is in step with
    spending); sponsor equity is the gap less the draw plus the interest paid in cash, less
    the operating cash of 一期 (read from the ledger), and the balance at completion is the
    facility."""
    res = run(renewfin.load_spec(TWO))
    assert bool(res.converged.all())
    a = 696 / 1.02
    np.testing.assert_allclose(_row(res, "loan[贷款].closing")[:3], [5100, 6000, 6000], rtol=1e-12)
    np.testing.assert_allclose(_row(res, "loan[贷款].idc_paid")[:3], [0, 0, 240], rtol=1e-12)
    led = res.ledger
    ocf = (
        led["revenue.total"]
        + led["tax.output_vat"]
        - led["opex.total"]
        - led["opex.input_vat"]
        - led["tax.vat_payable"]
        - led["tax.taxes_and_surcharges"]
        - led["tax.income_tax"]
    )[0]
    expected = np.array([0.0, 2000 - a, 2240]) - ocf[:3]
    np.testing.assert_allclose(_row(res, "equity.sponsor")[:3], expected, rtol=1e-12, atol=1e-9)
    assert ocf[1] > 0  # 一期 earns while 二期 is built


def test_pro_rata_converges_within_the_facility() -> None:
    """Drawn pro rata the loan never runs out before completion: nothing is paid in cash
    and drawings plus capitalised interest equal the facility (6,000)."""
    res = run(_spec(ONE, drawdown="pro_rata"))
    assert bool(res.converged.all())
    assert float(np.abs(_row(res, "loan[贷款].idc_paid")).max()) == 0.0
    used = (_row(res, "loan[贷款].draw") + _row(res, "loan[贷款].capitalised")).sum()
    assert used == pytest.approx(6000, rel=1e-9)


def test_a_second_loan_pays_the_interest_of_a_used_up_first() -> None:
    """debt_first with a second loan ranked after the first: the year-3 interest of the
    used-up first loan (240) is part of the gap the second loan draws; sponsor equity
    stays zero while the second loan has room."""
    second = {
        "name": "二号贷款",
        "rate_type": "fixed",
        "rate": 0.05,
        "tenor_years": 15,
        "grace_years": 3,
        "sizing": {"amount": 20000},
    }
    data = renewfin.load_spec(ONE).model_dump(mode="json")
    data["funding"]["loans"].append(second)
    res = run(validate_data(ProjectSpec, data))
    assert bool(res.converged.all())
    assert _row(res, "loan[贷款].idc_paid")[2] == pytest.approx(240, rel=1e-12)
    # Year 3: gap 2,000 + 240 drawn from the second loan, whose opening balance B2 is what
    # it drew in year 2 (2,000 − A) plus interest 0.05 × (2,000 − A)/2.
    a = 696 / 1.02
    b2 = (2000 - a) * (1 + 0.025)
    # The second loan is bound by cost, solved to 1e-10 of the gap: hence rel=1e-9.
    assert _row(res, "loan[二号贷款].draw")[2] == pytest.approx(2240, rel=1e-9)
    assert _row(res, "loan[二号贷款].closing")[2] == pytest.approx(
        b2 + 2240 + 0.05 * (b2 + 1120), rel=1e-9
    )
    np.testing.assert_allclose(_row(res, "equity.sponsor")[:3], 0.0, atol=1e-6)


# ------------------------------------------------------------------ a solve that fails


GEARED = FIXTURES / "idc_beyond_facility_geared.yaml"
"""The single-phase reproduction with the loan sized by gearing (30 %): the gearing bound
reads the total investment, which includes the IDC, so the solve needs about 7 passes."""


@pytest.fixture
def three_passes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The funding solve limited to three passes, so that the geared case stops
    unconverged."""
    monkeypatch.setattr(stage, "size_and_run", functools.partial(sizing.size_and_run, max_iter=3))
    yield


def test_the_geared_case_needs_more_than_three_passes() -> None:
    res = run(renewfin.load_spec(GEARED))
    assert res.sizing is not None and res.sizing.iterations > 3
    assert bool(res.converged.all())


def test_an_unconverged_solve_raises_naming_the_loan(three_passes: None) -> None:
    with pytest.raises(ConvergenceError) as info:
        run(renewfin.load_spec(GEARED))
    err = info.value
    assert isinstance(err, RenewfinError) and not isinstance(err, SpecError)
    assert err.loan == "贷款"
    assert err.iterations == 3 and err.scenarios == [0]
    assert np.isfinite(err.residual) and err.residual > 1e-10
    text = str(err)
    for part in (
        "loan 贷款, bound by its gearing",
        f"{err.residual:.2e}",
        "after 3 iterations",
        "funding.loans[贷款].sizing.amount",
        "allow_unconverged=True",
    ):
        assert part in text, part


@pytest.mark.parametrize("nan_fill", [True, False], ids=["nan_filled", "uninitialised"])
def test_an_allowed_unconverged_result_is_flagged_and_fully_written(
    three_passes: None, nan_fill: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With allow_unconverged the last pass still writes every line: no NaN from the
    NaN-filled buffers, and the production (uninitialised) buffers give the same numbers;
    the result says it is unconverged (flag, diagnostics, failing check)."""
    if not nan_fill:
        monkeypatch.delenv("RENEWFIN_CHECK_UNWRITTEN", raising=False)
    res = run(renewfin.load_spec(GEARED), allow_unconverged=True)
    assert not bool(res.converged[0])
    assert res.diagnostics[0].startswith("UNCONVERGED: ")
    checks = checks_frame(res)
    assert not checks.loc["funding_converged", "passed"]
    assert "loan 贷款" in checks.loc["funding_converged", "message"]
    for id in res.ledger.ids():
        assert np.all(np.isfinite(res.ledger[id])), id
    monkeypatch.setenv("RENEWFIN_CHECK_UNWRITTEN", "1")
    again = run(renewfin.load_spec(GEARED), allow_unconverged=True)
    renewfin.testing.assert_ledger_close(res, again, rtol=0, atol=0)


def test_cli_run_exits_3_with_the_message_and_prints_no_figure(
    three_passes: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(GEARED)]) == EXIT_UNCONVERGED == 4
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: the funding solve did not converge")
    assert "Traceback" not in err and "loan 贷款" in err


def _rates(low: float, high: float) -> ScenarioSpec:
    """Eight scenarios of the geared fixture with the loan rate uniform on [low, high]."""
    return validate_data(
        ScenarioSpec,
        {
            "name": "t",
            "n": 8,
            "seed": 1,
            "inputs": [
                {
                    "name": "r",
                    "path": "funding.loans[贷款].rate",
                    "apply": "set",
                    "distribution": {"type": "uniform", "low": low, "high": high},
                }
            ],
        },
        what="scenario",
    )


def test_monte_carlo_reports_unconverged_scenarios_as_failed(three_passes: None) -> None:
    """Every scenario of this Monte Carlo fails (three passes): each is counted as failed,
    its metrics are NaN and no statistic averages it in."""
    sim = simulate(renewfin.load_spec(GEARED), _rates(0.03, 0.05))
    assert sim.failed == list(range(8))
    assert sim.metrics.isna().all().all()
    summary = sim.summary()
    assert (summary["n_nan"] == 8).all() and (summary["n_valid"] == 0).all()
    from renewfin.summary_mc import format_simulation, simulation_document

    assert "UNCONVERGED: the funding solve failed in 8 of 8 scenarios" in format_simulation(sim)
    assert json.loads(json.dumps(simulation_document(sim)))["n_unconverged"] == 8


def test_monte_carlo_leaves_out_only_the_failed_scenarios(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With five passes allowed, scenarios whose rate needs more (above about 1.5 % here)
    fail and the others keep their numbers: the failed rows are exactly the unconverged
    ones of an engine run on the same sample."""
    monkeypatch.setattr(stage, "size_and_run", functools.partial(sizing.size_and_run, max_iter=5))
    spec = renewfin.load_spec(GEARED)
    sim = simulate(spec, _rates(0.0, 0.03))
    rates = sim.samples["r"].to_numpy()
    direct = run(spec, {"funding.loans[贷款].rate": rates}, allow_unconverged=True)
    assert sim.failed == [int(k) for k in np.flatnonzero(~direct.converged)]
    assert 0 < len(sim.failed) < 8
    kept = np.setdiff1d(np.arange(8), sim.failed)
    np.testing.assert_array_equal(
        sim.metrics["total_project_investment"].to_numpy()[kept],
        direct.values["total_project_investment"][kept],
    )
    assert sim.metrics.iloc[sim.failed].isna().all().all()


def test_monte_carlo_keeps_converged_scenarios() -> None:
    """Without the limit the same Monte Carlo has no failure and finite metrics."""
    sim = simulate(renewfin.load_spec(GEARED), _rates(0.03, 0.05))
    assert sim.failed == []
    assert np.isfinite(sim.metrics["total_project_investment"]).all()


REPAYING = FIXTURES / "repaying_in_construction.yaml"


def test_a_structure_repaying_in_construction_converges() -> None:
    """The fixture did not converge in 200 passes while the DSCR bound was a PV of cash
    (before issue 16); the period-by-period bound, read on the loans' scheduled service
    without the sweep, converges, slowly (the loans' debt service is part of the gaps they
    finance)."""
    res = run(renewfin.load_spec(REPAYING))
    assert res.sizing is not None and bool(res.converged.all())
    assert res.sizing.repaying == (0, 1)
    assert 20 < res.sizing.iterations < 200


def test_a_structure_that_does_not_converge_fails_loudly(three_passes: None) -> None:
    """Stopped before its fixed point, the same structure fails loudly: the error names the
    residual and passes, and says which loans repay before completion."""
    with pytest.raises(ConvergenceError) as info:
        run(renewfin.load_spec(REPAYING))
    err = info.value
    assert err.iterations == 3 and err.residual > 1e-6
    text = str(err)
    assert "after 3 iterations" in text
    assert "funding.loans[L0].grace_years" in text and "funding.loans[L1].grace_years" in text


def test_the_same_structure_converges_with_grace_to_completion() -> None:
    """The hint of the error works: grace periods to the end of construction (year 4)."""
    data = renewfin.load_spec(REPAYING).model_dump(mode="json")
    for loan in data["funding"]["loans"]:
        loan["grace_years"] = 4
    res = run(validate_data(ProjectSpec, data))
    assert bool(res.converged.all())
    assert res.sizing is not None and res.sizing.repaying == ()


def test_an_unconverged_summary_says_so_first(three_passes: None) -> None:
    """The text summary and the JSON document of an unconverged result mark it."""
    from renewfin.summary import format_summary, json_document

    res = run(renewfin.load_spec(GEARED), allow_unconverged=True)
    assert format_summary(res).startswith("未收敛 UNCONVERGED")
    assert json_document(res)["converged"] is False


def test_a_converged_summary_carries_no_mark(one: Result) -> None:
    from renewfin.summary import format_summary, json_document

    assert "UNCONVERGED" not in format_summary(one)
    assert json_document(one)["converged"] is True
