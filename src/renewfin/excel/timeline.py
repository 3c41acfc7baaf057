"""Workbook rows of the time axis: period numbers, model years, each construction phase's
first and first operating period, and the construction, held and operation flags
(renewfin.core.context)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from renewfin.excel.book import FLAG, At, Book

if TYPE_CHECKING:
    from renewfin.excel.writer import ModelWriter
    from renewfin.spec.project import Phase

SHEET = "Time"
"""The sheet the time rows are written on."""


def time_rows(w: ModelWriter) -> None:
    """Period numbers, model years and timing flags (renewfin.core.context), in this order
    on the Time sheet: the axis, the phases' periods, the construction flags, the held and
    operation flags.

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; its spec gives the phases.
    """
    b = w.book
    b.section(SHEET, "时间轴 Time axis")
    _axis_rows(b)
    b.section(SHEET, "建设期分期 Construction phases")
    for ph in w.spec.timeline.phases:
        _phase_period_rows(b, ph)
    _construction_flag_rows(w)
    _held_and_operation_rows(w)


def _axis_rows(b: Book) -> None:
    """The period number (0 in the first period column) and the model year of each period
    (``INT(period ÷ periods a year)``).

    Parameters
    ----------
    b : Book
        The workbook the two rows are written to.
    """
    b.row(
        SHEET,
        "time.period",
        "期数",
        "Period number",
        lambda x: "=COLUMN()-COLUMN($G$1)",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        SHEET,
        "time.year",
        "年份序号",
        "Model year",
        lambda x: f"=INT({x.p('time.period')}/{x.i('timeline.periods_per_year')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )


def _phase_period_rows(b: Book, ph: Phase) -> None:
    """A phase's first period (its start year × periods a year, rounded) and its first
    operating period (the first period + its duration in periods, at least 1, + the
    construction delay of the risk inputs, rounded and not below 0) [periods].

    Parameters
    ----------
    b : Book
        The workbook the two constants are written to.
    ph : Phase
        The construction phase.
    """
    at = f"timeline.phases[{ph.name}]"
    delay = "ROUND(MAX({d},0),0)"

    def phase_start(x: At) -> str:
        return f"=ROUND({x.i(at + '.start_year')}*{x.i('timeline.periods_per_year')},0)"

    def phase_completion(x: At) -> str:
        return (
            f"={x.p(f'xl.phase_start[{ph.name}]')}+MAX(ROUND("
            f"{x.i(at + '.duration_years')}*{x.i('timeline.periods_per_year')},0),1)+"
            + delay.format(d=x.i("risk.construction_delay_periods"))
        )

    for id, zh, en, template in (
        (f"xl.phase_start[{ph.name}]", "开工期", "First period", phase_start),
        (f"xl.phase_completion[{ph.name}]", "完工期", "First operating period", phase_completion),
    ):
        b.constant(SHEET, id, f"{zh}：{ph.name}", f"{en}: {ph.name}", template, unit="-", fmt=FLAG)


def _construction_flag_rows(w: ModelWriter) -> None:
    """Each phase's construction flag (1 from its first period to before its first
    operating period) and the project's (from the earliest phase's first period to before
    the last phase's first operating period).

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; its spec gives the phases.
    """
    b, spec = w.book, w.spec
    for ph in spec.timeline.phases:

        def construction_flag(x: At, ph: Phase = ph) -> str:
            return (
                f"=({x.p('time.period')}>={x.p(f'xl.phase_start[{ph.name}]')})*"
                f"({x.p('time.period')}<{x.p(f'xl.phase_completion[{ph.name}]')})"
            )

        b.row(
            SHEET,
            f"flag.construction[{ph.name}]",
            f"建设期标志 {ph.name}",
            f"Construction flag {ph.name}",
            construction_flag,
            unit="-",
            fmt=FLAG,
            total=False,
        )
    last = spec.timeline.phase(None).name
    b.row(
        SHEET,
        "flag.construction",
        "建设期标志",
        "Construction flag",
        lambda x: (
            f"=({x.p('time.period')}>=MIN("
            + ",".join(x.p(f"xl.phase_start[{p.name}]") for p in spec.timeline.phases)
            + f"))*({x.p('time.period')}<{x.p(f'xl.phase_completion[{last}]')})"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )


def _held_and_operation_rows(w: ModelWriter) -> None:
    """The last period the asset is held (the input ``xl.last_held_period``), the held flag
    (1 up to it) and the operation flag (held, from the last phase's first operating
    period).

    Parameters
    ----------
    w : ModelWriter
        The writer whose book gets the rows; its spec gives the last phase.
    """
    b = w.book
    last = w.spec.timeline.phase(None).name
    b.constant(
        SHEET,
        "xl.last_held",
        "最后持有期",
        "Last period held",
        lambda x: f"={x.i('xl.last_held_period')}",
        unit="-",
        fmt=FLAG,
    )
    b.row(
        SHEET,
        "flag.held",
        "持有期标志",
        "Asset held flag",
        lambda x: f"=({x.p('time.period')}<={x.p('xl.last_held')})",
        unit="-",
        fmt=FLAG,
        total=False,
    )
    b.row(
        SHEET,
        "flag.operation",
        "运营期标志",
        "Operation flag",
        lambda x: (
            f"=({x.p('time.period')}>={x.p(f'xl.phase_completion[{last}]')})*{x.p('flag.held')}"
        ),
        unit="-",
        fmt=FLAG,
        total=False,
    )
