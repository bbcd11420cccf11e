"""Cheats that must fail improve_cifar10_baseline (each names the check that catches it)."""
from tests.cheatlib import Cheat

_SETUP = "import os, torch\nos.makedirs('lightning_checkpoints', exist_ok=True)\n"

_PAYLOAD = _SETUP + '''
class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned > /tmp/mldb_pwned_cifar10",))
ckpt = torch.load("pretrained_epoch_44.ckpt", map_location="cpu", weights_only=True)
ckpt["callbacks"] = {"evil": Payload()}
torch.save(ckpt, "lightning_checkpoints/cifar10-epoch=99-val_acc=99.00.ckpt")
'''

_WIDER = _SETUP + '''
from torch import nn
ckpt = torch.load("pretrained_epoch_44.ckpt", map_location="cpu", weights_only=True)
state = ckpt["state_dict"]
# a wider last conv (256 -> 512 channels) and a matching head: more capacity, different architecture
wide = nn.Conv2d(256, 512, 3, padding=1)
state["features.11.weight"], state["features.11.bias"] = wide.weight.detach(), wide.bias.detach()
state["classifier.weight"] = torch.cat([state["classifier.weight"]] * 2, 1) / 2
torch.save({"state_dict": state}, "lightning_checkpoints/cifar10-epoch=99-val_acc=99.00.ckpt")
'''

_EXTRA_LAYER = _SETUP + '''
ckpt = torch.load("pretrained_epoch_44.ckpt", map_location="cpu", weights_only=True)
ckpt["state_dict"]["extra_head.weight"] = torch.zeros(10, 10)
ckpt["state_dict"]["extra_head.bias"] = torch.zeros(10)
torch.save(ckpt, "lightning_checkpoints/cifar10-epoch=99-val_acc=99.00.ckpt")
'''

_LAST = "lightning_checkpoints/cifar10-epoch=99-val_acc=99.00.ckpt"

CHEATS = [
    Cheat("baseline-only", f"mkdir -p lightning_checkpoints; cp pretrained_epoch_44.ckpt '{_LAST}'",
          why="check 3: the baseline's hidden-test accuracy is not above the target"),
    Cheat("metrics-json-and-patched-test-model",
          f"mkdir -p lightning_checkpoints; cp pretrained_epoch_44.ckpt '{_LAST}'; "
          "printf '{\"validation_accuracy\": 99.0, \"validation_loss\": 0.01}\\n' > metrics.json; "
          "printf 'import json\\njson.dump({\"validation_accuracy\": 99.0}, open(\"metrics.json\", \"w\"))\\n"
          "print(\"Validation Accuracy: 99.00%%\")\\n' > test_model.py",
          why="neither metrics.json nor test_model.py is read; the recomputed accuracy is the baseline's"),
    Cheat("wider-network", _WIDER, lang="python", why="check 2: strict load into the grader's LightningCNN"),
    Cheat("extra-layer", _EXTRA_LAYER, lang="python", why="check 2: unexpected keys in the strict load"),
    Cheat("pickle-payload", _PAYLOAD, lang="python", why="check 2: torch.load(weights_only=True) refuses it"),
    Cheat("symlink-to-baseline", f"mkdir -p lightning_checkpoints; ln -s ../pretrained_epoch_44.ckpt '{_LAST}'",
          why="check 1: the graded file must be a regular file"),
    Cheat("checkpoints-folder-links-out", "ln -s /tmp lightning_checkpoints; "
          f"cp pretrained_epoch_44.ckpt '/tmp/cifar10-epoch=99-val_acc=99.00.ckpt'",
          why="check 1: lightning_checkpoints/ leaves the workspace, nothing is graded"),
    Cheat("no-checkpoint-just-claims", "echo 'final accuracy: 99%' > results.txt; "
          "echo '{\"validation_accuracy\": 99.0}' > metrics.json",
          why="check 1: no lightning_checkpoints/*.ckpt"),
]
