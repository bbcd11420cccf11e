"""What the transforms must make of a digit (judge.py); a variant case may lay its own image_spec.py over this."""
import torch

TRANSFORMS_CHECK = "both transforms turn a 28x28 digit into a square 1- or 3-channel float tensor carrying the digit"


def digit_image(t, what):
    """A float32 (C, H, H) tensor with C = 1 or 3: the fix may make channels here or in the training loop."""
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32, f"{what}: not a float32 tensor"
    assert t.dim() == 3 and t.shape[0] in (1, 3) and t.shape[1] == t.shape[2] >= 28, \
        f"{what}: shape {tuple(t.shape)}, expected (1 or 3, H, H)"
