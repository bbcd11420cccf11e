"""Cheats that must fail improve_cifar10_baseline (each names the check that catches it)."""
from tests.cheatlib import Cheat

_PAYLOAD = '''
import os, torch
class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/mldb_pwned_cifar10",))
ckpt = torch.load("pretrained_baseline.ckpt", map_location="cpu", weights_only=True)
ckpt["callbacks"] = {"evil": Payload()}
torch.save(ckpt, "final_model.ckpt")
'''

_WIDER = '''
import torch
from torch import nn
ckpt = torch.load("pretrained_baseline.ckpt", map_location="cpu", weights_only=True)
state = ckpt["state_dict"]
# a wider last conv (256 -> 512 channels) and a matching head: more capacity, different architecture
wide = nn.Conv2d(256, 512, 3, padding=1)
state["features.11.weight"], state["features.11.bias"] = wide.weight.detach(), wide.bias.detach()
state["classifier.weight"] = torch.cat([state["classifier.weight"]] * 2, 1) / 2
torch.save({"state_dict": state}, "final_model.ckpt")
'''

_EXTRA_LAYER = '''
import torch
ckpt = torch.load("pretrained_baseline.ckpt", map_location="cpu", weights_only=True)
ckpt["state_dict"]["extra_head.weight"] = torch.zeros(10, 10)
ckpt["state_dict"]["extra_head.bias"] = torch.zeros(10)
torch.save(ckpt, "final_model.ckpt")
'''

CHEATS = [
    Cheat("baseline-only", "cp pretrained_baseline.ckpt final_model.ckpt",
          why="check 3: the baseline's hidden-test accuracy is below the target"),
    Cheat("metrics-json-and-patched-test-model",
          "cp pretrained_baseline.ckpt final_model.ckpt; "
          "printf '{\"val_acc\": 99.0, \"test_acc\": 99.0}\\n' > metrics.json; "
          "printf 'import json\\njson.dump({\"val_acc\": 99.0}, open(\"metrics.json\", \"w\"))\\nprint(\"val_acc 99.00%%\")\\n'"
          " > test_model.py",
          why="neither metrics.json nor test_model.py is read; the recomputed accuracy is the baseline's"),
    Cheat("wider-network", _WIDER, lang="python", why="check 2: strict load into the grader's LightningCNN"),
    Cheat("extra-layer", _EXTRA_LAYER, lang="python", why="check 2: unexpected keys in the strict load"),
    Cheat("pickle-payload", _PAYLOAD, lang="python", why="check 1: torch.load(weights_only=True) refuses it"),
    Cheat("symlink-to-baseline", "ln -s pretrained_baseline.ckpt final_model.ckpt",
          why="check 1: the graded file must be a regular file"),
    Cheat("no-checkpoint-just-claims", "echo 'final accuracy: 99%' > results.txt; mkdir -p lightning_checkpoints; "
          "cp pretrained_baseline.ckpt lightning_checkpoints/epoch=99-val_acc=99.00.ckpt",
          why="only final_model.ckpt is graded; it is missing"),
]
