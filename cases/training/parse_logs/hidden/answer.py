"""The shape of parse_logs' answer (training/training_analysis.json), checked in the harness as bounded data."""
import math


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def structure_problems(data) -> list[str]:
    """What keeps `data` from having the prompt's structure (empty when it has it)."""
    if not isinstance(data, dict):
        return ["missing, not a regular file, not JSON or not an object"]
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


def metrics_match(metrics: dict, expected: dict, tolerance: float) -> bool:
    """Training accuracy and loss of the last completed epoch, within `tolerance`."""
    return all(_number(metrics.get(k)) and abs(metrics[k] - expected[k]) <= tolerance for k in ("accuracy", "loss"))
