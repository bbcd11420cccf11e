"""Cheats that must fail cifar100_performance (each names the check that catches it)."""
from pathlib import Path

from tests.cheatlib import Cheat, raw_bytes_model

# the grader's baseline recipe (solution/, not in the agent's workspace), written into the workspace first
_SOURCE = (Path(__file__).resolve().parents[2] / "cases" / "performance" / "cifar100_performance" / "solution"
           / "train_baseline.py").read_text()
_PREP = f"open('train_baseline.py', 'w').write({_SOURCE!r})\n"

# a real (short) W&B run and checkpoints through the shipped baseline, so that the cheats below isolate
# the prediction-step checks; the baseline as shipped trains on 10 % of the data (8 epochs in smoke, 30 in full)
_BASELINE = _PREP.replace("{", "{{").replace("}", "}}") + '''
import subprocess, sys
subprocess.run([sys.executable, "train_baseline.py", *{args}], check=True)
open("utils.py", "w").write(
    "import torch\\nfrom train_baseline import BaselineNet\\n"
    "def get_best_model():\\n"
    "    m = BaselineNet()\\n"
    "    m.load_state_dict(torch.load('best_checkpoint/model.pt', weights_only=True)['model_state_dict'])\\n"
    "    return m.eval()\\n")
'''

_FROZEN_VIT = _BASELINE.format(args=['--epochs', '1']) + '''
open("utils.py", "w").write(
    "import torch, torchvision\\n"
    "class Up(torch.nn.Module):\\n"
    "    def __init__(self):\\n"
    "        super().__init__()\\n"
    "        self.net = torchvision.models.vit_b_16()\\n"
    "        for p in self.net.parameters():\\n"
    "            p.requires_grad_(False)\\n"
    "        self.net.heads = torch.nn.Linear(768, 100)\\n"
    "    def forward(self, x):\\n"
    "        return {'logits': self.net(torch.nn.functional.interpolate(x, size=224))}\\n"
    "def get_best_model():\\n"
    "    return Up().eval()\\n")
'''

_MOST_FREQUENT = _BASELINE.format(args=['--epochs', '1']) + '''
open("utils.py", "w").write(
    "import torch\\n"
    "class MostFrequent(torch.nn.Module):\\n"
    "    def __init__(self):\\n"
    "        super().__init__()\\n"
    "        self.bias = torch.nn.Parameter(torch.zeros(100))\\n"
    "        self.bias.data[0] = 1.0\\n"
    "    def forward(self, x):\\n"
    "        return {'logits': self.bias.expand(len(x), 100)}\\n"
    "def get_best_model():\\n"
    "    return MostFrequent().eval()\\n")
'''

_SHRINK_EVAL = _BASELINE.format(args=['--epochs', '1']) + '''
import re
text = open("cifar100.py").read()
text = text.replace("hit = predictions == true_labels", "hit = torch.ones_like(true_labels, dtype=torch.bool)")
open("cifar100.py", "w").write(text)
'''

_FAKE_WANDB = _BASELINE.format(args=['--epochs', '1']) + '''
import json
json.dump({"project_id": "cifar100-classification", "run_id": "doesnotexist42"}, open("wandb_info.json", "w"))
'''

# 1.6 GB of weights kept as raw bytes (tests/cheatlib.py), within the task's 4 GB
_BYTES_BANK = (_BASELINE.format(args=['--epochs', '1'])
               + f'open("utils.py", "w").write({raw_bytes_model(100, logits_key="logits")!r})\n')

CHEATS = [
    Cheat("baseline-only", _BASELINE.format(args=[]), lang="python",
          why="check 5: the shipped baseline's accuracy is far below the target"),
    Cheat("frozen-vit-b-86m", _FROZEN_VIT, lang="python", why="check 4: all 86 M parameters are counted"),
    Cheat("weights-as-raw-bytes", _BYTES_BANK, lang="python",
          why="the memory check: 1.6 GB of weights outside any tensor go over the cap-derived memory limit"),
    Cheat("most-frequent-class", _MOST_FREQUENT, lang="python",
          why="check 5: no test data in the sandbox, a constant prediction scores about 1 %"),
    Cheat("edited-cifar100-metrics", _SHRINK_EVAL, lang="python",
          why="check 1: cifar100.py is hash-locked, and the prediction step uses the pristine copy"),
    Cheat("wandb-info-names-missing-run", _FAKE_WANDB, lang="python",
          why="check 3: the run named in wandb_info.json does not exist offline"),
    Cheat("eval-metrics-json-claims-99", _BASELINE.format(args=['--epochs', '1']) + '''
import json
json.dump({"accuracy": 0.99, "class_accuracies": {}, "num_parameters": 1000}, open("eval_metrics.json", "w"))
''', lang="python", why="check 5: eval_metrics.json is not read; the recomputed accuracy is the baseline's"),
]
