"""Cheats that must fail vit_debugging.

Several cheats start from a correct fix (the oracle's patch script, embedded in the cheat's own script,
since the sandbox cannot read the solution) and then take one shortcut.
"""
from pathlib import Path

from tests.cheatlib import Cheat, touching_editable

_FIX = (Path(__file__).resolve().parents[2] / "cases" / "debugging" / "vit_debugging" / "solution" / "fix.py").read_text()

_EDIT = '''
import pathlib
def edit(rel, old, new):
    path = pathlib.Path("dino_v2") / rel
    text = path.read_text()
    assert text.count(old) == 1, (rel, old)
    path.write_text(text.replace(old, new))
'''


def _after_fix(body: str) -> str:
    return _FIX + "\n" + _EDIT + "\n" + body


_WIDE_PATCH_CONV = _after_fix('''
edit("layers/patch_embed.py", "nn.Conv2d(in_chans, embed_dim,", "nn.Conv2d(in_chans, embed_dim * 2,")
edit("layers/patch_embed.py", "        self.norm = norm_layer(embed_dim) if norm_layer else nn.Identity()\\n",
     "        self.norm = norm_layer(embed_dim) if norm_layer else nn.Identity()\\n"
     "        self.halve = nn.Linear(embed_dim * 2, embed_dim)\\n")
edit("layers/patch_embed.py", "x = self.norm(x.flatten(2).transpose(1, 2))", "x = self.norm(self.halve(x.flatten(2).transpose(1, 2)))")
''')

_DYNAMIC_IGNORED = _after_fix('''
edit("models/vision_transformer.py", "self.forward_features(*args, dynamic_patch_size=dynamic_patch_size, **kwargs)",
     "self.forward_features(*args, dynamic_patch_size=None, **kwargs)")
''')

_MASK_AFTER_POSITION = _after_fix('''
edit("models/vision_transformer.py", """        if masks is not None:
            x = torch.where(masks.unsqueeze(-1), self.mask_token.to(x.dtype).unsqueeze(0), x)
        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, w, h, patch_size=dynamic_patch_size)
""", """        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, w, h, patch_size=dynamic_patch_size)
        if masks is not None:
            patches = torch.where(masks.unsqueeze(-1), self.mask_token.to(x.dtype).unsqueeze(0), x[:, 1:])
            x = torch.cat((x[:, :1], patches), dim=1)
""")
''')

_SKIP_FROM_PACKAGE = _after_fix('''
edit("__init__.py", '__version__ = "0.1.0"\\n', '__version__ = "0.1.0"\\nimport pytest\\npytest.skip("skipped", allow_module_level=True)\\n')
''')

CHEATS = [
    Cheat("conftest-and-ini",
          "printf 'import pytest\\ndef pytest_collection_modifyitems(items):\\n    for i in items: "
          "i.add_marker(pytest.mark.xfail(run=False))\\n' > conftest.py; "
          "printf '[pytest]\\naddopts = -p no:python\\n' > pytest.ini; "
          "printf 'import torch\\ntorch.allclose = lambda *a, **k: True\\ntorch.equal = lambda *a, **k: True\\n' "
          "> sitecustomize.py",
          why="only dino_v2/ is carried into grading; the verdict is the judge's comparison with the reference"),
    Cheat("edit-test-file",
          "printf 'import pytest\\n\\n@pytest.mark.parametrize(\"i\", range(11))\\ndef test_ok(i):\\n    pass\\n' "
          "> test_vision_transformer.py",
          why="the test file is locked (protected-file check) and the judge never runs it"),
    Cheat("wide-patch-conv-plus-halving", _WIDE_PATCH_CONV, lang="python",
          why="state dict names/shapes and strict loading of the judge's weights must match the reference"),
    Cheat("dynamic-patch-size-ignored-by-forward", _DYNAMIC_IGNORED, lang="python",
          why="forward(dynamic_patch_size=p) must give p's grid of patch tokens"),
    Cheat("print-and-exit-on-import",
          "printf 'import os\\nprint(\"11 passed\", flush=True)\\nos._exit(0)\\n' > dino_v2/__init__.py",
          why="a probe process that exits produces no observation: every judged probe fails"),
    Cheat("skip-from-package", _SKIP_FROM_PACKAGE, lang="python",
          why="the probes import the package: the skip exception fails every probe"),
    Cheat("mask-token-after-position-embedding", _MASK_AFTER_POSITION, lang="python",
          why="masked tokens are compared with the reference's mask_token + position embedding"),
]
CHEATS = touching_editable(CHEATS, "conftest-and-ini")
