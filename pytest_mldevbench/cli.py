"""The `mldevbench` command: build the task environment, print, compare and plan reports, manage assets, parity table."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from . import taskenv
from .errors import MldbError

USAGE = 4  # bad input to `plan` (as pytest's usage errors)
DEFAULT_REPORT = "mldb-out/report.json"  # where a session with the default --mldb-out writes its report


class BadInput(MldbError):
    """A usage error of a subcommand: one line, exit status USAGE."""


def _env_build(args) -> int:
    """Build the task environment and, with --agents, agents' own environments, all at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    from .agents import registry
    names = [n for n in (args.agents or "").split(",") if n]
    agents = registry.discover()
    unknown = [n for n in names if n not in agents]
    if unknown:
        raise MldbError(f"unknown agent(s) {', '.join(unknown)}; known: {', '.join(sorted(agents))}")
    given = os.environ.get("MLDB_TASK_PYTHON")  # an existing environment: nothing to build for the tasks
    with ThreadPoolExecutor(max_workers=1 + len(names)) as pool:
        task_env = None if given else pool.submit(taskenv.ensure, progress=lambda msg: print(msg, file=sys.stderr,
                                                                                              flush=True))
        builds = {n: pool.submit(agents[n].setup) for n in names if agents[n].setup is not None}
        python = given or taskenv.python_of(task_env.result())
        for name, build in builds.items():
            build.result()
            print(f"agent environment ready: {name}", file=sys.stderr)
    if given:
        print(f"task environment: {given} (MLDB_TASK_PYTHON; not built)", file=sys.stderr)
    print(python)
    return 0


def _env_path(args) -> int:
    print(taskenv.python_of(taskenv.env_dir()))
    return 0


def _trial_of(report: dict, wanted: str) -> dict:
    """The trial `wanted` names: its trial id, its folder's name, or a part of its id that only it has."""
    trials = report.get("trials") or []
    for t in trials:
        if wanted in (t.get("trial_id"), Path(t.get("artifacts_dir") or "").name):
            return t
    found = [t for t in trials if wanted in str(t.get("trial_id"))]
    if len(found) == 1:
        return found[0]
    if found:
        raise BadInput(f"--trial {wanted!r} matches {len(found)} trials: "
                       + ", ".join(str(t.get("trial_id")) for t in found[:5]) + (" ..." if len(found) > 5 else ""))
    raise BadInput(f"--trial {wanted!r} matches no trial of the report ({len(trials)} trials, e.g. "
                   + ", ".join(str(t.get("trial_id")) for t in trials[:3]) + ")")


def _print_trajectory(report: dict | None, wanted: str) -> int:
    from .report import trajectories
    if Path(wanted).is_dir():  # a trial folder: its own result.json, if any, gives the checks
        record = Path(wanted) / "result.json"
        try:
            t = json.loads(record.read_text(encoding="utf-8")) if record.is_file() else {}
        except ValueError:
            t = {}
        t = {**(t if isinstance(t, dict) else {}), "artifacts_dir": wanted}
        t.setdefault("trial_id", Path(wanted).name)
    elif report is None:
        raise BadInput(f"--trial {wanted!r}: give the report (mldevbench report RESULTS.json --trial ID) or a trial "
                       f"folder; no {DEFAULT_REPORT} here")
    else:
        t = _trial_of(report, wanted)
    doc = trajectories.read(t.get("artifacts_dir"))
    if doc is None:
        raise BadInput(f"trial {t.get('trial_id')} has no readable trajectory.json in {t.get('artifacts_dir')} "
                       "(an agent that made no LLM calls through the meter has none)")
    print(trajectories.text(doc, width=shutil.get_terminal_size((100, 20)).columns))
    checks = t.get("checks") or []
    print(f"outcome: {t.get('outcome')}" + (f" ({t.get('reason')})" if t.get("reason") else "")
          + f", checks {sum(bool(c.get('ok')) for c in checks)}/{len(checks)} ok")
    for c in checks:
        detail = f": {c.get('detail')}" if c.get("detail") else ""
        print(f"  {'ok  ' if c.get('ok') else 'FAIL'} {c.get('name')}{detail}")
    return 0


def _report(args) -> int:
    from .report import json_report, table
    results = args.results or (DEFAULT_REPORT if Path(DEFAULT_REPORT).is_file() else None)
    if args.trial:
        return _print_trajectory(json_report.load(Path(results)) if results else None, args.trial)
    if results is None:
        raise BadInput(f"give a report (RESULTS.json); no {DEFAULT_REPORT} here")
    report = json_report.load(Path(results))
    print(table.render(report))
    if args.html or args.screenshot:
        from .report import browser, html
        page = Path(args.html or Path(args.screenshot).with_suffix(".html"))
        html.write(report, page)
        print(f"html report: {page}")
        if args.screenshot:
            browser.screenshot(page, Path(args.screenshot))
            print(f"screenshot: {args.screenshot}")
    return 0


def _compare(args) -> int:
    from .report import compare, json_report
    base, new = json_report.load(Path(args.base)), json_report.load(Path(args.new))
    try:
        comparisons = compare.compare(base, new, alpha=args.alpha, min_drop=args.min_drop)
        note = compare.unpaired_note(base, new)
    except (KeyError, TypeError, AttributeError) as exc:  # a report of the right schema but not its shape
        raise ValueError(f"a report is malformed: {type(exc).__name__}: {exc}") from None
    if args.json:
        import json
        print(json.dumps(compare.to_json(comparisons, note), indent=2))
    else:
        print(compare.render_markdown(comparisons) if args.markdown else compare.render_text(comparisons))
        if note:
            print(("\n_" + note + "_") if args.markdown else note)
    return 1 if args.fail_if_worse and not compare.gate(comparisons) else 0


def _parity(args) -> int:
    """Render docs/parity.md from the cases' [upstream] tables, or check that a file is up to date."""
    from . import parity
    tasks = parity.load_cases(Path(args.cases))
    if not tasks:
        raise MldbError(f"no cases under {args.cases} (expected <category>/<task_id>/task.toml)")
    if args.check:
        if parity.check(tasks, Path(args.check)):
            return 0
        print(f"mldevbench: {args.check} is out of date; run `{parity.COMMAND}`", file=sys.stderr)
        return 1
    text = parity.render(tasks)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def _fraction(name: str, value: float, closed: bool = False) -> float:
    if not (0 < value <= 1 if closed else 0 < value < 1):
        raise BadInput(f"{name} must be a fraction in (0, 1{']' if closed else ')'}, e.g. 0.1 for 10 points; "
                       f"got {value:g}")
    return value


def _plan(args) -> int:
    from .report import json_report, plan
    drop = _fraction("--drop", args.drop, closed=True)
    alpha, target = _fraction("--alpha", args.alpha), _fraction("--power", args.power)
    try:
        base = json_report.load(Path(args.base))
        plans = plan.plan(base, drop, alpha, target)
    except OSError as exc:
        raise BadInput(f"cannot read {args.base}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInput(f"{args.base} is not a usable report: {type(exc).__name__}: {exc}") from None
    if not plans:
        raise BadInput(f"{args.base} has no graded trial to plan from")
    print(plan.render(plans))
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mldevbench", description="ML-Dev-Bench harness utilities")
    sub = p.add_subparsers(dest="command", required=True)
    env = sub.add_parser("env", help="the task environment").add_subparsers(dest="env_command", required=True)
    build = env.add_parser("build", help="build (or reuse) the cached task environment; print its python")
    build.add_argument("--agents", metavar="A,B", help="also build these agents' environments (in parallel)")
    build.set_defaults(func=_env_build)
    env.add_parser("path", help="print the task environment's python (without building)").set_defaults(func=_env_path)
    rep = sub.add_parser("report", help="print the summary table of a JSON report")
    rep.add_argument("results", nargs="?", help=f"a report written by --mldb-json (default: {DEFAULT_REPORT})")
    rep.add_argument("--html", metavar="OUT.html", help="also write a self-contained HTML report")
    rep.add_argument("--screenshot", metavar="OUT.png", help="also render the HTML report to a PNG (needs Chromium)")
    rep.add_argument("--trial", metavar="ID", help="print this trial's trajectory and checks instead (its trial id, "
                     "folder name, a part of its id only it has, or its folder)")
    rep.set_defaults(func=_report)
    cmp_ = sub.add_parser("compare", help="compare two JSON reports task by task, with a statistical gate")
    cmp_.add_argument("base", help="the baseline report")
    cmp_.add_argument("new", help="the report of the change")
    cmp_.add_argument("--fail-if-worse", action="store_true", help="exit 1 when NEW is significantly worse")
    cmp_.add_argument("--markdown", action="store_true", help="print a markdown summary (for a PR comment)")
    cmp_.add_argument("--alpha", type=float, default=0.05, help="significance level of the gate (default 0.05)")
    cmp_.add_argument("--min-drop", type=float, default=0.0,
                      help="only fail when the mean success drops by more than this fraction (default 0)")
    cmp_.add_argument("--json", action="store_true",
                      help="print the comparison as JSON (p-values, verdicts, minimum detectable drops)")
    cmp_.set_defaults(func=_compare)
    par = sub.add_parser("parity", help="the parity table with the original benchmark (docs/parity.md)")
    par.add_argument("--cases", default="cases", help="the cases folder (default: ./cases)")
    dest = par.add_mutually_exclusive_group()
    dest.add_argument("--out", metavar="FILE", help="write the markdown to FILE (default: print it)")
    dest.add_argument("--check", metavar="FILE", help="exit 1 unless FILE is what would be written")
    par.set_defaults(func=_parity)
    pln = sub.add_parser("plan", help="runs per task the gate needs to detect a drop, with expected cost and time")
    pln.add_argument("base", help="the baseline report")
    pln.add_argument("--drop", type=float, required=True, metavar="D",
                     help="the drop in mean success to detect, as a fraction (0.1 = 10 points)")
    pln.add_argument("--alpha", type=float, default=0.05, help="significance level of the gate (default 0.05)")
    pln.add_argument("--power", type=float, default=0.8, help="probability of detecting the drop (default 0.8)")
    pln.set_defaults(func=_plan)
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
    except BadInput as exc:
        print(f"mldevbench {args.command}: {exc}", file=sys.stderr)
        return USAGE
    except (MldbError, ValueError, OSError) as exc:
        print(f"mldevbench: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
