"""Tests for :mod:`renewfin.report.charts` not covered by the rendered reports."""

from __future__ import annotations

import numpy as np

from renewfin.report import charts


def test_histogram_of_a_metric_constant_to_rounding() -> None:
    """A sculpted loan's minimum DSCR equals its target in every scenario up to 1e-16 (the
    REIT example's 1.7 in 2,000 scenarios spans 6.7e-16): one bar, where 40 bins made numpy
    raise "Too many bins for data range" and the README's report command exit 70. Spread
    values keep sqrt(n) bins between 10 and 40 (hand values: n = 2,000 -> 40, n = 50 -> 10)."""
    rng = np.random.default_rng(0)
    flat = 1.7 + rng.choice([-4.440892098500626e-16, 0.0, 2.220446049250313e-16], 2000)
    spread = rng.normal(1.5, 0.2, 2000)
    assert charts._hist_bins(flat)["bins"] == 1
    assert charts._hist_bins(spread) == {"bins": 40}
    assert charts._hist_bins(spread[:50]) == {"bins": 10}
    image = charts.histogram_chart(
        {"min_loan_dscr": flat, "equity_irr": rng.normal(0.08, 0.01, 2000)},
        {"min_loan_dscr": 1.7, "equity_irr": 0.08},
        {"min_loan_dscr": [1.2]},
        {"min_loan_dscr": ("Minimum loan DSCR", "x"), "equity_irr": ("Equity IRR", "rate")},
        "en",
    )
    assert image is not None and image.png.startswith(b"\x89PNG")
    assert "Minimum loan DSCR" in image.texts
