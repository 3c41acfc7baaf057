"""The loan principal-due formula of the workbook (renewfin.instruments.loan.principal_due),
written by excel/loans.py. The rest of the funding stack's rows are in excel/sources.py,
bonds.py, loans.py, reserves.py, waterfall.py, distributions.py and statements.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from renewfin.excel.book import At
from renewfin.excel.rows import F
from renewfin.spec.funding import LoanRepayment

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter


def _profile(w: ModelWriter, k: int) -> Callable[[At], str]:
    """Principal due from the opening balance by repayment profile
    (renewfin.instruments.loan.principal_due). For a custom profile, first writes the row of
    the share of the opening balance due (this period's weight over the weights left)."""
    ln = w.spec.funding.loans[k]
    key = f"loan[{ln.name}]"
    prof = ln.repayment
    t = lambda x: x.p("time.period")
    share = f"xl.repay_share[{ln.name}]"
    if prof is LoanRepayment.CUSTOM:

        def weight(x: At) -> str:
            rs, mat = x.i(f"xl.repay_start[{ln.name}]"), x.i(f"xl.maturity[{ln.name}]")
            idx = f"MIN(MAX({t(x)}-{rs}+1,1),{mat}-{rs})"
            return (
                f"=INDEX({x.v(f'xl.weights[{ln.name}]')},{idx})/MAX(INDEX("
                f"{x.v(f'xl.weights_left[{ln.name}]')},{idx}),1E-300)"
            )

        w.book.row(F, share, f"应还比例（占期初余额）：{ln.name}",
                   f"Share of the opening balance due: {ln.name}", weight, unit="-",
                   fmt="0.000000", total=False)

    def f(x: At) -> str:
        rs, mat = x.i(f"xl.repay_start[{ln.name}]"), x.i(f"xl.maturity[{ln.name}]")
        op = x.p(f"{key}.opening")
        r = x.p(f"xl.rate[{ln.name}]")
        win = f"({t(x)}>={rs})*({t(x)}<{mat})"
        last = f"({t(x)}={mat}-1)"
        if prof is LoanRepayment.EQUAL_PRINCIPAL:
            due = f"{op}/MAX({mat}-{t(x)},1)"
        elif prof is LoanRepayment.ANNUITY:
            due = f"-PMT({r},MAX({mat}-{t(x)},1),{op})-{op}*{r}"
        elif prof is LoanRepayment.CUSTOM:
            due = f"{op}*{x.p(share)}"
        elif prof is LoanRepayment.BULLET:
            due = "0"
        else:
            avail = x.p(f"xl.available[{ln.name}]")
            due = f"{avail}/{x.i(f'xl.target_dscr[{ln.name}]')}-{op}*{r}"
        return f"={win}*({last}*{op}+(1-{last})*MIN(MAX({due},0),{op}))"

    return f
