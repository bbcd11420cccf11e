"""Checks for ChannelViT.

Three tests at the original size (img 224, patch 16, 6 channels, D 384; depth 2 to stay fast) and two
value tests on a small model (img 32, patch 8, 5 channels, D 48).
Run with `pytest test_channel_vit.py` or `python test_channel_vit.py`.
"""
import sys

import pytest
import torch

from channel_vit import ChannelViT

IMG, PATCH, CHANS, DIM = 224, 16, 6, 384
PATCHES = (IMG // PATCH) ** 2

SMALL = dict(img_size=[32], patch_size=8, in_chans=5, embed_dim=48, depth=2, num_heads=3)
S_PATCHES, S_DIM = 16, 48


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return ChannelViT(img_size=[IMG], patch_size=PATCH, in_chans=CHANS, embed_dim=DIM, depth=2, num_heads=6).eval()


@pytest.fixture
def small():
    """Small model; positions and CLS are zeros at init, so give them random values to make them visible."""
    torch.manual_seed(1)
    m = ChannelViT(**SMALL).eval()
    with torch.no_grad():
        m.pos_embed.normal_(0, 0.5)
        m.cls_token.normal_(0, 0.5)
    return m


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


@torch.no_grad()
def test_cls_and_position_layout(small):
    ids = torch.tensor([[3, 0, 1], [2, 4, 0]])
    tokens = small.prepare_tokens(torch.randn(2, 3, 32, 32), ids)
    # token 0 is the CLS token plus the first positional row, whatever the image
    expected_cls = (small.cls_token[0, 0] + small.pos_embed[0, 0]).expand(2, S_DIM)
    torch.testing.assert_close(tokens[:, 0], expected_cls)
    # for an all-zero image, tokens minus the tiled positional table are the same for every patch
    zero = small.prepare_tokens(torch.zeros(2, 3, 32, 32), ids)
    rest = (zero[:, 1:] - small.pos_embed[:, 1:].repeat(1, 3, 1)).reshape(2, 3, S_PATCHES, S_DIM)
    assert (rest - rest[:, :, :1]).abs().max() < 1e-5


@torch.no_grad()
def test_channel_embedding_follows_indices(small):
    def offset(channel):
        """What channel id `channel` adds to a zero patch (bias + its channel embedding)."""
        tok = small.prepare_tokens(torch.zeros(1, 1, 32, 32), torch.tensor([[channel]]))
        return tok[0, 1] - small.pos_embed[0, 1]

    g = torch.stack([offset(c) for c in range(5)])
    assert torch.pdist(g).min() > 1e-4, "every channel needs its own (non-zero-initialised) embedding"
    ids = torch.tensor([[4, 0, 2], [1, 3, 0]])
    zero = small.prepare_tokens(torch.zeros(2, 3, 32, 32), ids)
    blocks = (zero[:, 1:] - small.pos_embed[:, 1:].repeat(1, 3, 1)).reshape(2, 3, S_PATCHES, S_DIM)
    for b in range(2):
        for j in range(3):
            torch.testing.assert_close(blocks[b, j], g[ids[b, j]].expand(S_PATCHES, S_DIM))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
