"""Hidden grading tests for ChannelViT (identical for the three ChannelViT tasks).

Config S is small (img 32, patch 8, 5 channels, D 48); config O is the original size (img 224, patch 16,
6 channels, D 384), depth 1 in the smoke profile and 12 in the full one.
"""
import os
import pathlib
import random
import sys

import numpy as np
import pytest
import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import ref_channel_vit as ref  # noqa: E402
from channel_vit import ChannelViT  # noqa: E402
from region_check import region_violations  # noqa: E402

IMG, P, CH, D = 32, 8, 5, 48
N = (IMG // P) ** 2
CONFIG_S = dict(img_size=[IMG], patch_size=P, in_chans=CH, embed_dim=D, depth=2, num_heads=3)
FREE_REGIONS = {"PatchEmbedPerChannel", "ChannelViT.prepare_tokens"}


def profile():
    """Grading profile from the grader's environment ("smoke" when unset)."""
    return os.environ.get("MLDB_PROFILE", "smoke")


def config_o():
    return dict(img_size=[224], patch_size=16, in_chans=6, embed_dim=384, num_heads=6,
                depth=1 if profile() == "smoke" else 12)


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def model_s(seed, unit_scale_patch_embed=False):
    """Config S in eval mode with 0.5*randn positions and CLS (optionally also the patch-embedding weights)."""
    seed_all(seed)
    model = ChannelViT(**CONFIG_S).eval()
    with torch.no_grad():
        model.pos_embed.copy_(0.5 * torch.randn_like(model.pos_embed))
        model.cls_token.copy_(0.5 * torch.randn_like(model.cls_token))
        if unit_scale_patch_embed:
            for p in model.patch_embed.parameters():
                p.copy_(0.5 * torch.randn_like(p))
    return model


def random_ids(batch, k):
    """(batch, k) int64 tensor of distinct channel ids per row."""
    return torch.stack([torch.randperm(CH)[:k] for _ in range(batch)])


def assert_close_rel(out, expected, rtol=1e-4):
    torch.testing.assert_close(out, expected, rtol=rtol, atol=1e-5 * expected.abs().max().item())


def test_param_counts():
    seed_all(0)
    cfg = config_o()
    model = ChannelViT(**cfg)
    D_o, P_o, C_o = cfg["embed_dim"], cfg["patch_size"], cfg["in_chans"]
    trainable = sum(p.numel() for p in model.patch_embed.parameters() if p.requires_grad)
    assert trainable == D_o * (P_o * P_o + 1) + C_o * D_o
    assert model.pos_embed.numel() == 197 * D_o
    assert model.cls_token.numel() == D_o
    assert model.patch_embed.num_patches == 196 * C_o


@torch.no_grad()
def test_output_shapes():
    model = model_s(1)
    x = torch.randn(2, CH, IMG, IMG)
    assert model(x).shape == (2, CH * N + 1, D)
    for k in (3, 2, 1):
        out = model(x[:, :k], random_ids(2, k))
        assert out.shape == (2, k * N + 1, D)
    seed_all(1)
    cfg = config_o()
    big = ChannelViT(**cfg).eval()
    out = big(torch.randn(1, cfg["in_chans"], 224, 224))
    assert out.shape == (1, 196 * cfg["in_chans"] + 1, cfg["embed_dim"])


@torch.no_grad()
def test_cls_row():
    model = model_s(2)
    ids = random_ids(3, 3)
    tokens = model.prepare_tokens(torch.randn(3, 3, IMG, IMG), ids)
    expected = (model.cls_token[0, 0] + model.pos_embed[0, 0]).expand(3, D)
    assert_close_rel(tokens[:, 0], expected)


@torch.no_grad()
def test_pos_embed_tiled():
    model = model_s(3)
    k = 3
    tokens = ref.zero_image_tokens(model, random_ids(2, k), IMG)
    assert tokens.shape == (2, k * N + 1, D)
    rest = (tokens[:, 1:] - model.pos_embed[:, 1:].repeat(1, k, 1)).reshape(2, k, N, D)
    deviation = (rest - rest[:, :, :1]).abs().max().item()
    assert deviation < 1e-5, f"tokens minus the tiled positional table vary along the patches by {deviation:.3g}"


@torch.no_grad()
def test_channel_embedding_by_index():
    model = model_s(4)
    g = ref.channel_offsets(model, CH, IMG)
    dist = torch.cdist(g, g) + torch.eye(CH) * 1e9
    assert dist.min().item() > 1e-4, "channel embeddings are not distinct (zero or shared initialisation?)"
    ids = torch.tensor([[4, 0, 2], [1, 3, 0]])
    tokens = ref.zero_image_tokens(model, ids, IMG)
    blocks = (tokens[:, 1:] - model.pos_embed[:, 1:].repeat(1, 3, 1)).reshape(2, 3, N, D)
    assert_close_rel(blocks, g[ids].unsqueeze(2).expand(2, 3, N, D))
    tokens = model.prepare_tokens(torch.zeros(2, 3, IMG, IMG))
    blocks = (tokens[:, 1:] - model.pos_embed[:, 1:].repeat(1, 3, 1)).reshape(2, 3, N, D)
    assert_close_rel(blocks, g[:3].reshape(1, 3, 1, D).expand(2, 3, N, D))


@torch.no_grad()
def test_shared_projection_reference():
    model = model_s(5, unit_scale_patch_embed=True)
    weights = ref.probe_patch_weights(model, P, IMG)
    offsets = ref.channel_offsets(model, CH, IMG)
    x = torch.randn(2, 3, IMG, IMG)
    ids = random_ids(2, 3)
    expected = ref.reference_tokens(x, ids, weights, offsets, model.pos_embed, model.cls_token)
    assert_close_rel(model.prepare_tokens(x, ids), expected)


@torch.no_grad()
def test_forward_uses_tokens():
    model = model_s(6, unit_scale_patch_embed=True)
    weights = ref.probe_patch_weights(model, P, IMG)
    offsets = ref.channel_offsets(model, CH, IMG)
    x = torch.randn(1, 3, IMG, IMG).expand(2, 3, IMG, IMG).contiguous()
    ids = torch.tensor([[0, 1, 2], [3, 4, 0]])
    expected = ref.reference_forward(model, ref.reference_tokens(x, ids, weights, offsets, model.pos_embed,
                                                                 model.cls_token))
    out = model(x, ids)
    assert_close_rel(out, expected)
    assert (out[0] - out[1]).abs().max().item() > 1e-3, "same pixels with different channel ids gave one output"


def test_gradients_reach_embeddings():
    model = model_s(7)
    model.train()
    model(torch.randn(2, CH, IMG, IMG)).pow(2).mean().backward()
    named = [(f"patch_embed.{n}", p) for n, p in model.patch_embed.named_parameters() if p.requires_grad]
    assert named, "patch_embed has no trainable parameters"
    named += [("pos_embed", model.pos_embed), ("cls_token", model.cls_token)]
    for name, p in named:
        assert p.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(p.grad).all(), f"{name} has a non-finite gradient"
        assert p.grad.abs().sum().item() > 0, f"{name} has an all-zero gradient"


def test_only_allowed_regions_changed():
    edited = (HERE / "channel_vit.py").read_text()
    pristine = (HERE / "_pristine" / "channel_vit.py").read_text()
    problems = region_violations(edited, pristine, FREE_REGIONS)
    assert not problems, "; ".join(problems)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
