"""Loan instrument (renewfin.instruments.loan) against textbook tables and Excel.

References:
- 等额本金 / 等额本息 schedules: the bank formulas (等额本金: principal P/n per period,
  interest on the opening balance; 等额本息: level payment PMT), checked against hand
  tables written out below and Excel PMT / IPMT / PPMT as implemented by
  ``renewfin.finance`` and ``numpy_financial``.
- The classic mortgage figures for 100 万元 over 30 years at 4.9 % (monthly): 等额本息
  月供 5,307.27 元; 等额本金 首月 6,861.11 元, 每月递减 11.34 元, 末月 2,789.12 元, 总利息
  737,041.67 元.
- 建设期利息 (《建设项目经济评价方法与参数》(第三版); 造价工程师教材 例题): 当年借款按半年计息,
  上年借款按全年计息: q_j = (P_{j-1} + A_j / 2) × i. Three-year build, borrowing 300 /
  600 / 400 at 12 %: q = 18, 74.16, 143.0592; total 235.2192.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from numpy.testing import assert_allclose

from renewfin import finance
from renewfin.instruments import loan
from renewfin.instruments.loan import RepaymentTerms
from renewfin.spec.funding import Loan, LoanRepayment


def _textbook(
    profile: LoanRepayment,
    principal: float,
    annual_rate: float,
    n: int,
    ppy: int = 1,
    **terms_kw: object,
) -> loan.LoanSchedule:
    """A loan drawn in full in period 0 (a construction period) and repaid over periods
    1 … n (``repay_start`` 1, ``maturity`` n + 1), on a grid of n + 2 periods."""
    draws = np.zeros((1, n + 2))
    draws[0, 0] = principal
    terms = RepaymentTerms(profile, 1, n + 1, **terms_kw)  # type: ignore[arg-type]
    return loan.schedule(draws, np.full((1, n + 2), annual_rate), ppy, terms)


# --------------------------------------------------------------------------- #
# Interest: rate × (opening + draw / 2) — 建设期利息
# --------------------------------------------------------------------------- #


def test_interest_charges_half_a_period_on_the_period_drawings() -> None:
    """rate × (opening + draw / 2): 0.05 × (200 + 100 / 2) = 12.5."""
    got = loan.interest(np.array([200.0]), np.array([100.0]), np.array([0.05]))
    assert_allclose(got, [12.5], rtol=1e-15)


def test_three_year_construction_idc_textbook_example() -> None:
    """建设期利息 textbook example: borrowing 300, 600, 400 (万元) in years 1–3 at 12 %, interest
    capitalised (只计息不支付). By hand:
    q1 = 300/2 × 12 % = 18
    q2 = (300 + 18 + 600/2) × 12 % = 74.16
    q3 = (318 + 600 + 74.16 + 400/2) × 12 % = 143.0592; total 235.2192."""
    borrow = [300.0, 600.0, 400.0]
    opening = np.zeros(1)
    q = []
    for a in borrow:
        qi = loan.interest(opening, np.array([a]), np.array([0.12]))
        q.append(float(qi[0]))
        opening = opening + a + qi  # interest capitalised at the end of the year
    assert q == pytest.approx([18.0, 74.16, 143.0592], rel=1e-12)
    assert sum(q) == pytest.approx(235.2192, rel=1e-12)


def test_schedule_charges_half_interest_on_drawdown_periods() -> None:
    """Draws 300 / 600 / 400 in a 3-year build at 12 % (interest paid, not capitalised):
    interest = 12 % × (opening + draw/2) = 18, 12 % × (300 + 300) = 72, 12 % × (900 + 200)
    = 132."""
    draws = np.array([[300.0, 600.0, 400.0, 0.0, 0.0]])
    terms = RepaymentTerms(LoanRepayment.BULLET, 3, 5)
    s = loan.schedule(draws, np.full((1, 5), 0.12), 1, terms)
    assert_allclose(s.interest[0, :3], [18.0, 72.0, 132.0], rtol=1e-14)
    assert_allclose(s.closing[0], [300.0, 900.0, 1300.0, 1300.0, 0.0], rtol=1e-14)


# --------------------------------------------------------------------------- #
# 等额本金 (equal principal)
# --------------------------------------------------------------------------- #


def test_equal_principal_annual_hand_table() -> None:
    """1,000 over 5 years at 6 %: principal 200 a year; interest on the opening balance
    1000, 800, 600, 400, 200 → 60, 48, 36, 24, 12; payments 260, 248, 236, 224, 212."""
    s = _textbook(LoanRepayment.EQUAL_PRINCIPAL, 1000.0, 0.06, 5)
    assert_allclose(s.principal[0, 1:6], [200.0] * 5, rtol=1e-14)
    assert_allclose(s.interest[0, 1:6], [60.0, 48.0, 36.0, 24.0, 12.0], rtol=1e-14)
    assert_allclose(s.service[0, 1:6], [260.0, 248.0, 236.0, 224.0, 212.0], rtol=1e-14)
    assert_allclose(s.opening[0, 1:6], [1000.0, 800.0, 600.0, 400.0, 200.0], rtol=1e-14)
    assert s.closing[0, 5] == 0.0 and s.closing[0, 6] == 0.0
    assert s.interest[0, 0] == pytest.approx(0.06 * 500.0)  # drawdown year: half a year


def test_equal_principal_monthly_mortgage() -> None:
    """100 万元, 30 years, 4.9 %, monthly 等额本金: principal 2,777.78 a month; first payment
    2,777.78 + 4,083.33 = 6,861.11; each payment 11.34 less; last 2,789.12; total
    interest 1e6 × 0.049/12 × 361/2 = 737,041.67."""
    s = _textbook(LoanRepayment.EQUAL_PRINCIPAL, 1e6, 0.049, 360, ppy=12)
    pay = s.service[0, 1:361]
    assert_allclose(s.principal[0, 1:361], 1e6 / 360, rtol=1e-12)
    assert round(pay[0], 2) == 6861.11
    assert_allclose(np.diff(pay), -1e6 / 360 * 0.049 / 12, rtol=1e-9)
    assert round(-np.diff(pay)[0], 2) == 11.34
    assert round(pay[-1], 2) == 2789.12
    assert s.interest[0, 1:361].sum() == pytest.approx(1e6 * 0.049 / 12 * 361 / 2, rel=1e-12)
    assert round(s.interest[0, 1:361].sum(), 2) == 737041.67


# --------------------------------------------------------------------------- #
# 等额本息 (annuity) vs Excel PMT / IPMT / PPMT
# --------------------------------------------------------------------------- #


def test_annuity_annual_hand_table_and_excel() -> None:
    """1,000 over 5 years at 6 %: PMT = 1000 × 0.06 / (1 − 1.06⁻⁵) = 237.3964; year 1
    interest 60, principal 177.3964; year 2 interest (1000 − 177.3964) × 6 % = 49.3562.
    Every year equals Excel IPMT/PPMT (renewfin.finance and numpy_financial)."""
    s = _textbook(LoanRepayment.ANNUITY, 1000.0, 0.06, 5)
    pmt = 1000 * 0.06 / (1 - 1.06**-5)
    assert pmt == pytest.approx(237.39640043118, rel=1e-12)
    assert_allclose(s.service[0, 1:6], pmt, rtol=1e-12)
    assert s.interest[0, 1] == pytest.approx(60.0)
    assert s.principal[0, 1] == pytest.approx(pmt - 60.0)
    assert s.interest[0, 2] == pytest.approx((1000 - (pmt - 60.0)) * 0.06)
    per = np.arange(1, 6)
    assert_allclose(-np.asarray(finance.pmt(0.06, 5, 1000.0)), pmt, rtol=1e-12)
    assert_allclose(s.interest[0, 1:6], -np.asarray(finance.ipmt(0.06, per, 5, 1000.0)), rtol=1e-12)
    assert_allclose(
        s.principal[0, 1:6], -np.asarray(finance.ppmt(0.06, per, 5, 1000.0)), rtol=1e-12
    )
    assert_allclose(s.interest[0, 1:6], -npf.ipmt(0.06, per, 5, 1000.0), rtol=1e-12)
    assert_allclose(s.principal[0, 1:6], -npf.ppmt(0.06, per, 5, 1000.0), rtol=1e-12)


def test_annuity_monthly_mortgage_matches_excel() -> None:
    """100 万元, 30 years, 4.9 %, monthly 等额本息: 月供 PMT(4.9 %/12, 360, 1e6) = 5,307.27;
    each month's interest and principal equal IPMT / PPMT."""
    s = _textbook(LoanRepayment.ANNUITY, 1e6, 0.049, 360, ppy=12)
    r = 0.049 / 12
    per = np.arange(1, 361)
    assert round(float(-npf.pmt(r, 360, 1e6)), 2) == 5307.27
    assert_allclose(s.service[0, 1:361], -npf.pmt(r, 360, 1e6), rtol=1e-10)
    assert_allclose(s.interest[0, 1:361], -np.asarray(finance.ipmt(r, per, 360, 1e6)), rtol=1e-9)
    assert_allclose(s.principal[0, 1:361], -npf.ppmt(r, per, 360, 1e6), rtol=1e-9)
    assert s.closing[0, 360] == 0.0


def test_annuity_at_zero_rate_is_equal_principal() -> None:
    """At 0 % the annuity payment is P / n (Excel PMT(0, n, P) = −P/n)."""
    s = _textbook(LoanRepayment.ANNUITY, 900.0, 0.0, 3)
    assert_allclose(s.principal[0, 1:4], [300.0] * 3, rtol=1e-15)
    assert_allclose(s.interest[0], 0.0)


def test_annuity_re_amortises_on_a_rate_reset() -> None:
    """LPR path 3.5 % then 3.0 % from year 3 (period rate reset): the payment of each year is
    PMT(current rate, remaining years, opening balance), so year 3 on is the annuity of the
    balance left after two years at 3.5 %."""
    n = 5
    rate = np.array([[0.035, 0.035, 0.035, 0.03, 0.03, 0.03, 0.03]])
    draws = np.zeros((1, n + 2))
    draws[0, 0] = 1000.0
    s = loan.schedule(draws, rate, 1, RepaymentTerms(LoanRepayment.ANNUITY, 1, n + 1))
    first = -npf.pmt(0.035, 5, 1000.0)
    assert_allclose(s.service[0, 1:3], first, rtol=1e-12)
    left = s.closing[0, 2]
    assert left == pytest.approx(-npf.fv(0.035, 2, -first, 1000.0), rel=1e-12)
    assert_allclose(s.service[0, 3:6], -npf.pmt(0.03, 3, left), rtol=1e-12)
    assert_allclose(s.interest[0, 1:6], rate[0, 1:6] * s.opening[0, 1:6], rtol=1e-12)


# --------------------------------------------------------------------------- #
# Custom, bullet, sculpted
# --------------------------------------------------------------------------- #


def test_custom_percentages_annual() -> None:
    """按比例还本 10 / 20 / 30 / 40 % of 1,000: principal 100, 200, 300, 400."""
    w = loan.custom_weights([0.1, 0.2, 0.3, 0.4], 1)
    s = _textbook(LoanRepayment.CUSTOM, 1000.0, 0.05, 4, weights=w)
    assert_allclose(s.principal[0, 1:5], [100.0, 200.0, 300.0, 400.0], rtol=1e-13)
    assert_allclose(s.interest[0, 1:5], [50.0, 45.0, 35.0, 20.0], rtol=1e-13)


def test_custom_percentages_spread_over_semiannual_periods() -> None:
    """Yearly shares 40 / 60 % on a semiannual grid: 20, 20, 30, 30 % of 1,000 per half
    year (custom_weights spreads each year evenly)."""
    w = loan.custom_weights([0.4, 0.6], 2)
    assert_allclose(w, [0.2, 0.2, 0.3, 0.3])
    s = _textbook(LoanRepayment.CUSTOM, 1000.0, 0.05, 4, ppy=2, weights=w)
    assert_allclose(s.principal[0, 1:5], [200.0, 200.0, 300.0, 300.0], rtol=1e-13)
    assert_allclose(s.interest[0, 1:5], 0.025 * np.array([1000.0, 800.0, 600.0, 300.0]), rtol=1e-13)


def test_bullet_repays_everything_in_the_last_period() -> None:
    """到期一次还本: interest only (1,000 × 5 % = 50 a year), all principal at maturity."""
    s = _textbook(LoanRepayment.BULLET, 1000.0, 0.05, 4)
    assert_allclose(s.principal[0, 1:5], [0.0, 0.0, 0.0, 1000.0])
    assert_allclose(s.interest[0, 1:5], [50.0] * 4)
    assert s.closing[0, 4] == 0.0


def test_sculpted_principal_is_cash_over_target_less_interest() -> None:
    """Sculpting: service = available / DSCR, so principal = 260 / 1.3 − 5 % × 1000 = 150."""
    terms = RepaymentTerms(LoanRepayment.SCULPTED, 0, 5, target_dscr=1.3)
    due = loan.principal_due(terms, 1, np.array([1000.0]), np.array([0.05]), np.array([260.0]))
    assert_allclose(due, [150.0], rtol=1e-14)


def test_principal_due_window_and_clipping() -> None:
    """Nothing before repay_start or from maturity; everything in the last period; never
    negative nor above the balance."""
    terms = RepaymentTerms(LoanRepayment.SCULPTED, 2, 6, target_dscr=1.2)
    bal = np.array([500.0, 500.0])
    rate = np.array([0.05, 0.05])
    assert_allclose(loan.principal_due(terms, 1, bal, rate, np.array([1e6, 1e6])), 0.0)
    assert_allclose(loan.principal_due(terms, 6, bal, rate, np.array([1e6, 1e6])), 0.0)
    assert_allclose(loan.principal_due(terms, 5, bal, rate, np.array([0.0, 0.0])), bal)
    # available 12 → 12/1.2 − 25 < 0 → 0; available 1e6 → capped at the balance
    got = loan.principal_due(terms, 3, bal, rate, np.array([12.0, 1e6]))
    assert_allclose(got, [0.0, 500.0])


def test_equal_principal_re_amortises_after_a_prepayment() -> None:
    """After a prepayment the principal due is the new opening over the periods left:
    600 left with 3 periods to go → 200."""
    terms = RepaymentTerms(LoanRepayment.EQUAL_PRINCIPAL, 1, 6)
    assert_allclose(loan.principal_due(terms, 3, np.array([600.0]), np.array([0.05])), [200.0])


def test_schedule_is_vectorised_over_scenarios() -> None:
    """Two scenarios of the same 等额本金 loan at 6 % and 0 %: each row is its own schedule."""
    draws = np.zeros((2, 7))
    draws[:, 0] = 1000.0
    rate = np.array([[0.06], [0.0]]) * np.ones((1, 7))
    s = loan.schedule(draws, rate, 1, RepaymentTerms(LoanRepayment.EQUAL_PRINCIPAL, 1, 6))
    assert_allclose(s.interest[0, 1:6], [60.0, 48.0, 36.0, 24.0, 12.0])
    assert_allclose(s.interest[1], 0.0)
    assert_allclose(s.principal[:, 1:6], 200.0)


# --------------------------------------------------------------------------- #
# LPR path
# --------------------------------------------------------------------------- #


def test_lpr_rates_level_and_path() -> None:
    """A level gives that rate everywhere; a path is read by model year with its last value
    held (semiannual: two periods per year)."""
    assert_allclose(loan.lpr_rates(0.035, None, 2, 6), [[0.035] * 6])
    got = loan.lpr_rates(0.035, [0.035, 0.032, 0.03], 2, 10)
    assert_allclose(got, [[0.035, 0.035, 0.032, 0.032, 0.03, 0.03, 0.03, 0.03, 0.03, 0.03]])


def test_custom_share_reads_the_weight_and_the_weights_left() -> None:
    """Custom 50 / 30 / 20 % over periods 2–4: period 3 repays 30 % of the 50 % still
    outstanding (weight 0.3, rest 0.5); outside the window nothing (0, 0)."""
    terms = RepaymentTerms(LoanRepayment.CUSTOM, 2, 5, weights=np.array([0.5, 0.3, 0.2]))
    assert terms.custom_share(3) == pytest.approx((0.3, 0.5))
    assert terms.custom_share(1) == (0.0, 0.0)
    assert terms.custom_share(5) == (0.0, 0.0)
    # 600 outstanding at period 3 → 600 × 0.3 / 0.5 = 360
    assert_allclose(loan.principal_due(terms, 3, np.array([600.0]), np.array([0.05])), [360.0])


def test_every_profile_is_declared_once_with_its_code_and_labels() -> None:
    """Each ``LoanRepayment`` has one entry in ``PROFILES``; the compiled loop's code of a
    profile is the position of its rule in ``RULES`` (not a second table); the edit form
    and the report show the enum's Chinese label (``renewfin.spec.labels``) and the entry's
    English one."""
    from renewfin.report.i18n import enum_label
    from renewfin.spec.labels import choice_label

    assert set(loan.PROFILES) == set(LoanRepayment)
    for kind, p in loan.PROFILES.items():
        assert loan.RULES[loan.PROFILE_CODES[kind]] is p.rule
        zh = choice_label(LoanRepayment, kind.value)
        assert zh is not None and zh == choice_label("LoanRepayment", kind.value)
        assert enum_label(kind, "zh", "LoanRepayment.") == zh
        assert enum_label(kind, "en", "LoanRepayment.") == p.en


# --------------------------------------------------------------------------- #
# 等比递增还本 (equal-ratio increasing principal)
# --------------------------------------------------------------------------- #


def _increasing(growth: float, ppy: int, years: int) -> RepaymentTerms:
    """等比递增还本 terms over periods 1 … years·ppy, with the profile table's weights."""
    ln = Loan.model_validate(
        {
            "name": "L",
            "rate_type": "fixed",
            "rate": 0.05,
            "tenor_years": years + 1,
            "grace_years": 1,
            "repayment": "increasing",
            "repayment_growth": growth,
            "sizing": {"gearing": 0.5},
        }
    )
    return loan.repayment_terms(ln, 1, years * ppy + 1, ppy)


def _drawn(terms: RepaymentTerms, n: int, ppy: int) -> loan.LoanSchedule:
    """1,000 drawn in period 0 at 5 %, repaid by ``terms`` on a grid of n + 2 periods."""
    draws = np.zeros((1, n + 2))
    draws[0, 0] = 1000.0
    return loan.schedule(draws, np.full((1, n + 2), 0.05), ppy, terms)


def test_increasing_principal_grows_by_the_ratio_each_year() -> None:
    """1,000 over 4 years at g = 10 %, by hand: Σ 1.1^k (k = 0 … 3) = 1 + 1.1 + 1.21 + 1.331
    = 4.641; P₁ = 1000 / 4.641 = 215.4708, then × 1.1: 237.0179, 260.7197, 286.7916
    (sum 1,000)."""
    s = _drawn(_increasing(0.1, 1, 4), 4, 1)
    assert_allclose(s.principal[0, 1:5], [215.4708, 237.0179, 260.7197, 286.7916], atol=1e-4)
    assert s.closing[0, 4] == pytest.approx(0.0, abs=1e-9)


def test_increasing_at_zero_growth_is_equal_principal() -> None:
    """g = 0: every weight is 1, so 1,000 / 4 = 250 a year (等额本金)."""
    s = _drawn(_increasing(0.0, 1, 4), 4, 1)
    assert_allclose(s.principal[0, 1:5], [250.0] * 4, rtol=1e-12)


def test_increasing_quarterly_years_grow_by_the_ratio() -> None:
    """Quarterly, 2 years at g = 10 % (the per-period convention): the years repay
    1000 / 2.1 = 476.1905 and 1100 / 2.1 = 523.8095; the quarters grow by
    q = 1.1^(1/4) = 1.0241137, the first being 476.1905 × (q − 1) / (q⁴ − 1)
    = 476.1905 × 0.0241137 / 0.1 = 114.8271."""
    p = _drawn(_increasing(0.1, 4, 2), 8, 4).principal[0, 1:9]
    assert_allclose([p[:4].sum(), p[4:].sum()], [476.1905, 523.8095], atol=1e-4)
    assert p[0] == pytest.approx(114.8271, abs=1e-4)
    assert_allclose(p[1:] / p[:-1], 1.1**0.25, rtol=1e-12)


def test_increasing_reamortises_from_the_opening_balance() -> None:
    """After a prepayment, 500 left with 2 of 4 annual periods to go at g = 10 %: the
    remaining weights are 1.1² and 1.1³, so 500 × 1.21 / (1.21 + 1.331) = 500 / 2.1
    = 238.0952 is due."""
    got = loan.principal_due(_increasing(0.1, 1, 4), 3, np.array([500.0]), np.array([0.05]))
    assert_allclose(got, [238.0952], atol=1e-4)
