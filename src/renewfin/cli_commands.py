"""The commands of ``renewfin`` (``renewfin.cli``): each reads the parsed arguments, calls
the library, prints or writes its outputs and returns the exit status."""

from __future__ import annotations

import argparse
import gc
import json
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from renewfin.cli_args import EXIT_INVALID, EXIT_NEGATIVE
from renewfin.spec import load_scenario, load_spec, project_schema, scenario_schema
from renewfin.spec.io import atomic_write


class EnvironmentProblem(RuntimeError):
    """Something outside renewfin is missing or failed (exit status 3)."""


def _write_json(path: Path, doc: Any) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    atomic_write(path, lambda fh: fh.write(text))


def _progress(args: argparse.Namespace) -> Any:
    from renewfin.simulation import ProgressBar

    show = args.progress if args.progress is not None else sys.stderr.isatty()
    return ProgressBar() if show else None


def report_error(message: str, status: int) -> int:
    """Print ``error: message`` on stderr and return the exit status ``status``."""
    print(f"error: {message}", file=sys.stderr)
    gc.collect()  # what the failed command left half-done is cleaned up quietly, now
    return status


# ------------------------------------------------------------------------------ commands


def cmd_validate(args: argparse.Namespace) -> int:
    spec = load_spec(args.file)
    print(
        f"OK: {args.file} is a valid spec ({spec.project.name}; "
        f"{len(spec.investment)} investment items, {len(spec.revenues)} revenue streams, "
        f"{len(spec.opex)} operating costs)"
    )
    if args.scenario:
        from renewfin.simulation import check_scenario, prepare

        scenario = load_scenario(args.scenario)
        check_scenario(spec, scenario)
        print(
            f"OK: {args.scenario} is a valid scenario for it ({len(prepare(spec, scenario))} "
            f"uncertain inputs, {len(scenario.stress)} stress cases)"
        )
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from renewfin.checks import run_checks
    from renewfin.engine import run
    from renewfin.summary import format_summary, json_document

    result = run(load_spec(args.file))
    print(format_summary(result))
    if args.output:
        from renewfin.excel.writer import write_model

        write_model(result, args.output)
        print(f"\nmodel workbook written to {args.output}")
    if args.json:
        _write_json(args.json, json_document(result))
        print(f"\nmetrics written to {args.json}")
    if args.csv:
        table = result.ledger_table(long=True)
        atomic_write(args.csv, lambda fh: table.to_csv(fh, index=False))
        print(f"ledger written to {args.csv}")
    # A weak project (a covenant or policy test failed) is not a broken model: the
    # failures are printed and the run succeeds, unless --strict asks for exit 1.
    failed = [c for c in run_checks(result) if not bool(c.passed[0])]
    return EXIT_NEGATIVE if args.strict and failed else 0


def cmd_schema(args: argparse.Namespace) -> int:
    schema = scenario_schema() if args.scenario else project_schema()
    print(json.dumps(schema, ensure_ascii=False, indent=2))
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from renewfin.csv_safe import write_csv
    from renewfin.simulation import simulate, stress_table
    from renewfin.summary_mc import format_simulation, format_timings, simulation_document

    spec = load_spec(args.file)
    scenario = load_scenario(args.scenario)
    sim = simulate(
        spec,
        scenario,
        n=args.n,
        seed=args.seed,
        progress=_progress(args),
        auto_stop=True if args.auto_stop else None,
        workers=args.workers,
        lines=args.lines,
    )
    stress = stress_table(spec, scenario) if scenario.stress else None
    print(format_simulation(sim, stress))
    print(format_timings(sim), file=sys.stderr)
    if args.json:
        _write_json(args.json, simulation_document(sim, stress, timings=args.timings))
        print(f"\nsimulation results written to {args.json}")
    if args.csv:
        atomic_write(args.csv, lambda fh: write_csv(sim.table(), fh, index_label="scenario"))
        print(f"per-scenario table written to {args.csv}")
    if args.lines_csv:
        import pandas as pd

        from renewfin.simulation_lines import line_rows

        frame = pd.DataFrame(line_rows(sim.lines))
        atomic_write(args.lines_csv, lambda fh: write_csv(frame, fh, index=False))
        print(f"per-period percentiles written to {args.lines_csv}")
    if args.output:
        from renewfin.excel.risk import write_risk
        from renewfin.sensitivity import tornado

        write_risk(sim, args.output, tornado=tornado(spec, scenario), stress=stress)
        print(f"risk workbook written to {args.output}")
    return 0


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from renewfin import sensitivity as sens
    from renewfin.simulation import check_scenario
    from renewfin.summary_sens import format_sensitivity, sensitivity_document

    spec = load_spec(args.file)
    scenario = load_scenario(args.scenario)
    check_scenario(spec, scenario)
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
    if args.n:
        from renewfin.simulation import simulate

        sim = simulate(
            spec, scenario, n=args.n, seed=args.seed, progress=_progress(args), workers=args.workers
        )
        tables["global"] = sens.global_sensitivity(sim, metrics[0])
        for th in scenario.thresholds[:3]:
            tables[f"scenario_analysis:{th.text}"] = sens.scenario_analysis(
                sim, th.metric, th.op.value, th.value
            )
    print(format_sensitivity(spec, scenario, tables))
    if args.json:
        _write_json(args.json, sensitivity_document(spec, scenario, tables))
        print(f"\nsensitivity results written to {args.json}")
    return 0


def cmd_district(args: argparse.Namespace) -> int:
    from renewfin.district import load_district, run_district
    from renewfin.district.summary import district_document, format_district

    result = run_district(load_district(args.file))
    print(format_district(result, scale_funding=args.scale_funding))
    if args.json:
        _write_json(args.json, district_document(result, scale_funding=args.scale_funding))
        print(f"\ndistrict results written to {args.json}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from renewfin.report import FontNotFoundError, write_report
    from renewfin.report.build import report_format
    from renewfin.report.pdf import ConversionError, ConverterNotFoundError

    try:
        fmt = report_format(args.output, args.format)
        if args.template is not None and fmt != ".docx":
            raise ValueError("--template supplies Word styles: it needs a .docx report")
    except ValueError as exc:
        args.report_parser.error(str(exc))
    spec = load_spec(args.file)
    scenario = load_scenario(args.scenario) if args.scenario else None
    if scenario is not None:
        from renewfin.simulation import check_scenario

        check_scenario(spec, scenario)
    try:
        path = write_report(
            args.output,
            spec,
            scenario,
            args.n,
            args.lang,
            seed=args.seed,
            workers=args.workers,
            progress=_progress(args) if scenario else None,
            fmt=fmt[1:],
            template=args.template,
        )
    except (FontNotFoundError, ConverterNotFoundError, ConversionError) as exc:
        raise EnvironmentProblem(str(exc)) from None
    print(f"report written to {path}")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from renewfin.excel.template import write_template

    write_template(args.output, load_spec(args.spec) if args.spec else None)
    print(f"template written to {args.output}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from renewfin.excel.template import read_template
    from renewfin.spec import dump

    spec = read_template(args.file)
    dump(spec, args.output)
    print(f"spec written to {args.output}")
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    from renewfin.solve import goal_seek
    from renewfin.summary_solve import format_goal, goal_document

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
    print(format_goal(spec, res, goal, args.lo, args.hi))
    if args.json:
        _write_json(args.json, goal_document(res, goal))
        print(f"\ngoal seek result written to {args.json}")
    return 0 if res.reached else EXIT_NEGATIVE


def cmd_portfolio(args: argparse.Namespace) -> int:
    from renewfin.portfolio import load_portfolio, simulate_portfolio
    from renewfin.portfolio.summary import format_portfolio, portfolio_document

    portfolio = load_portfolio(args.file)
    base = Path(args.file).parent
    run: Callable[..., Any] = simulate_portfolio
    kwargs = {"n": args.n, "seed": args.seed, "progress": _progress(args)}
    where = args.scheduler
    if where.kind == "dask-local":
        with _dask_cluster(where.workers) as client:
            res = run(portfolio, base, client=client, **kwargs)
    elif where.kind == "address":
        with _dask_client(where.address) as client:
            res = run(portfolio, base, client=client, **kwargs)
    else:
        res = run(portfolio, base, **kwargs)
    print(format_portfolio(portfolio, res, str(where)))
    if args.json:
        _write_json(args.json, portfolio_document(portfolio, res))
        print(f"\nportfolio results written to {args.json}")
    if args.csv:
        atomic_write(args.csv, lambda fh: res.projects.to_csv(fh, index_label="project"))
        print(f"per-project table written to {args.csv}")
    return 0


@contextmanager
def _dask_cluster(workers: int) -> Iterator[Any]:
    try:
        from renewfin.portfolio.distributed import local_cluster
    except ImportError as exc:
        raise EnvironmentProblem(_NO_DASK.format(exc=exc)) from None
    with local_cluster(workers, quiet=True) as client:
        yield client


@contextmanager
def _dask_client(address: str) -> Iterator[Any]:
    try:
        from renewfin.portfolio.distributed import connect
    except ImportError as exc:
        raise EnvironmentProblem(_NO_DASK.format(exc=exc)) from None
    try:
        client = connect(address)
    except (OSError, TimeoutError) as exc:
        raise EnvironmentProblem(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    with client:
        yield client


def cmd_serve(args: argparse.Namespace) -> int:
    from renewfin.web.server import is_loopback, serve

    if args.host is not None and not is_loopback(args.host):
        print(
            f"warning: serving on {args.host}: anyone who can reach this address can read, "
            "change and delete the projects in the workspace (renewfin has no login)",
            file=sys.stderr,
        )
    try:
        return serve(
            args.workspace,
            args.host or "127.0.0.1",
            args.port,
            workers=args.jobs,
            open_browser=args.open,
            check=args.check,
        )
    except socket.gaierror as exc:
        return report_error(f"--host {args.host!r}: {exc.strerror or exc}", EXIT_INVALID)
    except OSError as exc:
        raise EnvironmentProblem(
            f"cannot serve on {args.host or '127.0.0.1'}:{args.port}: {exc.strerror or exc}"
        ) from None


_NO_DASK = "Dask is not installed ({exc}); install the extra: pip install 'renewfin[dask]'"
