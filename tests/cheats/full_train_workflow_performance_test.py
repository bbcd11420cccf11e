"""Cheats that must fail full_train_workflow_performance_test."""
from tests.cheatlib import Cheat, raw_bytes_model

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
        # "folder": the clean label from the path (train/<wnid>/... in the original layout)
        w.writerow([row["path"], row["path"].split("/")[1] if LABEL_COLUMN == "folder" else row[LABEL_COLUMN]])
'''


def _prepare(label_column: str = "noisy_labels_50") -> str:
    return f"LABEL_COLUMN = {label_column!r}\n" + _PREPARE


_METRICS = '''
import json
json.dump({"best_val_acc": 95.0}, open("training_metrics.json", "w"))
'''

# the former workspace train_baseline.py (labels from the CSV): the trivial baseline calibrate_performance.py runs
_BASELINE = '''"""The former workspace baseline of the noisy Imagenette task (expects dataset/ and dataset/noisy_labels_50.csv to exist).

BaselineNet (2 conv layers, then an MLP; no batch norm), plain cross-entropy on the 50 %-noise labels, Adam
1e-3, no augmentation, 20 epochs. No model selection: the last epoch is the final model. Writes
checkpoints/epoch_XX.pt ({"model_state_dict", "epoch"}) and training_metrics.json.
"""
import csv
import json
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision.transforms import functional as TF

SIZE = 32 if os.environ.get("MLDB_PROFILE") == "smoke" else 64
EPOCHS, BATCH_SIZE, LR = 20, 64, 1e-3
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


class BaselineNet(nn.Module):
    def __init__(self, size=SIZE, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * (size // 4) ** 2, 1024)
        self.fc2 = nn.Linear(1024, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def load(path):
    img = Image.open(path).convert("RGB")
    img = TF.center_crop(TF.resize(img, SIZE), SIZE)
    return TF.normalize(TF.to_tensor(img), MEAN, STD)


def main():
    torch.manual_seed(0)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    with open("dataset/noisy_labels_50.csv") as f:
        rows = list(csv.DictReader(f))
    wnids = sorted({row["label"] for row in rows})
    train = [(row["path"], wnids.index(row["label"])) for row in rows if row["path"].startswith("train/")]
    val = [(row["path"], wnids.index(row["label"])) for row in rows if row["path"].startswith("val/")]
    xtr = torch.stack([load(Path("dataset") / p) for p, _ in train])
    ytr = torch.tensor([y for _, y in train])
    xva = torch.stack([load(Path("dataset") / p) for p, _ in val])
    yva = torch.tensor([y for _, y in val])
    model = BaselineNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    Path("checkpoints").mkdir(exist_ok=True)
    history = []
    for epoch in range(1, EPOCHS + 1):
        model.train()
        perm, total = torch.randperm(len(xtr)), 0.0
        for i in range(0, len(xtr), BATCH_SIZE):
            idx = perm[i:i + BATCH_SIZE]
            loss = F.cross_entropy(model(xtr[idx].to(device)), ytr[idx].to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(xva[i:i + 256].to(device)).argmax(1).cpu() for i in range(0, len(xva), 256)])
        val_acc = 100.0 * (pred == yva).float().mean().item()
        history.append({"epoch": epoch, "train_loss": total / len(xtr), "val_acc": val_acc})
        print(f"epoch {epoch}: train loss {total / len(xtr):.4f}, val acc {val_acc:.2f}%", flush=True)
        torch.save({"model_state_dict": model.state_dict(), "epoch": epoch}, f"checkpoints/epoch_{epoch:02d}.pt")
    with open("training_metrics.json", "w") as f:
        json.dump({"best_val_acc": history[-1]["val_acc"], "epochs_trained": EPOCHS, "history": history}, f, indent=2)


if __name__ == "__main__":
    main()
'''

# trains on the clean labels a path states (a <wnid> folder or a <wnid>_N file name): the shortcut of the original
# layout; the served copy names no class anywhere
_PATH_LABELS = r'''
import re
import numpy as np
import torch, torch.nn as nn, torch.nn.functional as F
from PIL import Image
wnids = sorted({r["label"] for r in csv.DictReader(open("dataset/noisy_labels_50.csv"))})
def path_label(rel):
    m = re.search(r"n[0-9]{8}", rel)
    return wnids.index(m.group(0)) if m else None
pairs = [(p, path_label(str(p.relative_to("dataset")))) for p in sorted(Path("dataset").rglob("*.JPEG"))]
pairs = [(p, y) for p, y in pairs if y is not None]
if not pairs:
    raise SystemExit("no path names a class")
def load(p):
    return torch.from_numpy(np.asarray(Image.open(p).convert("RGB").resize((32, 32)), np.float32) / 255).permute(2, 0, 1)
x, y = torch.stack([load(p) for p, _ in pairs]), torch.tensor([c for _, c in pairs])
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
opt = torch.optim.Adam(model.parameters(), 3e-3)
for epoch in range(15):
    for idx in torch.randperm(len(y)).split(64):
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(); loss.backward(); opt.step()
Path("checkpoints").mkdir(exist_ok=True)
torch.save({"model_state_dict": model.state_dict()}, "checkpoints/model.pt")
Path("utils.py").write_text("""
import torch, torch.nn as nn
from torchvision import transforms
def get_best_model():
    m = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, 1, 1), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))
    m.load_state_dict(torch.load("checkpoints/model.pt", weights_only=True)["model_state_dict"])
    return m.eval()
def get_transform():
    return transforms.Compose([transforms.Resize((32, 32)), transforms.ToTensor()])
""")
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
    Cheat("weights-as-raw-bytes", _prepare() + _METRICS + _utils_model(raw_bytes_model(10)), lang="python",
          why="the memory limit: 1.6 GB of weights outside any tensor go over the limit set from the parameter cap"),
    Cheat("clean-labels-csv", _prepare("folder") + _METRICS + _utils_model(_UNTRAINED_UTILS), lang="python",
          why="the CSV must carry the 50 %-noise labels (and no served path names a class)"),
    Cheat("labels-from-paths", _prepare() + _METRICS + _PATH_LABELS, lang="python",
          why="no served folder or file name states a class: nothing to train on, no checkpoint, no model"),
    Cheat("baseline-only", _prepare() + f"""
import subprocess, sys
Path("train_baseline.py").write_text({_BASELINE!r})
subprocess.run([sys.executable, "train_baseline.py"], check=True)
""" + '''
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
''', lang="python", why="plain cross-entropy on the noisy labels, last epoch: below the threshold"),
    Cheat("planted-eval-dir", "mkdir -p _mldb_eval/images; printf 'fake' > _mldb_eval/list.txt; "
          "printf 'def get_best_model():\\n    raise SystemExit(0)\\n' > utils.py",
          why="the grader rebuilds _mldb_eval/; a model that exits the predict step gives no predictions"),
]
