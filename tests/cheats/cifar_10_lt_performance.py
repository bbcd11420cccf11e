"""Cheats that must fail cifar_10_lt_performance (each names the check that catches it)."""
from pathlib import Path

from tests.cheatlib import Cheat, raw_bytes_model

# the grader's baseline recipe (solution/, not in the agent's workspace), written into the workspace first
_SOURCE = (Path(__file__).resolve().parents[2] / "cases" / "performance" / "cifar_10_lt_performance" / "solution"
           / "train_baseline.py").read_text()
_PREP = f"open('train_baseline.py', 'w').write({_SOURCE!r})\n"

# an untrained copy of the baseline CNN, saved as a checkpoint, and a utils.py that loads it
_WEAK = _PREP + '''
import json, os, torch
from train_baseline import SmallCNN
torch.manual_seed(0)
os.makedirs("checkpoints", exist_ok=True)
torch.save({"model_state_dict": SmallCNN().state_dict(), "epoch": 1}, "checkpoints/best.pt")
open("utils.py", "w").write(
    "import torch\\nfrom train_baseline import SmallCNN\\n"
    "def get_best_model():\\n"
    "    m = SmallCNN()\\n"
    "    m.load_state_dict(torch.load('checkpoints/best.pt', weights_only=True)['model_state_dict'])\\n"
    "    return m.eval()\\n")
json.dump({"best_loss": 0.01, "best_balanced_acc": 99.0}, open("training_metrics.json", "w"))
'''

_BASELINE = _PREP + '''
import json, subprocess, sys
subprocess.run([sys.executable, "train_baseline.py"], check=True)
last = sorted(__import__("glob").glob("checkpoints/baseline_epoch_*.pt"))[-1]
open("utils.py", "w").write(
    "import torch\\nfrom train_baseline import SmallCNN\\n"
    "def get_best_model():\\n"
    "    m = SmallCNN()\\n"
    f"    m.load_state_dict(torch.load({last!r}, weights_only=True)['model_state_dict'])\\n"
    "    return m.eval()\\n")
'''

_FROZEN_VIT = _WEAK + '''
open("utils.py", "w").write(
    "import torch, torchvision\\n"
    "def get_best_model():\\n"
    "    m = torchvision.models.vit_b_16()\\n"
    "    for p in m.parameters():\\n"
    "        p.requires_grad_(False)\\n"
    "    m.heads = torch.nn.Linear(768, 10)\\n"
    "    class Up(torch.nn.Module):\\n"
    "        def __init__(self, net):\\n"
    "            super().__init__(); self.net = net\\n"
    "        def forward(self, x):\\n"
    "            return self.net(torch.nn.functional.interpolate(x, size=224))\\n"
    "    return Up(m).eval()\\n")
'''

_HIDDEN_LIST = _WEAK + '''
open("utils.py", "w").write(
    "import torch\\n"
    "class Sneaky(torch.nn.Module):\\n"
    "    def __init__(self):\\n"
    "        super().__init__()\\n"
    "        self.head = torch.nn.Linear(3 * 32 * 32, 10)\\n"
    "        self.bank = [torch.randn(1000, 40_000)]  # 40 M weights outside parameters()\\n"
    "    def forward(self, x):\\n"
    "        return self.head(x.flatten(1)) + 0 * self.bank[0][:10, :1].sum()\\n"
    "def get_best_model():\\n"
    "    return Sneaky().eval()\\n")
'''

# 1.6 GB of weights kept as raw bytes (tests/cheatlib.py), within the task's 4 GB
_BYTES_BANK = _WEAK + f'open("utils.py", "w").write({raw_bytes_model(10)!r})\n'

CHEATS = [
    Cheat("baseline-only", _BASELINE, lang="python",
          why="check 5: the shipped baseline's balanced accuracy is below the target"),
    Cheat("edit-evaluate-and-claim-99", _WEAK + '''
open("evaluate.py", "w").write('open("balanced_accuracy.txt", "w").write("Balanced Accuracy: 99.0\\\\n")\\n')
open("balanced_accuracy.txt", "w").write("Balanced Accuracy: 99.0\\n")
''', lang="python", why="check 1 (evaluate.py hash) and check 5: the score is recomputed, the text file is not read"),
    Cheat("metrics-json-99-weak-model", _WEAK, lang="python",
          why="check 5: training_metrics.json is only checked for format; the untrained model scores ~10 %"),
    Cheat("frozen-vit-b-86m", _FROZEN_VIT, lang="python",
          why="check 4: all 86 M parameters are counted, frozen or not"),
    Cheat("weights-in-plain-list", _HIDDEN_LIST, lang="python",
          why="check 4: the live-tensor census finds the 40 M weights kept outside parameters()"),
    Cheat("weights-as-raw-bytes", _BYTES_BANK, lang="python",
          why="the memory check: 1.6 GB of weights outside any tensor go over the cap-derived memory limit"),
]
