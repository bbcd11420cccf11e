"""Tests for the dino_v2 Vision Transformer: shapes, token layout, masking and dynamic patch sizes."""
import functools

import pytest
import torch

from dino_v2.models.vision_transformer import DinoVisionTransformer, vit_small

FFN_LAYERS = ["mlp", "swiglufused"]


@functools.lru_cache(maxsize=None)
def small_vit(ffn_layer: str = "mlp") -> DinoVisionTransformer:
    """ViT-S/16 with 2 register tokens (built once per FFN type)."""
    torch.manual_seed(0)
    return vit_small(patch_size=16, num_register_tokens=2, ffn_layer=ffn_layer).eval()


def tiny_vit(patch_size: int = 16, num_register_tokens: int = 0, ffn_layer: str = "mlp", **kwargs):
    """A narrow, shallow model with the same structure, for the cheaper tests."""
    torch.manual_seed(0)
    config = dict(img_size=224, patch_size=patch_size, embed_dim=96, depth=3, num_heads=3,
                  num_register_tokens=num_register_tokens, ffn_layer=ffn_layer)
    config.update(kwargs)
    return DinoVisionTransformer(**config).eval()


def images(batch: int = 2, size: int = 224, seed: int = 0) -> torch.Tensor:
    return torch.randn(batch, 3, size, size, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("ffn_layer", FFN_LAYERS)
def test_forward_and_training_outputs(ffn_layer):
    model = small_vit(ffn_layer)
    x = images()
    with torch.no_grad():
        out = model(x)
        feats = model(x, is_training=True)
    assert out.shape == (2, 384)
    assert set(feats) == {"x_norm_clstoken", "x_norm_regtokens", "x_norm_patchtokens", "x_prenorm", "masks"}
    assert feats["x_norm_clstoken"].shape == (2, 384)
    assert feats["x_norm_regtokens"].shape == (2, 2, 384)
    assert feats["x_norm_patchtokens"].shape == (2, 196, 384)
    assert feats["x_prenorm"].shape == (2, 1 + 2 + 196, 384)
    assert feats["masks"] is None
    assert torch.allclose(out, feats["x_norm_clstoken"])


@pytest.mark.parametrize("ffn_layer", FFN_LAYERS)
def test_intermediate_layers(ffn_layer):
    model = tiny_vit(num_register_tokens=2, ffn_layer=ffn_layer)
    x = images()
    with torch.no_grad():
        flat = model.get_intermediate_layers(x, n=2)
        grids = model.get_intermediate_layers(x, n=2, reshape=True, return_class_token=True)
    assert len(flat) == 2 and all(o.shape == (2, 196, 96) for o in flat)
    assert len(grids) == 2
    for (grid, cls), tokens in zip(grids, flat):
        assert grid.shape == (2, 96, 14, 14)
        assert cls.shape == (2, 96)
        assert torch.allclose(grid.flatten(2).transpose(1, 2), tokens)


@pytest.mark.parametrize("ffn_layer", FFN_LAYERS)
def test_outputs_are_finite_and_bounded(ffn_layer):
    model = tiny_vit(num_register_tokens=4, ffn_layer=ffn_layer)
    with torch.no_grad():
        feats = model(images(), is_training=True)
    for key in ("x_norm_clstoken", "x_norm_regtokens", "x_norm_patchtokens", "x_prenorm"):
        assert torch.isfinite(feats[key]).all(), key
        assert feats[key].abs().max() <= 10, key


def test_patch_sizes_and_registers():
    for patch_size in (8, 16, 32):
        for registers in (0, 4):
            model = tiny_vit(patch_size=patch_size, num_register_tokens=registers, img_size=64)
            with torch.no_grad():
                feats = model(images(size=64), is_training=True)
            patches = (64 // patch_size) ** 2
            assert feats["x_norm_patchtokens"].shape == (2, patches, 96)
            assert feats["x_norm_regtokens"].shape == (2, registers, 96)
            assert feats["x_prenorm"].shape == (2, 1 + registers + patches, 96)


def test_prepare_tokens_shapes():
    model = tiny_vit(num_register_tokens=2)
    with torch.no_grad():
        assert model.prepare_tokens_with_masks(images()).shape == (2, 1 + 2 + 196, 96)
        assert model.prepare_tokens_with_masks(images(size=384)).shape == (2, 1 + 2 + 576, 96)
        masks = torch.zeros(2, 576, dtype=torch.bool)
        masks[:, ::3] = True
        assert model.prepare_tokens_with_masks(images(size=384), masks).shape == (2, 1 + 2 + 576, 96)


def test_mask_token_semantics():
    model = tiny_vit(num_register_tokens=2)
    with torch.no_grad():
        model.mask_token.normal_()
        x = images()
        masks = torch.rand(2, 196, generator=torch.Generator().manual_seed(1)) < 0.4
        tokens = model.prepare_tokens_with_masks(x, masks)
        patch_tokens = tokens[:, 1 + 2:]
        pos = model.pos_embed[:, 1:]
        expected_unmasked = model.patch_embed(x) + pos
        expected_masked = (model.mask_token.unsqueeze(0) + pos).expand(2, -1, -1)
    assert torch.allclose(patch_tokens[masks], expected_masked[masks], atol=1e-6)
    assert torch.allclose(patch_tokens[~masks], expected_unmasked[~masks], atol=1e-6)
    assert torch.allclose(tokens[:, 0], model.cls_token[:, 0] + model.pos_embed[:, 0], atol=1e-6)
    assert torch.allclose(tokens[:, 1:3], model.register_tokens.expand(2, -1, -1))


def test_dynamic_patch_size():
    model = tiny_vit(num_register_tokens=2)
    x = images()
    with torch.no_grad():
        for patch_size in (14, 16, 32):
            grid = 224 // patch_size
            feats = model(x, is_training=True, dynamic_patch_size=patch_size)
            assert feats["x_norm_patchtokens"].shape == (2, grid * grid, 96)
            assert torch.isfinite(feats["x_prenorm"]).all()
            assert feats["x_norm_clstoken"].shape == (2, 96)
            assert feats["x_norm_regtokens"].shape == (2, 2, 96)
            assert model(x, dynamic_patch_size=patch_size).shape == (2, 96)
            masks = torch.zeros(2, grid * grid, dtype=torch.bool)
            masks[:, : grid] = True
            masked = model(x, masks=masks, is_training=True, dynamic_patch_size=patch_size)
            assert masked["x_prenorm"].shape == (2, 1 + 2 + grid * grid, 96)
            layers = model.get_intermediate_layers(x, n=2, reshape=True, dynamic_patch_size=patch_size)
            assert [tuple(t.shape) for t in layers] == [(2, 96, grid, grid)] * 2


def test_parameter_count():
    model = small_vit("mlp")
    assert sum(p.numel() for p in model.parameters()) > 21_000_000
