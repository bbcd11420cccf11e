"""This variant's transforms must themselves make 3-channel 32x32 digits (laid over shape_mismatch_train's file)."""
import torch

TRANSFORMS_CHECK = "both transforms turn a 28x28 digit into a 3-channel 32x32 float tensor carrying the digit"


def digit_image(t, what):
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32, f"{what}: not a float32 tensor"
    assert tuple(t.shape) == (3, 32, 32), f"{what}: shape {tuple(t.shape)}, expected (3, 32, 32)"
