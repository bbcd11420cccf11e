"""Reference maths for VAR, written independently of any implementation of the two open methods.

Blocks, adaptive norms and the head are recomputed from the model's parameters with explicit formulas
(own LayerNorm, einsum attention, own block-causal mask); only the given VQ-VAE pieces
(`get_next_autoregressive_input`, `fhat_to_img`) are reused. The greedy generator does not use the KV
cache: at every stage it re-runs the whole prefix under the block-causal mask.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


@torch.no_grad()
def unit_scale_(var, seed):
    """Redraw every VAR parameter at unit scale: Linear weights randn/sqrt(fan_in), Linear biases 0.1*randn,
    everything else (embeddings, positions, ada_gss, q/v biases) 0.5*randn. The VQ-VAE is left alone."""
    gen = torch.Generator().manual_seed(seed)
    for p in var.parameters():
        p.copy_(0.5 * torch.randn(p.shape, generator=gen))
    for m in var.modules():
        if isinstance(m, nn.Linear):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.in_features))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def levels(patch_nums):
    """Scale index of every token position, shape (L,)."""
    return torch.cat([torch.full((pn * pn,), si, dtype=torch.long) for si, pn in enumerate(patch_nums)])


def block_causal_mask(patch_nums, n):
    """(n, n) additive mask over the first n positions: query q may see key k iff level(k) <= level(q)."""
    lvl = levels(patch_nums)[:n]
    allowed = lvl.view(1, n) <= lvl.view(n, 1)
    return torch.zeros(n, n).masked_fill(~allowed, float("-inf"))


def layer_norm(x, eps):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def linear(x, layer):
    out = torch.einsum("...i,oi->...o", x, layer.weight)
    return out + layer.bias if layer.bias is not None else out


def block_condition(var, cond_BD):
    """What every block receives as its condition: shared projection (B, 1, 6, C) or the raw (B, D)."""
    if isinstance(var.shared_ada_lin, nn.Identity):
        return cond_BD
    lin = var.shared_ada_lin[-1]
    return linear(F.silu(cond_BD), lin).view(-1, 1, 6, var.C)


def block(blk, x, cond, mask):
    """One adaptive-LayerNorm transformer block, explicitly. x (B, n, C); mask (n, n) or None."""
    assert not blk.attn.attn_l2_norm, "reference covers attn_l2_norm=False only"
    B, n, C = x.shape
    if blk.shared_aln:
        mods = blk.ada_gss + cond
    else:
        mods = linear(F.silu(cond), blk.ada_lin[-1]).view(-1, 1, 6, C)
    gamma1, gamma2, scale1, scale2, shift1, shift2 = (mods[:, :, i] for i in range(6))
    eps = blk.ln_wo_grad.eps

    h = layer_norm(x, eps) * (1 + scale1) + shift1
    w_q, w_k, w_v = blk.attn.mat_qkv.weight.chunk(3, dim=0)
    H = blk.attn.num_heads
    dh = C // H
    q = (torch.einsum("bni,oi->bno", h, w_q) + blk.attn.q_bias).view(B, n, H, dh)
    k = torch.einsum("bni,oi->bno", h, w_k).view(B, n, H, dh)
    v = (torch.einsum("bni,oi->bno", h, w_v) + blk.attn.v_bias).view(B, n, H, dh)
    scores = torch.einsum("bqhd,bkhd->bhqk", q, k) * (0.25 / math.sqrt(dh))
    if mask is not None:
        scores = scores + mask
    attn = torch.einsum("bhqk,bkhd->bqhd", scores.softmax(dim=-1), v).reshape(B, n, C)
    x = x + linear(attn, blk.attn.proj) * gamma1

    h = layer_norm(x, eps) * (1 + scale2) + shift2
    h = linear(F.gelu(linear(h, blk.ffn.fc1), approximate="tanh"), blk.ffn.fc2)
    return x + h * gamma2


def logits(var, h, cond_BD):
    """Adaptive head norm and head: (B, n, C) -> (B, n, V)."""
    scale, shift = linear(F.silu(cond_BD), var.head_nm.ada_lin[-1]).view(-1, 1, 2, var.C).unbind(2)
    h = layer_norm(h, var.head_nm.ln_wo_grad.eps) * (1 + scale) + shift
    return linear(h, var.head)


@torch.no_grad()
def forward(var, label_B, x_BLCv_wo_first_l, prog_si=-1):
    """Teacher-forced logits for the first ed tokens (no label dropout)."""
    patch_nums = var.patch_nums
    ed = sum(pn * pn for pn in (patch_nums if prog_si < 0 else patch_nums[:prog_si + 1]))
    first_l = patch_nums[0] ** 2
    cond = var.class_emb.weight[label_B]
    tokens = cond.unsqueeze(1) + var.pos_start
    if ed > first_l:
        tokens = torch.cat([tokens, linear(x_BLCv_wo_first_l, var.word_embed)], dim=1)
    tokens = tokens + var.lvl_embed.weight[levels(patch_nums)[:ed]] + var.pos_1LC[0, :ed]
    mask = block_causal_mask(patch_nums, ed)
    ada = block_condition(var, cond)
    for blk in var.blocks:
        tokens = block(blk, tokens, ada, mask)
    return logits(var, tokens, cond)


@torch.no_grad()
def greedy_generate(var, label_B, cfg):
    """Greedy (top-1) guided generation without a KV cache.

    Returns (images (B, 3, H, W) in [0, 1], smallest top-1 minus top-2 guided-logit gap seen).
    """
    patch_nums = var.patch_nums
    SN = len(patch_nums)
    B = label_B.shape[0]
    quant = var.vae_quant_proxy[0]
    cond = var.class_emb.weight[torch.cat([label_B, torch.full_like(label_B, var.num_classes)])]
    ada = block_condition(var, cond)
    extra = var.lvl_embed.weight[levels(patch_nums)] + var.pos_1LC[0]      # (L, C)
    first_l = patch_nums[0] ** 2
    seq = cond.unsqueeze(1) + var.pos_start + extra[:first_l]
    f_hat = torch.zeros(B, var.Cvae, patch_nums[-1], patch_nums[-1])
    min_gap = float("inf")
    start = 0
    for si, pn in enumerate(patch_nums):
        end = start + pn * pn
        h = seq
        mask = block_causal_mask(patch_nums, end)
        for blk in var.blocks:
            h = block(blk, h, ada, mask)
        out = logits(var, h[:, start:end], cond)
        t = cfg * si / (SN - 1)
        guided = (1 + t) * out[:B] - t * out[B:]
        top2 = guided.topk(2, dim=-1).values
        min_gap = min(min_gap, (top2[..., 0] - top2[..., 1]).min().item())
        codes = quant.embedding.weight[guided.argmax(dim=-1)]                 # (B, pn*pn, Cvae)
        f_hat, next_map = quant.get_next_autoregressive_input(
            si, SN, f_hat, codes.transpose(1, 2).reshape(B, var.Cvae, pn, pn))
        if si < SN - 1:
            nl = patch_nums[si + 1] ** 2
            nxt = linear(next_map.reshape(B, var.Cvae, nl).transpose(1, 2), var.word_embed) + extra[end:end + nl]
            seq = torch.cat([seq, nxt.repeat(2, 1, 1)], dim=1)
        start = end
    return var.vae_proxy[0].fhat_to_img(f_hat) * 0.5 + 0.5, min_gap
