"""Generator of parse_logs' training log: a long run that crashes with CUDA OOM part-way through an epoch.

Pure standard library (it runs in the harness process at prepare time). `generate(seed)` returns the log
text and the expected answers; the same seed always gives the same bytes.
"""
from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta

MIN_LINES = 8000
MIN_BYTES, MAX_BYTES = 820_000, 1_480_000
MODELS = ["resnet50", "efficientnet_b0", "vit_small_patch16", "convnext_tiny", "resnet34", "densenet121"]
OPTIMISERS = ["AdamW", "SGD", "Adam", "RMSprop"]


def _fmt(v: float) -> str:
    return f"{v:.4f}"


class _Clock:
    def __init__(self, rng: random.Random):
        self.t = datetime(2024, 1, 1) + timedelta(days=rng.randint(0, 700), seconds=rng.randint(0, 86399))
        self.rng = rng

    def stamp(self, level: str, min_s: float = 0.4, max_s: float = 2.5) -> str:
        self.t += timedelta(seconds=self.rng.uniform(min_s, max_s))
        return f"{self.t:%Y-%m-%d %H:%M:%S},{self.t.microsecond // 1000:03d} - {level} - "


def _render(seed: int, extra_per_epoch: float) -> tuple[list[str], dict]:
    rng = random.Random(seed)
    clock = _Clock(rng)
    total = rng.randint(120, 250)
    crash = rng.randint(math.ceil(0.6 * total), total - 5)
    steps = rng.randint(40, 60)  # step lines per epoch
    batches = steps * rng.choice([10, 20, 25, 50])
    config = {
        "batch_size": rng.choice([32, 64, 96, 128, 256]),
        "learning_rate": rng.choice([1e-3, 5e-4, 3e-4, 1e-4, 0.01, 0.05]),
        "optimizer": rng.choice(OPTIMISERS),
        "epochs": total,
        "model": rng.choice(MODELS),
        "weight_decay": rng.choice([0.0, 1e-4, 5e-4, 0.01]),
        "num_workers": rng.choice([4, 8, 16]),
    }
    lines = [
        clock.stamp("INFO") + "=" * 60,
        clock.stamp("INFO") + f"Starting training run {rng.getrandbits(32):08x}",
        clock.stamp("INFO") + "=" * 60,
        clock.stamp("INFO") + f"Dataset path: /data/datasets/imagenet_subset_{rng.randint(10, 99)}/train",
        clock.stamp("INFO") + "Training configuration:",
    ]
    lines += json.dumps(config, indent=4).splitlines()
    lines.append(clock.stamp("INFO") + f"Model {config['model']} built: {rng.randint(5, 90)}.{rng.randint(0, 9)}M parameters")
    lines.append("")

    # Smooth curves plus noise: loss falls towards a per-run floor, accuracy rises towards a per-run ceiling.
    loss0, loss_floor = rng.uniform(2.0, 2.6), rng.uniform(0.15, 0.45)
    acc0, acc_ceiling = rng.uniform(0.08, 0.2), rng.uniform(0.82, 0.95)
    tau = rng.uniform(0.25, 0.45) * total
    val_gap_loss, val_gap_acc = rng.uniform(0.05, 0.25), rng.uniform(0.02, 0.09)
    lr = config["learning_rate"]
    last = None
    for epoch in range(1, crash + 1):
        progress = 1.0 - math.exp(-epoch / tau)
        loss = loss0 + (loss_floor - loss0) * progress + rng.gauss(0, 0.012)
        acc = acc0 + (acc_ceiling - acc0) * progress + rng.gauss(0, 0.006)
        # every summary value differs from a round number: redraw noise until it does
        while round(acc, 4) * 1000 == int(round(acc, 4) * 1000):
            acc += 0.00013
        running = loss + rng.uniform(0.05, 0.3)
        extra_budget = extra_per_epoch
        for step in range(1, steps + 1):
            running += (loss - running) * 0.12 + rng.gauss(0, 0.01)
            lines.append(clock.stamp("INFO") + f"Epoch {epoch}/{total} - step {step}/{steps} - loss: {_fmt(running)}")
            n_extra = int(extra_budget / (steps - step + 1) + rng.random())
            extra_budget -= n_extra
            for _ in range(n_extra):
                lines.append(clock.stamp("DEBUG", 0.01, 0.2) + rng.choice([
                    f"data loader: fetched batch {rng.randint(1, batches)} in {rng.uniform(0.01, 0.4):.3f}s",
                    f"grad norm {rng.uniform(0.1, 8.0):.3f} (clip at 10.0)",
                    f"throughput {rng.uniform(300, 2400):.1f} samples/s",
                    f"GPU memory allocated {rng.uniform(6, 14):.2f} GiB, reserved {rng.uniform(14, 15.5):.2f} GiB",
                ]))
            if epoch == crash and step == max(5, int(steps * rng.uniform(0.3, 0.9))):
                break
        if epoch == crash:
            break
        if rng.random() < 0.08:
            lines.append("")
        if rng.random() < 0.05:
            lines.append(clock.stamp("WARNING") + f"Gradient norm spiked to {rng.uniform(12, 60):.2f}, clipping applied")
        vl = loss + val_gap_loss + rng.gauss(0, 0.02)
        va = acc - val_gap_acc + rng.gauss(0, 0.01)
        lines.append(clock.stamp("INFO") + f"Epoch {epoch}/{total} completed - loss: {_fmt(loss)} - accuracy: "
                     f"{_fmt(acc)} - val_loss: {_fmt(vl)} - val_accuracy: {_fmt(va)}")
        last = (round(acc, 4), round(loss, 4), round(va, 4), round(vl, 4))
        if epoch % rng.choice([5, 10]) == 0:
            lines.append(clock.stamp("INFO") + f"Checkpoint saved to checkpoints/epoch_{epoch:03d}.pt")
        if rng.random() < 0.04:
            lr *= 0.5
            lines.append(clock.stamp("INFO") + f"Learning rate changed to {lr:.2e}")
        if rng.random() < 0.03:
            lines.append(clock.stamp("WARNING") + f"Data loader worker {rng.randint(0, 7)} slow: "
                         f"{rng.uniform(2, 9):.1f}s for one batch")
    tried = round(rng.uniform(1.0, 9.5), 2)
    capacity = round(rng.choice([15.78, 23.65, 39.39, 79.15]), 2)
    allocated = round(capacity - rng.uniform(0.3, 1.5), 2)
    free = round(rng.uniform(0.05, 0.9), 2)
    reserved = round(allocated + rng.uniform(0.05, 0.4), 2)
    oom = (f"CUDA out of memory. Tried to allocate {tried:.2f} GiB (GPU 0; {capacity:.2f} GiB total capacity; "
           f"{allocated:.2f} GiB already allocated; {free:.2f} GiB free; {reserved:.2f} GiB reserved in total by PyTorch)")
    lines += [
        clock.stamp("WARNING") + f"Memory usage spike detected: {capacity - rng.uniform(0.1, 0.3):.2f} GiB of "
                                 f"{capacity:.2f} GiB in use",
        clock.stamp("ERROR") + f"RuntimeError: {oom}",
        clock.stamp("ERROR") + f"Training failed during epoch {crash}",
        "Traceback (most recent call last):",
        '  File "train.py", line 212, in <module>',
        "    main()",
        '  File "train.py", line 198, in main',
        "    train_one_epoch(model, loader, optimizer, epoch)",
        '  File "train.py", line 141, in train_one_epoch',
        "    outputs = model(images)",
        '  File "/usr/lib/python3/site-packages/torch/nn/modules/module.py", line 1511, in _wrapped_call_impl',
        "    return self._call_impl(*args, **kwargs)",
        f"RuntimeError: {oom}",
    ]
    expected = {"seed": seed, "total_epochs": total, "crash_epoch": crash, "accuracy": last[0], "loss": last[1],
                "val_accuracy": last[2], "val_loss": last[3], "tried_gib": f"{tried:.2f}",
                "tried_text": f"Tried to allocate {tried:.2f} GiB", "oom_message": oom}
    return lines, expected


def generate(seed: int) -> tuple[str, dict]:
    """(log text, expected answers); sized to at least MIN_LINES lines and MIN_BYTES..MAX_BYTES bytes."""
    rng = random.Random(seed ^ 0x5EED)
    target = rng.uniform(0.9e6, 1.3e6)  # bytes
    lines, expected = _render(seed, 0.0)
    base_size = len("\n".join(lines).encode())
    extra = max(0.0, (target - base_size) / 90.0 / expected["crash_epoch"])  # ~90 bytes per extra line
    for _ in range(20):
        lines, expected = _render(seed, extra)
        text = "\n".join(lines) + "\n"
        size = len(text.encode())
        if len(lines) >= MIN_LINES and MIN_BYTES <= size <= MAX_BYTES:
            return text, expected
        per_line = (size - base_size) / max(1.0, extra * expected["crash_epoch"]) if extra > 0 else 90.0
        want = max(target - base_size, (MIN_LINES + 200 - len(lines)) * per_line + (size - base_size))
        extra = max(0.0, want / max(per_line, 1.0) / expected["crash_epoch"])
    raise RuntimeError(f"log generator: seed {seed} gave {len(lines)} lines, {size} bytes")


if __name__ == "__main__":
    import sys
    text, exp = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    sys.stdout.write(text)
    print(json.dumps(exp), file=sys.stderr)
