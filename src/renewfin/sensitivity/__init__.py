"""Deterministic and global sensitivity analysis of the full engine.

Deterministic analysis varies *factors*: a factor is a named group of spec inputs that
move together by one relative change ``x`` (every input of the group is multiplied by
``1 + x``). The five standard factors of a Chinese evaluation report (一案两书,
《建设项目经济评价方法与参数》(第三版)) are 营业收入 (revenue), 经营成本 (operating cost),
利率 (interest rate), 专项债规模 (special-bond amount) and 建设投资 (construction
investment); a scenario file adds one factor per uncertain input.

- :func:`spider` — metrics at a ladder of relative changes (a spider / 敏感性分析图);
- :func:`tornado` — each uncertain input at its scenario low and high value;
- :func:`elasticities` — the 敏感度系数 ``SAF = (ΔA / A₀) / (ΔF / F₀)``;
- :func:`switching_values` — the 临界点, the change at which a metric crosses a threshold;
- :func:`evaluation_table` and :func:`switching_table` — the standard 敏感性分析表 and its
  companion 临界点 table;
- :func:`global_sensitivity` — Spearman and standardised rank regression from a simulation;
- :func:`sobol` — first- and total-order Sobol' indices (Saltelli design);
- :func:`scenario_analysis` — which inputs distinguish the scenarios that breach a threshold.

Every function batches its engine evaluations: all the points of one analysis are one
``run`` with a scenario axis of S points (chunked at
:data:`renewfin.simulation_chunks.DEFAULT_CHUNK`), never a Python loop of single runs. The one
exception is the root refinement of :func:`switching_values`, which calls the engine once
per ``brentq`` iteration inside a bracket found by a batched grid.

Conventions: changes ``x`` and steps are fractions (``-0.10`` = −10 %); metric values are in
the metric's own unit (``renewfin.metrics.metric_info``); ratios are plain fractions.

Modules: ``factors`` (:class:`Factor`, :func:`standard_factors`, :func:`scenario_factors`
and the batched evaluation), ``changes`` (spider, 敏感度系数, 敏感性分析表), ``swings``
(tornado), ``switching`` (临界点) and ``global_analysis`` (rank measures, Sobol',
scenario analysis). Every public name is importable from ``renewfin.sensitivity``.
"""

from __future__ import annotations

from renewfin.sensitivity.changes import (
    BASE_CASE,
    DEFAULT_METRICS,
    STANDARD_CHANGES,
    STEPS_2PCT,
    STEPS_5PCT,
    elasticities,
    evaluation_table,
    spider,
    spider_wide,
)
from renewfin.sensitivity.factors import Factor, Op, scenario_factors, standard_factors
from renewfin.sensitivity.global_analysis import global_sensitivity, scenario_analysis, sobol
from renewfin.sensitivity.swings import tornado, tornado_frame
from renewfin.sensitivity.switching import default_thresholds, switching_table, switching_values

__all__ = [
    "BASE_CASE",
    "DEFAULT_METRICS",
    "STANDARD_CHANGES",
    "STEPS_2PCT",
    "STEPS_5PCT",
    "Factor",
    "Op",
    "default_thresholds",
    "elasticities",
    "evaluation_table",
    "global_sensitivity",
    "scenario_analysis",
    "scenario_factors",
    "sobol",
    "spider",
    "spider_wide",
    "standard_factors",
    "switching_table",
    "switching_values",
    "tornado",
    "tornado_frame",
]
