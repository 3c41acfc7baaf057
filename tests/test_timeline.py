"""The model calendar's labels and years, computed without pandas (``renewfin.timeline``).

Reference: the calendar by hand (a period of ``12 / ppy`` months starting on the first day
of the start month), and pandas' own month arithmetic (``DateOffset``) through
``Timeline.starts``, an implementation independent of the year/month arithmetic."""

from __future__ import annotations

from datetime import datetime

import pytest

from renewfin.spec.base import Periodicity
from renewfin.timeline import Timeline


def test_quarterly_labels_cross_the_year_by_hand() -> None:
    # Start 2026-08-01, quarters of 3 months: Aug (Q3), Nov (Q4), Feb 2027 (Q1), May (Q2).
    tl = Timeline(datetime(2026, 8, 1), Periodicity.QUARTERLY, 5)
    assert tl.labels == ["2026Q3", "2026Q4", "2027Q1", "2027Q2", "2027Q3"]
    assert tl.start_years.tolist() == [2026, 2026, 2027, 2027, 2027]


def test_monthly_and_semiannual_labels_by_hand() -> None:
    # 2026-11, 2026-12, 2027-01; half-years from July: 2026H2, 2027H1, 2027H2.
    assert Timeline(datetime(2026, 11, 1), Periodicity.MONTHLY, 3).labels == [
        "2026-11",
        "2026-12",
        "2027-01",
    ]
    assert Timeline(datetime(2026, 7, 1), Periodicity.SEMIANNUAL, 3).labels == [
        "2026H2",
        "2027H1",
        "2027H2",
    ]


@pytest.mark.parametrize("periodicity", list(Periodicity))
@pytest.mark.parametrize("start", [datetime(2026, 1, 1), datetime(2025, 10, 31)])
def test_years_match_pandas_dates(periodicity: Periodicity, start: datetime) -> None:
    tl = Timeline(start, periodicity, 40)
    assert tl.start_years.tolist() == [d.year for d in tl.starts]
    assert [lb[:4] for lb in tl.labels] == [str(d.year) for d in tl.starts]
