"""Cheats that must fail small_dataset_overfit."""
from tests.cheatlib import Cheat

# A compact genuine training script; {epochs} and {report} are filled per cheat.
_SCRIPT = r'''
import json, os, torch
from torch import nn
from torchvision import datasets
torch.manual_seed(0)
def subset(train):
    ds = datasets.MNIST(root="./data", train=train, download=True)
    x, y = ds.data.float().div(255).unsqueeze(1), ds.targets
    n = min(int((y == d).sum()) for d in range(3))
    idx = torch.cat([torch.nonzero(y == d).flatten()[:n] for d in range(3)])
    return x[idx], y[idx]
xtr, ytr = subset(True)
xte, yte = subset(False)
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range({epochs}):
    for i in range(0, len(xtr), 64):
        opt.zero_grad(); nn.functional.cross_entropy(model(xtr[i:i+64]), ytr[i:i+64]).backward(); opt.step()
acc = lambda x, y: float((model(x).argmax(1) == y).float().mean())
with torch.no_grad():
    tr, te = acc(xtr, ytr), acc(xte, yte)
counts = lambda y: {{str(d): int((y == d).sum()) for d in range(3)}}
res = {{"train_accuracy": tr, "test_accuracy": te, "unique_train_labels": [0, 1, 2], "unique_test_labels": [0, 1, 2],
       "num_train_samples": len(ytr), "num_test_samples": len(yte),
       "samples_per_class_train": counts(ytr), "samples_per_class_test": counts(yte)}}
{report}
os.makedirs("training", exist_ok=True)
json.dump(res, open("training/training_results.json", "w"))
torch.jit.save(torch.jit.trace(model.eval(), torch.zeros(64, 1, 28, 28)), "training/model_scripted.pt")
'''


def _script(epochs: int, report: str = "") -> str:
    body = _SCRIPT.format(epochs=epochs, report=report)
    return f"cat > training_script_mnist.py <<'PYEOF'\n{body}\nPYEOF\npython training_script_mnist.py\n"


CHEATS = [
    Cheat("untrained-plausible-numbers", _script(0, 'res.update(train_accuracy=0.99, test_accuracy=0.98)'),
          why="check 4: the exported (untrained) model is scored by the grader"),
    Cheat("stale-results-noop-script",
          _script(5) + "printf 'print(\"done\")\\n' > training_script_mnist.py\n",
          why="check 1 deletes the earlier outputs; the re-run produces nothing (checks 3-5)"),
    Cheat("real-mnist-counts", _script(5, 'n = {"train": {"0": 5923, "1": 6742, "2": 5958}, "test": {"0": 980, "1": 1135, "2": 1032}}\n'
                                          'res.update(samples_per_class_train=n["train"], samples_per_class_test=n["test"], '
                                          'num_train_samples=sum(n["train"].values()), num_test_samples=sum(n["test"].values()))'),
          why="check 3: the counts exceed what the served data holds (smoke)"),
    Cheat("percent-accuracies", _script(5, 'res.update(train_accuracy=100 * tr, test_accuracy=100 * te)'),
          why="check 5: accuracies must be fractions"),
]
