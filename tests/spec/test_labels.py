"""The spec's own labels and year-list metadata (``renewfin.spec.labels``): a field's label
beats the common one of its name, an enumeration must label every member, and a year list
says which year of its item it starts at. The completeness over the whole schema is tested
with the edit form (tests/web/test_form_schema.py)."""

from __future__ import annotations

from enum import StrEnum

import pytest

from renewfin.spec.funding import FiscalFund, Loan
from renewfin.spec.labels import COMMON, choice_label, choice_labels, field_label, first_year
from renewfin.spec.loan import LoanRepayment
from renewfin.spec.opex import OpexBasis, OpexItem


def test_a_field_label_beats_the_common_one_of_its_name() -> None:
    # reference: 规格 wording, FiscalFund.schedule is 分年拨付比例, a loan's rate 固定年利率;
    # a name with no label of its own takes COMMON's
    assert field_label("FiscalFund", "schedule") == "分年拨付比例"
    assert field_label(FiscalFund, "schedule") == "分年拨付比例"
    assert field_label(Loan, "rate") == "固定年利率"
    assert field_label(OpexItem, "name") == COMMON["name"] == "名称"
    assert field_label(OpexItem, "no_such_field") is None
    assert field_label("NoSuchModel", "name") == "名称"  # an unknown model: the common label
    assert field_label("NoSuchModel", "area_cost") is None


def test_choice_labels_by_enum_or_name() -> None:
    assert choice_label(OpexBasis, "leasable_area") == "按可出租面积（CPI指数化）"
    assert choice_label("LoanRepayment", LoanRepayment.INCREASING.value) == "等比递增还本"
    assert choice_label(LoanRepayment, "no_such_choice") is None
    assert choice_label("NoSuchEnum", "x") is None


def test_an_enumeration_must_label_every_member_and_only_its_members() -> None:
    with pytest.raises(ValueError, match=r"Colour: labels missing \['blue'\], unknown \[\]"):

        @choice_labels({"red": "红"})
        class Colour(StrEnum):
            RED = "red"
            BLUE = "blue"

    with pytest.raises(ValueError, match=r"unknown \['green'\]"):

        @choice_labels({"red": "红", "green": "绿"})
        class Shade(StrEnum):
            RED = "red"


def test_a_year_list_starts_at_its_declared_year() -> None:
    # the CPI path's first rate is the change into the second operating year (year 1)
    assert first_year(OpexItem, "cpi") == 1
    assert first_year("OpexItem", "cpi") == 1
    assert first_year(OpexItem, "amount") == 0  # no FromYear: the item's first year
