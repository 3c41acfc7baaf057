"""Evaluation parameters (评价参数): discount rates and benchmarks."""

from __future__ import annotations

from typing import Annotated

from renewfin.spec.base import Rate, SpecModel
from renewfin.spec.labels import Zh


class EvaluationSpec(SpecModel):
    """Rates against which the project is judged."""

    discount_rate: Annotated[Rate, Zh("财务基准收益率（项目折现率）")] = 0.06
    """Financial benchmark discount rate (财务基准收益率) for project NPV [1/yr]."""
    benchmark_irr: Annotated[Rate, Zh("基准收益率")] = 0.06
    """Benchmark IRR (基准收益率) the project IRR is compared with [1/yr]."""
    equity_discount_rate: Annotated[Rate, Zh("资本金折现率")] = 0.08
    """Discount rate for the equity (资本金) cash flow [1/yr]."""
    include_residual_value: Annotated[bool, Zh("期末回收固定资产余值")] = True
    """Whether the net book value at the end of the horizon is recovered as a cash inflow
    (回收固定资产余值) in the last period."""
