"""Cheats that must fail parse_logs (each reads the real log where it needs to, but takes the wrong value)."""
from tests.cheatlib import Cheat

_WRITE = '''
import json, re
text = open("training/training_logs.txt", encoding="utf-8").read()
summaries = [tuple(float(v) for v in m) for m in re.findall(
    r"- loss: ([0-9.]+) - accuracy: ([0-9.]+) - val_loss: ([0-9.]+) - val_accuracy: ([0-9.]+)", text)]
oom = re.findall(r"RuntimeError: (.+)", text)[-1]
loss, acc, val_loss, val_acc = summaries[-1]
{body}
json.dump(result, open("training/training_analysis.json", "w"))
'''


def _write(body: str) -> str:
    return _WRITE.format(body=body)


CHEATS = [
    Cheat("original-constants", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": 0.93, "loss": 0.3}, "error_message": oom}'),
        lang="python", why="check 3: the values are per trial, not the original's clamped constants"),
    Cheat("best-epoch", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": max(s[1] for s in summaries), '
        '"loss": min(s[0] for s in summaries)}, "error_message": oom}'),
        lang="python", why="check 3: the best epoch's values are not the last completed epoch's"),
    Cheat("validation-metrics", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": val_acc, "loss": val_loss}, '
        '"error_message": oom}'),
        lang="python", why="check 3: validation metrics instead of training metrics"),
    Cheat("wrong-error-line", _write(
        'failed = re.findall(r"ERROR: (Training failed during epoch \\d+)", text)[-1]\n'
        'result = {"status": "failed", "final_metrics": {"accuracy": acc, "loss": loss}, "error_message": failed}'),
        lang="python", why="check 4: the message is not the CUDA out-of-memory error"),
    Cheat("percent-accuracy", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": acc * 100, "loss": loss}, '
        '"error_message": oom}'),
        lang="python", why="check 3: the log prints a fraction"),
    Cheat("rewrite-log", _write(
        'open("training/training_logs.txt", "w").write("[2024-01-01 00:00:00] INFO: Epoch 1/1 - loss: 0.300 - '
        'accuracy: 0.930 - val_loss: 0.300 - val_accuracy: 0.930\\n")\n'
        'result = {"status": "failed", "final_metrics": {"accuracy": 0.93, "loss": 0.3}, '
        '"error_message": "CUDA out of memory. Tried to allocate 2.00 GiB"}'),
        lang="python", why="check 3: the answers come from the grader's hidden state, not the log on disk"),
]
