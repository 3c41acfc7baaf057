"""When an instrument is drawn and how its construction interest is met: one convention for
loans, special bonds and funds (``renewfin.spec.funding``, ``renewfin.spec.loan``)."""

from __future__ import annotations

from enum import StrEnum

from renewfin.spec.labels import choice_labels


@choice_labels(
    {
        "start": "期初提款",
        "middle": "期中提款（当年借款按半年计息）",
        "end": "期末提款",
    }
)
class DrawTiming(StrEnum):
    """When in a period a loan is drawn or a bond is issued: one convention for every
    instrument. It sets the interest of that period on the amount drawn; repayments are
    always at the end of a period.

    - ``start``: outstanding for the whole period (interest on all of it);
    - ``middle``: outstanding for half the period (interest on half of it: 当年借款按半年
      计息, the textbook 建设期利息 convention ``q = (P + A/2)·i``);
    - ``end``: outstanding from the next period (no interest in the period drawn).

    A loan may be drawn at any of the three; a special bond is issued on one date, at the
    start or at the end of its issue period, never spread over it."""

    START = "start"
    MIDDLE = "middle"
    END = "end"

    @property
    def weight(self) -> float:
        """Share of the period an amount drawn in it is outstanding (1, ½ or 0)."""
        return {"start": 1.0, "middle": 0.5, "end": 0.0}[self.value]


@choice_labels(
    {
        "capitalised": "建设期利息资本化",
        "paid": "建设期利息以自有资金支付",
    }
)
class ConstructionInterest(StrEnum):
    """How an instrument's interest of construction periods is met (建设期利息). Either way
    it is construction interest: it counts in the IDC and the total investment and is
    capitalised into the assets (while the phase it finances is being built)."""

    CAPITALISED = "capitalised"
    """Financed as part of the construction cost: a loan rolls it into its balance while it
    fits in the facility (the rest is met by the next source in the drawdown order, see
    ``Loan``); a bond's coupons join the funding gap that the loans and sponsor equity
    meet."""
    PAID = "paid"
    """Paid in cash in each construction period from the project's own funds — cash in hand,
    then sponsor equity — never from a loan (债贷组合 practice: the bank and the bond
    holders are paid interest from the first period)."""
