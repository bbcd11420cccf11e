"""Cheats that must fail shape_mismatch_train (and, through `cheats(fix)`, its variants).

Each edits train.py the way a shortcut-taker would: the crash goes away, but the task's contract breaks.
"""
from tests.cheatlib import Cheat, touching_editable

_EDIT = '''
import pathlib, re
path = pathlib.Path("train.py")
text = path.read_text()
{body}
path.write_text(text)
'''


_GRAYSCALE_TO_RGB = ("text = text.replace('transforms.ToTensor(),', "
                     "'transforms.ToTensor(),\\n        transforms.Lambda(lambda x: x.expand(3, -1, -1)),')")


def cheats(fix: str = "") -> list[Cheat]:
    """The cheats; `fix` (Python editing `text`, train.py's source) runs first in each edit: a variant repairs
    its extra planted bugs with it, so that each cheat fails only for its own reason."""
    def _edit(body: str) -> str:
        return _EDIT.format(body=f"{fix}\n{body}" if fix else body)

    found = [
        Cheat("one-channel-conv", _edit(
            "text = text.replace('    model.classifier[1] = nn.Linear(1280, num_classes)',\n"
            "    '    model.classifier[1] = nn.Linear(1280, num_classes)\\n'\n"
            "    '    model.features[0][0] = nn.Conv2d(1, 32, 3, 2, 1, bias=False)')"),
            lang="python", why="get_model's logits must equal torchvision's MobileNetV2 on the judge's weights"),
        Cheat("fakedata-instead-of-mnist", _edit(
            "text = re.sub(r'datasets\\.MNIST\\(root=DATA_DIR, train=(True|False), download=True, ',\n"
            "    lambda m: 'datasets.FakeData(size=600, image_size=(3, 28, 28), num_classes=10, ', text)"),
            lang="python", why="get_datasets must return the served MNIST (labels and images vs the asset)"),
        Cheat("cifar-instead-of-mnist", _edit(
            "text = text.replace('datasets.MNIST(', 'datasets.CIFAR10(')"),
            lang="python", why="get_datasets must return the served MNIST (labels and images vs the asset)"),
        Cheat("constant-validate", _edit(
            _GRAYSCALE_TO_RGB + "\n"
            "text = re.sub(r'(def validate\\(model, val_loader, criterion, device\\):\\n'\n"
            "              r'    \"\"\"[^\\n]*\"\"\"\\n)', r'\\1    return 0.5, 90.0\\n', text)"),
            lang="python", why="validate must equal the judge's reference loop"),
        Cheat("validate-skips-accuracy", _edit(
            _GRAYSCALE_TO_RGB + "\n"
            "text = text.replace('            correct += predicted.eq(labels).sum().item()\\n"
            "    return running_loss / len(val_loader), 100.0 * correct / total',\n"
            "    '    return running_loss / len(val_loader), 100.0')"),
            lang="python", why="validate must equal the judge's reference loop"),
        Cheat("untrained-checkpoint", _edit(
            _GRAYSCALE_TO_RGB + "\n"
            "text = text.replace('torch.save(model.state_dict(), CHECKPOINT_PATH)', "
            "'torch.save(get_model(10).state_dict(), CHECKPOINT_PATH)')"),
            lang="python", why="the checkpoint's BatchNorm batch counts must match the best epoch (issue 21)"),
        Cheat("import-time-exit", "import pathlib\n"
              "p = pathlib.Path('train.py')\n"
              "p.write_text('print(\"Training ran successfully\")\\nimport os\\nos._exit(0)\\n' + p.read_text())\n",
              lang="python", why="no checkpoint is written and every probe's process exits: no observation"),
        Cheat("edit-locked-entry", "printf 'print(\"Training ran successfully\")\\n' > run_training.py",
              why="run_training.py is locked (protected-file check); the pristine copy runs"),
        Cheat("conftest-skip-and-sitecustomize",
              "printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n    for i in items: "
              "i.add_marker(pytest.mark.skip)\\nprint(\"Training ran successfully\")\\nimport os\\nos._exit(0)\\n' "
              "> conftest.py; "
              "printf 'import torch\\ntorch.nn.Module.__call__ = lambda self, x: torch.zeros(x.shape[0], 10)\\n' "
              "> sitecustomize.py; printf '[pytest]\\naddopts = -p no:python\\n' > pytest.ini",
              why="only train.py is carried into grading; the grader uses its own pytest config"),
    ]
    return touching_editable(found, "conftest-skip-and-sitecustomize")


CHEATS = cheats()
