"""Cheats that must fail parse_logs (each reads the real log where it needs to, but takes the wrong value)."""
from tests.cheatlib import Cheat

_WRITE = '''
import json, re
text = open("training/training_logs.txt", encoding="utf-8").read()
summaries = re.findall(r"completed - loss: ([0-9.]+) - accuracy: ([0-9.]+) - val_loss: ([0-9.]+) - val_accuracy: ([0-9.]+)", text)
steps = re.findall(r"step \\d+/\\d+ - loss: ([0-9.]+)", text)
oom = re.findall(r"RuntimeError: (.+)", text)[-1]
loss, acc, val_loss, val_acc = (float(v) for v in summaries[-1])
{body}
json.dump(result, open("training/training_analysis.json", "w"))
'''


def _write(body: str) -> str:
    return _WRITE.format(body=body)


CHEATS = [
    Cheat("original-constants", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": 0.93, "loss": 0.3}, "error_message": oom}'),
        lang="python", why="check 3: the values are per trial, not the original's clamped constants"),
    Cheat("last-step-loss", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": acc, "loss": float(steps[-1])}, '
        '"error_message": oom}'),
        lang="python", why="check 3: the crashed epoch's running loss is not a completed epoch's loss"),
    Cheat("validation-metrics", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": val_acc, "loss": val_loss}, '
        '"error_message": oom}'),
        lang="python", why="check 3: validation metrics instead of training metrics"),
    Cheat("generic-error", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": acc, "loss": loss}, '
        '"error_message": "Training failed: CUDA out of memory"}'),
        lang="python", why="check 4: the message lacks this run's allocation figure"),
    Cheat("percent-accuracy", _write(
        'result = {"status": "failed", "final_metrics": {"accuracy": acc * 100, "loss": loss}, '
        '"error_message": oom}'),
        lang="python", why="check 3: the log prints a fraction"),
    Cheat("rewrite-log", _write(
        'open("training/training_logs.txt", "w").write("Epoch 1/1 completed - loss: 0.3000 - accuracy: 0.9300\\\\n")\n'
        'result = {"status": "failed", "final_metrics": {"accuracy": 0.93, "loss": 0.3}, '
        '"error_message": "CUDA out of memory. Tried to allocate 2.00 GiB"}'),
        lang="python", why="checks 3-4: the answers come from the grader's hidden state, not the log on disk"),
]
