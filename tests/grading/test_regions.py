"""grading/regions.py: only the allowed regions of a given module may change (AST allow-list)."""
from pytest_mldevbench.grading.regions import region_problems

GIVEN = '''"""Doc."""
import torch

SCALE = 2


class Free:
    def __init__(self):
        raise NotImplementedError


class Model(torch.nn.Module):
    size = 3

    def __init__(self):
        super().__init__()
        self.a = Free()

    def forward(self, x):
        raise NotImplementedError

    def helper(self):
        return 1


def given(x):
    return x * SCALE
'''


def edit(old, new):
    assert old in GIVEN
    return GIVEN.replace(old, new)


ALLOWED = {"Free", "Model.forward"}


def test_writing_the_allowed_regions_passes():
    ok = edit("    def forward(self, x):\n        raise NotImplementedError",
              "    def forward(self, x):\n        '''New doc.'''\n        return self.extra(x)\n\n"
              "    def extra(self, x):\n        return x")
    ok = ok.replace("class Free:\n    def __init__(self):\n        raise NotImplementedError",
                    "class Free(torch.nn.Module):\n    def __init__(self):\n        super().__init__()")
    ok = "import math\nTensor = torch.Tensor\nLIMIT = 4\n" + ok + "\n\nif __name__ == '__main__':\n    print(1)\n"
    assert region_problems(GIVEN, ok, ALLOWED) == []


def test_changes_outside_the_allowed_regions_are_named():
    cases = {
        "Model.helper changed": edit("return 1", "return 2"),
        "given changed": edit("return x * SCALE", "return x"),
        "signature or decorators changed": edit("def forward(self, x):", "def forward(self, x, y=None):"),
        "class Model: bases": edit("class Model(torch.nn.Module):", "class Model(object):"),
        "class-level statements changed": edit("    size = 3", "    size = 4"),
        "given module statement changed": edit("SCALE = 2", "SCALE = 3"),
        "module-level code that runs at import": GIVEN + "\ntorch.manual_seed(0)\n",
        "rebinds given name": GIVEN + "\nSCALE = 5\n",
        "assigns to an attribute of given class": GIVEN + "\ndef f():\n    Model.forward = None\n",
        "decorator runs code at import time": GIVEN + "\n@torch.jit.script\ndef g(x):\n    return x\n\n"
                                                   "@(lambda f: f)\ndef h(x):\n    return x\n",
        "must be defined exactly once": GIVEN.replace("def given(x):\n    return x * SCALE\n", ""),
        "does not parse": "def (",
    }
    for expected, text in cases.items():
        problems = region_problems(GIVEN, text, ALLOWED)
        assert any(expected in p for p in problems), (expected, problems)


def test_it_is_not_a_name_deny_list():
    """The rule is about where code changed, not what it calls: reaching os through torch is not its business
    (the judge decides on values), so an allowed region may contain anything."""
    text = edit("    def forward(self, x):\n        raise NotImplementedError",
                "    def forward(self, x):\n        torch.os.system('true')\n        return x")
    assert region_problems(GIVEN, text, ALLOWED) == []
