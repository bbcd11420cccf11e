"""Grading: the vocabulary validators use (GradingContext) and the rule it serves.

A process that imports or runs agent code is untrusted: what it writes, prints or exits with is an
observation. Verdicts come from trusted code that never imports agent code: the validator in the harness
process, or a judge process that runs only hidden reference code on data files (docs/architecture.md).

    context.py      GradingContext: checks, files, untrusted runs (run, run_tests, observe), trusted runs
                    (inputs, judge, reference), assets, W&B, log
    files.py        containment of paths the agent wrote, bounded reads, JSON, finite numbers
    probes.py       the observe loop's parts: probe plan, watchdog, laundering of outputs
    judge_session.py  one judge process for a probing trial's inputs and judge steps
    regions.py      the region rule of implementation tasks (AST allow-list; fairness, not security)
    budget.py       grading_timeout_s shared by a trial's graded runs
    commands.py     ScriptResult / PytestResult (observations)
    classifier.py   the CIFAR-style prediction step
    scripts/        run in the task environment: probe_runner.py (untrusted side), judge_runner.py and
                    mldb_judge.py and adam_evidence.py (judge side), classifier_*.py
"""
from .commands import PytestResult, ScriptResult
from .context import GradingContext
from .probes import Inputs, Observations

__all__ = ["GradingContext", "Inputs", "Observations", "PytestResult", "ScriptResult"]
