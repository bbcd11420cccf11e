"""Cheats that must fail training_files_debug.

Some cheats need a real training run; they apply the oracle's patch script (embedded in the cheat's own
script, since the sandbox cannot read the solution) somewhere and run train.py, then take one shortcut.
"""
from pathlib import Path

from tests.cheatlib import Cheat, touching_editable

_FIX = (Path(__file__).resolve().parents[2] / "cases" / "debugging" / "training_files_debug" / "solution"
        / "fix.py").read_text()

_RUN = '''
import os, subprocess, sys
def run_training(script="train.py"):
    env = dict(os.environ, WANDB_MODE="offline")
    subprocess.run([sys.executable, script], env=env, check=True)
'''


def _fixed_then(body: str, root: str = ".") -> str:
    """Apply the oracle patch to <root>/cifar10_classifier, then run `body`."""
    return f"import sys\nsys.argv = ['fix.py', {root!r}]\n" + _FIX + "\n" + _RUN + "\n" + body


_HANDWRITTEN = r'''
import json, pathlib, torch
pathlib.Path("checkpoints").mkdir(exist_ok=True)
torch.save({"epoch": 1, "global_step": 126, "state_dict": {}}, "checkpoints/cifar10-epoch=01-val_loss=1.23.ckpt")
pathlib.Path("training.log").write_text("run_id=abc12345\nepoch=0 val_loss=1.500000 val_acc=0.400000\n"
                                        "epoch=1 val_loss=1.230000 val_acc=0.500000\ntraining complete\n")
json.dump({"project_id": "cifar10-training", "run_id": "abc12345", "run_url": None}, open("wandb_info.json", "w"))
pathlib.Path("wandb/offline-run-20250101_000000-abc12345").mkdir(parents=True, exist_ok=True)
pathlib.Path("wandb/offline-run-20250101_000000-abc12345/run-abc12345.wandb").write_bytes(b"")
'''

_RENAME = _fixed_then(r'''
run_training()
import pathlib, re
[ckpt] = pathlib.Path("checkpoints").glob("*.ckpt")
epoch = int(re.search(r"epoch=(\d\d)", ckpt.name).group(1))
ckpt.rename(ckpt.with_name(re.sub(r"epoch=\d\d", f"epoch={1 - epoch:02d}", ckpt.name)))
''')

# An untrained network behind real counters: the fixed package trains with learning rate 0 (the steps, Adam
# moments, BatchNorm statistics, log, W&B run and checkpoint name are all real), epoch 0's logged val_loss is
# inflated by 1 so the saved checkpoint is epoch 1's (whose logged value is true), then the package is restored and the saved
# learning rate forged back to 1e-3.
_UNTRAINED = _fixed_then(r'''
import pathlib, torch
model_py = pathlib.Path("cifar10_classifier/model.py")
fixed = model_py.read_text()
model_py.write_text(fixed.replace("learning_rate: float = 1e-3", "learning_rate: float = 0.0").replace(
    'self.log("val_loss", loss,', 'self.log("val_loss", loss + (self.current_epoch == 0),'))
run_training()
model_py.write_text(fixed)
[ckpt] = pathlib.Path("checkpoints").glob("*.ckpt")
state = torch.load(ckpt, map_location="cpu", weights_only=False)
for opt in state["optimizer_states"]:
    for group in opt["param_groups"]:
        group["lr"] = 1e-3
state.get("hyper_parameters", {})["learning_rate"] = 1e-3
torch.save(state, ckpt)
''')

# The same untrained run, then what a forger who knows the checks writes on top: every BatchNorm weight and bias
# moved by about +-0.001 (a mean shift of 0.0021 per layer, above the floor), the noise drawn again until the
# forger's own recomputation of the val loss stays within 0.01 of the name's, and Adam moments drawn at random
# (nonzero, finite, of a plausible size). Only the BatchNorm weights' displacement from their init (1, 0) along
# Adam's own step direction tells it apart.
_NOISED = _UNTRAINED + r'''
import re, timm, torch.nn.functional as F
from torch.utils.data import DataLoader
from cifar10_classifier.data import CIFAR10DataModule
data = CIFAR10DataModule(num_workers=0)
data.setup("fit")
named = float(re.search(r"val_loss=(\d+\.\d+)", ckpt.name).group(1))
state = torch.load(ckpt, map_location="cpu", weights_only=False)
clean = {k: v.clone() for k, v in state["state_dict"].items()}
net = timm.create_model("mobilenetv2_035", pretrained=False, num_classes=10).eval()
for seed in range(40):
    g = torch.Generator().manual_seed(seed)
    noised = {k: v + (0.001 if k.endswith(".weight") else 0.0011) * torch.sign(torch.randn(v.shape, generator=g))
              if ".bn" in k and k.endswith((".weight", ".bias")) else v for k, v in clean.items()}
    net.load_state_dict({k.removeprefix("model."): v for k, v in noised.items()})
    with torch.no_grad():
        losses = [(F.cross_entropy(net(x), y, reduction="sum").item(), len(y)) for x, y in DataLoader(data.cifar_val, batch_size=256)]
    if abs(sum(l for l, _ in losses) / sum(n for _, n in losses) - named) <= 0.01:
        break
state["state_dict"] = noised
for opt in state["optimizer_states"]:
    for moments in opt["state"].values():
        moments["exp_avg"] = 1e-3 * torch.randn(moments["exp_avg"].shape, generator=g)
        moments["exp_avg_sq"] = 1e-6 * torch.rand(moments["exp_avg_sq"].shape, generator=g) + 1e-7
torch.save(state, ckpt)
'''

_STANDALONE = _fixed_then(r'''
import pathlib, shutil
text = pathlib.Path("train.py").read_text()
pathlib.Path("my_train.py").write_text("import sys\nsys.path.insert(0, 'alt')\n" + text)
run_training("my_train.py")
''', root="alt").replace("import sys\nsys.argv", "import shutil\nshutil.copytree('cifar10_classifier', 'alt/cifar10_classifier')\nimport sys\nsys.argv", 1)

CHEATS = [
    Cheat("handwritten-artifacts", _HANDWRITTEN, lang="python",
          why="log, W&B run and checkpoint must be real and agree; the checkpoint is re-evaluated"),
    Cheat("rename-checkpoint-epoch", _RENAME, lang="python",
          why="the checkpoint must be epoch 1's (the original's rule), the logged argmin, and match its contents"),
    Cheat("untrained-forged-counters", _UNTRAINED, lang="python",
          why="an untrained network with real counters, moments, logs and W&B run: its BatchNorm weights never moved"),
    Cheat("untrained-noised-moments", _NOISED, lang="python",
          why="BatchNorm noise and random moments on an untrained network: the BatchNorm weights did not move "
              "from their init along Adam's step direction"),
    Cheat("edit-train-py",
          "sed -i \"s/monitor=\\\"val_loss\\\"/monitor=\\\"val\\/loss\\\"/g; "
          "s/from lightning.pytorch import/from pytorch_lightning import/\" train.py",
          why="train.py is locked (protected-file check)"),
    Cheat("standalone-training-script", _STANDALONE, lang="python",
          why="the package itself must be fixed: the probes import it and the judge compares it with the reference"),
    Cheat("sitecustomize-alias",
          "printf 'import sys, lightning.pytorch\\nsys.modules[\"pytorch_lightning\"] = lightning.pytorch\\n' "
          "> sitecustomize.py; printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n"
          "    for i in items: i.add_marker(pytest.mark.skip)\\n' > conftest.py",
          why="new files outside the package are not carried into grading"),
]
CHEATS = touching_editable(CHEATS, "sitecustomize-alias")
