"""Independent reference for MLA.forward: float64, explicit per-head loops, own LayerNorm and rotation.

It reads only the parameters and RoPE buffers of the module under test; it never calls its methods,
``utils.py`` or ``scaled_dot_product_attention``.
"""
import math

import torch


def layer_norm(t, weight, bias, eps):
    mean = t.mean(dim=-1, keepdim=True)
    var = ((t - mean) ** 2).mean(dim=-1, keepdim=True)
    return (t - mean) / torch.sqrt(var + eps) * weight + bias


def rotate(vec, pos, cos_table, sin_table):
    """Rotate a rope vector [a | b] (halves of size m) at position pos with the first m frequencies."""
    m = vec.shape[-1] // 2
    cos, sin = cos_table[pos, :m], sin_table[pos, :m]
    a, b = vec[:m], vec[m:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin])


def reference_mla(model, x, kv_cache=None, past_length=0):
    """Return (output, cache) computed from the contract in float64 (output cast back to x.dtype)."""
    p = {name: t.detach().double().cpu() for name, t in model.named_parameters()}
    cos_table = model.cos_cached.detach().double().cpu()[0, 0]
    sin_table = model.sin_cached.detach().double().cpu()[0, 0]
    d, n_heads = model.d_model, model.n_heads
    dh = d // n_heads
    nope = dh // 2
    kv_proj = (2 * d) // 3
    xd = x.detach().double().cpu()
    batch, seq, _ = xd.shape

    q_latent = layer_norm(xd @ p["W_dq"], p["q_layernorm.weight"], p["q_layernorm.bias"],
                          model.q_layernorm.eps)
    q = (q_latent @ p["W_uq"]).reshape(batch, seq, n_heads, dh)

    new_rows = xd @ p["W_dkv"]
    cache = new_rows if kv_cache is None else torch.cat([kv_cache.detach().double().cpu(), new_rows], 1)
    total = cache.shape[1]
    latent = layer_norm(cache[..., :kv_proj], p["kv_layernorm.weight"], p["kv_layernorm.bias"],
                        model.kv_layernorm.eps)
    up = (latent @ p["W_ukv"]).reshape(batch, total, n_heads, nope + dh)
    k_rope_raw = cache[..., kv_proj:]

    heads = torch.zeros(batch, seq, n_heads, dh, dtype=torch.float64)
    for b in range(batch):
        keys_rope = [rotate(k_rope_raw[b, j], j, cos_table, sin_table) for j in range(total)]
        for h in range(n_heads):
            keys = torch.stack([torch.cat([up[b, j, h, :nope], keys_rope[j]]) for j in range(total)])
            values = up[b, :, h, nope:]
            for i in range(seq):
                pos = past_length + i
                qv = torch.cat([q[b, i, h, :nope], rotate(q[b, i, h, nope:], pos, cos_table, sin_table)])
                visible = min(total, pos + 1)
                scores = keys[:visible] @ qv / math.sqrt(dh)
                weights = torch.exp(scores - scores.max())
                weights = weights / weights.sum()
                heads[b, i, h] = weights @ values[:visible]
    out = heads.reshape(batch, seq, d) @ p["W_o"].T
    return out.to(x.dtype), cache.to(x.dtype)


def redraw_unit_scale(model, generator=None):
    """Re-initialise parameters at unit scale: matrices randn/sqrt(fan_in), LayerNorm 1+0.1randn / 0.1randn."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            noise = torch.randn(param.shape, generator=generator).to(param)
            if name.endswith("layernorm.weight"):
                param.copy_(1.0 + 0.1 * noise)
            elif name.endswith("layernorm.bias"):
                param.copy_(0.1 * noise)
            else:
                param.copy_(noise / math.sqrt(param.shape[0]))
    return model


def assert_matches(actual, expected, rtol=1e-4):
    """Relative comparison: rtol plus an absolute floor of 1e-5 times the reference's largest entry."""
    atol = 1e-5 * expected.abs().max().item()
    torch.testing.assert_close(actual.detach().cpu(), expected, rtol=rtol, atol=atol)
