"""The `mldevbench` command: build the task environment, print a report, manage assets."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import taskenv
from .errors import MldbError


def _env_build(args) -> int:
    venv = taskenv.ensure(progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(taskenv.python_of(venv))
    return 0


def _env_path(args) -> int:
    print(taskenv.python_of(taskenv.env_dir()))
    return 0


def _report(args) -> int:
    from .report import json_report, table
    report = json_report.load(Path(args.results))
    print(table.render(report))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mldevbench", description="ML-Dev-Bench harness utilities")
    sub = p.add_subparsers(dest="command", required=True)
    env = sub.add_parser("env", help="the task environment").add_subparsers(dest="env_command", required=True)
    env.add_parser("build", help="build (or reuse) the cached task environment; print its python").set_defaults(func=_env_build)
    env.add_parser("path", help="print the task environment's python (without building)").set_defaults(func=_env_path)
    rep = sub.add_parser("report", help="print the summary table of a JSON report")
    rep.add_argument("results", help="a report written by --mldb-json")
    rep.set_defaults(func=_report)
    try:
        from .assets.commands import add_subcommands
    except ImportError:
        pass
    else:
        add_subcommands(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (MldbError, ValueError, OSError) as exc:
        print(f"mldevbench: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
