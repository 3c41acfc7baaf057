"""Shared base model and small enumerations of the spec.

Every spec model is frozen, rejects unknown keys and documents each field with a
docstring (``use_attribute_docstrings``): the same text fills the JSON Schema, the
CLI help and the comments column of the Excel inputs sheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from renewfin.spec.errors import CrossCheckError, Problem
from renewfin.spec.labels import choice_labels
from renewfin.spec.text import check_name, check_texts


class StandardFactor(StrEnum):
    """The five factors a Chinese evaluation report varies in its sensitivity analysis
    (一案两书). A numeric field joins one by carrying it in its annotation,
    ``amount: Annotated[Money | None, StandardFactor.OPEX]``, and
    ``renewfin.sensitivity.standard_factors`` then varies every input of that field: a new
    field declared so joins its factor with no other change."""

    REVENUE = "revenue"
    """营业收入: prices of the revenue streams."""
    OPEX = "opex"
    """经营成本: the amounts of the operating-cost items."""
    RATE = "rate"
    """利率: LPR levels, fixed loan rates, bond coupons."""
    BOND = "bond"
    """专项债规模: special-bond amounts."""
    INVESTMENT = "investment"
    """建设投资: investment amounts."""


Money = Annotated[float, Field(ge=0, allow_inf_nan=False)]
"""A non-negative amount of money in the spec's money unit."""

Rate = Annotated[float, Field(ge=-1, le=10, allow_inf_nan=False)]
"""A rate as a fraction (0.05 = 5 %)."""

InterestRate = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]
"""A contractual interest rate or return as a fraction (an LPR, a coupon, a loan's fixed
rate, a fund's preferred return): never negative [1/yr]."""

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
"""A share between 0 and 1."""

Years = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
"""A span of time in years (may be fractional: 0.25 = one quarter)."""

Name = Annotated[str, Field(min_length=1, max_length=120), AfterValidator(check_name)]
"""A human-readable name, unique within its list, of visible characters only."""


class SpecModel(BaseModel):
    """Base of every spec model: frozen, unknown keys rejected, documented fields.

    Change a spec with ``with_changes`` (or ``model_copy(update=…)``, which does the same):
    both return a re-validated copy. ``model_construct`` skips validation by design and
    is not for specs."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_default=True,
        str_strip_whitespace=True,
    )

    def with_changes(self, changes: Mapping[str, Any] | None = None, /, **fields: Any) -> Self:
        """A re-validated copy with the values at the given paths replaced
        (``spec.with_changes({"funding.loans[0].spread": -0.004})``; keyword arguments are
        fields of this model); see ``renewfin.spec.changes``.

        Raises
        ------
        SpecError
            Naming each path, the value and what was expected.
        """
        from renewfin.spec.changes import with_changes

        return with_changes(self, {**(changes or {}), **fields})

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; with ``update`` (field → value), a re-validated one (``with_changes``),
        so that an update can never produce a spec that breaks its own rules."""
        if update:
            return self.with_changes(update)
        return super().model_copy(deep=deep)

    @field_validator("*", mode="after")
    @classmethod
    def _visible_text(cls, value: Any) -> Any:
        return check_texts(value)


@choice_labels(
    {
        "元": "元",
        "万元": "万元",
        "亿元": "亿元",
    }
)
class MoneyUnit(StrEnum):
    """Money unit of every amount in a spec."""

    YUAN = "元"
    WAN_YUAN = "万元"
    YI_YUAN = "亿元"

    @property
    def yuan(self) -> float:
        """How many 元 one unit holds [元/unit]."""
        return {"元": 1.0, "万元": 1e4, "亿元": 1e8}[self.value]

    @classmethod
    def _missing_(cls, value: object) -> MoneyUnit | None:
        aliases = {
            "yuan": cls.YUAN,
            "cny": cls.YUAN,
            "wan": cls.WAN_YUAN,
            "wan_yuan": cls.WAN_YUAN,
            "10k_yuan": cls.WAN_YUAN,
            "yi": cls.YI_YUAN,
            "yi_yuan": cls.YI_YUAN,
            "100m_yuan": cls.YI_YUAN,
        }
        return aliases.get(str(value).strip().lower())


@choice_labels(
    {
        "annual": "按年",
        "semiannual": "按半年",
        "quarterly": "按季",
        "monthly": "按月",
    }
)
class Periodicity(StrEnum):
    """Length of a model period."""

    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"

    @property
    def periods_per_year(self) -> int:
        """Number of periods in one year [1/yr]."""
        return {"annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}[self.value]


@choice_labels(
    {
        "year": "每年",
        "month": "每月",
        "day": "每天",
        "once": "一次性",
    }
)
class PricePer(StrEnum):
    """Time basis of a unit price or unit cost."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"
    ONCE = "once"

    @property
    def per_year(self) -> float:
        """Occurrences of the price per year [1/yr] (``once`` is not recurring: 0)."""
        return {"year": 1.0, "month": 12.0, "day": 365.0, "once": 0.0}[self.value]


def unique_names(items: list[Any], what: str) -> list[Any]:
    """Raise ``ValueError`` when two items of a list share a ``name``."""
    seen: set[str] = set()
    dupes = []
    for item in items:
        if item.name in seen:
            dupes.append(item.name)
        seen.add(item.name)
    if dupes:
        raise ValueError(f"{what} names must be unique; repeated: {', '.join(sorted(set(dupes)))}")
    return items


def shares_problem(
    values: list[float] | None, what: str, tol: float = 1e-6, path: str | None = None
) -> Problem | None:
    """The problem at ``path`` (relative to the model being validated) when schedule shares
    do not sum to 100 %, else ``None``. ``path`` defaults to the field named by ``what``
    (``"repayment_schedule shares"`` → ``repayment_schedule``)."""
    if values is None:
        return None
    total = sum(values)
    if abs(total - 1.0) > tol:
        where = path if path is not None else what.removesuffix(" shares")
        return Problem(where, f"{what} must sum to 100%; they sum to {total:.6%}", list(values))
    return None


def shares_sum_to_one(
    values: list[float] | None, what: str, tol: float = 1e-6, path: str | None = None
) -> None:
    """Raise a ``ValueError`` (a ``CrossCheckError`` at ``path``, relative to the model being
    validated, carrying the shares) when schedule shares do not sum to 100 %; ``path``
    defaults to the field named by ``what``."""
    problem = shares_problem(values, what, tol, path)
    if problem is not None:
        raise CrossCheckError([problem])


def raise_problems(problems: list[Problem | None]) -> None:
    """Raise one ``CrossCheckError`` with every problem found by a model validator (each at
    its field's path), so that all of them are reported, not just the first."""
    found = [p for p in problems if p is not None]
    if found:
        raise CrossCheckError(found)


__all__ = [
    "Money",
    "MoneyUnit",
    "Name",
    "Periodicity",
    "PricePer",
    "Rate",
    "Share",
    "SpecModel",
    "Years",
    "model_validator",
    "raise_problems",
    "shares_problem",
    "shares_sum_to_one",
    "unique_names",
]
