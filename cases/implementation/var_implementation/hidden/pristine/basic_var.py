"""Transformer building blocks of VAR: feed-forward, self-attention with a KV cache, adaptive-LayerNorm blocks."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from helpers import DropPath

__all__ = ["FFN", "SelfAttention", "AdaLNSelfAttn", "AdaLNBeforeHead"]


class FFN(nn.Module):
    """Linear -> GELU (tanh approximation) -> Linear, with dropout on the output."""

    def __init__(self, in_features, hidden_features=None, out_features=None, drop=0.0, fused_if_available=True):
        super().__init__()
        self.fused_mlp_func = None  # fused kernels are not used in this re-implementation
        out_features = out_features or in_features
        hidden_features = hidden_features or in_features
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU(approximate="tanh")
        self.fc2 = nn.Linear(hidden_features, out_features)
        self.drop = nn.Dropout(drop, inplace=True) if drop > 0 else nn.Identity()

    def forward(self, x):
        return self.drop(self.fc2(self.act(self.fc1(x))))

    def extra_repr(self) -> str:
        return f"fused_mlp_func={self.fused_mlp_func is not None}"


class SelfAttention(nn.Module):
    """Multi-head self-attention; q/v biases are separate parameters, the key has no bias.

    With `kv_caching(True)`, every call appends its keys/values to `cached_k`/`cached_v` and attends over
    everything cached so far, which lets generation feed only the new tokens of each stage.
    """

    def __init__(self, block_idx, embed_dim=768, num_heads=12, attn_drop=0.0, proj_drop=0.0, attn_l2_norm=False,
                 flash_if_available=True):
        super().__init__()
        assert embed_dim % num_heads == 0
        self.block_idx, self.num_heads, self.head_dim = block_idx, num_heads, embed_dim // num_heads
        self.attn_l2_norm = attn_l2_norm
        if self.attn_l2_norm:
            self.scale = 1
            self.scale_mul_1H11 = nn.Parameter(torch.full((1, num_heads, 1, 1), 4.0).log(), requires_grad=True)
            self.max_scale_mul = math.log(100)
        else:
            self.scale = 0.25 / math.sqrt(self.head_dim)

        self.mat_qkv = nn.Linear(embed_dim, embed_dim * 3, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(embed_dim))
        self.v_bias = nn.Parameter(torch.zeros(embed_dim))
        self.register_buffer("zero_k_bias", torch.zeros(embed_dim))

        self.proj = nn.Linear(embed_dim, embed_dim)
        self.proj_drop = nn.Dropout(proj_drop, inplace=True) if proj_drop > 0 else nn.Identity()
        self.attn_drop: float = attn_drop
        self.using_flash = False  # flash kernels are not used in this re-implementation
        self.using_xform = False

        self.caching, self.cached_k, self.cached_v = False, None, None

    def kv_caching(self, enable: bool):
        """Turn the KV cache on or off; either way the cached keys/values are dropped."""
        self.caching, self.cached_k, self.cached_v = enable, None, None

    def forward(self, x, attn_bias):
        """x: (B, L, C); attn_bias: additive mask broadcastable to (B, H, L, L_total), or None for no mask."""
        B, L, C = x.shape
        bias = torch.cat((self.q_bias, self.zero_k_bias, self.v_bias))
        qkv = F.linear(input=x, weight=self.mat_qkv.weight, bias=bias).view(B, L, 3, self.num_heads, self.head_dim)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(dim=0)  # each (B, H, L, head_dim)
        scale = self.scale
        if self.attn_l2_norm:
            scale_mul = self.scale_mul_1H11.clamp_max(self.max_scale_mul).exp()
            q = F.normalize(q, dim=-1).mul(scale_mul)
            k = F.normalize(k, dim=-1)

        if self.caching:
            if self.cached_k is None:
                self.cached_k, self.cached_v = k, v
            else:
                self.cached_k = torch.cat((self.cached_k, k), dim=2)
                self.cached_v = torch.cat((self.cached_v, v), dim=2)
            k, v = self.cached_k, self.cached_v

        scores = (q @ k.transpose(-2, -1)) * scale
        if attn_bias is not None:
            scores = scores + attn_bias
        weights = scores.softmax(dim=-1)
        if self.attn_drop > 0 and self.training:
            weights = F.dropout(weights, p=self.attn_drop)
        out = (weights @ v).transpose(1, 2).reshape(B, L, C)
        return self.proj_drop(self.proj(out))

    def extra_repr(self) -> str:
        return f"using_flash={self.using_flash}, using_xform={self.using_xform}, attn_l2_norm={self.attn_l2_norm}"


class AdaLNSelfAttn(nn.Module):
    """Transformer block whose LayerNorms are modulated by the class condition (adaptive LayerNorm).

    The condition yields six vectors per sample: gamma1, gamma2 (residual gates), scale1, scale2, shift1,
    shift2. With `shared_aln` the block adds its own `ada_gss` (1, 1, 6, C) to a condition that was already
    projected once for all blocks (shape (B, 1, 6, C)); otherwise it projects `cond_BD` itself.
    """

    def __init__(self, block_idx, last_drop_p, embed_dim, cond_dim, shared_aln: bool, norm_layer, num_heads,
                 mlp_ratio=4.0, drop=0.0, attn_drop=0.0, drop_path=0.0, attn_l2_norm=False,
                 flash_if_available=False, fused_if_available=True):
        super().__init__()
        self.block_idx, self.last_drop_p, self.C = block_idx, last_drop_p, embed_dim
        self.C, self.D = embed_dim, cond_dim
        self.drop_path = DropPath(drop_path) if drop_path > 0.0 else nn.Identity()
        self.attn = SelfAttention(block_idx=block_idx, embed_dim=embed_dim, num_heads=num_heads,
                                  attn_drop=attn_drop, proj_drop=drop, attn_l2_norm=attn_l2_norm,
                                  flash_if_available=flash_if_available)
        self.ffn = FFN(in_features=embed_dim, hidden_features=round(embed_dim * mlp_ratio), drop=drop,
                       fused_if_available=fused_if_available)

        self.ln_wo_grad = norm_layer(embed_dim, elementwise_affine=False)
        self.shared_aln = shared_aln
        if self.shared_aln:
            self.ada_gss = nn.Parameter(torch.randn(1, 1, 6, embed_dim) / embed_dim ** 0.5)
        else:
            self.ada_lin = nn.Sequential(nn.SiLU(inplace=False), nn.Linear(cond_dim, 6 * embed_dim))

        self.fused_add_norm_fn = None

    def forward(self, x, cond_BD, attn_bias):
        """x: (B, L, C); cond_BD: (B, D), or (B, 1, 6, C) when shared_aln; attn_bias: mask or None."""
        if self.shared_aln:
            gamma1, gamma2, scale1, scale2, shift1, shift2 = (self.ada_gss + cond_BD).unbind(2)
        else:
            gamma1, gamma2, scale1, scale2, shift1, shift2 = self.ada_lin(cond_BD).view(-1, 1, 6, self.C).unbind(2)
        h = self.ln_wo_grad(x).mul(scale1.add(1)).add_(shift1)
        x = x + self.drop_path(self.attn(h, attn_bias=attn_bias).mul_(gamma1))
        h = self.ln_wo_grad(x).mul(scale2.add(1)).add_(shift2)
        x = x + self.drop_path(self.ffn(h).mul(gamma2))
        return x

    def extra_repr(self) -> str:
        return f"shared_aln={self.shared_aln}"


class AdaLNBeforeHead(nn.Module):
    """Final adaptive LayerNorm before the output head: ln(x) * (1 + scale) + shift from the condition."""

    def __init__(self, C, D, norm_layer):
        super().__init__()
        self.C, self.D = C, D
        self.ln_wo_grad = norm_layer(C, elementwise_affine=False)
        self.ada_lin = nn.Sequential(nn.SiLU(inplace=False), nn.Linear(D, 2 * C))

    def forward(self, x_BLC: torch.Tensor, cond_BD: torch.Tensor):
        scale, shift = self.ada_lin(cond_BD).view(-1, 1, 2, self.C).unbind(2)
        return self.ln_wo_grad(x_BLC).mul(scale.add(1)).add_(shift)
