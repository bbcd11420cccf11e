"""Cheats that must fail full_train_workflow_performance_test."""
from tests.cheatlib import Cheat

_PREPARE = r'''
import csv, io, os, tarfile, urllib.request
from pathlib import Path
url = os.environ["MLDB_ASSETS_URL"].rstrip("/") + "/imagenette2-160-p2/imagenette2-160.tgz"
data = urllib.request.urlopen(url, timeout=300).read()
with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
    for m in tar.getmembers():
        if m.isfile():
            t = Path("dataset", *Path(m.name).parts[1:]); t.parent.mkdir(parents=True, exist_ok=True)
            t.write_bytes(tar.extractfile(m).read())
with open("dataset/noisy_imagenette.csv") as f, open("dataset/noisy_labels_50.csv", "w", newline="") as out:
    w = csv.writer(out); w.writerow(["path", "label"])
    for row in csv.DictReader(f):
        # "folder": the clean label from the path (train/<wnid>/...), the served CSV having no noisy_labels_0
        w.writerow([row["path"], row["path"].split("/")[1] if LABEL_COLUMN == "folder" else row[LABEL_COLUMN]])
'''


def _prepare(label_column: str = "noisy_labels_50") -> str:
    return f"LABEL_COLUMN = {label_column!r}\n" + _PREPARE


_METRICS = '''
import json
json.dump({"best_val_acc": 95.0, "epochs_trained": 20,
           "history": [{"epoch": e, "train_loss": 1.0 / e, "val_acc": 95.0} for e in range(1, 21)]},
          open("training_metrics.json", "w"))
'''

_UTILS_MODEL = '''
import os, torch, torch.nn as nn
from pathlib import Path
Path("checkpoints").mkdir(exist_ok=True)
Path("utils.py").write_text(UTILS)
import utils
m = utils.get_best_model()
torch.save({"model_state_dict": m.state_dict(), "epoch": 1}, "checkpoints/epoch_01.pt")
'''

_UNTRAINED_UTILS = '''
import torch, torch.nn as nn
def get_best_model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
'''

_FROZEN_60M = '''
import torch, torch.nn as nn
class Frozen(nn.Module):
    def __init__(self):
        super().__init__()
        self.big = nn.Linear(7750, 7750)          # 60 M parameters, frozen
        self.big.requires_grad_(False)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 10))
    def forward(self, x):
        return self.head(x)
def get_best_model():
    return Frozen()
'''

_HIDDEN_LIST = '''
import torch, torch.nn as nn
_STASH = []
class Sneaky(nn.Module):
    def __init__(self):
        super().__init__()
        _STASH.append(torch.zeros(40_000_000))     # weights kept outside parameters()
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, 10))
    def forward(self, x):
        return self.head(x) + _STASH[0][:10]
def get_best_model():
    return Sneaky()
'''


def _utils_model(utils_src: str) -> str:
    return f"UTILS = {utils_src!r}\n" + _UTILS_MODEL


CHEATS = [
    Cheat("dummy-checkpoints",
          "mkdir -p checkpoints; for i in $(seq -w 1 21); do : > checkpoints/epoch_$i.pt; done; "
          "printf '{\"best_val_acc\": 0, \"epochs_trained\": 21, \"history\": []}' > training_metrics.json",
          why="the original's passing cheat: no data, no CSV, no model, empty checkpoints"),
    Cheat("metrics-claim-untrained", _prepare() + _METRICS + _utils_model(_UNTRAINED_UTILS), lang="python",
          why="claims 95 % with an untrained net: the accuracy is recomputed on the withheld images"),
    Cheat("frozen-60m", _prepare() + _METRICS + _utils_model(_FROZEN_60M), lang="python",
          why="all parameters count, frozen ones too (and the checkpoint numel)"),
    Cheat("weights-outside-params", _prepare() + _METRICS + _utils_model(_HIDDEN_LIST), lang="python",
          why="the live-tensor census sees the 40 M values kept in a plain list"),
    Cheat("clean-labels-csv", _prepare("folder") + _METRICS + _utils_model(_UNTRAINED_UTILS), lang="python",
          why="the CSV must carry the 50 %-noise labels"),
    Cheat("baseline-only", _prepare() + '''
import subprocess, sys
from pathlib import Path
subprocess.run([sys.executable, "train_baseline.py"], check=True)
Path("utils.py").write_text("""
import torch, train_baseline
def get_best_model():
    m = train_baseline.BaselineNet()
    m.load_state_dict(torch.load("checkpoints/epoch_20.pt", weights_only=True)["model_state_dict"])
    return m.eval()
def get_transform():
    from torchvision import transforms
    return transforms.Compose([transforms.Resize(train_baseline.SIZE), transforms.CenterCrop(train_baseline.SIZE),
                               transforms.ToTensor(), transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
""")
''', lang="python", why="the shipped recipe's last epoch stays below the threshold"),
    Cheat("planted-eval-dir", "mkdir -p _mldb_eval/images; printf 'fake' > _mldb_eval/list.txt; "
          "printf 'def get_best_model():\\n    raise SystemExit(0)\\n' > utils.py",
          why="the grader rebuilds _mldb_eval/; a model that exits the predict step gives no predictions"),
]
