"""Multi-head latent attention (MLA) with decoupled RoPE and a compressed key/value cache.

``MLA.forward`` is the part to implement.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from utils import apply_rope_x


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
        raise NotImplementedError("MLA.forward is not implemented yet")
