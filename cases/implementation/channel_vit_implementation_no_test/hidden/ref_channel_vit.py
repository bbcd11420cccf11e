"""Reference maths for ChannelViT token preparation, written independently of any implementation.

The patch embedding is used only as a black box to *measure* it: the effective per-pixel weights
W[d, p, q] come from one-hot probe images and the per-channel offsets g_c from zero images. Tokens of an
arbitrary image are then rebuilt with `unfold` + einsum and compared with what the model produces.
"""
import torch
import torch.nn.functional as F


@torch.no_grad()
def zero_image_tokens(model, channel_ids, img_size):
    """prepare_tokens of an all-zero image whose channels carry `channel_ids` (B, k) -> (B, 1 + k*N, D)."""
    B, k = channel_ids.shape
    return model.prepare_tokens(torch.zeros(B, k, img_size, img_size), channel_ids)


@torch.no_grad()
def channel_offsets(model, in_chans, img_size):
    """g_c for every channel id c: zero-image token of patch 0 minus pos_embed[:, 1]. Shape (in_chans, D)."""
    ids = torch.arange(in_chans).reshape(in_chans, 1)
    return zero_image_tokens(model, ids, img_size)[:, 1] - model.pos_embed[0, 1]


@torch.no_grad()
def probe_patch_weights(model, patch_size, img_size):
    """Effective weights W (D, P, P) of the projection of patch 0, from P*P one-hot single-channel images."""
    P = patch_size
    probes = torch.zeros(P * P, 1, img_size, img_size)
    for i in range(P):
        for j in range(P):
            probes[i * P + j, 0, i, j] = 1.0
    ids = torch.zeros(P * P, 1, dtype=torch.long)
    response = model.prepare_tokens(probes, ids)[:, 1]
    base = zero_image_tokens(model, ids[:1], img_size)[:, 1]
    return (response - base).transpose(0, 1).reshape(-1, P, P)


def reference_tokens(x, channel_ids, weights, offsets, pos_embed, cls_token):
    """Tokens for image x (B, k, H, W) with channel ids (B, k), from measured weights and offsets.

    token 0 = cls + pos[0]; token 1 + j*N + n = <W, patch n of channel j> + g[ids[b, j]] + pos[1 + n].
    """
    B, k, H, W = x.shape
    D, P, _ = weights.shape
    patches = F.unfold(x.reshape(B * k, 1, H, W), kernel_size=P, stride=P)      # (B*k, P*P, N), row-major
    patches = patches.reshape(B, k, P * P, -1)
    projected = torch.einsum("dq,bjqn->bjnd", weights.reshape(D, P * P), patches)
    projected = projected + offsets[channel_ids].unsqueeze(2)
    N = projected.shape[2]
    projected = projected + pos_embed[0, 1:1 + N].reshape(1, 1, N, D)
    cls = (cls_token[0, 0] + pos_embed[0, 0]).expand(B, 1, D)
    return torch.cat([cls, projected.reshape(B, k * N, D)], dim=1)


def reference_forward(model, tokens):
    """The given encoder applied to `tokens`: every block, then the final norm."""
    for blk in model.blocks:
        tokens = blk(tokens)
    return model.norm(tokens)
