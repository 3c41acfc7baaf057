"""Command line: ``renewfin validate | run | schema``.

Thin: parses arguments, calls the library, prints. Bad input ends with a readable
message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from renewfin import __version__
from renewfin.allocator import keep_freed_memory
from renewfin.errors import ConvergenceError
from renewfin.spec import SpecError, load_scenario, load_spec, project_schema, scenario_schema
from renewfin.spec.io import atomic_write

EXIT_INVALID = 2
"""Exit status for invalid input (a bad spec or file)."""
EXIT_UNCONVERGED = 3
"""Exit status when the funding solve did not converge (``renewfin.errors.ConvergenceError``):
no figure is printed, only the message naming the loan, the residual and what to change."""


def _cmd_validate(args: argparse.Namespace) -> int:
    spec = load_spec(args.file)
    print(
        f"OK: {args.file} is a valid spec ({spec.project.name}; "
        f"{len(spec.investment)} investment items, {len(spec.revenues)} revenue streams, "
        f"{len(spec.opex)} operating costs)"
    )
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from renewfin.engine import run
    from renewfin.summary import format_summary, json_document

    spec = load_spec(args.file)
    result = run(spec)
    print(format_summary(result))
    if args.output:
        from renewfin.excel.writer import write_model

        write_model(result, args.output)
        print(f"\nmodel workbook written to {args.output}")
    if args.json:
        text = json.dumps(json_document(result), ensure_ascii=False, indent=2) + "\n"
        atomic_write(args.json, lambda fh: fh.write(text))
        print(f"\nmetrics written to {args.json}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    schema = scenario_schema() if args.scenario else project_schema()
    print(json.dumps(schema, ensure_ascii=False, indent=2))
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
    from renewfin.simulation import ProgressBar, simulate, stress_table
    from renewfin.summary_mc import format_simulation, simulation_document

    spec = load_spec(args.file)
    scenario = load_scenario(args.scenario)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    sim = simulate(
        spec,
        scenario,
        n=args.n,
        seed=args.seed,
        progress=ProgressBar() if show else None,
        auto_stop=True if args.auto_stop else None,
        workers=args.workers,
    )
    stress = stress_table(spec, scenario) if scenario.stress else None
    print(format_simulation(sim, stress))
    if args.json:
        text = json.dumps(simulation_document(sim, stress), ensure_ascii=False, indent=2) + "\n"
        atomic_write(args.json, lambda fh: fh.write(text))
        print(f"\nsimulation results written to {args.json}")
    if args.csv:
        atomic_write(args.csv, lambda fh: sim.table().to_csv(fh, index_label="scenario"))
        print(f"per-scenario table written to {args.csv}")
    if args.output:
        from renewfin.excel.risk import write_risk
        from renewfin.sensitivity import tornado

        write_risk(sim, args.output, tornado=tornado(spec, scenario), stress=stress)
        print(f"risk workbook written to {args.output}")
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    from renewfin import sensitivity as sens
    from renewfin.summary_sens import format_sensitivity, sensitivity_document

    spec = load_spec(args.file)
    scenario = load_scenario(args.scenario)
    metrics = scenario.sensitivity.metrics
    tables = {
        "evaluation": sens.evaluation_table(spec, metrics=tuple(metrics)),
        "switching": sens.switching_table(spec),
        "tornado": sens.tornado(spec, scenario, metrics),
        "spider": sens.spider(
            spec,
            sens.scenario_factors(spec, scenario),
            steps=tuple(scenario.sensitivity.steps),
            metrics=metrics,
        ),
    }
    sim = None
    if args.global_n:
        from renewfin.simulation import ProgressBar, simulate

        show = args.progress if args.progress is not None else sys.stderr.isatty()
        sim = simulate(spec, scenario, n=args.global_n, progress=ProgressBar() if show else None)
        tables["global"] = sens.global_sensitivity(sim, metrics[0])
        for th in scenario.thresholds[:3]:
            tables[f"scenario_analysis:{th.text}"] = sens.scenario_analysis(
                sim, th.metric, th.op.value, th.value
            )
    print(format_sensitivity(spec, scenario, tables))
    if args.json:
        text = (
            json.dumps(sensitivity_document(spec, scenario, tables), ensure_ascii=False, indent=2)
            + "\n"
        )
        atomic_write(args.json, lambda fh: fh.write(text))
        print(f"\nsensitivity results written to {args.json}")
    return 0


def _cmd_district(args: argparse.Namespace) -> int:
    from renewfin.district import load_district, run_district
    from renewfin.district.summary import district_document, format_district

    result = run_district(load_district(args.file))
    print(format_district(result, scale_funding=args.scale_funding))
    if args.json:
        doc = district_document(result, scale_funding=args.scale_funding)
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        atomic_write(args.json, lambda fh: fh.write(text))
        print(f"\ndistrict results written to {args.json}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from renewfin.report import FontNotFoundError, write_report
    from renewfin.simulation import ProgressBar

    spec = load_spec(args.file)
    scenario = load_scenario(args.scenario) if args.scenario else None
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    try:
        path = write_report(args.output, spec, scenario, args.n, args.lang, seed=args.seed,
                            workers=args.workers,
                            progress=ProgressBar() if show and scenario else None)
    except FontNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"report written to {path}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from renewfin.excel.template import write_template

    write_template(args.output, load_spec(args.spec) if args.spec else None)
    print(f"template written to {args.output}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from renewfin.excel.template import read_template
    from renewfin.spec import dump

    spec = read_template(args.file)
    dump(spec, args.output)
    print(f"spec written to {args.output}")
    return 0


def _cmd_solve(args: argparse.Namespace) -> int:
    from renewfin.metrics import metric_info
    from renewfin.solve import goal_seek

    spec = load_spec(args.file)
    scenario = load_scenario(args.scenario) if args.scenario else None
    goal = "root" if args.root else ("min" if args.min else "max")
    res = goal_seek(
        spec,
        args.vary,
        args.require,
        lo=args.lo,
        hi=args.hi,
        goal=goal,
        tol=args.tol,
        scenario=scenario,
        n=args.n,
        seed=args.seed,
    )
    what = {"max": "最大值 largest value", "min": "最小值 smallest value", "root": "临界值 value"}[
        goal
    ]
    print(
        f"{spec.project.name}\n求解 Goal seek: {what} of {res.path} in [{args.lo:g}, {args.hi:g}]"
        f" with {', '.join(c for c in res.constraints['constraint'])}"
    )
    print(
        f"  结果 Result: {res.value:,.6g}   ({res.status}; tolerance {res.tolerance:g}, "
        f"{res.evaluations} evaluations)"
    )
    if res.binding:
        print(f"  约束 Binding: {res.binding}")
    for _, row in res.constraints.iterrows():
        mark = "✓" if row["holds"] else "✗"
        print(f"  {mark} {row['constraint']}  (margin {row['margin']:+.6g})")
    if args.json:
        doc = {
            "path": res.path,
            "goal": goal,
            "value": res.value,
            "status": res.status,
            "binding": res.binding,
            "tolerance": res.tolerance,
            "constraints": res.constraints.to_dict(orient="records"),
        }
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        atomic_write(args.json, lambda fh: fh.write(text))
    del metric_info
    return 0 if res.reached else 1


def _cmd_portfolio(args: argparse.Namespace) -> int:
    from pathlib import Path

    from renewfin.portfolio import load_portfolio, simulate_portfolio
    from renewfin.simulation import ProgressBar

    portfolio = load_portfolio(args.file)
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = ProgressBar() if show else None
    base = Path(args.file).parent
    if args.scheduler.startswith("dask-local"):
        from renewfin.portfolio.distributed import local_cluster

        workers = int(args.scheduler.split(":")[1]) if ":" in args.scheduler else 2
        with local_cluster(workers) as client:
            res = simulate_portfolio(portfolio, base, n=args.n, seed=args.seed, client=client,
                                     progress=progress)
    else:
        res = simulate_portfolio(portfolio, base, n=args.n, seed=args.seed,
                                 scheduler=args.scheduler, progress=progress)
    print(f"{portfolio.name}: {len(res.keys)} projects × {res.n:,} scenarios "
          f"(scheduler {args.scheduler})")
    print("\n组合合计 Portfolio totals [万元]")
    print(res.totals_summary()[["mean", "std", "p5", "p50", "p95"]].round(1).to_string())
    if res.thresholds:
        print("\n违约项目数 Projects breaching")
        print(res.breach_summary().round(3).to_string())
    print("\n项目 Projects")
    print(res.projects.round(4).to_string())
    print(f"\n项目间相关性 Correlation across projects ({portfolio.correlation_metric})")
    print(res.correlation.round(3).to_string())
    if args.json:
        def clean(df):  # type: ignore[no-untyped-def]
            return json.loads(df.to_json(force_ascii=False))

        doc = {"portfolio": portfolio.name, "n": res.n, "projects": res.keys,
               "totals": clean(res.totals_summary()), "breaches": clean(res.breach_summary())
               if res.thresholds else {}, "per_project": clean(res.projects),
               "correlation": clean(res.correlation)}
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        atomic_write(args.json, lambda fh: fh.write(text))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``renewfin`` command."""
    parser = argparse.ArgumentParser(
        prog="renewfin",
        description="Financial modelling for urban-renewal (城市更新) projects.",
    )
    parser.add_argument("--version", action="version", version=f"renewfin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check a project spec and list every problem")
    p.add_argument("file", help="project spec (YAML or JSON)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("run", help="run a project and print its summary")
    p.add_argument("file", help="project spec (YAML or JSON)")
    p.add_argument("--json", metavar="OUT", help="write the metrics as JSON to OUT")
    p.add_argument(
        "-o", "--output", metavar="XLSX", help="write the model workbook (live formulas) to XLSX"
    )
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("schema", help="print the JSON Schema of project specs (or scenarios)")
    p.add_argument("--scenario", action="store_true", help="the schema of scenario files")
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("simulate", help="Monte Carlo over the full engine")
    p.add_argument("file", help="project spec (YAML or JSON)")
    p.add_argument("--scenario", required=True, metavar="FILE", help="scenario file")
    p.add_argument("-n", type=int, default=None, help="number of scenarios (default: the file's)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the file's)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes evaluating chunks in parallel (same numbers; default 1)",
    )
    p.add_argument(
        "--auto-stop",
        action="store_true",
        help="stop once the file's convergence statistics are within tolerance",
    )
    p.add_argument("--json", metavar="OUT", help="write summaries as JSON to OUT")
    p.add_argument("--csv", metavar="OUT", help="write one row per scenario to OUT")
    p.add_argument(
        "-o",
        "--output",
        metavar="XLSX",
        help="write the model workbook with the risk sheets to XLSX",
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser(
        "sensitivity", help="±10 % table, 敏感度系数, 临界点, tornado and spider (and global)"
    )
    p.add_argument("file", help="project spec (YAML or JSON)")
    p.add_argument("--scenario", required=True, metavar="FILE", help="scenario file")
    p.add_argument(
        "--global",
        dest="global_n",
        type=int,
        default=0,
        metavar="N",
        help="also run N Monte Carlo scenarios for rank correlations, SRRC and "
        "scenario analysis of the breaches",
    )
    p.add_argument("--json", metavar="OUT", help="write every table as JSON to OUT")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar (default: when stderr is a terminal)",
    )
    p.set_defaults(func=_cmd_sensitivity)

    p = sub.add_parser("district",
                       help="run a district (片区): the bundle as one company, each member "
                            "alone, and each member's contribution")
    p.add_argument("file", help="district spec (YAML or JSON)")
    p.add_argument("--json", metavar="OUT", help="write the district results as JSON to OUT")
    p.add_argument("--scale-funding", action="store_true",
                   help="in the with/without comparison, scale the district funding to the "
                        "remaining members' share (default: as stated)")
    p.set_defaults(func=_cmd_district)

    p = sub.add_parser(
        "solve", help="goal seek: the bond, loan, subsidy or price that meets targets"
    )
    p.add_argument("file", help="project spec (YAML or JSON)")
    p.add_argument(
        "--vary",
        required=True,
        metavar="PATH",
        help="input to solve for, e.g. 'funding.special_bonds[0].amount'",
    )
    p.add_argument(
        "--require",
        required=True,
        action="append",
        metavar="CONSTRAINT",
        help="'bond_coverage>=1.2', 'equity_irr>=6%%', 'project_npv=0' or "
        "'P(bond_coverage>=1.1)>=90%%' (repeatable: the tightest binds)",
    )
    p.add_argument("--lo", type=float, required=True, help="lower end of the search range")
    p.add_argument("--hi", type=float, required=True, help="upper end of the search range")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--max", action="store_true", help="largest value meeting all (default)")
    g.add_argument("--min", action="store_true", help="smallest value meeting all")
    g.add_argument("--root", action="store_true", help="value where one equality holds")
    p.add_argument("--tol", type=float, default=1e-6, help="absolute tolerance on the value")
    p.add_argument("--scenario", metavar="FILE", help="scenario file for probabilities")
    p.add_argument("-n", type=int, default=None, help="Monte Carlo scenarios (default: file's)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the file's)")
    p.add_argument("--json", metavar="OUT", help="write the result as JSON to OUT")
    p.set_defaults(func=_cmd_solve)

    p = sub.add_parser("simulate-portfolio",
                       help="Monte Carlo of many projects with shared risk factors")
    p.add_argument("file", help="portfolio file (YAML)")
    p.add_argument("-n", type=int, default=None, help="scenarios per project")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the file's)")
    p.add_argument("--scheduler", default="local",
                   help="'local' (in-process, default), 'dask-local[:N]' (a LocalCluster of N "
                        "worker processes) or a Dask scheduler address such as "
                        "tcp://host:8786; the numbers are the same")
    p.add_argument("--json", metavar="OUT", help="write the results as JSON to OUT")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when stderr is a terminal)")
    p.set_defaults(func=_cmd_portfolio)

    p = sub.add_parser("report", help="write the evaluation report (财务评价报告) as one "
                                      "self-contained HTML file")
    p.add_argument("file", help="project spec (YAML or JSON)")
    p.add_argument("--scenario", metavar="FILE",
                   help="scenario file: adds the Monte Carlo risk analysis")
    p.add_argument("-n", type=int, default=None,
                   help="number of scenarios simulated (default: the scenario file's)")
    p.add_argument("--seed", type=int, default=None, help="seed (default: the file's)")
    p.add_argument("--workers", type=int, default=1,
                   help="processes evaluating the simulation (same numbers; default 1)")
    p.add_argument("--lang", choices=["zh", "en"], default="zh",
                   help="language of the report (default: zh)")
    p.add_argument("-o", "--output", required=True, metavar="HTML", help="report to write")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show a progress bar (default: when stderr is a terminal)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("template", help="write the Excel input template (fill in, then import)")
    p.add_argument("-o", "--output", required=True, metavar="XLSX", help="template to write")
    p.add_argument(
        "--from", dest="spec", metavar="SPEC", help="pre-fill the template with this spec"
    )
    p.set_defaults(func=_cmd_template)

    p = sub.add_parser("import", help="read a filled input template into a spec file")
    p.add_argument("file", help="filled template (.xlsx)")
    p.add_argument(
        "-o", "--output", required=True, metavar="SPEC", help="spec to write (.yaml or .json)"
    )
    p.set_defaults(func=_cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``renewfin`` command; returns the exit status: 0 on success, 1
    when a command reports a failure, ``EXIT_INVALID`` (2) for invalid input,
    ``EXIT_UNCONVERGED`` (3) when the funding solve did not converge."""
    parser = build_parser()
    args = parser.parse_args(argv)
    keep_freed_memory()  # batch commands allocate the same large arrays chunk after chunk
    try:
        return int(args.func(args))
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except ConvergenceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNCONVERGED
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
