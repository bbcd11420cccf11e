"""Reference maths of ChannelViT, written independently of any implementation (judge side).

The judge gives the model its parameter values; the patch embedding's three tensors (projection weight and
bias, channel table) are read in the layouts an implementation may store them in, and the tokens and the
encoder output are rebuilt here from those values with `unfold` + einsum and the given encoder's blocks.
"""
import torch
import torch.nn.functional as F

# (projection weight, channel table) storage orders an implementation may use: the weight as (D, P*P)
# (Conv2d/Conv3d/Linear: output first) or (P*P, D) (x @ W); the table as (C, D) or (D, C)
LAYOUTS = [("out-first", "channel-first"), ("out-first", "dim-first"), ("in-first", "channel-first"),
           ("in-first", "dim-first")]


def unpack(flat, layout, D, P, C):
    """(W (D, P, P), bias (D,), table (C, D)) from the flat tensors `flat` in storage `layout`."""
    weight, table = flat["weight"], flat["table"]
    W = weight.reshape(D, P * P) if layout[0] == "out-first" else weight.reshape(P * P, D).T
    E = table.reshape(C, D) if layout[1] == "channel-first" else table.reshape(D, C).T
    return W.reshape(D, P, P), flat["bias"], E


# token orders an implementation may use: channel-major (all patches of channel 0, then channel 1, ...) or
# patch-major (the k channels of patch 0, then of patch 1, ...)
ORDERS = ("channel-major", "patch-major")


def reference_tokens(x, channel_ids, W, bias, E, pos_embed, cls_token, order="channel-major"):
    """Tokens for image x (B, k, H, W) with channel ids (B, k).

    token 0 = cls + pos[0]; the token of patch n of channel j = <W, patch n of channel j> + bias + E[ids[b, j]]
    + pos[1 + n], at 1 + j*N + n (channel-major) or 1 + n*k + j (patch-major).
    """
    B, k, H, Wd = x.shape
    D, P, _ = W.shape
    patches = F.unfold(x.reshape(B * k, 1, H, Wd), kernel_size=P, stride=P).reshape(B, k, P * P, -1)
    projected = torch.einsum("dq,bjqn->bjnd", W.reshape(D, P * P), patches) + bias
    projected = projected + E[channel_ids].unsqueeze(2)
    N = projected.shape[2]
    projected = projected + pos_embed[0, 1:1 + N].reshape(1, 1, N, D)
    cls = (cls_token[0, 0] + pos_embed[0, 0]).expand(B, 1, D)
    if order == "patch-major":
        projected = projected.transpose(1, 2)
    return torch.cat([cls, projected.reshape(B, k * N, D)], dim=1)


def reference_forward(encoder, tokens):
    """The given encoder applied to `tokens`: every block, then the final norm."""
    for blk in encoder.blocks:
        tokens = blk(tokens)
    return encoder.norm(tokens)
