"""The report's tables of the funding stack (投资估算与资金筹措): fiscal funds, special
bonds, loans and the loans' sizing bounds, and ``input_or_spec``, the figure of an input
the sections share."""

from __future__ import annotations

from renewfin.report.basis import decimals_for
from renewfin.report.context import Ctx
from renewfin.report.fmt import Kind
from renewfin.report.html import esc, table, td, tr
from renewfin.report.i18n import enum_label


def input_or_spec(
    ctx: Ctx, path: str, value: float, kind: Kind, *, tag: str = "td", unit: bool = False
) -> str:
    """A value located by ``data-input`` when the engine read it, else by ``data-spec``."""
    inputs = ctx.data.result.inputs
    d = decimals_for(float(value), kind)
    if inputs is not None and path in inputs.bases:
        return ctx.fmt.fig(float(value), kind, tag=tag, decimals=d, unit=unit, input=path)
    return ctx.spec_fig(path, float(value), kind, tag=tag, decimals=d, unit=unit)


def fiscal_funds_blocks(ctx: Ctx) -> list[str]:
    """The fiscal funds: source, use, amount and whether each counts as capital (HTML
    blocks; a note when there are none)."""
    out: list[str] = []
    fs = ctx.data.spec.funding
    out.append(f"<h3>{esc(ctx.t('inv.fiscal'))}</h3>")
    if fs.fiscal_funds:
        rows = []
        for f in fs.fiscal_funds:
            path = f"funding.fiscal_funds[{f.name}].amount"
            rows.append(
                tr(
                    [
                        td(f.name),
                        td(enum_label(f.source, ctx.lang), "text"),
                        td(enum_label(f.use, ctx.lang), "text"),
                        input_or_spec(ctx, path, f.amount, "money"),
                        td(ctx.t("yes" if f.counts_as_capital else "no"), "text"),
                    ]
                )
            )
        out.append(
            table(
                [
                    ctx.t("col.item"),
                    ctx.t("inv.fiscal_source"),
                    ctx.t("inv.fiscal_use"),
                    ctx.t("col.value"),
                    ctx.t("inv.counts_capital"),
                ],
                rows,
                unit=ctx.t("money_unit", unit=ctx.money_unit),
            )
        )
    else:
        out.append(f'<p class="note">{esc(ctx.t("inv.fiscal_none"))}</p>')

    return out


def bond_blocks(ctx: Ctx) -> list[str]:
    """The special-bond tranches' terms (HTML blocks; none without bonds)."""
    out: list[str] = []
    fs = ctx.data.spec.funding
    if fs.special_bonds:
        out.append(f"<h3>{esc(ctx.t('inv.bonds'))}</h3>")
        rows = []
        for b in fs.special_bonds:
            at = f"funding.special_bonds[{b.name}]"
            rows.append(
                tr(
                    [
                        td(b.name),
                        input_or_spec(ctx, at + ".amount", b.amount, "money"),
                        ctx.spec_fig(
                            at + ".issue_year", b.issue_year, "number", tag="td", decimals=0
                        ),
                        ctx.spec_fig(
                            at + ".tenor_years", b.tenor_years, "number", tag="td", decimals=0
                        ),
                        input_or_spec(ctx, at + ".coupon", b.coupon, "share"),
                        td(enum_label(b.repayment, ctx.lang), "text"),
                        ctx.spec_fig(at + ".capital_share", b.capital_share, "share", tag="td"),
                    ]
                )
            )
        out.append(
            table(
                [
                    ctx.t("col.item"),
                    ctx.t("col.value"),
                    ctx.t("bond.issue_year"),
                    ctx.t("bond.tenor"),
                    ctx.t("bond.coupon"),
                    ctx.t("bond.repayment"),
                    ctx.t("bond.capital_share"),
                ],
                rows,
                unit=ctx.t("money_unit", unit=ctx.money_unit),
            )
        )
    return out


def loan_blocks(ctx: Ctx) -> list[str]:
    """The loans' terms and the bounds each was sized on (HTML blocks; none without loans)."""
    out: list[str] = []
    d = ctx.data
    fs = d.spec.funding
    if fs.loans:
        out.append(f"<h3>{esc(ctx.t('inv.loans'))}</h3>")
        rows = []
        for ln in fs.loans:
            at = f"funding.loans[{ln.name}]"
            if ln.rate_type.value == "fixed" and ln.rate is not None:
                rate = input_or_spec(ctx, at + ".rate", ln.rate, "share", tag="span")
            else:
                spread = input_or_spec(ctx, at + ".spread", ln.spread, "share", tag="span")
                lpr = esc(enum_label(ln.lpr_tenor, ctx.lang, "lpr."))
                # a spread below LPR prints as its signed figure: "LPR -0.80%", not "+ -0.80%"
                rate = f"{lpr} {spread}" if ln.spread < 0 else f"{lpr} + {spread}"
            rows.append(
                tr(
                    [
                        td(ln.name),
                        td(ln.lender or "", "text"),
                        f'<td class="num">{rate}</td>',
                        '<td class="num">'
                        + ctx.spec_fig(at + ".tenor_years", ln.tenor_years, "number", decimals=0)
                        + " / "
                        + ctx.spec_fig(at + ".grace_years", ln.grace_years, "number", decimals=0)
                        + "</td>",
                        td(enum_label(ln.repayment, ctx.lang, "LoanRepayment."), "text"),
                        ctx.metric(f"loan_size[{ln.name}]", tag="td"),
                    ]
                )
            )
        out.append(
            table(
                [
                    ctx.t("col.item"),
                    ctx.t("loan.lender"),
                    ctx.t("loan.rate"),
                    ctx.t("loan.tenor"),
                    ctx.t("loan.repayment"),
                    ctx.t("loan.size"),
                ],
                rows,
                unit=ctx.t("money_unit", unit=ctx.money_unit),
            )
        )
        sizing = d.result.loan_sizing()
        rows = []
        for name, r in sizing.iterrows():
            cells = [td(name)]
            for bound in ("amount", "gearing", "dscr", "cost"):
                cells.append(
                    ctx.fmt.fig(
                        float(r[bound]), "money", tag="td", unit=False, sizing=name, col=bound
                    )
                )
            cells.append(td(ctx.t(f"bound.{r['binding']}"), "text"))
            rows.append(tr(cells))
        out.append(f"<h3>{esc(ctx.t('inv.loan_sizing'))}</h3>")
        out.append(
            table(
                [
                    ctx.t("col.item"),
                    *(ctx.t(f"bound.{b}") for b in ("amount", "gearing", "dscr", "cost")),
                    ctx.t("inv.binding"),
                ],
                rows,
                unit=ctx.t("money_unit", unit=ctx.money_unit),
            )
        )
    return out
