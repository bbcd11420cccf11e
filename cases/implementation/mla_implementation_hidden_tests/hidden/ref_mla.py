"""Independent reference for MLA.forward: float64, explicit per-head loops, own LayerNorm and rotation.

It works on parameter values and RoPE tables given as tensors (those the judge drew), so it can be
differentiated; it never uses the module under test, ``utils.py`` or ``scaled_dot_product_attention``.
"""
import math

import torch

EPS = 1e-5  # nn.LayerNorm's default, as the given MLA.__init__ builds its LayerNorms


def dims(d_model, n_heads):
    dh = d_model // n_heads
    return {"dh": dh, "q_proj": d_model // 2, "kv_proj": (2 * d_model) // 3, "nope": dh // 2, "rope": dh // 2}


def shapes(d_model, n_heads):
    """Parameter name -> shape of the given MLA(d_model, n_heads)."""
    k = dims(d_model, n_heads)
    return {"W_dq": (d_model, k["q_proj"]), "W_uq": (k["q_proj"], d_model), "q_layernorm.weight": (k["q_proj"],),
            "q_layernorm.bias": (k["q_proj"],), "W_dkv": (d_model, k["kv_proj"] + k["rope"]),
            "W_ukv": (k["kv_proj"], d_model + n_heads * k["nope"]), "kv_layernorm.weight": (k["kv_proj"],),
            "kv_layernorm.bias": (k["kv_proj"],), "W_o": (d_model, d_model)}


def layer_norm(t, weight, bias, eps=EPS):
    mean = t.mean(dim=-1, keepdim=True)
    var = ((t - mean) ** 2).mean(dim=-1, keepdim=True)
    return (t - mean) / torch.sqrt(var + eps) * weight + bias


def rotate(vec, pos, cos_table, sin_table):
    """Rotate a rope vector [a | b] (halves of size m) at position pos with the first m frequencies."""
    m = vec.shape[-1] // 2
    cos, sin = cos_table[pos, :m], sin_table[pos, :m]
    a, b = vec[:m], vec[m:]
    return torch.cat([a * cos - b * sin, b * cos + a * sin])


def reference_mla(p, cos_table, sin_table, n_heads, x, kv_cache=None, past_length=0):
    """(output, cache) of the contract in float64 for parameters `p` (name -> tensor) and RoPE tables
    (max_len, dh // 2)."""
    p = {k: v.double() for k, v in p.items()}
    cos_table, sin_table = cos_table.double(), sin_table.double()
    d = p["W_o"].shape[0]
    k = dims(d, n_heads)
    dh, nope, kv_proj = k["dh"], k["nope"], k["kv_proj"]
    xd = x.double()
    batch, seq, _ = xd.shape
    q = (layer_norm(xd @ p["W_dq"], p["q_layernorm.weight"], p["q_layernorm.bias"]) @ p["W_uq"])
    q = q.reshape(batch, seq, n_heads, dh)
    new_rows = xd @ p["W_dkv"]
    cache = new_rows if kv_cache is None else torch.cat([kv_cache.double(), new_rows], 1)
    total = cache.shape[1]
    latent = layer_norm(cache[..., :kv_proj], p["kv_layernorm.weight"], p["kv_layernorm.bias"])
    up = (latent @ p["W_ukv"]).reshape(batch, total, n_heads, nope + dh)
    k_rope_raw = cache[..., kv_proj:]
    rows = []
    for b in range(batch):
        keys_rope = torch.stack([rotate(k_rope_raw[b, j], j, cos_table, sin_table) for j in range(total)])
        heads = []
        for h in range(n_heads):
            keys = torch.cat([up[b, :, h, :nope], keys_rope], dim=-1)
            values = up[b, :, h, nope:]
            outs = []
            for i in range(seq):
                pos = past_length + i
                qv = torch.cat([q[b, i, h, :nope], rotate(q[b, i, h, nope:], pos, cos_table, sin_table)])
                visible = min(total, pos + 1)
                weights = torch.softmax(keys[:visible] @ qv / math.sqrt(dh), dim=0)
                outs.append(weights @ values[:visible])
            heads.append(torch.stack(outs))
        rows.append(torch.cat(heads, dim=-1))
    return torch.stack(rows) @ p["W_o"].T, cache
