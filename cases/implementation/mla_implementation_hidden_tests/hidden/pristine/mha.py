"""Reference multi-head attention modules (given; read them, do not change them).

All three take ``x`` of shape (batch, seq, d_model) and return ``(output, kv_cache)``.
``past_length`` is the number of tokens that precede ``x`` (the length of the cache).
Mask convention used everywhere: query ``i`` of the current chunk may attend key ``j``
of the full sequence iff ``j <= past_length + i``.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from utils import apply_rope, apply_rope_x


def rope_tables(head_dim, max_len, theta):
    """cos/sin tables of shape (1, 1, max_len, head_dim // 2), frequencies theta^(-2i/head_dim)."""
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2).float() / head_dim))
    angles = torch.outer(torch.arange(max_len).float(), inv_freq)
    return angles.cos()[None, None, :, :], angles.sin()[None, None, :, :]


def causal_mask(n_queries, n_keys, past_length, device):
    """Boolean (n_queries, n_keys) mask, True where query i may attend key j (j <= past_length + i)."""
    q_pos = torch.arange(n_queries, device=device)[:, None] + past_length
    k_pos = torch.arange(n_keys, device=device)[None, :]
    return k_pos <= q_pos


def split_heads(t, n_heads):
    """(B, S, H*dh) -> (B, H, S, dh)."""
    b, s, _ = t.shape
    return t.view(b, s, n_heads, -1).transpose(1, 2)


def merge_heads(t):
    """(B, H, S, dh) -> (B, S, H*dh)."""
    b, h, s, dh = t.shape
    return t.transpose(1, 2).reshape(b, s, h * dh)


class MHA(nn.Module):
    """Plain multi-head attention; the cache is the tuple (K, V) of shape (B, H, T, dh) each."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.d_model = d_model
        self.n_heads = n_heads
        self.dh = d_model // n_heads
        self.qkv = nn.Parameter(0.01 * torch.randn((d_model, 3 * d_model)))
        self.wo = nn.Parameter(0.01 * torch.randn((d_model, d_model)))

    def forward(self, x, kv_cache=None, past_length=0):
        q, k, v = (x @ self.qkv).chunk(3, dim=-1)
        q, k, v = (split_heads(t, self.n_heads) for t in (q, k, v))
        if kv_cache is not None:
            k = torch.cat([kv_cache[0], k], dim=2)
            v = torch.cat([kv_cache[1], v], dim=2)
        mask = causal_mask(q.shape[2], k.shape[2], past_length, x.device)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return merge_heads(out) @ self.wo.T, (k, v)


class Rope_MHA(nn.Module):
    """Multi-head attention with RoPE over the whole head; the cache holds rotated keys."""

    def __init__(self, d_model, n_heads, max_len=1024, rope_theta=10000.0):
        super().__init__()
        self.d_model = d_model
        self.n_heads = n_heads
        self.dh = d_model // n_heads
        self.qkv = nn.Parameter(0.01 * torch.randn((d_model, 3 * d_model)))
        self.wo = nn.Parameter(0.01 * torch.randn((d_model, d_model)))
        self.max_seq_len = max_len
        self.rope_theta = rope_theta
        cos, sin = rope_tables(self.dh, max_len, rope_theta)
        self.register_buffer("cos_cached", cos, persistent=False)
        self.register_buffer("sin_cached", sin, persistent=False)

    def forward(self, x, kv_cache=None, past_length=0):
        seq = x.shape[1]
        q, k, v = (x @ self.qkv).chunk(3, dim=-1)
        q, k, v = (split_heads(t, self.n_heads) for t in (q, k, v))
        # the tables hold dh/2 frequencies; repeat them so both halves use the same angle
        cos = self.cos_cached[:, :, past_length:past_length + seq, :].repeat(1, 1, 1, 2)
        sin = self.sin_cached[:, :, past_length:past_length + seq, :].repeat(1, 1, 1, 2)
        q, k = apply_rope(q, k, cos, sin)
        if kv_cache is not None:
            k = torch.cat([kv_cache[0], k], dim=2)
            v = torch.cat([kv_cache[1], v], dim=2)
        mask = causal_mask(seq, k.shape[2], past_length, x.device)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return merge_heads(out) @ self.wo.T, (k, v)


class Decoupled_Rope_MHA(nn.Module):
    """Multi-head attention whose heads are split into a position-free part and a rotated part.

    Each query/key head of size dh is laid out as ``[nope (dh/2) | rope (dh/2)]``; only the rope
    half is rotated, using the first ``qk_rope_dim / 2`` frequencies of the tables repeated twice.
    Queries sit at positions ``past_length ... past_length + S - 1``; the keys of the full
    sequence (cache + new) at ``0 ... T - 1``. The cache holds unrotated keys and values.
    """

    def __init__(self, d_model, n_heads, max_len=1024, rope_theta=10000.0):
        super().__init__()
        self.d_model = d_model
        self.n_heads = n_heads
        self.dh = d_model // n_heads
        self.qk_nope_dim = self.dh // 2
        self.qk_rope_dim = self.dh // 2
        self.qkv = nn.Parameter(0.01 * torch.randn((d_model, 3 * d_model)))
        self.wo = nn.Parameter(0.01 * torch.randn((d_model, d_model)))
        self.max_seq_len = max_len
        self.rope_theta = rope_theta
        cos, sin = rope_tables(self.dh, max_len, rope_theta)
        self.register_buffer("cos_cached", cos, persistent=False)
        self.register_buffer("sin_cached", sin, persistent=False)

    def _rope_table(self, start, length):
        half = self.qk_rope_dim // 2
        cos = self.cos_cached[:, :, start:start + length, :half].repeat(1, 1, 1, 2)
        sin = self.sin_cached[:, :, start:start + length, :half].repeat(1, 1, 1, 2)
        return cos, sin

    def forward(self, x, kv_cache=None, past_length=0):
        seq = x.shape[1]
        q, k, v = (x @ self.qkv).chunk(3, dim=-1)
        q, k, v = (split_heads(t, self.n_heads) for t in (q, k, v))
        if kv_cache is not None:
            k = torch.cat([kv_cache[0], k], dim=2)
            v = torch.cat([kv_cache[1], v], dim=2)
        new_cache = (k, v)
        total = k.shape[2]

        q_nope, q_rope = q.split([self.qk_nope_dim, self.qk_rope_dim], dim=-1)
        k_nope, k_rope = k.split([self.qk_nope_dim, self.qk_rope_dim], dim=-1)
        cos_q, sin_q = self._rope_table(past_length, seq)
        cos_k, sin_k = self._rope_table(0, total)
        q = torch.cat([q_nope, apply_rope_x(q_rope, cos_q, sin_q)], dim=-1)
        k = torch.cat([k_nope, apply_rope_x(k_rope, cos_k, sin_k)], dim=-1)

        mask = causal_mask(seq, total, past_length, x.device)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return merge_heads(out) @ self.wo.T, new_cache
