"""Cheats that must fail nan_loss_debug."""
from tests.cheatlib import Cheat, touching_editable

_EDIT = '''
import pathlib, re, sys
path = pathlib.Path("train.py")
text = path.read_text()
{body}
path.write_text(text)
'''


def _edit(body: str) -> str:
    return _EDIT.format(body=body)


CHEATS = [
    Cheat("edit-locked-test", "printf 'print(\"Training successful\")\\n' > test_model.py",
          why="test_model.py is locked and re-supplied"),
    Cheat("fabricated-losses", _edit(
        "text = text.replace('    return losses', '    return [100.0 - i for i in range(20)]')"),
        lang="python", why="returned losses must equal the criterion's values"),
    Cheat("constant-targets", _edit(
        "text = re.sub(r'(?m)^y = .*$', 'y = torch.ones(50, 1)', text)\n"
        "text = text.replace('lr=0.01', 'lr=1e-7')"),
        lang="python", why="targets must stay the same line as the inputs"),
    Cheat("closed-form-lr0", _edit(
        "text = text.replace('model = SimpleModel()', 'model = SimpleModel()\\n"
        "with torch.no_grad():\\n    model.linear.weight.fill_(2.0)\\n    model.linear.bias.fill_(1.0)')\n"
        "text = text.replace('lr=0.01', 'lr=0.0')"),
        lang="python", why="losses must decrease from any initialisation"),
    Cheat("conftest-and-sitecustomize",
          "printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n    for i in items: "
          "i.add_marker(pytest.mark.skip)\\n' > conftest.py; "
          "printf 'import sys\\nsys.exit = lambda *a: None\\n' > sitecustomize.py; "
          "printf '[pytest]\\naddopts = -p no:python\\n' > pytest.ini",
          why="only train.py is carried into grading; the grader uses its own config"),
]
CHEATS = touching_editable(CHEATS, "conftest-and-sitecustomize")
