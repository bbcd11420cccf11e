"""basic_vision_finetuning's check 10 (hidden/check_steps.py): its permutation test passes a step made without the
image-label pairing at most as often as its threshold says, whatever shared structure the gains carry, and passes
the gains of a step that learned the pairing."""
import json
import subprocess
import tomllib
from pathlib import Path

CASE = Path(__file__).resolve().parents[2] / "cases" / "training" / "basic_vision_finetuning"

PROBE = r'''
import json, sys, torch
from check_steps import pairing_test
alpha, trials = float(sys.argv[1]), int(sys.argv[2])
g = torch.Generator().manual_seed(0)
out = {"null": {}, "learned": {}}
for batch in (16, 32):  # the task's batch sizes
    passes, learned = 0, []
    for _ in range(trials):
        labels = torch.randint(0, 10, (batch,), generator=g)
        # a step independent of the pairing: terms of one image, of one class, a strong shared trend (class
        # weights times image sizes, as a second batch leaves) and noise, none of them drawn from the labels
        trend = torch.randn(10, generator=g)[None] * torch.rand(batch, 1, generator=g) * 5
        null = torch.randn(batch, 1, generator=g) + torch.randn(1, 10, generator=g) + trend \
            + 0.3 * torch.randn(batch, 10, generator=g)
        gains = {"eval": null.double(), "train": (null + 0.1 * torch.randn(batch, 10, generator=g)).double()}
        passes += pairing_test(gains, labels, 2000)[0] <= alpha
        # a head step on the batch: class c gains sum_k [y_k = c] f_k . f_i, with correlated features
        features = torch.randn(batch, 16, generator=g).double() + 2.0
        step = (features @ features.T) @ torch.nn.functional.one_hot(labels, 10).double()
        learned.append(pairing_test({"eval": step + trend.double(), "train": step}, labels, 2000)[0])
    out["null"][batch] = passes / trials
    out["learned"][batch] = max(learned)
print(json.dumps(out))
'''


def test_pairing_test_is_exact_under_the_null_and_passes_a_learned_step(task_python):
    alpha = tomllib.loads((CASE / "task.toml").read_text())["thresholds"]["smoke"]["max_pairing_p"]
    trials = 400
    proc = subprocess.run([task_python, "-c", PROBE, str(alpha * 5), str(trials)], cwd=CASE / "hidden",
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    # at 5 x the threshold (enough passes to count): at most that rate, plus 3 standard deviations of the count
    bound = alpha * 5 + 3 * (alpha * 5 * (1 - alpha * 5) / trials) ** 0.5
    assert all(rate <= bound for rate in out["null"].values()), out
    assert all(p <= alpha for p in out["learned"].values()), out
