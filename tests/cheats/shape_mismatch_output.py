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
          why="a probe process that exits leaves no observation: every judged probe fails"),
    Cheat("zeros-forward", _edit(
        f"text = text.replace({_FORWARD!r}, '        return torch.zeros(x.size(0), 10)\\n' + {_FORWARD!r})"),
        lang="python", why="the logits must be the replayed layers' and gradients must flow"),
    Cheat("slice-input", _edit(
        f"text = text.replace({_FORWARD!r}, '        x = x[:, :, :32, :32]\\n' + {_FORWARD!r})"),
        lang="python", why="the first convolution's input must be the grading-time image itself"),
    Cheat("delete-convs", _edit(
        "text = re.sub(r'self\\.features = nn\\.Sequential\\(.*?\\n        \\)\\n', "
        "'self.features = nn.Sequential(nn.AdaptiveAvgPool2d((16, 16)))\\n', text, flags=re.S)\n"
        "text = text.replace('nn.Linear(128 * 16 * 16', 'nn.Linear(3 * 16 * 16')"),
        lang="python", why="the two given convolutions must be applied"),
    Cheat("edit-locked-input-size",
          "sed -i 's/224, 224/32, 32/' run_model.py",
          why="run_model.py is locked (protected-file check)"),
    Cheat("bias-only-output", _edit(
        f"text = text.replace({_FORWARD!r}, "
        "'        return self.classifier.bias.expand(x.size(0), -1) + 0 * x.mean()\\n' + " f"{_FORWARD!r})"),
        lang="python", why="the logits must come from the model's own layers (replayed by the judge)"),
    Cheat("detached-features", _edit(
        "text = text.replace('x = self.features(x)', 'x = self.features(x).detach()')\n"
        "text = text.replace('128 * 16 * 16', '128 * 112 * 112')"),
        lang="python", why="gradients must reach every parameter as in the judge's replay"),
    Cheat("conftest-and-sitecustomize",
          "printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n    for i in items: "
          "i.add_marker(pytest.mark.skip)\\n' > conftest.py; "
          "printf 'import torch\\n_f = torch.nn.Linear.forward\\n"
          "torch.nn.Linear.forward = lambda self, x: _f(self, x.flatten(1)[:, :self.in_features])\\n' > sitecustomize.py; "
          "printf '[pytest]\\naddopts = -p no:python\\n' > pytest.ini",
          why="only classifier_model.py is carried into grading; the grader uses its own config"),
]
CHEATS = touching_editable(CHEATS, "conftest-and-sitecustomize")
