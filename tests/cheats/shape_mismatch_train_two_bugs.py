"""Cheats that must fail shape_mismatch_train_two_bugs: its parent's, each first repairing the second planted bug
(validate's outputs.max(0)) so that it fails only for its own reason."""
from tests.cheats.shape_mismatch_train import cheats

CHEATS = cheats(fix='text = text.replace("outputs.max(0)", "outputs.max(1)")')
