"""Oracle patch for training_files_debug (anchored edits; fails loudly if an anchor is missing).

The bug: both modules import the legacy `pytorch_lightning` package, while train.py uses `lightning.pytorch`
(the Trainer rejects a module of the other package).
"""
import sys
from pathlib import Path

PACKAGE = Path(sys.argv[1] if len(sys.argv) > 1 else ".") / "cifar10_classifier"


def replace(name: str, old: str, new: str) -> None:
    path = PACKAGE / name
    text = path.read_text()
    found = text.count(old)
    if found != 1:
        sys.exit(f"fix.py: anchor found {found} times (expected 1) in {path}:\n{old}")
    path.write_text(text.replace(old, new))


for module in ("model.py", "data.py"):
    replace(module, "import pytorch_lightning as pl\n", "import lightning.pytorch as pl\n")

print(f"patched {PACKAGE}")
