"""Checks for VAR.forward and VAR.autoregressive_infer_cfg on a small configuration.

Run with `pytest test_var.py` or `python test_var.py`.
"""
import os
import sys

import pytest
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from var import VAR  # noqa: E402
from vqvae import VQVAE  # noqa: E402

PATCH_NUMS = (1, 2, 4)
NUM_CLASSES = 10


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    vae = VQVAE(vocab_size=512, z_channels=16, ch=32, v_patch_nums=PATCH_NUMS, test_mode=True)
    var = VAR(vae, num_classes=NUM_CLASSES, depth=2, embed_dim=128, num_heads=4, patch_nums=PATCH_NUMS,
              shared_aln=True, flash_if_available=False, fused_if_available=False)
    var.init_weights()
    return var.eval()


def test_forward_method(model):
    B = 2
    labels = torch.tensor([1, 7])
    x = torch.randn(B, model.L - model.first_l, model.Cvae)
    logits = model(labels, x)
    assert logits.shape == (B, 21, model.V)  # 1 + 4 + 16 tokens, one distribution over the vocabulary each

    model.prog_si = 1  # only the first two scales: 1 + 4 tokens
    try:
        logits = model(labels, torch.randn(B, 4, model.Cvae))
    finally:
        model.prog_si = -1
    assert logits.shape == (B, 5, model.V)


def test_autoregressive_infer_cfg(model):
    images = [
        model.autoregressive_infer_cfg(B=2, label_B=torch.tensor([2, 5]), g_seed=1, cfg=1.0, top_k=100, top_p=0.9),
        model.autoregressive_infer_cfg(B=2, label_B=None, g_seed=2, cfg=1.0, top_k=100, top_p=0.9),
    ]
    for img in images:
        assert img.shape == (2, 3, 64, 64)
        assert torch.isfinite(img).all()
        assert img.min() >= 0 and img.max() <= 1
        assert img.std() > 0.01
    assert not torch.allclose(images[0], images[1])


def test_error_cases(model):
    x = torch.randn(2, model.L - model.first_l, model.Cvae)
    with pytest.raises(IndexError):
        model(torch.tensor([NUM_CLASSES, NUM_CLASSES + 1]), x)  # num_classes is the null class; +1 is invalid
    model.prog_si = len(PATCH_NUMS)
    try:
        with pytest.raises(IndexError):
            model(torch.tensor([0, 1]), x)
    finally:
        model.prog_si = -1


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
