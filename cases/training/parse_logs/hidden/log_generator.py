"""Generator of parse_logs' training log, in the original benchmark's line format: a long run that stops with
CUDA OOM during the epoch after its last summary line.

Lines: `[YYYY-mm-dd HH:MM:SS] LEVEL: message`; a JSON configuration block; one summary line per finished epoch
`Epoch N/T - loss: x.xxx - accuracy: x.xxx - val_loss: x.xxx - val_accuracy: x.xxx`; random `Saving
checkpoint...`, `Learning rate adjusted` and blank lines; then the failure block (memory warning, the OOM
RuntimeError, `Training failed during epoch N`, a traceback). Values are drawn from the seed, so the answers
are per trial. Pure standard library (it runs in the harness process at prepare time); `generate(seed)`
returns the log text and the expected answers; the same seed always gives the same bytes.
"""
from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta

MODELS = ["ResNet50", "EfficientNetB0", "ViT-S/16", "ConvNeXt-T", "ResNet34", "DenseNet121"]
OPTIMISERS = ["Adam", "AdamW", "SGD", "RMSprop"]


def _curves(rng: random.Random, crash: int) -> list[tuple[float, float, float, float]]:
    """(loss, accuracy, val_loss, val_accuracy) for epochs 1..crash-1, rounded as printed (3 decimals)."""
    loss0, loss_floor = rng.uniform(2.5, 3.0), rng.uniform(0.15, 0.45)
    acc0, acc_ceiling = rng.uniform(0.08, 0.2), rng.uniform(0.82, 0.95)
    tau = rng.uniform(0.05, 0.2) * crash
    gap_loss, gap_acc = rng.uniform(0.05, 0.25), rng.uniform(0.02, 0.09)
    rows = []
    for epoch in range(1, crash):
        progress = 1.0 - math.exp(-epoch / tau)
        loss = loss0 + (loss_floor - loss0) * progress + rng.gauss(0, 0.012)
        acc = min(0.999, acc0 + (acc_ceiling - acc0) * progress + rng.gauss(0, 0.006))
        rows.append((round(loss, 3), round(acc, 3), round(loss + gap_loss + rng.gauss(0, 0.02), 3),
                     round(acc - gap_acc + rng.gauss(0, 0.01), 3)))
    # the last completed epoch is neither the best one nor a round number (so no shortcut lands on it)
    loss, acc, vl, va = rows[-1]
    loss = max(loss, min(r[0] for r in rows[:-1]) + 0.004)
    acc = min(acc, max(r[1] for r in rows[:-1]) - 0.004)
    loss, acc = (v + 0.001 if round(v * 1000) % 10 == 0 else v for v in (loss, acc))
    rows[-1] = (round(loss, 3), round(acc, 3), vl, va)
    return rows


def generate(seed: int) -> tuple[str, dict]:
    """(log text, expected answers): about 8,000-14,000 lines, 0.8-1.6 MB."""
    rng = random.Random(seed)
    t = datetime(2024, 1, 1) + timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86399))

    def stamp(level: str, seconds: float = 1.0) -> str:
        nonlocal t
        t += timedelta(seconds=seconds)
        return f"[{t:%Y-%m-%d %H:%M:%S}] {level}: "

    crash = rng.randint(7000, 10000)
    total = crash + rng.randint(5, 3000)
    config = {"batch_size": rng.choice([32, 64, 128, 256]), "learning_rate": rng.choice([1e-3, 5e-4, 3e-4, 1e-4]),
              "optimizer": rng.choice(OPTIMISERS), "epochs": total, "model_type": rng.choice(MODELS)}
    lines = [stamp("INFO") + "Starting training process",
             stamp("INFO") + f"Loading dataset from /data/datasets/subset_{rng.randint(10, 99)}",
             stamp("INFO") + "Model configuration:",
             stamp("INFO") + json.dumps(config, indent=4), ""]
    rows = _curves(rng, crash)
    for epoch, (loss, acc, vl, va) in enumerate(rows, start=1):
        stamp_ = stamp("INFO", rng.uniform(30, 90))
        if rng.random() < 0.1:
            lines.append(stamp_ + "Saving checkpoint...")
        if rng.random() < 0.05:
            lines.append(stamp_.replace("INFO", "WARNING") + f"Learning rate adjusted to {rng.uniform(1e-4, 1e-3):.6f}")
        lines.append(stamp_ + f"Epoch {epoch}/{total} - loss: {loss:.3f} - accuracy: {acc:.3f} - "
                              f"val_loss: {vl:.3f} - val_accuracy: {va:.3f}")
        if rng.random() < 0.2:
            lines.append("")
    tried, capacity = round(rng.uniform(1.0, 9.5), 1), rng.choice([8, 12, 16, 24, 40, 80])
    oom = f"CUDA out of memory. Tried to allocate {tried:.1f} GB on device with {capacity}GB total capacity"
    end = stamp("WARNING", rng.uniform(30, 90)).removesuffix("WARNING: ")
    lines += [end + "WARNING: Detected unusual memory spike during forward pass",
              end + f"ERROR: RuntimeError: {oom}",
              end + f"ERROR: Training failed during epoch {crash}",
              end + "ERROR: Stack trace:",
              "Traceback (most recent call last):",
              f'  File "train.py", line {rng.randint(150, 300)}, in train_step',
              "    outputs = model(inputs)",
              '  File "torch/nn/modules/module.py", line 1190, in _call_impl',
              "    return forward_call(*input, **kwargs)",
              f"RuntimeError: {oom}"]
    last = rows[-1]
    expected = {"seed": seed, "total_epochs": total, "crash_epoch": crash, "loss": last[0], "accuracy": last[1],
                "val_loss": last[2], "val_accuracy": last[3], "oom_message": oom}
    return "\n".join(lines) + "\n", expected


if __name__ == "__main__":
    import sys
    text, exp = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    sys.stdout.write(text)
    print(json.dumps(exp), file=sys.stderr)
