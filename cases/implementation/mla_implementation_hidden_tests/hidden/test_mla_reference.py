"""Hidden reference tests for MLA.forward: unit-scale random weights against ref_mla.py."""
import random

import numpy as np
import torch

from mla import MLA
from ref_mla import assert_matches, redraw_unit_scale, reference_mla

D_MODEL, N_HEADS = 48, 4


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def make_model(seed=0, d_model=D_MODEL, n_heads=N_HEADS, max_len=64):
    seed_all(seed)
    return redraw_unit_scale(MLA(d_model, n_heads, max_len=max_len))


def rope_table(model, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, model.dh, 2).double() / model.dh))
    angles = torch.outer(torch.arange(model.cos_cached.shape[2]).double(), inv_freq)
    return angles.cos().float()[None, None], angles.sin().float()[None, None]


def test_full_pass_matches_reference():
    model = make_model(1)
    x = torch.randn(2, 9, D_MODEL)
    out, cache = model(x)
    ref_out, ref_cache = reference_mla(model, x)
    assert out.shape == (2, 9, D_MODEL)
    assert_matches(out, ref_out)
    assert_matches(cache, ref_cache)


def test_cached_chunk_matches_reference():
    model = make_model(2)
    x = torch.randn(2, 9, D_MODEL)
    with torch.no_grad():
        _, prefix_cache = model(x[:, :6])
        out, cache = model(x[:, 6:], kv_cache=prefix_cache, past_length=6)
    ref_out, ref_cache = reference_mla(model, x[:, 6:], kv_cache=prefix_cache, past_length=6)
    assert cache.shape == (2, 9, model.kv_proj_dim + model.qk_rope_dim)
    assert_matches(out, ref_out)
    expected_cache = torch.cat([prefix_cache, x[:, 6:] @ model.W_dkv.detach()], dim=1)
    torch.testing.assert_close(cache, expected_cache, rtol=1e-5, atol=1e-6)


def test_past_length_without_cache_matches_reference():
    model = make_model(3)
    x = torch.randn(2, 5, D_MODEL)
    with torch.no_grad():
        out, _ = model(x, past_length=3)
    ref_out, _ = reference_mla(model, x, past_length=3)
    assert_matches(out, ref_out)


def test_incremental_equals_full():
    model = make_model(4)
    x = torch.randn(2, 9, D_MODEL)
    with torch.no_grad():
        full, full_cache = model(x)
        outs = []
        out, cache = model(x[:, :4])
        outs.append(out)
        for t in range(4, 9):
            out, cache = model(x[:, t:t + 1], kv_cache=cache, past_length=t)
            outs.append(out)
    assert_matches(torch.cat(outs, dim=1), full, rtol=1e-4)
    torch.testing.assert_close(cache, full_cache, rtol=1e-5, atol=1e-6)


def test_cache_is_raw_projection():
    model = make_model(5)
    x = torch.randn(3, 7, D_MODEL)
    with torch.no_grad():
        _, cache = model(x)
        _, cache2 = model(x[:, -2:], kv_cache=cache[:, :5], past_length=5)
        raw = x @ model.W_dkv
    torch.testing.assert_close(cache, raw, rtol=0, atol=1e-6)
    torch.testing.assert_close(cache2, raw, rtol=0, atol=1e-6)
    # the rope part is stored as projected (position 6 would be rotated otherwise)
    torch.testing.assert_close(cache[:, :, model.kv_proj_dim:], raw[:, :, model.kv_proj_dim:], rtol=0, atol=1e-6)


def test_uses_rope_buffers():
    model = make_model(6)
    x = torch.randn(2, 8, D_MODEL)
    with torch.no_grad():
        default_out, _ = model(x, past_length=2)
        cos, sin = rope_table(model, 500.0)
        model.cos_cached.copy_(cos)
        model.sin_cached.copy_(sin)
        out, _ = model(x, past_length=2)
    ref_out, _ = reference_mla(model, x, past_length=2)
    assert_matches(out, ref_out)
    assert (out - default_out).abs().max() > 1e-3, "the RoPE buffers had no effect on the output"


def test_causality():
    model = make_model(7)
    x = torch.randn(1, 9, D_MODEL)
    k = 4
    changed = x.clone()
    changed[:, k] = torch.randn(D_MODEL)
    with torch.no_grad():
        a, _ = model(x)
        b, _ = model(changed)
    torch.testing.assert_close(a[:, :k], b[:, :k], rtol=1e-5, atol=1e-6)
    per_position = (a[:, k:] - b[:, k:]).abs().amax(dim=(0, 2))
    assert bool((per_position > 1e-4).all()), f"positions >= {k} must see token {k}: {per_position}"


def test_batch_independence():
    model = make_model(8)
    x = torch.randn(3, 6, D_MODEL)
    with torch.no_grad():
        batched, batched_cache = model(x)
        for i in range(3):
            single, single_cache = model(x[i:i + 1])
            torch.testing.assert_close(batched[i:i + 1], single, rtol=1e-4, atol=1e-5)
            torch.testing.assert_close(batched_cache[i:i + 1], single_cache, rtol=1e-5, atol=1e-6)


def test_other_sizes():
    for seed, (d_model, n_heads) in enumerate([(64, 8), (128, 4)], start=9):
        model = make_model(seed, d_model, n_heads)
        x = torch.randn(2, 7, d_model)
        with torch.no_grad():
            out, cache = model(x[:, :4])
            out2, _ = model(x[:, 4:], kv_cache=cache, past_length=4)
        ref_out, ref_cache = reference_mla(model, x[:, :4])
        ref_out2, _ = reference_mla(model, x[:, 4:], kv_cache=ref_cache, past_length=4)
        assert_matches(out, ref_out)
        assert_matches(out2, ref_out2)


def test_gradients_reach_all_parameters():
    model = make_model(11)
    x = torch.randn(2, 6, D_MODEL)
    out, _ = model(x, past_length=1)
    (out * torch.randn_like(out)).sum().backward()
    names = ["W_dq", "W_uq", "W_dkv", "W_ukv", "W_o", "q_layernorm.weight", "q_layernorm.bias",
             "kv_layernorm.weight", "kv_layernorm.bias"]
    params = dict(model.named_parameters())
    for name in names:
        grad = params[name].grad
        assert grad is not None and grad.abs().sum() > 0, f"no gradient reaches {name}"
    rope_cols = params["W_dkv"].grad[:, model.kv_proj_dim:]
    assert rope_cols.abs().sum() > 0, "the rope key columns of W_dkv get no gradient"


def test_dims_and_memory_ratio():
    seed_all(12)
    for d_model, n_heads in [(48, 4), (64, 8), (128, 4), (96, 6)]:
        model = MLA(d_model, n_heads, max_len=32)
        dh = d_model // n_heads
        assert model.dh == dh
        assert model.q_proj_dim == d_model // 2
        assert model.kv_proj_dim == (2 * d_model) // 3
        assert model.qk_nope_dim == dh // 2 and model.qk_rope_dim == dh // 2
        assert model.W_dkv.shape == (d_model, model.kv_proj_dim + model.qk_rope_dim)
        assert model.W_ukv.shape == (model.kv_proj_dim, d_model + n_heads * model.qk_nope_dim)
        assert model.cos_cached.shape == (1, 1, 32, dh // 2)
        with torch.no_grad():
            _, cache = model(torch.randn(1, 3, d_model))
        assert cache.shape == (1, 3, model.kv_proj_dim + model.qk_rope_dim)
        assert cache.shape[-1] / (2 * d_model) < 0.75

