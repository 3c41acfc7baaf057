"""社会效益与绩效目标: the project's social benefits and performance targets as the spec
states them (``project.social_benefits``, ``project.performance_targets``); the section is
left out when the spec gives neither, and nothing in it is generated."""

from __future__ import annotations

from renewfin.report.context import Ctx
from renewfin.report.html import esc, table, td, tr
from renewfin.spec import ProjectSpec


def has_benefits(spec: ProjectSpec) -> bool:
    """Whether the spec states social benefits or performance targets."""
    p = spec.project
    return bool(p.social_benefits or p.performance_targets)


def benefits_section(ctx: Ctx) -> str:
    """The spec's social benefits (a list) and performance targets (a table of category,
    indicator and target value), each only when given.

    Parameters
    ----------
    ctx : Ctx
        The report context.

    Returns
    -------
    str
        HTML.
    """
    p = ctx.data.spec.project
    out = []
    if p.social_benefits:
        items = "".join(f"<li>{esc(b)}</li>" for b in p.social_benefits)
        out.append(f"<h3>{esc(ctx.t('ben.social'))}</h3><ul>{items}</ul>")
    if p.performance_targets:
        rows = [
            tr([td(x.category or "—", "text"), td(x.indicator), td(x.target, "text")])
            for x in p.performance_targets
        ]
        head = [ctx.t("ben.category"), ctx.t("ben.indicator"), ctx.t("ben.target")]
        out.append(f"<h3>{esc(ctx.t('ben.targets'))}</h3>" + table(head, rows))
    return "".join(out)
