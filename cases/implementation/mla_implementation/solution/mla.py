"""Multi-head latent attention (MLA).

``RopelessMLA`` is a complete example without positional encoding. ``MLA`` adds decoupled RoPE
and a compressed key/value cache; its ``forward`` is the part to implement.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from utils import apply_rope_x


class RopelessMLA(nn.Module):
    """Latent attention without RoPE; the cache holds the LayerNorm-ed latent (B, T, kv_proj_dim)."""

    def __init__(self, d_model, n_heads):
        super().__init__()
        self.d_model = d_model
        self.n_heads = n_heads
        self.dh = d_model // n_heads
        self.q_proj_dim = d_model // 2
        self.kv_proj_dim = (2 * d_model) // 3

        self.W_dq = nn.Parameter(0.01 * torch.randn((d_model, self.q_proj_dim)))
        self.W_uq = nn.Parameter(0.01 * torch.randn((self.q_proj_dim, d_model)))
        self.q_layernorm = nn.LayerNorm(self.q_proj_dim)

        self.W_dkv = nn.Parameter(0.01 * torch.randn((d_model, self.kv_proj_dim)))
        self.W_ukv = nn.Parameter(0.01 * torch.randn((self.kv_proj_dim, 2 * d_model)))
        self.kv_layernorm = nn.LayerNorm(self.kv_proj_dim)

        self.W_o = nn.Parameter(0.01 * torch.randn((d_model, d_model)))

    def forward(self, x, kv_cache=None, past_length=0):
        batch, seq, _ = x.shape
        q = self.q_layernorm(x @ self.W_dq) @ self.W_uq
        q = q.view(batch, seq, self.n_heads, self.dh).transpose(1, 2)

        latent = self.kv_layernorm(x @ self.W_dkv)
        if kv_cache is not None:
            latent = torch.cat([kv_cache, latent], dim=1)
        total = latent.shape[1]

        k, v = (latent @ self.W_ukv).split([self.d_model, self.d_model], dim=-1)
        k = k.view(batch, total, self.n_heads, self.dh).transpose(1, 2)
        v = v.view(batch, total, self.n_heads, self.dh).transpose(1, 2)

        q_pos = torch.arange(seq, device=x.device)[:, None] + past_length
        mask = torch.arange(total, device=x.device)[None, :] <= q_pos
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        out = out.transpose(1, 2).reshape(batch, seq, self.d_model)
        return out @ self.W_o.T, latent


class MLA(nn.Module):
    """Multi-head latent attention with decoupled RoPE and a compressed KV cache."""

    def __init__(self, d_model, n_heads, max_len=1024, rope_theta=10000.0):
        super().__init__()
        self.d_model = d_model
        self.n_heads = n_heads
        self.dh = d_model // n_heads
        self.q_proj_dim = d_model // 2
        self.kv_proj_dim = (2 * d_model) // 3
        self.qk_nope_dim = self.dh // 2
        self.qk_rope_dim = self.dh // 2

        # queries: down-projection, LayerNorm, up-projection to d_model
        self.W_dq = nn.Parameter(0.01 * torch.randn((d_model, self.q_proj_dim)))
        self.W_uq = nn.Parameter(0.01 * torch.randn((self.q_proj_dim, d_model)))
        self.q_layernorm = nn.LayerNorm(self.q_proj_dim)

        # keys/values: one down-projection giving [latent (kv_proj_dim) | rope key (qk_rope_dim)]
        self.W_dkv = nn.Parameter(0.01 * torch.randn((d_model, self.kv_proj_dim + self.qk_rope_dim)))
        # latent up-projection; per head the output is laid out as [K_nope (qk_nope_dim) | V (dh)]
        self.W_ukv = nn.Parameter(
            0.01 * torch.randn((self.kv_proj_dim, self.d_model + self.n_heads * self.qk_nope_dim))
        )
        self.kv_layernorm = nn.LayerNorm(self.kv_proj_dim)

        self.W_o = nn.Parameter(0.01 * torch.randn((d_model, d_model)))

        # RoPE tables of shape (1, 1, max_len, dh // 2), frequencies rope_theta^(-2i/dh)
        self.max_seq_len = max_len
        self.rope_theta = rope_theta
        inv_freq = 1.0 / (rope_theta ** (torch.arange(0, self.dh, 2).float() / self.dh))
        angles = torch.outer(torch.arange(max_len).float(), inv_freq)
        self.register_buffer("cos_cached", angles.cos()[None, None, :, :], persistent=False)
        self.register_buffer("sin_cached", angles.sin()[None, None, :, :], persistent=False)

    def forward(self, x, kv_cache=None, past_length=0):
        """Attend from the chunk ``x`` (B, S, d_model) over the cached and the new tokens.

        Returns ``(output, cache)``: output (B, S, d_model) and cache
        (B, past_length + S, kv_proj_dim + qk_rope_dim). Contract (H heads, dh = d_model // H):

        * Queries: ``Q = q_layernorm(x @ W_dq) @ W_uq``, viewed (B, S, H, dh); every head is split
          ``[nope (qk_nope_dim) | rope (qk_rope_dim)]``.
        * Compression: ``c = x @ W_dkv`` (raw). The returned cache is ``cat([kv_cache, c], dim=1)``
          of raw projections: no LayerNorm, no rotation. Below, T is the length of that cache.
        * Latent part ``c[..., :kv_proj_dim]``: ``kv_layernorm`` (per token, so cached and new rows
          may be normalised separately), then ``@ W_ukv``, viewed (B, T, H, qk_nope_dim + dh); each
          head is ``[K_nope | V]``.
        * Rope key ``c[..., kv_proj_dim:]``: one vector of size qk_rope_dim per token, shared by
          all heads.
        * RoPE: ``utils.apply_rope_x`` with ``cos_cached`` / ``sin_cached`` sliced to
          ``[..., positions, :qk_rope_dim // 2]`` and repeated twice along the last dimension.
          Query positions are ``past_length ... past_length + S - 1``; key positions ``0 ... T - 1``.
        * Head vectors are ``[nope | rotated rope]`` for queries and keys; query i may attend key j
          iff ``j <= past_length + i``; scaled dot-product attention with scale 1/sqrt(dh).
        * Heads are concatenated to (B, S, d_model) and multiplied by ``W_o.T``.
        """
        batch, seq, _ = x.shape
        H, dh = self.n_heads, self.dh
        nope, rope = self.qk_nope_dim, self.qk_rope_dim

        q = self.q_layernorm(x @ self.W_dq) @ self.W_uq
        q = q.view(batch, seq, H, dh).transpose(1, 2)
        q_nope, q_rope = q.split([nope, rope], dim=-1)

        compressed = x @ self.W_dkv
        cache = compressed if kv_cache is None else torch.cat([kv_cache, compressed], dim=1)
        total = cache.shape[1]
        latent, k_rope = cache.split([self.kv_proj_dim, rope], dim=-1)

        kv = self.kv_layernorm(latent) @ self.W_ukv
        kv = kv.view(batch, total, H, nope + dh).transpose(1, 2)
        k_nope, v = kv.split([nope, dh], dim=-1)

        half = rope // 2
        cos_q = self.cos_cached[:, :, past_length:past_length + seq, :half].repeat(1, 1, 1, 2)
        sin_q = self.sin_cached[:, :, past_length:past_length + seq, :half].repeat(1, 1, 1, 2)
        cos_k = self.cos_cached[:, :, :total, :half].repeat(1, 1, 1, 2)
        sin_k = self.sin_cached[:, :, :total, :half].repeat(1, 1, 1, 2)
        q_rope = apply_rope_x(q_rope, cos_q, sin_q)
        k_rope = apply_rope_x(k_rope.unsqueeze(1), cos_k, sin_k).expand(-1, H, -1, -1)

        q = torch.cat([q_nope, q_rope], dim=-1)
        k = torch.cat([k_nope, k_rope], dim=-1)
        q_pos = torch.arange(seq, device=x.device)[:, None] + past_length
        mask = torch.arange(total, device=x.device)[None, :] <= q_pos
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        out = out.transpose(1, 2).reshape(batch, seq, self.d_model)
        return out @ self.W_o.T, cache
