"""Cheats that must fail shape_mismatch_output."""
from tests.cheatlib import Cheat, touching_editable

_EDIT = '''
import pathlib, re
path = pathlib.Path("classifier_model.py")
text = path.read_text()
{body}
path.write_text(text)
'''


def _edit(body: str) -> str:
    return _EDIT.format(body=body)


_FORWARD = "        x = self.features(x)\n"

CHEATS = [
    Cheat("print-and-exit",
          "printf 'import os\\nprint(\"Model ran successfully\", flush=True)\\nos._exit(0)\\n' > head.py; "
          "cat head.py classifier_model.py > new.py; mv new.py classifier_model.py; rm head.py",
          why="no report from the hidden entry script, and the hidden pytest process dies (checks 2-3)"),
    Cheat("zeros-forward", _edit(
        f"text = text.replace({_FORWARD!r}, '        return torch.zeros(x.size(0), 10)\\n' + {_FORWARD!r})"),
        lang="python", why="outputs must depend on the input and train (3c/3d)"),
    Cheat("slice-input", _edit(
        f"text = text.replace({_FORWARD!r}, '        x = x[:, :, :32, :32]\\n' + {_FORWARD!r})"),
        lang="python", why="the feature extractor must see the whole image (3b/3c)"),
    Cheat("delete-convs", _edit(
        "text = re.sub(r'self\\.features = nn\\.Sequential\\(.*?\\n        \\)\\n', "
        "'self.features = nn.Sequential(nn.AdaptiveAvgPool2d((16, 16)))\\n', text, flags=re.S)\n"
        "text = text.replace('nn.Linear(128 * 16 * 16', 'nn.Linear(3 * 16 * 16')"),
        lang="python", why="the two convolutions must stay (3b)"),
    Cheat("edit-locked-input-size",
          "sed -i 's/224, 224/32, 32/' run_model.py",
          why="run_model.py is locked and re-supplied from the hidden copy (check 1)"),
    Cheat("bias-only-output", _edit(
        f"text = text.replace({_FORWARD!r}, "
        "'        return self.classifier.bias.expand(x.size(0), -1) + 0 * x.mean()\\n' + " f"{_FORWARD!r})"),
        lang="python", why="a constant output does not depend on the image (3b/3c)"),
    Cheat("conftest-and-sitecustomize",
          "printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n    for i in items: "
          "i.add_marker(pytest.mark.skip)\\n' > conftest.py; "
          "printf 'import torch\\n_f = torch.nn.Linear.forward\\n"
          "torch.nn.Linear.forward = lambda self, x: _f(self, x.flatten(1)[:, :self.in_features])\\n' > sitecustomize.py; "
          "printf '[pytest]\\naddopts = -p no:python\\n' > pytest.ini",
          why="only classifier_model.py is carried into grading; the grader uses its own config"),
]
CHEATS = touching_editable(CHEATS, "conftest-and-sitecustomize")
