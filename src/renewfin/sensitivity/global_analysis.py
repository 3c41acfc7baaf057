"""Global sensitivity from sampled scenarios: rank correlations and standardised rank
regression of a simulation, Sobol' indices (Saltelli design), and which inputs distinguish
the scenarios that breach a threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from renewfin import montecarlo as mc
from renewfin.sensitivity.factors import (
    Op,
    check_metrics,
    comparison,
)
from renewfin.simulation import Simulation, prepare
from renewfin.simulation_chunks import DEFAULT_CHUNK, evaluate
from renewfin.spec.model import ProjectSpec
from renewfin.spec.scenario import ScenarioSpec, ThresholdOp

__all__ = ["global_sensitivity", "scenario_analysis", "sobol"]

# ------------------------------------------------------------ global sensitivity (MC)


def global_sensitivity(sim: Simulation, metric: str) -> pd.DataFrame:
    """Rank-based global sensitivity of a metric to every sampled input of a simulation.

    Spearman rank correlation of each input with the metric, and standardised rank
    regression coefficients (SRRC) with the rank R² (SRRC are meaningful when R² is high,
    say > 0.7). Scenarios where the metric is NaN are left out (counted in ``n_nan``).

    Parameters
    ----------
    sim : Simulation
        A Monte Carlo run (``renewfin.simulation.simulate``).
    metric : str
        Metric id.

    Returns
    -------
    DataFrame
        One row per input: ``input``, ``path``, ``spearman``, ``srrc``, ``r2``, ``n`` (used),
        ``n_nan``; sorted by |spearman|, largest first (NaN last).
    """
    if metric not in sim.metrics:
        raise KeyError(f"unknown metric {metric!r}; expected one of {sorted(sim.metrics.columns)}")
    names = list(sim.samples.columns)
    paths = {p.name: p.path for p in sim.inputs}
    x = sim.samples.to_numpy(dtype=float)
    y = sim.metrics[metric].to_numpy(dtype=float)
    n_nan = int(np.isnan(y).sum())
    n = y.size - n_nan
    d = len(names)
    rho = np.full(d, np.nan)
    srrc = np.full(d, np.nan)
    r2 = float("nan")
    if d and n >= 3:
        rho = mc.spearman_with_output(x, y)
        if n > d:
            res = mc.standardised_rank_regression(x, y)
            srrc, r2 = res.coefficients, res.r2
    out = pd.DataFrame(
        {
            "input": names,
            "path": [paths.get(k, "") for k in names],
            "spearman": rho,
            "srrc": srrc,
            "r2": r2,
            "n": n,
            "n_nan": n_nan,
        }
    )
    out["_abs"] = out["spearman"].abs()
    out = out.sort_values("_abs", ascending=False, na_position="last", kind="stable")
    return out.drop(columns="_abs").reset_index(drop=True)


def sobol(
    spec: ProjectSpec,
    scenario: ScenarioSpec,
    metric: str,
    n: int = 1024,
    seed: int | None = None,
    *,
    n_bootstrap: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
) -> pd.DataFrame:
    """First- and total-order Sobol' indices of a metric, for independent inputs.

    The Saltelli (2010) design is drawn in the unit cube (scrambled Sobol' points,
    ``mc.saltelli_matrices``), mapped through each input's inverse CDF, applied as the
    input says (multiply, add, set), and evaluated by the engine as one batch of
    N (d + 2) scenarios (chunked). Indices by ``mc.sobol_indices`` (Saltelli 2010 for S1,
    Jansen 1999 for ST).

    Parameters
    ----------
    spec : ProjectSpec
        The project.
    scenario : ScenarioSpec
        Uncertain inputs; must declare no correlations.
    metric : str
        Metric id.
    n : int
        Base sample size N (a power of two).
    seed : int, optional
        Seed; default the scenario's ``seed`` (so the same call gives the same numbers).
    n_bootstrap : int
        Bootstrap replicates for 95 % intervals (0: none).

    Returns
    -------
    DataFrame
        One row per input: ``input``, ``path``, ``S1``, ``ST`` and, with bootstrap,
        ``S1_low``, ``S1_high``, ``ST_low``, ``ST_high``; sorted by ST, largest first.
        ``attrs``: ``n``, ``evaluations``.

    Raises
    ------
    ValueError
        When the scenario declares correlations (Sobol' indices as estimated here assume
        independent inputs), when it has no inputs, when the metric is unknown, or when
        a model output is NaN (``mc.sobol_indices``).
    """
    if scenario.correlations:
        pairs = ", ".join(f"{c.a}–{c.b}" for c in scenario.correlations)
        raise ValueError(
            f"sobol: Sobol' indices need independent inputs, but the scenario declares "
            f"correlations ({pairs}); remove them for this analysis, or use "
            f"global_sensitivity on a simulation, which allows correlated inputs"
        )
    prepared = prepare(spec, scenario)
    if not prepared:
        raise ValueError("sobol: the scenario has no uncertain inputs")
    d = len(prepared)
    seeds = mc.spawn_seeds(scenario.seed if seed is None else seed, 2)
    a, b, ab = mc.saltelli_matrices(n, d, seed=seeds[0], method="sobol")
    u = np.vstack([a, b, ab.reshape(-1, d)])
    total = u.shape[0]
    overrides = {p.path: p.values(p.dist.ppf(u[:, j])) for j, p in enumerate(prepared)}
    frame = evaluate(spec, overrides, total, chunk_size=chunk_size)
    check_metrics(frame, [metric])
    y = frame[metric].to_numpy(dtype=float)
    res = mc.sobol_indices(
        y[:n], y[n : 2 * n], y[2 * n :].reshape(d, n), n_bootstrap=n_bootstrap, seed=seeds[1]
    )
    out = pd.DataFrame(
        {
            "input": [p.name for p in prepared],
            "path": [p.path for p in prepared],
            "S1": res.S1,
            "ST": res.ST,
        }
    )
    if res.S1_ci is not None and res.ST_ci is not None:
        out["S1_low"], out["S1_high"] = res.S1_ci[:, 0], res.S1_ci[:, 1]
        out["ST_low"], out["ST_high"] = res.ST_ci[:, 0], res.ST_ci[:, 1]
    out = out.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    out.attrs.update(n=n, evaluations=total)
    return out


def scenario_analysis(
    sim: Simulation,
    metric: str,
    op: Op | ThresholdOp,
    value: float,
    *,
    significance: float = 0.5,
) -> pd.DataFrame:
    """Which inputs distinguish the scenarios that breach a threshold (as @RISK's scenario
    analysis).

    For each sampled input, the breach subset (``metric op value``) is compared with all
    scenarios: medians, means, the standardised shift ``(mean_breach − mean_all) /
    std_all``, and the two-sample Kolmogorov–Smirnov statistic between the breach subset
    and the other scenarios (``scipy.stats.ks_2samp``; independent samples, so its p-value
    is valid). An input is ``significant`` when |shift| > ``significance`` (0.5 standard
    deviations, @RISK's default). Scenarios where the metric is NaN are left out.

    Parameters
    ----------
    sim : Simulation
        A Monte Carlo run.
    metric : str
        Metric id.
    op : {"<", "<=", ">", ">="}
        Comparison that counts as a breach.
    value : float
        Threshold [the metric's unit].
    significance : float
        |shift| above which an input is flagged.

    Returns
    -------
    DataFrame
        One row per input: ``input``, ``n_breach``, ``median_breach``, ``median_all``,
        ``mean_breach``, ``mean_all``, ``std_all`` [the input's sample unit], ``shift``,
        ``median_shift`` ((median_breach − median_all) / std_all), ``ks``, ``ks_pvalue``,
        ``significant``; sorted by |shift|, largest first (NaN last). ``attrs``: ``n``,
        ``n_breach``, ``n_nan``, ``p_breach``. With no breach the statistics are NaN and
        nothing is significant.
    """
    compare = comparison(op)
    if metric not in sim.metrics:
        raise KeyError(f"unknown metric {metric!r}; expected one of {sorted(sim.metrics.columns)}")
    y = sim.metrics[metric].to_numpy(dtype=float)
    valid = ~np.isnan(y)
    breach = valid & compare(np.where(valid, y, 0.0), float(value))
    rest = valid & ~breach
    nb = int(breach.sum())
    rows = []
    for name in sim.samples.columns:
        x = sim.samples[name].to_numpy(dtype=float)
        xa, xb, xr = x[valid], x[breach], x[rest]
        std = float(xa.std(ddof=1)) if xa.size > 1 else float("nan")
        mean_all, med_all = float(np.mean(xa)), float(np.median(xa))
        mean_b = float(np.mean(xb)) if nb else float("nan")
        med_b = float(np.median(xb)) if nb else float("nan")
        ok = np.isfinite(std) and std > 0
        shift = (mean_b - mean_all) / std if ok else float("nan")
        median_shift = (med_b - med_all) / std if ok else float("nan")
        if nb and xr.size:
            ks = stats.ks_2samp(xb, xr)
            ks_stat, ks_p = float(ks.statistic), float(ks.pvalue)
        else:
            ks_stat = ks_p = float("nan")
        rows.append(
            {
                "input": name,
                "n_breach": nb,
                "median_breach": med_b,
                "median_all": med_all,
                "mean_breach": mean_b,
                "mean_all": mean_all,
                "std_all": std,
                "shift": shift,
                "median_shift": median_shift,
                "ks": ks_stat,
                "ks_pvalue": ks_p,
                "significant": bool(np.isfinite(shift) and abs(shift) > significance),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "input",
            "n_breach",
            "median_breach",
            "median_all",
            "mean_breach",
            "mean_all",
            "std_all",
            "shift",
            "median_shift",
            "ks",
            "ks_pvalue",
            "significant",
        ],
    )
    out["_abs"] = out["shift"].abs()
    out = out.sort_values("_abs", ascending=False, na_position="last", kind="stable")
    out = out.drop(columns="_abs").reset_index(drop=True)
    n = int(valid.sum())
    out.attrs.update(
        n=n, n_breach=nb, n_nan=int((~valid).sum()), p_breach=nb / n if n else float("nan")
    )
    return out
