"""Visible tests for MLA (run with `pytest test_mla.py` or `python test_mla.py`)."""
import sys

import pytest
import torch

from mla import MLA, RopelessMLA

D_MODEL, N_HEADS = 64, 4


@pytest.fixture
def model():
    torch.manual_seed(0)
    return MLA(D_MODEL, N_HEADS)


def cache_width(m):
    return m.kv_proj_dim + m.qk_rope_dim


def test_output_and_cache_shapes(model):
    x = torch.randn(2, 10, D_MODEL)
    out, cache = model(x)
    assert out.shape == (2, 10, D_MODEL)
    assert cache.shape == (2, 10, cache_width(model))


def test_compression_shapes(model):
    x = torch.randn(2, 5, D_MODEL)
    compressed = x @ model.W_dkv
    latent, rope_key = torch.split(compressed, [model.kv_proj_dim, model.qk_rope_dim], dim=-1)
    assert latent.shape == (2, 5, model.kv_proj_dim)
    assert rope_key.shape == (2, 5, model.qk_rope_dim)
    assert model.kv_layernorm(latent).shape == latent.shape
    up = model.kv_layernorm(latent) @ model.W_ukv
    assert up.shape == (2, 5, N_HEADS * (model.qk_nope_dim + model.dh))


def test_dimension_ratios(model):
    assert model.dh == D_MODEL // N_HEADS
    assert model.q_proj_dim == D_MODEL // 2
    assert model.kv_proj_dim == (2 * D_MODEL) // 3
    assert model.qk_nope_dim == model.dh // 2
    assert model.qk_rope_dim == model.dh // 2


def test_cache_grows_by_one_token(model):
    x = torch.randn(1, 6, D_MODEL)
    _, cache = model(x)
    out, longer = model(torch.randn(1, 1, D_MODEL), kv_cache=cache, past_length=6)
    assert out.shape == (1, 1, D_MODEL)
    assert longer.shape == (1, 7, cache_width(model))
    torch.testing.assert_close(longer[:, :6], cache)


def test_past_length_changes_output(model):
    x = torch.randn(1, 4, D_MODEL)
    _, cache = model(x)
    new = torch.randn(1, 1, D_MODEL)
    right, _ = model(new, kv_cache=cache, past_length=4)
    wrong, _ = model(new, kv_cache=cache, past_length=0)
    assert not torch.allclose(right, wrong)


def test_incremental_matches_full_pass(model):
    x = torch.randn(2, 8, D_MODEL)
    full, _ = model(x)
    out, cache = model(x[:, :5])
    pieces = [out]
    for t in range(5, 8):
        out, cache = model(x[:, t:t + 1], kv_cache=cache, past_length=t)
        pieces.append(out)
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, rtol=1e-5, atol=1e-5)


def test_rope_depends_on_position(model):
    x = torch.randn(1, 3, D_MODEL)
    at_start, _ = model(x, past_length=0)
    shifted, _ = model(x, past_length=10)
    assert not torch.allclose(at_start, shifted)


def test_ropeless_mla_shapes():
    torch.manual_seed(0)
    ropeless = RopelessMLA(D_MODEL, N_HEADS)
    out, cache = ropeless(torch.randn(2, 5, D_MODEL))
    assert out.shape == (2, 5, D_MODEL)
    assert cache.shape == (2, 5, ropeless.kv_proj_dim)
    out, cache = ropeless(torch.randn(2, 1, D_MODEL), kv_cache=cache, past_length=5)
    assert out.shape == (2, 1, D_MODEL) and cache.shape == (2, 6, ropeless.kv_proj_dim)


def test_long_context(model):
    x = torch.randn(1, 256, D_MODEL)
    out, cache = model(x)
    assert out.shape == (1, 256, D_MODEL)
    assert cache.shape == (1, 256, cache_width(model))
    assert torch.isfinite(out).all()


def test_mask_only_affects_later_positions(model):
    x = torch.randn(1, 6, D_MODEL)
    changed = x.clone()
    changed[:, -1] += 1.0
    a, _ = model(x)
    b, _ = model(changed)
    torch.testing.assert_close(a[:, :-1], b[:, :-1])
    assert not torch.allclose(a[:, -1], b[:, -1])


def test_exact_values_with_controlled_weights():
    m = MLA(D_MODEL, N_HEADS)
    with torch.no_grad():
        for name in ("W_dq", "W_uq", "W_dkv", "W_ukv", "W_o"):
            getattr(m, name).fill_(1.0)
        for norm in (m.q_layernorm, m.kv_layernorm):
            norm.weight.fill_(1.0)
            norm.bias.fill_(0.0)
        m.cos_cached.fill_(1.0)
        m.sin_cached.fill_(1.0)
    x = torch.ones(1, 3, D_MODEL)
    out, cache = m(x)
    # every compressed entry is the sum of d_model ones; LayerNorm of a constant vector is zero
    torch.testing.assert_close(cache, torch.full_like(cache, float(D_MODEL)))
    torch.testing.assert_close(out, torch.zeros_like(out), rtol=0, atol=1e-4)


def test_random_weights_incremental_run():
    torch.manual_seed(1)
    m = MLA(D_MODEL, N_HEADS)
    with torch.no_grad():
        for name in ("W_dq", "W_uq", "W_dkv", "W_ukv", "W_o"):
            param = getattr(m, name)
            param.copy_(torch.randn_like(param) / param.shape[0] ** 0.5)
    prefix = torch.randn(2, 4, D_MODEL)
    _, cache = m(prefix)
    tokens = [prefix]
    for t in range(3):
        new = torch.randn(2, 1, D_MODEL)
        tokens.append(new)
        out, cache = m(new, kv_cache=cache, past_length=4 + t)
        assert out.shape == (2, 1, D_MODEL)
    seen = torch.cat(tokens, dim=1)
    torch.testing.assert_close(cache, seen @ m.W_dkv, rtol=1e-5, atol=1e-5)
    assert cache.shape[-1] / (2 * D_MODEL) < 0.75


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
