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
import os
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
from renewfin.cli_commands import (
    EnvironmentProblem,
    cmd_district,
    cmd_import,
    cmd_portfolio,
    cmd_report,
    cmd_run,
    cmd_schema,
    cmd_sensitivity,
    cmd_serve,
    cmd_simulate,
    cmd_solve,
    cmd_template,
    cmd_validate,
    report_error,
)
from renewfin.errors import ConvergenceError
from renewfin.spec import SpecError

__all__ = ["EXIT_INVALID", "build_parser", "main"]


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
        cmd_validate,
    )
    _spec_arg(p)
    _scenario_opt(p, False, "also check this scenario file against the spec")


def _run(sub: Any) -> None:
    p = _command(sub, "run", "run a project and print its summary", cmd_run)
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
    p = _command(sub, "simulate", "Monte Carlo over the full engine", cmd_simulate)
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
        help="write the per-period percentiles of --lines to OUT (one row per line and period)",
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
        cmd_sensitivity,
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
        sub, "solve", "goal seek: the bond, loan, subsidy or price that meets targets", cmd_solve
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
        cmd_district,
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
        cmd_portfolio,
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
        cmd_report,
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
        sub, "template", "write the Excel input template (fill in, then import)", cmd_template
    )
    _output_opt(p, "the template", ".xlsx", required=True)
    p.add_argument(
        "--from", dest="spec", metavar="SPEC", help="pre-fill the template with this spec"
    )


def _import(sub: Any) -> None:
    p = _command(sub, "import", "read a filled input template into a spec file", cmd_import)
    p.add_argument("file", help="filled template (.xlsx)")
    _output_opt(p, "the spec", ".yaml", ".yml", ".json", required=True)


def _schema(sub: Any) -> None:
    p = _command(sub, "schema", "print the JSON Schema of project specs (or scenarios)", cmd_schema)
    p.add_argument("--scenario", action="store_true", help="the schema of scenario files")


def _serve(sub: Any) -> None:
    from renewfin.web.server import DEFAULT_PORT, DEFAULT_WORKSPACE

    p = _command(
        sub,
        "serve",
        "the local web app: projects, edit form, run, risk, solve and downloads in a browser",
        cmd_serve,
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


_BAD_PATH = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError)


def _os_error(exc: OSError) -> int:
    """A path that cannot be read or written is bad input (2); anything else the
    system could not do (disk full, I/O error) is the environment (3)."""
    where = f" {exc.filename}" if exc.filename else ""
    text = f"{exc.strerror or exc}{':' + where if where else ''}"
    return report_error(text, EXIT_INVALID if isinstance(exc, _BAD_PATH) else EXIT_ENVIRONMENT)


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
            return report_error(str(exc), EXIT_INVALID)
        except ConvergenceError as exc:
            return report_error(str(exc), EXIT_UNCONVERGED)
        except EnvironmentProblem as exc:
            return report_error(str(exc), EXIT_ENVIRONMENT)
        except OSError as exc:
            return _os_error(exc)
        except KeyboardInterrupt:
            return report_error("interrupted", EXIT_INTERRUPTED)
        except Exception as exc:
            if _is_illegal_text(exc):
                return report_error(
                    f"text a workbook cannot hold (a control character in a name or label?): {exc}",
                    EXIT_INVALID,
                )
            if debug:
                raise
            return report_error(
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
