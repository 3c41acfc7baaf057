"""编制依据: the method, the rules and the parameters the evaluation relies on, each
statement generated from the spec (a rule is named only when the spec uses what it
governs) and quoting the parameter values it applies as tagged figures."""

from __future__ import annotations

from collections.abc import Callable

from renewfin.checks import minimum_capital_ratio
from renewfin.report.context import Ctx, sentence
from renewfin.report.html import esc
from renewfin.report.i18n import enum_label
from renewfin.spec import resolve_tax


def _input(ctx: Ctx, path: str) -> str | None:
    """The engine input at ``path`` as a percentage figure, or None when not read."""
    inputs = ctx.data.result.inputs
    if inputs is None or path not in inputs.bases:
        return None
    value = inputs.bases[path]
    if isinstance(value, list):
        return None
    return ctx.fmt.fig(float(value), "share", input=path)


def _method(ctx: Ctx) -> str:
    ev = ctx.data.spec.evaluation
    return sentence(
        ctx,
        "rules.method",
        benchmark=ctx.spec_fig("evaluation.benchmark_irr", ev.benchmark_irr, "rate"),
        discount=_input(ctx, "evaluation.discount_rate")
        or ctx.spec_fig("evaluation.discount_rate", ev.discount_rate, "rate"),
        equity=_input(ctx, "evaluation.equity_discount_rate")
        or ctx.spec_fig("evaluation.equity_discount_rate", ev.equity_discount_rate, "rate"),
    )


def _tax(ctx: Ctx) -> str:
    spec = ctx.data.spec
    rates = resolve_tax(spec.tax, spec.project.city_tier)
    sep = "、" if ctx.lang == "zh" else ", "
    vat = sep.join(
        f"{esc(r.name)} "
        + ctx.fmt.fig(rates.output_vat_rate(r), "share", calc="vat_rate", row=r.name)
        for r in spec.revenues
    )
    parts = {
        "preset": esc(enum_label(spec.tax.preset, ctx.lang, "tax.")),
        "vat": vat or "—",
        "surcharge": _input(ctx, "tax.surcharge_rate") or "—",
        "income": _input(ctx, "tax.income_tax_rate") or "—",
    }
    return sentence(ctx, "rules.tax", **parts)


def _capital(ctx: Ctx) -> str:
    floor = minimum_capital_ratio(ctx.data.result)
    return sentence(
        ctx, "rules.capital", floor=ctx.fmt.fig(floor, "share", calc="minimum_capital_ratio")
    )


def _bond(ctx: Ctx) -> str:
    cov = ctx.data.spec.funding.covenants
    return sentence(
        ctx,
        "rules.bond",
        floor=ctx.spec_fig("funding.covenants.min_bond_coverage", cov.min_bond_coverage, "ratio"),
        total=ctx.spec_fig("funding.covenants.min_total_coverage", cov.min_total_coverage, "ratio"),
    )


def _wording(key: str) -> Callable[[Ctx], str]:
    """A rule stated by its wording alone (``rules.<key>`` of the wording templates)."""
    return lambda ctx: esc(ctx.t(f"rules.{key}"))


def _loan(ctx: Ctx) -> str:
    fs = ctx.data.spec.funding
    cov = fs.covenants
    five = _input(ctx, "funding.lpr.five_year") or ctx.spec_fig(
        "funding.lpr.five_year", fs.lpr.five_year, "rate"
    )
    one = _input(ctx, "funding.lpr.one_year") or ctx.spec_fig(
        "funding.lpr.one_year", fs.lpr.one_year, "rate"
    )
    return sentence(
        ctx,
        "rules.loan",
        five=five,
        one=one,
        dscr=ctx.spec_fig("funding.covenants.min_dscr", cov.min_dscr, "ratio"),
        cn=ctx.spec_fig("funding.covenants.min_dscr_cn", cov.min_dscr_cn, "ratio"),
        icr=ctx.spec_fig("funding.covenants.min_icr", cov.min_icr, "ratio"),
    )


def _ad_valorem_on_land(ctx: Ctx) -> bool:
    """Whether the run levies 从价 property tax on a base that includes the land."""
    paid = float(abs(ctx.data.result.ledger["tax.property_ad_valorem"][0]).sum())
    return bool(ctx.data.spec.tax.property_tax_includes_land) and paid > 0


Rule = tuple[Callable[[Ctx], bool], Callable[[Ctx], str]]

RULES: tuple[Rule, ...] = (
    (lambda ctx: True, _method),
    (lambda ctx: True, _tax),
    (lambda ctx: True, _capital),
    (lambda ctx: bool(ctx.data.spec.funding.special_bonds), _bond),
    (
        lambda ctx: any(b.capital_share > 0 for b in ctx.data.spec.funding.special_bonds),
        _wording("bond_capital"),
    ),
    (
        lambda ctx: bool(ctx.data.spec.funding.special_bonds and ctx.data.spec.funding.loans),
        _wording("combined"),
    ),
    (lambda ctx: bool(ctx.data.spec.funding.loans), _loan),
    (lambda ctx: ctx.data.spec.funding.fund is not None, _wording("fund")),
    (lambda ctx: ctx.data.spec.funding.reit_exit is not None, _wording("reit")),
    (_ad_valorem_on_land, _wording("property_land")),
)
"""(applies to the spec, the statement) of each rule, in the order the basis lists them."""


def rules_block(ctx: Ctx) -> str:
    """The 编制依据 subsection: a heading and one list item per rule the spec relies on.

    Parameters
    ----------
    ctx : Ctx
        The report context.

    Returns
    -------
    str
        HTML.
    """
    items = "".join(f"<li>{statement(ctx)}</li>" for applies, statement in RULES if applies(ctx))
    return f"<h3>{esc(ctx.t('basis.rules'))}</h3><ul>{items}</ul>"
