"""Imported once by the fork server of the jobs (:mod:`renewfin.web.jobs`), so that each
job's process starts with the engine, the analyses, the workbook writer, the report and
matplotlib loaded instead of importing them again (several seconds)."""

from __future__ import annotations

import renewfin.engine
import renewfin.excel.writer
import renewfin.report
import renewfin.report.charts
import renewfin.sensitivity
import renewfin.simulation
import renewfin.solve
import renewfin.web.tasks

__all__ = ["renewfin"]
