"""Probes of the ChannelViT tasks (run in the untrusted process, on the agent's channel_vit.py).

Each probe builds the agent's ChannelViT, loads the parameter values the judge drew (the given parts by name,
the patch embedding's trainable tensors by size) and records what the model computes on the judge's inputs.
"""
import random

import numpy as np
import torch


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def build(inputs, config="config_s", load=True):
    from channel_vit import ChannelViT
    seed_all(inputs["seed"])
    model = ChannelViT(**inputs[config])
    if load:
        by_size = {v.numel(): v for v in inputs["patch_embed"].values()}
        with torch.no_grad():
            for name, p in model.named_parameters():
                if not name.startswith("patch_embed."):
                    p.copy_(inputs["given"][name])
            for p in (p for p in model.patch_embed.parameters() if p.requires_grad):
                if p.numel() not in by_size:
                    raise ValueError(f"patch_embed has a trainable tensor of {p.numel()} values; expected a "
                                     f"projection weight, its bias and a channel table of {sorted(by_size)} values")
                p.copy_(by_size[p.numel()].reshape(p.shape))
    return model.eval()


def patch_embed_tensors(model):
    return {str(p.numel()): p.detach().flatten().clone() for p in model.patch_embed.parameters() if p.requires_grad}


def counts_original(inputs):
    model = build(inputs, "config_o", load=False)
    with torch.no_grad():
        out = model(inputs["x_o"])
    return {"trainable": sum(p.numel() for p in model.patch_embed.parameters() if p.requires_grad),
            "pos_embed": model.pos_embed.numel(), "cls_token": model.cls_token.numel(),
            "num_patches": model.patch_embed.num_patches, "out_shape": list(out.shape)}


@torch.no_grad()
def shapes(inputs):
    model = build(inputs)
    x = inputs["x_all"]
    out = {"all": list(model(x).shape)}
    for k in (3, 2, 1):
        out[f"k{k}"] = list(model(x[:, :k], inputs["ids"][:, :k]).shape)
    return out


def run(name, inputs):
    if name == "counts_original":
        return counts_original(inputs)
    if name == "shapes":
        return shapes(inputs)
    if name == "own_init":
        return patch_embed_tensors(build(inputs, load=False))
    if name == "gradients":
        model = build(inputs).train()
        model(inputs["x_all"]).pow(2).mean().backward()
        grads = {str(p.numel()): (p.grad.flatten().clone() if p.grad is not None else None)
                 for p in model.patch_embed.parameters() if p.requires_grad}
        return {"patch_embed": {k: v for k, v in grads.items() if v is not None},
                "pos_embed": model.pos_embed.grad, "cls_token": model.cls_token.grad}
    model = build(inputs)
    with torch.no_grad():
        if name == "tokens":
            return {"out": model.prepare_tokens(inputs["x"], inputs["ids"])}
        if name == "tokens_default_ids":
            return {"out": model.prepare_tokens(inputs["x"])}
        if name == "forward":
            return {"out": model(inputs["x_same"], inputs["ids_same"])}
        if name == "forward_all":
            return {"out": model(inputs["x_all"])}
    raise KeyError(name)
