"""The torchvision mirror redirection for a task environment the harness did not build (MLDB_TASK_PYTHON).

The harness puts this folder first on PYTHONPATH in the sandbox, read-only, so every Python process there
imports this module at start-up: nothing is written into that environment. It loads
`mldevbench_tv_mirror` (a no-op without MLDB_TORCHVISION_MIRROR), then runs the environment's own
`sitecustomize`, if it has one, which this module shadows. (The venv the harness builds gets the same
redirection from a .pth file instead, which survives a PYTHONPATH that a command replaces.)
"""
import importlib.machinery
import importlib.util
import os
import sys

import mldevbench_tv_mirror  # noqa: F401


def _run_shadowed() -> None:
    here = os.path.dirname(os.path.realpath(__file__))
    path = [p for p in sys.path if os.path.realpath(p or os.curdir) != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None or os.path.realpath(spec.origin or "") == os.path.realpath(__file__):
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[__name__] = module
    spec.loader.exec_module(module)


_run_shadowed()
