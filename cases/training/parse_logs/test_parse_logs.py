"""Validator for parse_logs: the log is generated at prepare time from a per-trial seed (hidden/log_generator.py);
the expected answers stay on the grading object, and the agent's JSON is read as bounded data."""
import importlib.util
import random
from pathlib import Path

LOG, RESULT = "training/training_logs.txt", "training/training_analysis.json"


def _hidden(name):
    spec = importlib.util.spec_from_file_location(f"parse_logs_{name}", Path(__file__).parent / "hidden" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prepare_workspace(grading):
    text, grading.parse_logs_expected = _hidden("log_generator").generate(random.SystemRandom().randrange(2**31))
    (grading.workspace / LOG).parent.mkdir(parents=True, exist_ok=True)
    (grading.workspace / LOG).write_text(text, encoding="utf-8")


def test_parse_logs(grading):
    expected, answer = grading.parse_logs_expected, _hidden("answer")
    data = grading.read_json(grading.snapshot / RESULT)
    if not grading.check_problems("1. training_analysis.json parses and has the required structure",
                                  answer.structure_problems(data)):
        data = {}
    grading.check("2. status is 'failed'", data.get("status") == "failed", f"got {data.get('status')!r}")
    metrics = data.get("final_metrics") or {}
    grading.check("3. training accuracy and loss of the last completed epoch",
                  answer.metrics_match(metrics, expected, grading.threshold("metric_tolerance")),
                  f"got {metrics}; expected the epoch {expected['crash_epoch'] - 1} summary values")
    message = data.get("error_message") or ""
    grading.check("4. error message names the CUDA out of memory error", "cuda out of memory" in message.lower(),
                  f"got {message[:300]!r}")
