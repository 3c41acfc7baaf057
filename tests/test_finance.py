"""Tests for :mod:`renewfin.finance`.

Every test names its reference: Microsoft's Excel function documentation
(IRR, NPV, PMT, IPMT, PPMT), ``numpy_financial`` 1.0, ``pyxirr``, exact
rational / high-precision decimal arithmetic, or a hand computation written out
in the test (payback period, 《建设项目经济评价方法与参数》).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy_financial as npf  # type: ignore[import-untyped]
import pytest
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st
from numpy.typing import ArrayLike, NDArray
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from renewfin.excel.recalc import recalculate, soffice
from renewfin.excel.verify import read_values
from renewfin.finance import (
    IrrReason,
    annualise,
    discount_factors,
    ipmt,
    irr,
    irr_reason_text,
    npv,
    payback_period,
    period_rate,
    pmt,
    ppmt,
)
from renewfin.testing import equity_flow_mix

# --------------------------------------------------------------------------- #
# Typed views of the results (one row gives a float, a batch an array)
# --------------------------------------------------------------------------- #


def as_float(x: float | np.ndarray) -> float:
    """The result for one row, which is a float."""
    assert isinstance(x, float)
    return x


def as_array(x: float | np.ndarray) -> np.ndarray:
    """The result for a batch, which is an array."""
    assert isinstance(x, np.ndarray)
    return x


def irr_rows(values: ArrayLike, periods_per_year: float = 1) -> tuple[np.ndarray, NDArray[np.int8]]:
    """``irr(values, periods_per_year, with_reason=True)`` on a batch (S, T): rates (S,) and
    reason codes (S,)."""
    rates, reasons = irr(values, periods_per_year, with_reason=True)
    assert isinstance(rates, np.ndarray) and isinstance(reasons, np.ndarray)
    return rates, reasons


def irr_one(values: ArrayLike, periods_per_year: float = 1) -> tuple[float, IrrReason]:
    """``irr(values, periods_per_year, with_reason=True)`` on one row (T,): rate and reason."""
    rate, why = irr(values, periods_per_year, with_reason=True)
    assert isinstance(rate, float) and isinstance(why, IrrReason)
    return rate, why


# --------------------------------------------------------------------------- #
# Independent references
# --------------------------------------------------------------------------- #


def npf_irr(values: np.ndarray) -> float:
    """numpy_financial.irr (np.roots; real root closest to zero), warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(npf.irr(np.asarray(values, dtype=float)))


def decimal_irr(values: Sequence[float], lo: float, hi: float) -> float:
    """IRR by 50-digit decimal bisection of sum v_t / (1+r)**t on [lo, hi]."""
    with localcontext() as ctx:
        ctx.prec = 50
        vals = [Decimal(v) for v in values]

        def f(r: Decimal) -> Decimal:
            return sum((v / (1 + r) ** t for t, v in enumerate(vals)), Decimal(0))

        a, b = Decimal(lo), Decimal(hi)
        fa = f(a)
        assert fa * f(b) < 0
        for _ in range(200):
            mid = (a + b) / 2
            fm = f(mid)
            if fm * fa > 0:
                a, fa = mid, fm
            else:
                b = mid
        return float((a + b) / 2)


def exact_npv(rate: Fraction, values: list[int]) -> Fraction:
    """Excel NPV definition in exact rationals: sum v_i / (1+rate)**i, i = 1..n."""
    return sum((Fraction(v) / (1 + rate) ** (i + 1) for i, v in enumerate(values)), Fraction(0))


def exact_pmt(
    rate: Fraction, nper: int, pv: Fraction, fv: Fraction = Fraction(0), when: int = 0
) -> Fraction:
    """Excel PMT closed form in exact rationals."""
    g = (1 + rate) ** nper
    return -(fv + pv * g) * rate / ((1 + rate * when) * (g - 1))


def random_conventional(
    rng: np.random.Generator, n: int, t: int, max_lead: int = 2, max_trail: int = 2
) -> np.ndarray:
    """Investment (1-4 negative periods) then returns, padded with leading/trailing zeros."""
    out = np.zeros((n, t))
    for i in range(n):
        room = (t - 2) // 2  # keep at least two non-padding periods
        lead = int(rng.integers(0, min(max_lead, room) + 1))
        trail = int(rng.integers(0, min(max_trail, room) + 1))
        body = t - lead - trail
        n_neg = int(rng.integers(1, min(4, body - 1) + 1))
        neg = -rng.uniform(10.0, 1000.0, n_neg)
        pos = rng.uniform(0.0, 1.0, body - n_neg) * rng.uniform(5.0, 400.0)
        pos[-1] = max(pos[-1], 1.0)
        out[i, lead : lead + body] = np.concatenate([neg, pos])
    return out


# --------------------------------------------------------------------------- #
# Excel documentation examples
# --------------------------------------------------------------------------- #

EXCEL_IRR_DATA = [-70000, 12000, 15000, 18000, 21000, 26000]


def test_irr_excel_doc_examples() -> None:
    """Excel IRR documentation: IRR(A2:A6) = -2.1%, IRR(A2:A7) = 8.7%, IRR(A2:A4,-10%) = -44.4%.

    Published digits -0.021244848 / 0.086630948 (as in the brief); reference
    values recomputed with 50-digit decimal bisection and numpy_financial.
    """
    cases = [
        (EXCEL_IRR_DATA, 0.086630948, -0.5, 0.5),
        (EXCEL_IRR_DATA[:5], -0.021244848, -0.5, 0.5),
        (EXCEL_IRR_DATA[:3], -0.443506941, -0.9, 0.0),
    ]
    for values, published, lo, hi in cases:
        got = irr(values)
        assert isinstance(got, float)
        assert abs(got - published) < 5e-10
        assert got == pytest.approx(decimal_irr(values, lo, hi), abs=1e-13)
        assert got == pytest.approx(npf_irr(np.array(values)), abs=1e-13)
    rates, reasons = irr_rows(np.array([EXCEL_IRR_DATA, [*EXCEL_IRR_DATA[:5], 0.0]], dtype=float))
    assert rates.shape == (2,) and reasons.shape == (2,)
    assert np.all(reasons == IrrReason.OK)
    np.testing.assert_allclose(rates, [0.086630948, -0.021244848], atol=5e-10)


def test_npv_excel_doc_examples() -> None:
    """Excel NPV documentation: NPV(10%, -10000, 3000, 4200, 6800) = 1,188.44;
    NPV(8%, 8000, 9200, 10000, 12000, 14500) + (-40000) = 1,922.06;
    NPV(8%, 8000, 9200, 10000, 12000, 14500, -9000) + (-40000) = -3,749.47.
    References: exact rational evaluation of the Excel definition and npf.npv.
    """
    flows = [-10000, 3000, 4200, 6800]
    got = npv(0.10, flows)
    assert isinstance(got, float)
    assert got == pytest.approx(1188.4434123352, abs=1e-9)
    assert got == pytest.approx(float(exact_npv(Fraction(1, 10), flows)), rel=1e-14)
    assert round(got, 2) == 1188.44
    # npf.npv discounts the first value zero periods: Excel NPV = npf.npv(r, [0, *values])
    assert got == pytest.approx(npf.npv(0.10, [0, *flows]), rel=1e-14)

    returns = [8000, 9200, 10000, 12000, 14500]
    got2 = as_float(npv(0.08, returns)) - 40000
    assert round(got2, 2) == 1922.06
    assert got2 == pytest.approx(float(exact_npv(Fraction(8, 100), returns) - 40000), rel=1e-13)
    got3 = as_float(npv(0.08, [*returns, -9000])) - 40000
    assert round(got3, 2) == -3749.47
    assert got3 == pytest.approx(
        float(exact_npv(Fraction(8, 100), [*returns, -9000]) - 40000), rel=1e-13
    )


def test_pmt_excel_doc_examples() -> None:
    """Excel PMT documentation: PMT(8%/12, 10, 10000) = -1,037.03;
    PMT(8%/12, 10, 10000, 0, 1) = -1,030.16; PMT(6%/12, 18*12, 0, 50000) = -129.08.
    PMT(6%/12, 5*12, 20000) is not a documentation example: its reference is the
    exact rational closed form only.  Also cross-checked with npf.pmt.
    """
    r8 = Fraction(8, 100) / 12
    r6 = Fraction(6, 100) / 12
    cases = [
        ((0.08 / 12, 10, 10000), -1037.03, exact_pmt(r8, 10, Fraction(10000))),
        ((0.08 / 12, 10, 10000, 0, "begin"), -1030.16, exact_pmt(r8, 10, Fraction(10000), when=1)),
        ((0.06 / 12, 18 * 12, 0, 50000), -129.08, exact_pmt(r6, 216, Fraction(0), Fraction(50000))),
        ((0.06 / 12, 60, 20000), -386.66, exact_pmt(r6, 60, Fraction(20000))),
    ]
    for args, published, exact in cases:
        got = pmt(*args)
        assert isinstance(got, float)
        assert round(got, 2) == published
        assert got == pytest.approx(float(exact), rel=1e-13)
    assert pmt(0.08 / 12, 10, 10000) == pytest.approx(-1037.0320893591, abs=1e-9)
    assert pmt(0.08 / 12, 10, 10000, 0, 1) == pytest.approx(npf.pmt(0.08 / 12, 10, 10000, 0, 1))


def test_ipmt_ppmt_excel_doc_examples() -> None:
    """Excel IPMT documentation: IPMT(10%/12, 1, 3*12, 8000) = -66.67, IPMT(10%, 3, 3, 8000)
    = -292.45.  Excel PPMT documentation: PPMT(10%/12, 1, 2*12, 2000) = -75.62,
    PPMT(8%, 10, 10, 200000) = -27,598.05.  Independent values: interest of the first
    period is -pv * rate exactly; the rest cross-checked with numpy_financial.
    """
    got = as_float(ipmt(0.1 / 12, 1, 3 * 12, 8000))
    assert round(got, 2) == -66.67
    assert got == pytest.approx(-8000 * 0.1 / 12, rel=1e-14)  # -66.6667
    got = as_float(ipmt(0.1, 3, 3, 8000))
    assert round(got, 2) == -292.45
    assert got == pytest.approx(float(npf.ipmt(0.1, 3, 3, 8000)), rel=1e-12)
    got = as_float(ppmt(0.1 / 12, 1, 24, 2000))
    assert round(got, 2) == -75.62
    first_interest = -2000 * Fraction(1, 120)
    exact = exact_pmt(Fraction(1, 120), 24, Fraction(2000)) - first_interest
    assert got == pytest.approx(float(exact), rel=1e-13)
    got = as_float(ppmt(0.08, 10, 10, 200000))
    assert round(got, 2) == -27598.05
    assert got == pytest.approx(float(npf.ppmt(0.08, 10, 10, 200000)), rel=1e-12)


def test_loan_schedule_broadcast_and_npf() -> None:
    """numpy_financial ipmt docstring schedule: 2,500 at 8.24%/12 over 12 months, total
    interest -112.98, and ipmt + ppmt == pmt; plus random broadcast against npf (end/begin).
    """
    per = np.arange(1, 13)
    i = as_array(ipmt(0.0824 / 12, per, 12, 2500))
    p = ppmt(0.0824 / 12, per, 12, 2500)
    assert i.shape == (12,)
    assert round(float(np.sum(i)), 2) == -112.98
    np.testing.assert_allclose(i + p, pmt(0.0824 / 12, 12, 2500), rtol=1e-12)
    # balance after the schedule is zero
    assert 2500 + np.sum(p) == pytest.approx(0.0, abs=1e-9)

    rng = np.random.default_rng(7)
    rate = rng.uniform(0.0005, 0.02, (5, 1))
    nper = np.array([[12.0, 24.0, 60.0]])
    pv = rng.uniform(1e3, 1e6, (5, 1))
    fv = rng.uniform(-1e3, 1e3, (1, 3))
    for when in ("end", "begin"):
        np.testing.assert_allclose(
            pmt(rate, nper, pv, fv, when), npf.pmt(rate, nper, pv, fv, when), rtol=1e-12
        )
        np.testing.assert_allclose(
            ipmt(rate, 7, nper, pv, fv, when), npf.ipmt(rate, 7, nper, pv, fv, when), rtol=1e-10
        )
        np.testing.assert_allclose(
            ppmt(rate, 7, nper, pv, fv, when), npf.ppmt(rate, 7, nper, pv, fv, when), rtol=1e-10
        )


def test_loan_zero_rate_exact_and_range() -> None:
    """Zero rate, exact arithmetic: PMT = -(pv + fv) / nper, IPMT = 0, PPMT = PMT.
    Excel returns #NUM! for per outside 1..nper: NaN here.  Begin-mode period 1
    carries no interest (Excel / numpy_financial convention).
    """
    assert pmt(0.0, 10, 1000) == -100.0
    assert pmt(0.0, 4, 1000, 200) == -300.0
    assert pmt(0, 10, 1000, 0, "begin") == -100.0
    assert ipmt(0.0, 3, 10, 1000) == 0.0
    assert ppmt(0.0, 3, 10, 1000) == -100.0
    assert math.isnan(ipmt(0.05, 0, 10, 1000))
    assert math.isnan(ppmt(0.05, 11, 10, 1000))
    assert ipmt(0.05, 1, 10, 1000, 0, "begin") == 0.0
    rates = as_array(pmt(np.array([0.0, 1e-12, 0.01]), 12, 1200))
    np.testing.assert_allclose(rates[:2], -100.0, rtol=1e-9)
    with pytest.raises(ValueError):
        pmt(0.01, 12, 1000, when="middle")


# --------------------------------------------------------------------------- #
# IRR: agreement with numpy_financial / pyxirr
# --------------------------------------------------------------------------- #


def test_irr_matches_numpy_financial_random_conventional() -> None:
    """Reference numpy_financial.irr (roots of the NPV polynomial): 400 random
    conventional flows with leading/trailing zeros, several lengths, 1e-9 absolute.
    """
    rng = np.random.default_rng(12345)
    for t in (3, 8, 30, 61):
        batch = random_conventional(rng, 100, t)
        rates, reasons = irr_rows(batch)
        ref = np.array([npf_irr(row) for row in batch])
        assert np.all(reasons == IrrReason.OK)
        assert np.all(np.isfinite(ref))
        np.testing.assert_allclose(rates, ref, rtol=1e-11, atol=1e-9)
        # tighter on the bulk of ordinary rates
        ordinary = np.abs(ref) < 1.0
        np.testing.assert_allclose(rates[ordinary], ref[ordinary], rtol=0, atol=1e-12)


def test_irr_matches_pyxirr() -> None:
    """Reference pyxirr.irr (skipped when pyxirr is not installed), 1e-9 absolute."""
    pyxirr = pytest.importorskip("pyxirr")
    rng = np.random.default_rng(99)
    batch = random_conventional(rng, 300, 30)
    ref = np.array([pyxirr.irr(row) for row in batch], dtype=float)
    np.testing.assert_allclose(irr(batch), ref, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("pad", [0, 1, 2, 5, 30, 200])
def test_irr_low_rates_padded_with_zeros_batched_equals_row_by_row(pad: int) -> None:
    """Rows whose IRR is -50 % or lower, followed by ``pad`` zero periods (a batch of rows
    of different lengths, or the periods after a REIT exit), give the IRR of the unpadded
    row. References: numpy_financial.irr on each unpadded row (roots of the NPV
    polynomial, unaffected by padding), and two hand values: [-100, 40] has 1 + r = 0.4
    (r = -60 %); [-100, 20, 10] has 100 y² - 20 y - 10 = 0 with y = 1 + r, so
    y = (20 + sqrt(4400)) / 200 and r = -56.8337520964...%. Before the fix, up to 133 of
    these 2,000 rows (pad 200) came back as -100 % with reason OK: the padding zeros are
    roots at 1 + r = 0 that the search met once (1 + r) ** pad underflowed."""
    rng = np.random.default_rng(20260101)
    n = 2000
    lengths = rng.integers(2, 12, n)
    rows = [
        np.concatenate([[-rng.uniform(50.0, 200.0)], rng.uniform(0.0, 10.0, k - 1)])
        for k in lengths
    ]
    rows[0] = np.array([-100.0, 40.0])
    rows[1] = np.array([-100.0, 20.0, 10.0])
    batch = np.zeros((n, int(lengths.max()) + pad))
    for i, row in enumerate(rows):
        batch[i, : row.size] = row
    rates, reasons = irr_rows(batch)
    ref = np.array([npf_irr(row) for row in rows])
    assert np.count_nonzero(ref <= -0.5) > 500  # the rows this test is about
    assert np.all(reasons == IrrReason.OK)
    np.testing.assert_allclose(rates, ref, rtol=1e-9, atol=1e-12)
    assert rates[0] == pytest.approx(-0.6, abs=1e-14)
    assert rates[1] == pytest.approx((20.0 + math.sqrt(4400.0)) / 200.0 - 1.0, abs=1e-14)
    # Row by row, unpadded, the same answers.
    np.testing.assert_allclose(
        [as_float(irr(row)) for row in rows[:50]], rates[:50], rtol=0, atol=1e-13
    )


def test_irr_high_rates_after_leading_zeros() -> None:
    """Leading zeros (a project starting late in the horizon) do not move a very high IRR:
    hand value [-1, 50] has r = 49 (4,900 %) whatever the zeros before it."""
    for lead in (0, 3, 40, 300):
        flows = np.zeros(lead + 2)
        flows[lead:] = [-1.0, 50.0]
        assert irr(flows) == pytest.approx(49.0, rel=1e-12)


def test_irr_borrower_perspective_and_extremes() -> None:
    """Sign-flipped flows (loan from the borrower side) have the same IRR; rates close to
    -100% and far above +1000% are still found for conventional flows (decimal reference).
    """
    flows = np.array([-1000.0, 300.0, 400.0, 500.0])
    assert irr(-flows) == pytest.approx(irr(flows), abs=1e-15)
    near_minus_one = [-1000.0, 0.0, 0.0, 1.0]  # (1+r)^3 = 1e-3 -> r = -0.9
    assert irr(near_minus_one) == pytest.approx(-0.9, abs=1e-13)
    huge = [-1.0, 100.0]  # r = 99 (9,900%)
    assert irr(huge) == pytest.approx(99.0, rel=1e-13)
    assert irr([-100.0, 0.0, 0.0, 0.0, 200.0]) == pytest.approx(2**0.25 - 1, abs=1e-14)
    assert irr([-100.0, 100.0]) == 0.0
    assert irr([-100.0, 50.0, 50.0]) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------- #
# IRR: failure modes and reasons
# --------------------------------------------------------------------------- #


def test_irr_nan_reasons() -> None:
    """No IRR exists without a sign change (Descartes); NaN input is invalid."""
    batch = np.array(
        [
            [100.0, 20.0, 30.0],  # all positive
            [-100.0, -20.0, 0.0],  # all non-positive
            [0.0, 0.0, 0.0],  # all zero
            [np.nan, np.nan, np.nan],  # all NaN
            [-100.0, np.nan, 120.0],  # partial NaN
            [-100.0, np.inf, 120.0],  # infinite
            [-100.0, 60.0, 60.0],  # fine
        ]
    )
    rates, reasons = irr_rows(batch)
    assert reasons.dtype == np.int8
    expected = [
        IrrReason.NO_SIGN_CHANGE,
        IrrReason.NO_SIGN_CHANGE,
        IrrReason.NO_SIGN_CHANGE,
        IrrReason.INVALID_INPUT,
        IrrReason.INVALID_INPUT,
        IrrReason.INVALID_INPUT,
        IrrReason.OK,
    ]
    assert reasons.tolist() == [int(e) for e in expected]
    assert np.all(np.isnan(rates[:6]))
    assert rates[6] == pytest.approx(npf_irr(batch[6]), abs=1e-13)
    r, why = irr_one([np.nan] * 4)
    assert math.isnan(r) and why is IrrReason.INVALID_INPUT
    empty_rates, empty_reasons = irr_rows(np.zeros((3, 0)))
    assert np.all(np.isnan(empty_rates)) and np.all(empty_reasons == IrrReason.INVALID_INPUT)


def libreoffice_irr(values: np.ndarray, guess: float = 0.1) -> float:
    """Reference: a line-by-line transcription of LibreOffice's ScIRR
    (sc/source/core/tool/interpr2.cxx), which follows Excel's IRR: Newton's method on the
    rate from ``guess``, the NPV and its derivative summed term by term with ``pow``, at
    most 20 steps, converged when a step is below 1e-7 (NaN for #NUM!)."""
    x, eps, iterations = guess, 1.0, 0
    with np.errstate(all="ignore"):
        while eps > 1e-7 and iterations < 20:
            nom = denom = np.float64(0.0)
            for count, value in enumerate(np.asarray(values, dtype=np.float64)):
                nom += value / np.power(1.0 + x, count)
                denom += -count * value / np.power(1.0 + x, count + 1.0)
            x_new = x - nom / denom
            iterations += 1
            eps = abs(x_new - x)
            x = float(x_new)
    return x if eps < 1e-7 else math.nan


def real_roots(values: np.ndarray) -> np.ndarray:
    """Reference: the real rates r > -1 where the NPV of ``values`` vanishes, from the roots
    of its polynomial in x = 1 / (1 + r) (numpy.roots), ascending."""
    roots = np.roots(np.trim_zeros(values)[::-1])
    x = roots[(np.abs(roots.imag) < 1e-12) & (roots.real > 0)].real
    return np.sort(1.0 / x - 1.0)


def test_irr_two_roots_returns_excels() -> None:
    """-100 + 230x - 132x^2 = -100 (1 - 1.1x)(1 - 1.2x), x = 1/(1+r): IRRs 10% and 20%;
    Excel's iteration starts at 10%, a root, and stays there; from the flows reversed in
    sign the same. numpy_financial's docstring examples with several sign changes give
    its published roots (-8.33%, 8.86%), which the LibreOffice transcription also finds."""
    for sign in (1.0, -1.0):
        r, why = irr_one([-100.0 * sign, 230.0 * sign, -132.0 * sign])
        assert why is IrrReason.MULTIPLE_SIGN_CHANGES
        assert r == pytest.approx(0.10, abs=1e-14)
    for flows, published in (([-100, 100, 0, -7], -0.0833), ([-5, 10.5, 1, -8, 1], 0.0886)):
        r, why = irr_one(flows)
        assert why is IrrReason.MULTIPLE_SIGN_CHANGES
        assert round(r, 4) == published
        assert r == pytest.approx(libreoffice_irr(np.array(flows, dtype=float)), abs=1e-12)


def test_irr_where_excel_finds_none_returns_the_root_nearest_ten_percent() -> None:
    """Non-conventional equity flows (``equity_flow_mix``) on which Excel's iteration finds
    no rate above -100% (the LibreOffice transcription gives NaN or <= -100%): the result
    is the real root of the NPV polynomial (numpy.roots) nearest 10%."""
    v = equity_flow_mix(20_000, 30, seed=3)
    rates, reasons = irr_rows(v)
    rows = np.flatnonzero(reasons == IrrReason.MULTIPLE_SIGN_CHANGES_NO_EXCEL)
    assert rows.size > 50
    for j in rows[:100]:
        excel = libreoffice_irr(v[j])
        assert math.isnan(excel) or excel <= -1.0
        roots = real_roots(v[j])
        assert rates[j] == pytest.approx(roots[np.argmin(np.abs(roots - 0.1))], abs=1e-9)


def test_irr_no_root_in_range() -> None:
    """-100 + 250x - 160x^2 has a negative discriminant (62,500 - 64,000): no real IRR."""
    r, why = irr_one([-100.0, 250.0, -160.0])
    assert math.isnan(r) and why is IrrReason.NO_ROOT_IN_RANGE


def test_irr_random_nonconventional_equals_excel_iteration() -> None:
    """Random flows with several sign changes (and zeros): where the LibreOffice
    transcription (Excel's iteration) converges to a rate above -100%, the same root to
    1e-9 (reason MULTIPLE_SIGN_CHANGES); elsewhere reason MULTIPLE_SIGN_CHANGES_NO_EXCEL
    with a real root of the NPV polynomial (numpy.roots), or NO_ROOT_IN_RANGE and no real
    root between -99% and +1000% a year."""
    rng = np.random.default_rng(2024)
    batch = rng.normal(size=(600, 6)) * rng.lognormal(0.0, 1.0, (600, 6))
    batch[rng.random((600, 6)) < 0.1] = 0.0
    rates, reasons = irr_rows(batch)
    seen = set()
    for row, rate, why in zip(batch, rates, reasons, strict=True):
        if why in (IrrReason.OK, IrrReason.NO_SIGN_CHANGE):
            continue
        seen.add(int(why))
        excel, roots = libreoffice_irr(row), real_roots(row)
        if why == IrrReason.MULTIPLE_SIGN_CHANGES:
            assert rate == pytest.approx(excel, abs=1e-9)
        elif why == IrrReason.MULTIPLE_SIGN_CHANGES_NO_EXCEL:
            assert math.isnan(excel) or excel <= -1.0
            assert np.min(np.abs(roots - rate)) < 1e-9
        else:
            assert why == IrrReason.NO_ROOT_IN_RANGE and math.isnan(rate)
            assert math.isnan(excel) or excel <= -1.0
            assert not np.any((roots > -0.99) & (roots < 10.0))
    assert seen == {1, 3, 5}


def mix_sample(rng: np.random.Generator) -> list[np.ndarray]:
    """Rows of ``equity_flow_mix`` of every class (by reason), some shifted by leading
    zeros and some padded with 1 to 40 trailing zeros."""
    v = equity_flow_mix(40_000, 30, seed=22)
    _, reasons = irr_rows(v)
    rows = []
    for code, k in ((1, 300), (5, 100), (3, 10), (0, 80), (2, 20)):
        idx = np.flatnonzero(reasons == code)
        for j in rng.choice(idx, min(k, idx.size), replace=False):
            lead = int(rng.integers(1, 4)) if rng.random() < 0.3 else 0
            trail = int(rng.choice([0, 0, 1, 7, 40]))
            rows.append(np.concatenate([np.zeros(lead), v[j], np.zeros(trail)]))
    return rows


def libreoffice_irrs(rows: list[np.ndarray], tmp: Path) -> list[float | None]:
    """Reference: LibreOffice's IRR (which follows Excel), ``=IRR(range)`` with the default
    guess on each row, written with openpyxl and recalculated headlessly
    (``renewfin.excel.recalc``); a number, or None for an error (#NUM!)."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    for i, row in enumerate(rows, start=1):
        for k, value in enumerate(row):
            sheet.cell(i, k + 2, float(value))
        sheet.cell(i, 1, f"=IRR(B{i}:{get_column_letter(row.size + 1)}{i})")
    book.save(tmp / "irr.xlsx")
    recalculate(tmp / "irr.xlsx", tmp / "irr.recalc.xlsx")
    found = [line[0] for line in read_values(tmp / "irr.recalc.xlsx")["Sheet"]]
    return [
        float(x) if isinstance(x, float | int) and not isinstance(x, bool) else None for x in found
    ]


def test_irr_equals_libreoffice_irr(tmp_path: Path) -> None:
    """Reference LibreOffice Calc's IRR, recalculated: on ~500 rows of the equity mix (every
    class, leading and trailing zeros), quarterly as well. Where LibreOffice returns a rate
    above -100% on a row with several sign changes, the same root to 1e-9 (reason
    MULTIPLE_SIGN_CHANGES); on a conventional row the unique root wherever it finds one;
    MULTIPLE_SIGN_CHANGES_NO_EXCEL and NaN reasons only where LibreOffice gives #NUM! or a
    rate of -100% or below; NO_SIGN_CHANGE rows are #NUM! too."""
    if soffice() is None:
        pytest.fail("LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui")
    rows = mix_sample(np.random.default_rng(7))
    found = libreoffice_irrs(rows, tmp_path)
    counts: dict[tuple[str, bool], int] = {}
    for ppy in (1, 4):
        for row, lo in zip(rows, found, strict=True):
            rate, why = irr_one(row, ppy)
            if (
                lo is not None
                and lo > -1.0
                and why in (IrrReason.OK, IrrReason.MULTIPLE_SIGN_CHANGES)
            ):
                assert (1.0 + rate) ** (1.0 / ppy) - 1.0 == pytest.approx(lo, abs=1e-9)
            else:
                assert why != IrrReason.MULTIPLE_SIGN_CHANGES
                assert lo is None or lo <= -1.0 or why == IrrReason.OK
            key = (why.name, lo is not None)
            counts[key] = counts.get(key, 0) + 1
    assert counts[("MULTIPLE_SIGN_CHANGES", True)] > 500
    assert counts[("MULTIPLE_SIGN_CHANGES_NO_EXCEL", False)] > 100
    assert counts[("NO_SIGN_CHANGE", False)] == 40


def sign_changes(values: np.ndarray) -> int:
    """Reference (Descartes' count, numpy): how many times the non-zero values change sign."""
    nonzero = values[values != 0.0]
    return int(np.count_nonzero(np.diff(np.sign(nonzero)) != 0))


def expected_irr(values: np.ndarray) -> tuple[float, IrrReason]:
    """The periodic IRR and reason the documented rules give for one row, from independent
    references only: no sign change -> NaN; one -> the unique root (numpy_financial.irr, the
    real root of the NPV polynomial closest to zero, which is the only one); several -> the
    rate the LibreOffice transcription of Excel's iteration converges to from 10% where it
    is above -100%, else the real root nearest 10% (numpy.roots), else NaN."""
    changes = sign_changes(values)
    if changes == 0:
        return math.nan, IrrReason.NO_SIGN_CHANGE
    if changes == 1:
        return npf_irr(values), IrrReason.OK
    excel = libreoffice_irr(values)
    if excel > -1.0:
        return excel, IrrReason.MULTIPLE_SIGN_CHANGES
    roots = real_roots(values)
    roots = roots[(roots > -0.99) & (roots < 10.0)]
    if roots.size == 0:
        return math.nan, IrrReason.NO_ROOT_IN_RANGE
    return float(roots[np.argmin(np.abs(roots - 0.1))]), IrrReason.MULTIPLE_SIGN_CHANGES_NO_EXCEL


@pytest.fixture(scope="module")
def equity_mix_expected() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """3,000 rows of ``equity_flow_mix`` (seed 5, half of them ending in zeros after an
    exit) with the rate and reason ``expected_irr`` gives each."""
    v = equity_flow_mix(3_000, 30, seed=5)
    expected = [expected_irr(row) for row in v]
    rates = np.array([rate for rate, _ in expected])
    reasons = np.array([int(why) for _, why in expected], dtype=np.int8)
    return v, rates, reasons


@pytest.mark.parametrize("pad", [0, 1, 7, 200, 5000])
def test_irr_rows_padded_with_trailing_zeros_follow_the_rules(
    pad: int, equity_mix_expected: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    """Rows of the equity mix of every class, batched with ``pad`` more zeros after their
    last value (a batch of rows of different lengths), give the rate and reason of the
    documented rules (``expected_irr``: numpy_financial, the LibreOffice transcription of
    Excel's IRR, numpy.roots) to 1e-9, whatever the padding; and (the property) bit for bit
    what the unpadded batch gives."""
    v, want, want_reasons = equity_mix_expected
    padded = np.concatenate([v, np.zeros((v.shape[0], pad))], axis=1)
    got, got_reasons = irr_rows(padded)
    np.testing.assert_array_equal(got_reasons, want_reasons)
    assert set(np.unique(want_reasons).tolist()) >= {0, 1, 2, 5}
    np.testing.assert_allclose(got, want, rtol=0.0, atol=1e-9)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    rates, reasons = irr_rows(v)
    np.testing.assert_array_equal(got, rates)
    np.testing.assert_array_equal(got_reasons, reasons)


def test_irr_reason_text() -> None:
    """Every reason code has an English sentence; invalid codes raise."""
    for code in IrrReason:
        text = irr_reason_text(code)
        assert isinstance(text, str) and text.endswith(".") and len(text) > 20
        assert irr_reason_text(int(code)) == text
    with pytest.raises(ValueError):
        irr_reason_text(42)


# --------------------------------------------------------------------------- #
# IRR: periods per year
# --------------------------------------------------------------------------- #


def test_irr_quarterly_and_semiannual_annualised() -> None:
    """Reference: (1 + numpy_financial.irr(periodic flows)) ** ppy - 1."""
    rng = np.random.default_rng(5)
    for ppy in (2, 4, 12):
        batch = random_conventional(rng, 50, 40)
        got = irr(batch, periods_per_year=ppy)
        ref = np.array([(1 + npf_irr(row)) ** ppy - 1 for row in batch])
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-10)
    quarterly = [-1000.0, 0.0, 0.0, 0.0] + [60.0] * 24
    assert irr(quarterly, 4) == pytest.approx((1 + npf_irr(np.array(quarterly))) ** 4 - 1)
    assert irr(quarterly, 4) == pytest.approx(annualise(irr(quarterly), 4), abs=1e-15)


# --------------------------------------------------------------------------- #
# IRR: hypothesis properties
# --------------------------------------------------------------------------- #

magnitudes = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def conventional_flows(draw: st.DrawFn, max_len: int = 40) -> np.ndarray:
    """Investment then returns (zeros allowed inside, before and after)."""
    lead = draw(st.integers(0, 2))
    neg = [-x for x in draw(st.lists(magnitudes, min_size=1, max_size=4))]
    pos = draw(st.lists(st.one_of(st.just(0.0), magnitudes), min_size=0, max_size=max_len))
    last = draw(magnitudes)
    trail = draw(st.integers(0, 2))
    return np.array([0.0] * lead + neg + pos + [last] + [0.0] * trail)


@settings(max_examples=200, deadline=None)
@given(conventional_flows(), st.sampled_from([1, 2, 4, 12]))
def test_property_npv_at_irr_is_zero(flows: np.ndarray, ppy: int) -> None:
    """NPV (end-of-period convention, same ppy) at the annual IRR vanishes, relative to
    the discounted gross flows, allowing for the rounding of the returned rate itself
    (|dNPV/dr| * eps * (1 + |r|), which dominates when 1 + r is tiny)."""
    rate = as_float(irr(flows, ppy))
    assert np.isfinite(rate) and rate >= -1.0
    assume(rate > -1.0)  # 1 + r below float resolution: nothing left to check
    assert_npv_vanishes(flows, rate, ppy)


def assert_npv_vanishes(flows: np.ndarray, rate: float, ppy: int) -> None:
    """NPV of ``flows`` at the annual ``rate`` is zero relative to the discounted gross
    flows, allowing for the rounding of the rate itself (see above)."""
    df = discount_factors(rate, flows.size, ppy)[0]
    scale = float(np.sum(np.abs(flows) * df))
    times = np.arange(1, flows.size + 1) / ppy
    slope = float(np.sum(times * np.abs(flows) * df)) / (1.0 + rate)
    assume(np.isfinite(scale) and np.isfinite(slope) and scale > 0)
    tol = 1e-9 * scale + 8 * np.finfo(float).eps * (1 + abs(rate)) * slope
    assert abs(as_float(npv(rate, flows, ppy))) <= tol


signed_magnitudes = st.one_of(st.just(0.0), magnitudes, magnitudes.map(lambda x: -x))


@settings(max_examples=300, deadline=None)
@given(st.lists(signed_magnitudes, min_size=3, max_size=30), st.sampled_from([1, 4]))
def test_property_any_flows_follow_the_rules(flows: list[float], ppy: int) -> None:
    """Whatever the sign pattern (zeros anywhere, magnitudes 0.01 .. 1e6): one sign change
    (numpy count) gives reason OK and a root (NPV, end-of-period convention, zero as
    above); several give the rate the LibreOffice transcription of Excel's IRR converges to
    from 10% a period where it finds one above -100% (reason MULTIPLE_SIGN_CHANGES, to
    1e-9 relative to 1 + r), else a root with reason MULTIPLE_SIGN_CHANGES_NO_EXCEL or NaN
    with NO_ROOT_IN_RANGE; none give NaN with NO_SIGN_CHANGE. Wherever the transcription
    converges above -100% on a row with one sign change, it is the same (unique) root."""
    values = np.array(flows)
    rate, why = irr_one(values, ppy)
    event(why.name)
    changes = sign_changes(values)
    if changes == 0:
        assert math.isnan(rate) and why is IrrReason.NO_SIGN_CHANGE
        return
    excel = libreoffice_irr(values)
    excel_annual = (1.0 + excel) ** ppy - 1.0 if excel > -1.0 else math.nan
    if changes == 1:
        assert why is IrrReason.OK
    elif excel > -1.0:
        assert why is IrrReason.MULTIPLE_SIGN_CHANGES
    else:
        assert why in (IrrReason.MULTIPLE_SIGN_CHANGES_NO_EXCEL, IrrReason.NO_ROOT_IN_RANGE)
        if why is IrrReason.NO_ROOT_IN_RANGE:
            assert math.isnan(rate)
            return
    assert np.isfinite(rate) and rate >= -1.0
    if excel > -1.0 and why in (IrrReason.OK, IrrReason.MULTIPLE_SIGN_CHANGES):
        assert (1.0 + rate) ** (1.0 / ppy) == pytest.approx(1.0 + excel, rel=1e-9)
        assert rate == pytest.approx(excel_annual, rel=1e-8, abs=1e-9)
    assume(rate > -1.0)
    assert_npv_vanishes(values, rate, ppy)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 25).flatmap(
        lambda t: st.lists(
            st.lists(
                st.one_of(
                    st.just(0.0),
                    st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False),
                ),
                min_size=t,
                max_size=t,
            ),
            min_size=1,
            max_size=8,
        )
    )
)
def test_property_single_row_equals_batch_row(rows: list[list[float]]) -> None:
    """S = 1 gives exactly row 0 of the batch (rows are solved independently)."""
    batch = np.array(rows)
    rates, reasons = irr_rows(batch)
    one, one_reason = irr_rows(batch[:1])
    np.testing.assert_array_equal(one, rates[:1])
    np.testing.assert_array_equal(one_reason, reasons[:1])
    scalar = as_float(irr(batch[0]))
    assert (math.isnan(scalar) and math.isnan(rates[0])) or scalar == rates[0]


@settings(max_examples=200, deadline=None)
@given(conventional_flows(), st.floats(1e-3, 1e3))
def test_property_scale_invariance(flows: np.ndarray, factor: float) -> None:
    """IRR is homogeneous of degree 0 in the flows (positive scaling)."""
    base = as_float(irr(flows))
    scaled = as_float(irr(flows * factor))
    assert scaled == pytest.approx(base, rel=1e-9, abs=1e-10)


@settings(max_examples=200, deadline=None)
@given(conventional_flows(), st.floats(0.01, 1e4))
def test_property_monotone_in_last_inflow(flows: np.ndarray, extra: float) -> None:
    """For investment-then-returns flows NPV(r)·(1+r)^m is decreasing, so raising the last
    inflow raises the (unique) IRR; strictly when the change is representable."""
    base = as_float(irr(flows))
    last = int(np.flatnonzero(flows > 0)[-1])
    bumped = flows.copy()
    bumped[last] += extra
    new = as_float(irr(bumped))
    assert new >= base - 1e-12 * (1 + abs(base))
    x = 1.0 / (1.0 + base)
    weights = x ** np.arange(flows.size)
    if extra * weights[last] > 1e-7 * float(np.sum(np.abs(flows) * weights)):
        assert new > base


# --------------------------------------------------------------------------- #
# NPV, discount factors, rate conversions
# --------------------------------------------------------------------------- #


def test_discount_factors_shapes_and_values() -> None:
    """End-of-period factors (1 + r) ** (-(t + 1) / ppy), checked against exact powers."""
    df = discount_factors(0.08, 3)
    assert df.shape == (1, 3)
    np.testing.assert_allclose(df[0], [1 / 1.08, 1 / 1.08**2, 1 / 1.08**3], rtol=1e-15)
    df = discount_factors(np.array([0.0, 0.21]), 4, periods_per_year=2)
    assert df.shape == (2, 4)
    np.testing.assert_array_equal(df[0], 1.0)
    np.testing.assert_allclose(df[1], 1.1 ** -np.arange(1, 5), rtol=1e-14)
    assert np.all(np.isnan(discount_factors(-1.0, 2)))
    assert discount_factors(0.1, 0).shape == (1, 0)


def test_npv_batch_and_periods() -> None:
    """Batch NPV equals the row-wise Excel definition; monthly flows use (1+R)^(-(t+1)/12)."""
    rng = np.random.default_rng(3)
    values = rng.normal(size=(4, 7))
    rates = np.array([0.0, 0.05, 0.1, 0.3])
    got = as_array(npv(rates, values))
    assert got.shape == (4,)
    ref = [npf.npv(r, np.concatenate([[0.0], row])) for r, row in zip(rates, values, strict=True)]
    np.testing.assert_allclose(got, ref, rtol=1e-13)
    np.testing.assert_allclose(
        as_array(npv(0.1, values)), [as_float(npv(0.1, row)) for row in values], rtol=1e-15
    )
    monthly = npv(0.12, [100.0] * 12, 12)
    assert monthly == pytest.approx(sum(100 * 1.12 ** (-(t + 1) / 12) for t in range(12)))
    assert as_array(npv(np.array([0.1, 0.2]), [100.0, 100.0])).shape == (2,)


def test_rate_conversions() -> None:
    """Compound conversion: (1 + r_p) ** ppy - 1 and its inverse."""
    assert annualise(0.01, 12) == pytest.approx(1.01**12 - 1, rel=1e-14)
    assert period_rate(0.1, 4) == pytest.approx(1.1**0.25 - 1, rel=1e-14)
    r = np.array([-0.5, 0.0, 1e-10, 0.07, 3.0])
    np.testing.assert_allclose(period_rate(annualise(r, 12), 12), r, rtol=1e-12, atol=1e-22)
    assert math.isnan(annualise(-1.5, 2))
    with pytest.raises(ValueError):
        annualise(0.1, 0)


# --------------------------------------------------------------------------- #
# Payback period (《建设项目经济评价方法与参数》 interpolation)
# --------------------------------------------------------------------------- #


def test_payback_textbook_example() -> None:
    """Hand computation, Pt = (period in which cumulative turns >= 0) - 1 + |previous
    cumulative| / flow of that period.
    flows       -1000  -500   300   400   500   600   600
    cumulative  -1000 -1500 -1200  -800  -300   300   900
    turns non-negative in period 6: Pt = 6 - 1 + 300 / 600 = 5.5 years.
    """
    flows = [-1000.0, -500.0, 300.0, 400.0, 500.0, 600.0, 600.0]
    assert payback_period(flows) == 6 - 1 + 300 / 600
    # semiannual periods: the same 5.5 periods are 2.75 years
    assert as_array(payback_period(np.array([flows]), periods_per_year=2))[0] == 5.5 / 2


def test_payback_last_crossing_and_never() -> None:
    """Major maintenance in period 5 pushes the cumulative back below zero:
    flows       -1000  400  400  400  -500  400  400
    cumulative  -1000 -600 -200  200  -300  100  500
    first crossing would give 4 - 1 + 200/400 = 3.5; the LAST crossing (documented
    definition) gives 6 - 1 + 300/400 = 5.75.  Never paid back -> NaN; never negative -> 0.
    """
    batch = np.array(
        [
            [-1000.0, 400.0, 400.0, 400.0, -500.0, 400.0, 400.0],
            [-1000.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
            [10.0, -5.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            [-1000.0, 100.0, np.nan, 100.0, 100.0, 100.0, 1000.0],
        ]
    )
    got = as_array(payback_period(batch))
    assert got[0] == 6 - 1 + 300 / 400
    assert math.isnan(got[1])
    assert got[2] == 0.0
    assert math.isnan(got[3])


def test_payback_discounted_hand_example() -> None:
    """Discounted (dynamic) payback at 10%, end-of-period factors 1.1^-(t+1):
    flows             -1000      500      500      500
    discounted      -909.09   413.22   375.66   341.51
    cumulative      -909.09  -495.87  -120.21   221.30
    Pt' = 4 - 1 + 120.2103... / 341.5067... (exact rationals below).
    """
    d = [Fraction(v) / Fraction(11, 10) ** (t + 1) for t, v in enumerate([-1000, 500, 500, 500])]
    cum3 = d[0] + d[1] + d[2]
    expected = 3 + float(-cum3 / d[3])
    got = payback_period([-1000.0, 500.0, 500.0, 500.0], discount_rate=0.1)
    assert got == pytest.approx(expected, rel=1e-14)
    assert got == pytest.approx(3.352, abs=5e-4)
    per_row = as_array(
        payback_period(np.array([[-1000.0, 500.0, 500.0, 500.0]] * 2), 1, np.array([0.1, 0.0]))
    )
    assert per_row[0] == pytest.approx(expected, rel=1e-14)
    assert per_row[1] == 3.0  # cumulative -1000, -500, 0, 500: zero at the end of period 3


@settings(max_examples=200, deadline=None)
@given(conventional_flows(max_len=30), st.floats(0.0, 0.5), st.sampled_from([1, 2, 4]))
def test_property_discounted_payback_not_shorter(flows: np.ndarray, rate: float, ppy: int) -> None:
    """For investment-then-returns flows and a non-negative rate, discounting delays payback
    (NaN counts as never)."""
    static = payback_period(flows, ppy)
    dynamic = payback_period(flows, ppy, rate)
    if math.isnan(static):
        assert math.isnan(dynamic)
    elif not math.isnan(dynamic):
        assert dynamic >= static - 1e-12
