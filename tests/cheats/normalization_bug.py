"""Cheats that must fail normalization_bug.

Where a cheat needs a working run to show which check catches it, it applies the real fix first
(`_FIX_VAL`: Normalize after ToTensor in the validation pipeline).
"""
from tests.cheatlib import Cheat, touching_editable

_EDIT = '''
import pathlib, re
path = pathlib.Path("train.py")
text = path.read_text()
{body}
path.write_text(text)
'''
_FIX_VAL = ("text = text.replace('        transforms.Resize(32),\\n        transforms.ToTensor(),\\n', "
            "'        transforms.Resize(32),\\n        transforms.ToTensor(),\\n"
            "        transforms.Normalize((0.1307,), (0.3081,)),\\n')\n")


def _edit(body: str) -> str:
    return _EDIT.format(body=body)


CHEATS = [
    Cheat("inflated-best-val-acc", _edit(_FIX_VAL + (
        "text = text.replace('\"best_val_acc\": best_val_acc}', '\"best_val_acc\": 97.5}')")),
        lang="python", why="best_val_acc must be the best val_acc of the history (the short run's, checked before the graded run, and the graded run's) and agree with the accuracy recomputed from best_model.pth"),
    Cheat("validate-on-train-split", _edit(_FIX_VAL + (
        "text = text.replace('datasets.MNIST(root=DATA_DIR, train=False,', 'datasets.MNIST(root=DATA_DIR, train=True,')")),
        lang="python", why="the val loader's labels and images must be the served MNIST test split"),
    Cheat("swap-normalize", _edit(_FIX_VAL + (
        "head, sep, tail = text.partition('    val_transform = ')\n"
        "text = head.replace('        transforms.Normalize((0.1307,), (0.3081,)),\\n', '') + sep + tail")),
        lang="python", why="normalising validation but not training is no consistent pair (dropping Normalize from "
                           "both is)"),
    Cheat("untrained-checkpoint", _edit(_FIX_VAL + (
        "text = text.replace('torch.save(model.state_dict(), CHECKPOINT_PATH)', "
        "'torch.save(get_model(10).state_dict(), CHECKPOINT_PATH)')")),
        lang="python", why="the checkpoint's BatchNorm batch counts must match the best epoch (the short run's, checked before the graded run, and the graded run's); the checkpoint is evaluated by the judge"),
    Cheat("edit-threshold-and-config",
          "sed -i 's/best_val_acc > 30/best_val_acc > 0/' run_training.py; "
          "sed -i 's/\"iterations_per_epoch\": 80/\"iterations_per_epoch\": 2/' config.json",
          why="locked files (protected-file check); the pristine run_training.py and the profile's config.json run anyway"),
    Cheat("import-time-exit", "import pathlib\n"
          "p = pathlib.Path('train.py')\n"
          "p.write_text('print(\"Training ran successfully\")\\nimport os\\nos._exit(0)\\n' + p.read_text())\n",
          lang="python", why="no checkpoint is written and every probe's process exits: no observation"),
    Cheat("conftest-skip-and-sitecustomize",
          "printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n    for i in items: "
          "i.add_marker(pytest.mark.skip)\\n' > conftest.py; "
          "printf 'import torch\\ntorch.nn.BatchNorm2d.forward = lambda self, x: "
          "torch.nn.functional.batch_norm(x, None, None, self.weight, self.bias, True)\\n' "
          "> sitecustomize.py",
          why="only train.py is carried into grading; the grader uses its own pytest config"),
]
CHEATS = touching_editable(CHEATS, "conftest-skip-and-sitecustomize")
