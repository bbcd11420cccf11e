"""Where trials run: `local` (in this pytest process or its xdist workers) or `ray` (tasks on a Ray cluster).

The plugin asks `create()` for the executor of the session once; a remote executor submits every trial
when collection ends and hands each test item its finished record (replayed like `--mldb-resume`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..options import RunConfig
from ..results import TrialResult

EXECUTORS = ("local", "ray")


def create(cfg: RunConfig, rootdir: Path, plugin_args: list[str],
           finished: Callable[[Path], TrialResult | None]):
    """The executor of this session (cfg.executor was validated by options.parse)."""
    if cfg.executor == "ray":
        from .ray import RayExecutor
        return RayExecutor(cfg, rootdir=rootdir, plugin_args=plugin_args, finished=finished)
    from .local import LocalExecutor
    return LocalExecutor()


def plugin_args(invocation_args) -> list[str]:
    """The `-p NAME` arguments of the controller's command line (e.g. `-p tests.cheat_agents`), which a
    nested session on a node needs to know the same agents."""
    args, out = list(invocation_args), []
    for i, arg in enumerate(args):
        if arg == "-p" and i + 1 < len(args):
            out += ["-p", args[i + 1]]
        elif arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
            out += ["-p", arg[2:]]
    return out
