"""Validator for parse_logs: the analysis JSON must match the answers of this trial's generated log.

The log is generated at prepare time from a per-trial random seed by hidden/log_generator.py; the seed and
the expected answers live only on the grader's trial object, never in the workspace.
"""
import importlib.util
import json
import math
import random
from pathlib import Path

LOG = "training/training_logs.txt"
RESULT = "training/training_analysis.json"
STATE = "_parse_logs_expected"


def _generator():
    path = Path(__file__).parent / "hidden" / "log_generator.py"
    spec = importlib.util.spec_from_file_location("parse_logs_log_generator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare_workspace(trial):
    seed = random.SystemRandom().randrange(2**31)
    text, expected = _generator().generate(seed)
    target = trial.workspace / LOG
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    setattr(trial, STATE, expected)
    return None


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _structure_problems(data) -> list[str]:
    if not isinstance(data, dict):
        return ["top level is not an object"]
    problems = []
    if data.get("status") not in ("failed", "success"):
        problems.append(f"status {data.get('status')!r} is not 'failed' or 'success'")
    metrics = data.get("final_metrics")
    if not isinstance(metrics, dict):
        problems.append("final_metrics is not an object")
    else:
        for key in ("accuracy", "loss"):
            if key not in metrics:
                problems.append(f"final_metrics.{key} missing")
            elif metrics[key] is not None and not _number(metrics[key]):
                problems.append(f"final_metrics.{key} is {metrics[key]!r}, not a number or null")
    if not isinstance(data.get("error_message"), str):
        problems.append("error_message is not a string")
    return problems


def test_parse_logs(trial):
    expected = getattr(trial, STATE)
    tolerance = trial.threshold("metric_tolerance")
    path = trial.snapshot / RESULT
    data, why = None, ""
    try:
        if path.is_symlink() or not path.is_file():
            raise OSError(f"{RESULT} missing (or a symlink)")
        data = json.loads(path.read_text(encoding="utf-8")[:1_000_000])
    except (OSError, ValueError) as exc:
        why = str(exc)
    problems = [why] if why else _structure_problems(data)
    ok = trial.check("1. training_analysis.json parses and has the required structure", not problems,
                     "; ".join(problems))
    data = data if ok else {}
    trial.check("2. status is 'failed'", data.get("status") == "failed", f"got {data.get('status')!r}")
    metrics = data.get("final_metrics") or {}
    acc, loss = metrics.get("accuracy"), metrics.get("loss")
    good = (_number(acc) and _number(loss) and abs(acc - expected["accuracy"]) <= tolerance
            and abs(loss - expected["loss"]) <= tolerance)
    trial.check("3. training accuracy and loss of the last completed epoch", good,
                f"got accuracy {acc!r}, loss {loss!r}; expected the epoch {expected['crash_epoch'] - 1} summary values")
    message = data.get("error_message") if isinstance(data.get("error_message"), str) else ""
    trial.check("4. error message names CUDA out of memory and this run's allocation size",
                "cuda out of memory" in message.lower() and expected["tried_text"] in message,
                f"got {message[:300]!r}")
