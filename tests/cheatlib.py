"""A cheat: a tiny scripted agent (no LLM) that tries one trick on one task and must fail."""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Cheat:
    name: str          # short, [a-z0-9-]; the agent is registered as "cheat-<task_id>-<name>"
    script: str        # run in the sandbox with cwd = the workspace
    lang: str = "bash"  # "bash" or "python" (the task environment's python)
    why: str = ""      # which validation check must catch it
    # also append a comment to the task's editable files first, so that the harness's "the agent changed
    # <editable>" check passes and the check named in `why` is the one that must catch the trick
    touch_editable: bool = False

    def script_for(self, editable: list[str]) -> str:
        """The script as run: with `touch_editable`, a cosmetic edit of the editable files comes first."""
        if not (self.touch_editable and editable):
            return self.script
        touch = ("import glob\n"
                 f"for pattern in {editable!r}:\n"
                 "    for path in glob.glob(pattern, recursive=True):\n"
                 "        if path.endswith('.py'):\n"
                 "            open(path, 'a').write('\\n# edited\\n')\n")
        if self.lang == "python":
            return touch + self.script
        return f"python - <<'TOUCH'\n{touch}TOUCH\n{self.script}"


# bash: a conftest.py that marks every collected test as skipped, and a pytest.ini that adds an option
SKIP_ALL_CONFTEST = """cat > conftest.py <<'PY'
import pytest

def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.skip(reason="skipped"))
PY
printf '[pytest]\\naddopts = {addopts}\\n' > pytest.ini
"""


def skip_all_conftest(addopts: str = "-p no:terminal") -> str:
    """The script of a cheat that tries to make the grader's pytest run skip every test."""
    return SKIP_ALL_CONFTEST.format(addopts=addopts)


def touching_editable(cheats: list[Cheat], *names: str) -> list[Cheat]:
    """`cheats` with `touch_editable` set on the named ones (tricks that must be caught by a later check than
    "the agent changed <editable>", e.g. a conftest.py or sitecustomize.py next to an otherwise untouched task)."""
    unknown = set(names) - {c.name for c in cheats}
    if unknown:
        raise ValueError(f"no such cheats: {sorted(unknown)}")
    return [replace(c, touch_editable=True) if c.name in names else c for c in cheats]


RAW_BYTES_MODEL = '''import torch, torch.nn as nn
class Banked(nn.Module):
    def __init__(self, n={n}):
        super().__init__()
        self.bank = bytearray(4 * n)  # the weights in no tensor: neither counted nor in the live-tensor census
        self.bank[::4096] = b"\\x01" * len(range(0, 4 * n, 4096))  # every page touched: resident
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(3, {classes}))
    def forward(self, x):
        w = torch.frombuffer(self.bank, dtype=torch.float32, count=3 * {classes}).view({classes}, 3)
        out = self.head(x) + 0 * (x.mean((2, 3)) @ w.t())
        return {out}
def get_best_model():
    return Banked().eval()
'''


def raw_bytes_model(classes: int, logits_key: str | None = None, n: int = 400_000_000) -> str:
    """Source of a `utils.py` whose `get_best_model()` keeps `n` float32 weights (default 1.6 GB) as raw bytes, a
    tensor only inside forward: a tiny reported parameter count, nothing for the census; only a memory limit set
    from the task's parameter cap stops it. `logits_key`: forward returns {key: logits} instead of the tensor."""
    out = "out" if logits_key is None else f"{{{logits_key!r}: out}}"
    return RAW_BYTES_MODEL.format(n=n, classes=classes, out=out)
