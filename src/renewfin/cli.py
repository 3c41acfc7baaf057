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
from renewfin.spec import SpecError, load_spec, project_schema
from renewfin.spec.io import atomic_write

EXIT_INVALID = 2
"""Exit status for invalid input (a bad spec or file)."""


def _cmd_validate(args: argparse.Namespace) -> int:
    spec = load_spec(args.file)
    print(f"OK: {args.file} is a valid spec ({spec.project.name}; "
          f"{len(spec.investment)} investment items, {len(spec.revenues)} revenue streams, "
          f"{len(spec.opex)} operating costs)")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from renewfin.engine import run
    from renewfin.summary import format_summary, json_document

    spec = load_spec(args.file)
    result = run(spec)
    print(format_summary(result))
    if args.json:
        text = json.dumps(json_document(result), ensure_ascii=False, indent=2) + "\n"
        atomic_write(args.json, lambda fh: fh.write(text))
        print(f"\nmetrics written to {args.json}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(project_schema(), ensure_ascii=False, indent=2))
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
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("schema", help="print the JSON Schema of project specs")
    p.set_defaults(func=_cmd_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``renewfin`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
