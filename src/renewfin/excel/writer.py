"""Write the model workbook: inputs, time, calculations, outputs, checks, control.

Every calculated cell is a live formula that refers back to the Inputs sheet; values
the engine solved iteratively (loan sizes and drawdown shares) are written as numbers,
listed on the Control sheet with their residuals. The test suite recalculates the
workbook with LibreOffice and compares every line with the engine's ledger.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from openpyxl.styles import Font

from renewfin.excel import investment, operating, opex, revenue, taxes, timeline
from renewfin.excel.book import (
    FIRST,
    HEAD_FILL,
    HEAD_FONT,
    INPUT_FILL,
    INPUT_FONT,
    Book,
    Template,
    col,
    fit_column,
    put_text,
)
from renewfin.excel.exit import exit_rows

if TYPE_CHECKING:
    from renewfin.engine import Result

PERIOD_WIDTH = 14
"""Width of a period column: a money figure of 10⁹ with two decimals and a sign fits."""
INPUT_COLUMNS = ("路径 Path", "中文", "English", "单位 Unit", "数值 Value", "说明 Notes")


@dataclass
class ModelWriter:
    """Builds the workbook of one scenario of a run."""

    result: Result
    scenario: int = 0
    seed: int | None = None
    book: Book = field(init=False)
    groups: list[tuple[str, str]] = field(default_factory=list)
    input_row: int = 2
    table_numbers: list[tuple[str, int, str]] = field(default_factory=list)
    """Standard-table cells written as numbers (sheet, row, key), listed on Control."""
    metric_rows: dict[str, str] = field(default_factory=dict)
    """Metric key → the workbook row id of its value on the Outputs sheet."""
    table_sheets: set[str] = field(default_factory=set)
    table_formulas: dict[str, tuple[str, tuple[tuple[float, str, str | None], ...]]] = field(
        default_factory=dict
    )
    """Standard-table rows written from workbook rows of their own (row key → formula on
    those rows, ``renewfin.tables.Formula``), e.g. the depreciation by asset class."""
    """Names of the standard-table sheets, which carry their own (yearly) header row."""

    def __post_init__(self) -> None:
        self.book = Book(self.spec.n_periods, self.spec.project.money_unit.value)

    @property
    def spec(self):  # type: ignore[no-untyped-def]
        return self.result.spec

    @property
    def phase_names(self) -> list[str]:
        return [p.name for p in self.spec.timeline.phases]

    # ------------------------------------------------------------------ inputs
    def _inputs_sheet(self) -> Any:
        ws = self.book.sheet("Inputs")
        if ws.max_row < 2 or ws.cell(1, 1).value is None:
            for c, h in enumerate(INPUT_COLUMNS, start=1):
                cell = ws.cell(1, c, h)
                cell.fill, cell.font = HEAD_FILL, HEAD_FONT
            ws.freeze_panes = "E2"
            for letter, width in zip("ABCDEF", (46, 30, 32, 8, 14, 90), strict=True):
                ws.column_dimensions[letter].width = width
        return ws

    def param(
        self,
        path: str,
        value: float,
        zh: str = "",
        en: str = "",
        unit: str = "",
        note: str = "",
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> str:
        """Write (once) a scalar input; return its absolute reference."""
        if path in self.book.inputs:
            return self.book.inputs[path]
        ws = self._inputs_sheet()
        r = self.input_row
        unit = self._unit(path, unit)
        for c, v in enumerate((path, zh, en, unit), start=1):
            put_text(ws, r, c, v)
        cell = ws.cell(r, 5, float(value))
        cell.fill, cell.font = INPUT_FILL, INPUT_FONT
        cell.number_format = input_format(path, unit, float(value))
        if note:
            put_text(ws, r, 6, note)
        self.book.inputs[path] = f"Inputs!$E${r}"
        if low is None and high is None and "(1 = yes)" in en:
            low, high = 0.0, 1.0  # a switch
        self._validate(path, f"E{r}", unit, float(value), low, high)
        self.input_row += 1
        return self.book.inputs[path]

    def _validate(
        self, path: str, ref: str, unit: str, value: float, lo: float | None, hi: float | None
    ) -> None:
        """Data validation of an input cell (or range) on its real bounds: those stated, or
        else ``input_bounds``; none only for a number no bound applies to."""
        from openpyxl.worksheet.datavalidation import DataValidation

        ws = self._inputs_sheet()
        if lo is None and hi is None:
            lo, hi = input_bounds(path, unit, value)
        if lo is None and hi is None:
            return
        op: Literal["between", "greaterThanOrEqual", "lessThanOrEqual"]
        if lo is not None and hi is not None:
            op, f1, f2, what = "between", repr(lo), repr(hi), f"in [{lo:g}, {hi:g}]"
        elif lo is not None:
            op, f1, f2, what = "greaterThanOrEqual", repr(lo), None, f"≥ {lo:g}"
        else:
            op, f1, f2, what = "lessThanOrEqual", repr(hi), None, f"≤ {hi:g}"
        dv = DataValidation(
            type="decimal",
            operator=op,
            formula1=f1,
            formula2=f2,
            allow_blank=False,
            showErrorMessage=True,
            errorTitle="renewfin",
            error=f"{path}: expected a value {what}",
        )
        ws.add_data_validation(dv)
        dv.add(ref)

    def _unit(self, path: str, unit: str) -> str:
        """The unit shown for an input: the placeholders of the field documentation
        (``money``, ``quantity_unit``, ``price_currency``) filled from the spec."""
        spec = self.spec
        unit = unit.replace("money", spec.project.money_unit.value)
        if "quantity_unit" in unit or path.endswith(".unit_price"):
            name = path.split("[", 1)[1].split("]", 1)[0] if "[" in path else ""
            r = next((x for x in spec.revenues if x.name == name), None)
            if r is not None:
                unit = unit.replace("quantity_unit", r.quantity_unit)
                if path.endswith(".unit_price"):
                    per = {"year": "年", "month": "月", "day": "天", "once": "次"}
                    unit = f"{r.price_currency.value}/{r.quantity_unit}/{per[r.price_per.value]}"
        return unit

    def vector(
        self,
        path: str,
        values: list[float],
        zh: str = "",
        en: str = "",
        formulas: list[str] | None = None,
        *,
        low: float | None = 0.0,
        high: float | None = 1.0,
    ) -> str:
        """Write (once) a vector input across columns G…; return its absolute range. Typed
        values are validated on [``low``, ``high``] (by default shares, [0, 1])."""
        if path in self.book.vectors:
            return self.book.vectors[path]
        ws = self._inputs_sheet()
        r = self.input_row
        for c, v in enumerate((path, zh, en, "-"), start=1):
            put_text(ws, r, c, v)
        n = max(len(values), len(formulas or []), 1)
        for k in range(n):
            cell = ws.cell(r, FIRST + k)
            if formulas is not None:
                cell.value = formulas[k]
            else:
                cell.value = float(values[k]) if k < len(values) else 0.0
                cell.fill, cell.font = INPUT_FILL, INPUT_FONT
        self.book.vectors[path] = f"Inputs!${col(FIRST)}${r}:${col(FIRST + n - 1)}${r}"
        if formulas is None and (low is not None or high is not None):
            self._validate(path, f"{col(FIRST)}{r}:{col(FIRST + n - 1)}{r}", "-", 0.0, low, high)
        self.input_row += 1
        return self.book.vectors[path]

    def depreciation_inputs(self, classes: set[str]) -> None:
        """Life, tax life and residual rate of each depreciation class that holds an asset
        (``classes``: the asset classes of the workbook's groups); a class with none is
        read by no formula and not written."""
        P = self.param
        for c in self.spec.depreciation.classes:
            if c.name not in classes or c.inventory:
                continue
            P(f"xl.life[{c.name}]", c.life_years, f"折旧年限：{c.name}", f"Life: {c.name}", "yr")
            P(
                f"xl.tax_life[{c.name}]",
                c.tax_life,
                f"税法折旧年限：{c.name}",
                f"Life for income tax: {c.name}",
                "yr",
                "企业所得税法实施条例 第六十条: not below the minimum of the asset's kind",
            )
            P(
                f"xl.residual[{c.name}]",
                c.residual_rate,
                f"残值率：{c.name}",
                f"Residual rate: {c.name}",
            )

    def value(self, path: str) -> float | list[float]:
        """The value the run used for an engine input."""
        assert self.result.inputs is not None
        return self.result.inputs.value(path, self.scenario)

    def engine_inputs(self) -> None:
        """Every scalar input the engine read, with its value, labels, unit, the spec field's
        documentation and, where the field has bounds, data validation."""
        from renewfin.excel.fields import describe

        assert self.result.inputs is not None
        for path in self.result.inputs.bases:
            v = self.value(path)
            if isinstance(v, list):
                continue
            d = describe(path)
            self.param(path, v, d.zh, d.en, d.unit, d.doc, low=d.low, high=d.high)

    def derived_inputs(self) -> None:
        """Spec constants the formulas need that the engine does not read as inputs
        (renewfin.excel.constants)."""
        from renewfin.excel import constants

        constants.derived_inputs(self)

    def metric_formula(self, key: str, template: Template) -> None:
        """A headline metric on the Outputs sheet (one value, in column E)."""
        from renewfin.metrics import metric_info

        info = metric_info(key)
        self.book.constant(
            "Outputs",
            f"metric.{key}",
            info.zh,
            info.en,
            template,
            unit={"money": self.spec.project.money_unit.value}.get(info.unit, info.unit),
        )
        self.metric_rows[key] = f"metric.{key}"

    def metric_year(self, key: str, template: Template) -> None:
        """The calendar year a minimum metric falls in (or its first negative numerator),
        on the Outputs sheet below the metrics; '' when there is none
        (``renewfin.notes.MetricNotes.year``)."""
        from renewfin.metrics import metric_info

        info = metric_info(key)
        self.book.constant(
            "Outputs",
            f"year.{key}",
            f"{info.zh}所在年份",
            f"Year of: {info.en}",
            template,
            unit="yr",
            fmt="0",
        )

    def result_rates(self):  # type: ignore[no-untyped-def]
        from renewfin.spec.tax import resolve_tax

        return resolve_tax(self.spec.tax, self.spec.project.city_tier)

    # ------------------------------------------------------------------ build
    def build(self) -> Book:
        """Write every sheet."""
        self.engine_inputs()
        self.derived_inputs()
        timeline.time_rows(self)
        investment.investment_rows(self)
        revenue.revenue_rows(self)
        operating.subsidy_rows(self)
        opex.opex_rows(self)
        taxes.tax_rows(self)
        operating.working_capital_rows(self)
        operating.depreciation_rows(self)
        exit_rows(self)
        operating.cashflow_rows(self)
        from renewfin.excel import bonds, loans, reserves, sources, statements, waterfall

        self.param(
            "funding.min_cash_balance",
            self.spec.funding.min_cash_balance,
            "最低现金余额",
            "Minimum cash balance",
        )
        sources.fixed_sources(self)
        bonds.bonds(self)
        loans.loans(self)
        reserves.reserves_and_phases(self)
        waterfall.waterfall(self)
        statements.records(self)
        statements.hand_back(self)
        from renewfin.excel import std_tables

        std_tables.depreciation_rows(self)
        from renewfin.excel import outputs

        outputs.metrics(self)
        from renewfin.excel import charts, control, sheets

        charts.chart_rows(self)
        sheets.checks(self)
        self.book.finish()
        self.book.integrity_cells(frozenset({"Checks"}))
        outputs.write_outputs_sheet(self)
        self.table_numbers = std_tables.write(self)
        control.control(self)
        self._headers()
        charts.add_charts(self)
        control.cover(self)
        control.master_check_headers(self)  # on the cover too
        from renewfin.excel.inputs_layout import regroup

        regroup(self)
        from renewfin.excel.printing import print_setup

        print_setup(self)
        return self.book

    def _total_width(self) -> float:
        """Width of the 合计/值 column [characters]: at least 14, and room for the largest
        sum of a ledger line in #,##0.00 with its sign, plus one."""
        j = self.scenario
        sums = [
            abs(math.fsum(v for v in item.values[min(j, len(item.values) - 1)] if v == v))
            for item in self.result.ledger
        ]  # a line the same in every scenario is (1, T)
        return max(14.0, len(f"{-max(sums, default=0.0):,.2f}") + 1.0)

    def _headers(self) -> None:
        labels = self.result.ledger.labels
        total_width = self._total_width()
        for name in self.book.wb.sheetnames:
            if name == "Inputs" or name in self.table_sheets:
                continue  # the standard tables head their own columns by calendar year
            ws = self.book.wb[name]
            put_text(ws, 1, 2, f"{self.spec.project.name} — {name}").font = Font(bold=True, size=13)
            for c, h in enumerate(("id", "中文", "English", "单位", "合计/值", ""), start=1):
                cell = ws.cell(5, c, h)
                cell.fill, cell.font = HEAD_FILL, HEAD_FONT
            for k, label in enumerate(labels):
                cell = ws.cell(5, FIRST + k, label)
                cell.fill, cell.font = HEAD_FILL, HEAD_FONT
                ws.column_dimensions[col(FIRST + k)].width = PERIOD_WIDTH
            ws.column_dimensions[col(self.book.integrity_col)].width = PERIOD_WIDTH
            ws.freeze_panes = ws.cell(6, FIRST).coordinate
            ws.column_dimensions["A"].width = 30
            fit_column(ws, 2, 6, least=28)  # 中文, as wide as its longest label
            fit_column(ws, 3, 6, least=30)  # English
            ws.column_dimensions["E"].width = total_width


RATE_ENDINGS = (
    "rate",
    "rate]",
    "share",
    "gearing",
    "utilisation",
    "spread",
    "coupon",
    "five_year",
    "one_year",
    "capex_overrun",
    "growth_rate",
    "tol",
    "_return",
    "_ratio",
    "_yield",
    "_cap",
    "residual",
    "reit_cost",
    "prepayment",
    "exemption",
    "deduction",
    "lat_up",
    "lat_quick",
    "draw_weight",
)
"""Input paths ending so (before an item's ``[name]``) hold fractions: percentages."""
RATE_PREFIXES = ("xl.stamp_", "xl.floor.capital_ratio")
"""Input paths starting so hold fractions too (the stamp-duty rates, the capital floor)."""
ABOVE_ONE = ("xl.lat_up[",)
"""Percentages that may exceed 100 % (the LAT brackets' upper bounds: 50 %, 100 %, 200 %)."""


def input_bounds(path: str, unit: str, value: float) -> tuple[float | None, float | None]:
    """The bounds of an input without stated ones: a spec field's own (``describe``); an
    IRR starting guess above −100 %; a rate or share [-1, 1]; the first calendar year
    [1900, 9999] (Excel's dates); a step or cycle in years at least 1; any other
    non-negative number (an amount, area, life, count or factor) at least 0."""
    from renewfin.excel.fields import describe

    if not path.startswith(("xl.", "risk.")):
        d = describe(path)
        if d.low is not None or d.high is not None:
            return d.low, d.high
    if "irr_guess" in path:
        return -1.0, None
    if input_format(path, unit, value).endswith("%"):
        return (0.0, None) if path.startswith(ABOVE_ONE) else (-1.0, 1.0)
    if path == "xl.first_year":
        return 1900.0, 9999.0
    if path.startswith(("xl.growth_every[", "xl.every[")):
        return 1.0, None
    return (0.0, None) if value >= 0 else (None, None)


def input_format(path: str, unit: str, value: float) -> str:
    """The number format of an input cell, by its unit and kind: amounts and prices
    ``#,##0.00``, rates and shares as percentages (enough decimals for a fee of 0.005 %),
    ratios (DSCR targets and floors) ``0.00``, whole counts and years as integers."""
    base = re.sub(r"\[[^\]]*\]$", "", path)  # an item's name dropped
    if path.endswith(("dscr", "llcr", "dscr]")) or (
        path.startswith("xl.floor.") and not path.startswith(RATE_PREFIXES)
    ):
        return "0.00"
    if path == "xl.check_tol":
        return "0.00E+00"
    if ("/yr" in unit and "1/yr" not in unit) or path.endswith(
        (".amount", ".unit_price", ".unit_cost", "balance")
    ):
        return "#,##0.00"
    if base.endswith("per_year"):  # a count a year (price periods, coupons)
        return "0"
    if (
        unit == "1/yr"
        or path.startswith(RATE_PREFIXES)
        or base.endswith(RATE_ENDINGS)
        or "_vat" in path
        or "irr_guess" in path
    ):
        return "0.00##%"
    if value.is_integer():
        return "#,##0" if abs(value) >= 1e4 else "0"
    return "#,##0.00##"


def write_model(result: Result, path: str | os.PathLike[str], scenario: int = 0) -> Path:
    """Write the model workbook of one scenario of a run to ``path`` (atomically)."""
    from renewfin.spec.io import atomic_write

    book = ModelWriter(result, scenario).build()
    atomic_write(path, lambda fh: book.wb.save(fh), mode="wb")
    return Path(path)


Check = Callable[[str], None]
