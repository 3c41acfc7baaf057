"""Command line: ``renewfin validate | run | simulate | sensitivity | solve | district |
simulate-portfolio | report | template | import | schema | serve``.

Thin: parses arguments (``renewfin.cli_args``: every value checked before anything
runs), calls the library, prints. Every failure ends with a one-paragraph message on
stderr and a documented exit status (``renewfin --help``), never a traceback; an output
file is written whole or not at all.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from renewfin import __version__
from renewfin.allocator import keep_freed_memory
from renewfin.cli_args import (
    EXIT_CODES_HELP,
    EXIT_ENVIRONMENT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_NEGATIVE,
    EXIT_UNCONVERGED,
    finite_float,
    host,
    output,
    output_path,
    port,
    positive_float,
    positive_int,
    scheduler,
    seed,
)
from renewfin.errors import ConvergenceError
from renewfin.spec import SpecError, load_scenario, load_spec, project_schema, scenario_schema
from renewfin.spec.io import atomic_write

__all__ = ["EXIT_INVALID", "build_parser", "main"]


class EnvironmentProblem(RuntimeError):
    """Something outside renewfin is missing or failed (exit status 3)."""


def _write_json(path: Path, doc: Any) -> None:
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    atomic_write(path, lambda fh: fh.write(text))


def _progress(args: argparse.Namespace) -> Any:
    from renewfin.simulation import ProgressBar

    show = args.progress if args.progress is not None else sys.stderr.isatty()
    return ProgressBar() if show else None


# ------------------------------------------------------------------------------ commands


def _cmd_validate(args: argparse.Namespace) -> int:
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


def _cmd_run(args: argparse.Namespace) -> int:
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


def _cmd_schema(args: argparse.Namespace) -> int:
    schema = scenario_schema() if args.scenario else project_schema()
    print(json.dumps(schema, ensure_ascii=False, indent=2))
    return 0


def _cmd_simulate(args: argparse.Namespace) -> int:
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


def _cmd_sensitivity(args: argparse.Namespace) -> int:
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


def _cmd_district(args: argparse.Namespace) -> int:
    from renewfin.district import load_district, run_district
    from renewfin.district.summary import district_document, format_district

    result = run_district(load_district(args.file))
    print(format_district(result, scale_funding=args.scale_funding))
    if args.json:
        _write_json(args.json, district_document(result, scale_funding=args.scale_funding))
        print(f"\ndistrict results written to {args.json}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
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


def _cmd_portfolio(args: argparse.Namespace) -> int:
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


def _cmd_serve(args: argparse.Namespace) -> int:
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
        return _error(f"--host {args.host!r}: {exc.strerror or exc}", EXIT_INVALID)
    except OSError as exc:
        raise EnvironmentProblem(
            f"cannot serve on {args.host or '127.0.0.1'}:{args.port}: {exc.strerror or exc}"
        ) from None


_NO_DASK = "Dask is not installed ({exc}); install the extra: pip install 'renewfin[dask]'"


# -------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``renewfin`` command."""
    parser = argparse.ArgumentParser(
        prog="renewfin",
        description="Financial modelling for urban-renewal (城市更新) projects.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"renewfin {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        _validate,
        _run,
        _simulate,
        _sensitivity,
        _solve,
        _district,
        _portfolio,
        _report,
        _template,
        _import,
        _schema,
        _serve,
    ):
        add(sub)
    return parser


def _command(
    sub: Any,
    name: str,
    help: str,
    func: Callable[[argparse.Namespace], int],
    description: str | None = None,
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help,
        description=description or help,
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=func, engine=name not in _NO_ENGINE)
    return p


_NO_ENGINE = frozenset({"schema", "template", "import"})
"""Commands that never run the engine (no compile notice, no numba import)."""


def _spec_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="project spec (YAML or JSON)")


def _scenario_opt(p: argparse.ArgumentParser, required: bool, what: str) -> None:
    p.add_argument("--scenario", metavar="FILE", required=required, help=what)


def _n_opt(p: argparse.ArgumentParser, what: str, *aliases: str) -> None:
    p.add_argument(
        "-n", *aliases, dest="n", type=positive_int, default=None, metavar="N", help=what
    )


def _seed_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=seed, default=None, help="seed, >= 0 (default: the file's)")


def _workers_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        metavar="N",
        help="processes evaluating the scenarios (same numbers; default 1)",
    )


def _json_opt(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--json", metavar="OUT", type=output(".json"), help=f"write {what} to OUT")


def _csv_opt(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--csv", metavar="OUT", type=output(".csv"), help=f"write {what} to OUT")


def _output_opt(
    p: argparse.ArgumentParser, what: str, *suffixes: str, required: bool = False
) -> None:
    meta = suffixes[0].lstrip(".").upper()
    p.add_argument(
        "-o",
        "--output",
        metavar=meta,
        type=output(*suffixes),
        required=required,
        help=f"write {what} ({' or '.join(suffixes)})",
    )


def _progress_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: when stderr is a terminal)",
    )


def _validate(sub: Any) -> None:
    p = _command(
        sub,
        "validate",
        "check a project spec (and a scenario file) and list every problem",
        _cmd_validate,
    )
    _spec_arg(p)
    _scenario_opt(p, False, "also check this scenario file against the spec")


def _run(sub: Any) -> None:
    p = _command(sub, "run", "run a project and print its summary", _cmd_run)
    _spec_arg(p)
    _json_opt(p, "the metrics as JSON")
    _csv_opt(p, "the ledger (one row per line item and period, with labels and units)")
    _output_opt(p, "the model workbook (live formulas)", ".xlsx")
    p.add_argument(
        "--strict",
        action="store_true",
        help=f"exit {EXIT_NEGATIVE} when a covenant or policy test (or an integrity check) "
        "fails; without it the failures are printed and the exit status is 0",
    )


def _simulate(sub: Any) -> None:
    p = _command(sub, "simulate", "Monte Carlo over the full engine", _cmd_simulate)
    _spec_arg(p)
    _scenario_opt(p, True, "scenario file (uncertain inputs, thresholds, stress cases)")
    _n_opt(p, "number of scenarios, >= 1 (default: the file's)")
    _seed_opt(p)
    _workers_opt(p)
    p.add_argument(
        "--auto-stop",
        action="store_true",
        help="stop once the file's convergence statistics are within tolerance",
    )
    _json_opt(p, "the summaries as JSON (the same bytes for the same inputs and seed)")
    p.add_argument(
        "--timings",
        action="store_true",
        help="include the seconds spent in the JSON (they differ run to run; "
        "they are always printed on stderr)",
    )
    _csv_opt(p, "one row per scenario")
    p.add_argument(
        "--lines",
        metavar="LINE,…",
        type=_line_list,
        default=(),
        help="per-period percentiles (P5…P95) of these ledger lines or annual ratios "
        "(ratio.dscr, ratio.loan_dscr, ratio.dscr_cn, ratio.icr, ratio.bond_cover), "
        "collected chunk by chunk, in the JSON, --lines-csv and the workbook",
    )
    p.add_argument(
        "--lines-csv",
        metavar="OUT",
        type=output(".csv"),
        help="write the per-period percentiles of --lines to OUT (one row per line and "
        "period)",
    )
    _output_opt(p, "the model workbook with the risk sheets", ".xlsx")
    _progress_opt(p)


def _line_list(text: str) -> tuple[str, ...]:
    """``--lines a,b,c`` as a tuple of names (blank items dropped)."""
    return tuple(dict.fromkeys(x.strip() for x in text.split(",") if x.strip()))


def _sensitivity(sub: Any) -> None:
    p = _command(
        sub,
        "sensitivity",
        "the ±10%% table, 敏感度系数, 临界点, tornado and spider (and global)",
        _cmd_sensitivity,
    )
    _spec_arg(p)
    _scenario_opt(p, True, "scenario file (inputs of the tornado and spider, metrics)")
    _n_opt(
        p,
        "also run N Monte Carlo scenarios for rank correlations, SRRC and scenario "
        "analysis of the breaches (--global N is the same)",
        "--global",
    )
    _seed_opt(p)
    _workers_opt(p)
    _json_opt(p, "every table as JSON")
    _progress_opt(p)


def _solve(sub: Any) -> None:
    p = _command(
        sub, "solve", "goal seek: the bond, loan, subsidy or price that meets targets", _cmd_solve
    )
    _spec_arg(p)
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
    p.add_argument("--lo", type=finite_float, required=True, help="lower end of the range")
    p.add_argument("--hi", type=finite_float, required=True, help="upper end of the range")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--max", action="store_true", help="largest value meeting all (default)")
    g.add_argument("--min", action="store_true", help="smallest value meeting all")
    g.add_argument("--root", action="store_true", help="value where one equality holds")
    p.add_argument(
        "--tol",
        type=positive_float,
        default=1e-6,
        help="absolute tolerance on the value, > 0 (default 1e-6)",
    )
    _scenario_opt(p, False, "scenario file, for probability constraints")
    _n_opt(p, "Monte Carlo scenarios for probabilities, >= 1 (default: the file's)")
    _seed_opt(p)
    _json_opt(p, "the result as JSON")


def _district(sub: Any) -> None:
    p = _command(
        sub,
        "district",
        "run a district (片区): the bundle as one company, each "
        "member alone, and each member's contribution",
        _cmd_district,
    )
    p.add_argument("file", help="district spec (YAML or JSON)")
    _json_opt(p, "the district results as JSON")
    p.add_argument(
        "--scale-funding",
        action="store_true",
        help="in the with/without comparison, scale the district funding to the "
        "remaining members' share (default: as stated)",
    )


def _portfolio(sub: Any) -> None:
    p = _command(
        sub,
        "simulate-portfolio",
        "Monte Carlo of many projects with shared risk factors",
        _cmd_portfolio,
    )
    p.add_argument("file", help="portfolio file (YAML)")
    _n_opt(p, "scenarios per project, >= 1 (default: the file's)")
    _seed_opt(p)
    p.add_argument(
        "--scheduler",
        type=scheduler,
        default=scheduler("local"),
        help="'local' (in-process, default), 'dask-local[:N]' (a LocalCluster of N "
        ">= 1 worker processes, default 2) or a Dask scheduler address such "
        "as tcp://host:8786; the numbers are the same",
    )
    _json_opt(p, "the results as JSON")
    _csv_opt(p, "one row per project")
    _progress_opt(p)


def _report(sub: Any) -> None:
    p = _command(
        sub,
        "report",
        "write the evaluation report (财务评价报告) as HTML, Word (.docx) or PDF (the HTML "
        "printed by headless Chromium), by the suffix of -o",
        _cmd_report,
    )
    _spec_arg(p)
    _scenario_opt(p, False, "scenario file: adds the Monte Carlo risk analysis")
    _n_opt(p, "number of scenarios simulated, >= 1 (default: the scenario file's)")
    _seed_opt(p)
    _workers_opt(p)
    p.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="language of the report (default: zh)"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="REPORT",
        type=output_path,
        required=True,
        help="write the report (.html, .docx or .pdf; another name with --format)",
    )
    p.add_argument(
        "--format",
        choices=["html", "docx", "pdf"],
        help="the report's format (default: the suffix of -o)",
    )
    p.add_argument(
        "--template",
        metavar="DOCX",
        help="a Word file whose styles, page setup, headers and footers the .docx report uses",
    )
    p.set_defaults(report_parser=p)
    _progress_opt(p)


def _template(sub: Any) -> None:
    p = _command(
        sub, "template", "write the Excel input template (fill in, then import)", _cmd_template
    )
    _output_opt(p, "the template", ".xlsx", required=True)
    p.add_argument(
        "--from", dest="spec", metavar="SPEC", help="pre-fill the template with this spec"
    )


def _import(sub: Any) -> None:
    p = _command(sub, "import", "read a filled input template into a spec file", _cmd_import)
    p.add_argument("file", help="filled template (.xlsx)")
    _output_opt(p, "the spec", ".yaml", ".yml", ".json", required=True)


def _schema(sub: Any) -> None:
    p = _command(
        sub, "schema", "print the JSON Schema of project specs (or scenarios)", _cmd_schema
    )
    p.add_argument("--scenario", action="store_true", help="the schema of scenario files")


def _serve(sub: Any) -> None:
    from renewfin.web.server import DEFAULT_PORT, DEFAULT_WORKSPACE

    p = _command(
        sub,
        "serve",
        "the local web app: projects, edit form, run, risk, solve and downloads in a browser",
        _cmd_serve,
        description="Serve the web app on this machine (http://127.0.0.1:8765/ by default) "
        "until Ctrl-C; projects are kept as spec YAML files in the workspace folder.",
    )
    p.add_argument(
        "--port", type=port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})"
    )
    p.add_argument(
        "--host",
        type=host,
        default=None,
        help="address to serve on (default 127.0.0.1, this machine only; another address "
        "lets other machines in, with a warning)",
    )
    p.add_argument(
        "--workspace",
        metavar="DIR",
        type=Path,
        default=DEFAULT_WORKSPACE,
        help=f"folder of the projects (default {DEFAULT_WORKSPACE}; created on the first save)",
    )
    p.add_argument(
        "--jobs",
        type=positive_int,
        default=2,
        metavar="N",
        help="long jobs (Monte Carlo, sensitivity, files) running at once, each in its own "
        "process (default 2)",
    )
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument(
        "--check",
        action="store_true",
        help="start, check that the page and the API answer, and stop (exit 0)",
    )


# ---------------------------------------------------------------------------------- main


def _error(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    gc.collect()  # what the failed command left half-done is cleaned up quietly, now
    return status


_BAD_PATH = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def _os_error(exc: OSError) -> int:
    """A path that cannot be read or written is bad input (2); anything else the
    system could not do (disk full, I/O error) is the environment (3)."""
    where = f" {exc.filename}" if exc.filename else ""
    text = f"{exc.strerror or exc}{':' + where if where else ''}"
    return _error(text, EXIT_INVALID if isinstance(exc, _BAD_PATH) else EXIT_ENVIRONMENT)


@contextmanager
def _quiet_unraisable() -> Iterator[None]:
    """Objects that fail again while being cleaned up after an error that was already
    reported (a half-written zip file closing on a full disk) print nothing."""
    previous = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        yield
    finally:
        sys.unraisablehook = previous


def _is_illegal_text(exc: Exception) -> bool:
    """openpyxl refusing a control character in a cell (user text in a name)."""
    module = sys.modules.get("openpyxl.utils.exceptions")
    return module is not None and isinstance(exc, module.IllegalCharacterError)


@contextmanager
def _engine_notice(engine: bool) -> Iterator[None]:
    """The compile notice on stderr (``renewfin.compiled.compile_notice``) for commands
    that run the engine."""
    if not engine:
        yield
        return
    from renewfin.compiled import compile_notice

    with compile_notice():
        yield


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``renewfin`` command; returns the exit status (``--help``)."""
    args = build_parser().parse_args(argv)
    keep_freed_memory()  # batch commands allocate the same large arrays chunk after chunk
    debug = bool(os.environ.get("RENEWFIN_DEBUG"))
    with _quiet_unraisable(), _engine_notice(args.engine):
        try:
            return int(args.func(args))
        except SpecError as exc:
            return _error(str(exc), EXIT_INVALID)
        except ConvergenceError as exc:
            return _error(str(exc), EXIT_UNCONVERGED)
        except EnvironmentProblem as exc:
            return _error(str(exc), EXIT_ENVIRONMENT)
        except OSError as exc:
            return _os_error(exc)
        except KeyboardInterrupt:
            return _error("interrupted", EXIT_INTERRUPTED)
        except Exception as exc:
            if _is_illegal_text(exc):
                return _error(
                    f"text a workbook cannot hold (a control character in a name or label?): {exc}",
                    EXIT_INVALID,
                )
            if debug:
                raise
            return _error(
                f"internal error ({type(exc).__name__}: {exc}); please report it "
                "(RENEWFIN_DEBUG=1 shows the traceback)",
                EXIT_INTERNAL,
            )


def command() -> int:
    """The ``renewfin`` command: ``main`` on the process's arguments, then the objects built
    so far are left out of the garbage collections of interpreter shutdown
    (``gc.freeze``), which otherwise take about 0.15 s of CPU after a ``renewfin run`` (the
    process ends anyway; ``atexit`` handlers and open files are dealt with as usual)."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(command())
