"""Operating subsidies (运营补贴 / 可行性缺口补助) from fiscal funds.

They are income of the operating model — the 补贴收入 of the project cash flow and the
profit table — so they are recorded before financing; grants, injections and interest
subsidies belong to the funding stack.
"""

from __future__ import annotations

import numpy as np

from renewfin.core.context import RunContext
from renewfin.instruments import grant
from renewfin.spec.funding import FiscalUse


def build(ctx: RunContext) -> None:
    """Record each operating subsidy, the total, and the taxable part."""
    led, tl, inputs = ctx.ledger, ctx.timeline, ctx.inputs
    zeros = np.zeros((1, tl.n_periods))
    total, taxable = zeros, zeros
    for f in ctx.spec.funding.fiscal_funds:
        if f.use is not FiscalUse.OPERATING_SUBSIDY:
            continue
        at = f"funding.fiscal_funds[{f.name}]"
        start = ctx.last_phase.completion + tl.periods(f.start_year)
        flows = (
            grant.operating_subsidy(
                inputs.scalar(f"{at}.amount", f.amount),
                start,
                f.years,
                inputs.scalar(f"{at}.growth_rate", f.growth_rate),
                tl.t,
                tl.ppy,
                tl.n_periods,
            )
            * ctx.held
        )
        led.add(
            f"fiscal.operating_subsidy[{f.name}]",
            f"运营补贴：{f.name}",
            f"Operating subsidy: {f.name}",
            flows,
            group="fiscal",
        )
        total = total + flows
        if f.taxable:
            taxable = taxable + flows
    led.add(
        "fiscal.operating_subsidies", "运营补贴合计", "Operating subsidies", total, group="fiscal"
    )
    led.add(
        "fiscal.operating_subsidies_taxable",
        "应税运营补贴",
        "Taxable operating subsidies",
        taxable,
        group="fiscal",
    )
