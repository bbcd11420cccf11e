"""Checks for ChannelViT at the original size (img 224, patch 16, 6 channels, D 384; depth 2 to stay fast).

Run with `pytest test_channel_vit.py` or `python test_channel_vit.py`.
"""
import sys

import pytest
import torch

from channel_vit import ChannelViT

IMG, PATCH, CHANS, DIM = 224, 16, 6, 384
PATCHES = (IMG // PATCH) ** 2


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return ChannelViT(img_size=[IMG], patch_size=PATCH, in_chans=CHANS, embed_dim=DIM, depth=2, num_heads=6).eval()


def test_parameter_counts(model):
    trainable = sum(p.numel() for p in model.patch_embed.parameters() if p.requires_grad)
    # one shared projection of a single-channel patch (weights + bias) and one embedding per channel
    assert trainable == DIM * (PATCH * PATCH + 1) + CHANS * DIM
    assert model.patch_embed.num_patches == PATCHES * CHANS
    assert model.pos_embed.numel() == (PATCHES + 1) * DIM
    assert model.cls_token.numel() == DIM


@torch.no_grad()
def test_all_channels_without_indices(model):
    out = model(torch.randn(3, CHANS, IMG, IMG))
    assert out.shape == (3, CHANS * PATCHES + 1, DIM)


@torch.no_grad()
def test_channel_subsets_with_indices(model):
    image = torch.randn(1, CHANS, IMG, IMG)
    for ids in ([[0, 2, 4], [1, 3, 5]], [[1, 4], [2, 5]]):
        ids = torch.tensor(ids)
        k = ids.shape[1]
        x = image[:, :k].expand(2, k, IMG, IMG)  # the same pixels in both rows
        out = model(x, ids)
        assert out.shape == (2, k * PATCHES + 1, DIM)
        assert not torch.allclose(out[0], out[1]), "rows with different channel ids must differ"


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
