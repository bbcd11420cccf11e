"""Oracle patch for training_files_debug (anchored edits; fails loudly if an anchor is missing).

B1: both modules import the legacy `pytorch_lightning` package; train.py uses `lightning.pytorch`.
B2: validation metrics are logged as `val/loss` / `val/acc`; the callbacks monitor `val_loss` / `val_acc`.
B3: the eval transform was set on the dataset shared by both split subsets, so training lost its
    augmentation; train and val now use two dataset objects that share the seed-42 split indices.
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

replace("model.py", 'self.log("val/loss", loss,', 'self.log("val_loss", loss,')
replace("model.py", 'self.log("val/acc", self.val_acc,', 'self.log("val_acc", self.val_acc,')

replace("data.py", "from torch.utils.data import DataLoader, random_split\n",
        "from torch.utils.data import DataLoader, Subset, random_split\n")
replace("data.py", """            full = CIFAR10(self.data_dir, train=True, transform=self.train_transform)
            n_train = int(0.8 * len(full))
            self.cifar_train, self.cifar_val = random_split(
                full, [n_train, len(full) - n_train], generator=torch.Generator().manual_seed(42)
            )
            # Validation images must not be augmented.
            self.cifar_val.dataset.transform = self.eval_transform
""", """            # Two views of the same images: augmented for training, plain for validation. The split is
            # drawn once and its indices are applied to both, so train and val never overlap.
            train_view = CIFAR10(self.data_dir, train=True, transform=self.train_transform)
            val_view = CIFAR10(self.data_dir, train=True, transform=self.eval_transform)
            n_train = int(0.8 * len(train_view))
            train_split, val_split = random_split(
                range(len(train_view)), [n_train, len(train_view) - n_train],
                generator=torch.Generator().manual_seed(42),
            )
            self.cifar_train = Subset(train_view, train_split.indices)
            self.cifar_val = Subset(val_view, val_split.indices)
""")
print(f"patched {PACKAGE}")
