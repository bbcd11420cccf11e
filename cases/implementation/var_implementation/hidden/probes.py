"""Probes of var_implementation (run in the untrusted process, on the agent's var.py with the given modules).

Each probe builds the VQ-VAE and VAR of the judge's configuration (construction seeded as the judge does),
redraws every VAR parameter from the judge's parameter seed (the same draw as ref_var.unit_scale_) and records
what the agent's `forward` and `autoregressive_infer_cfg` compute on the judge's labels and inputs.
"""
import math

import torch
import torch.nn as nn

torch.set_num_threads(2)


@torch.no_grad()
def unit_scale_(var, seed):
    """The judge's draw (ref_var.unit_scale_): Linear weights randn/sqrt(fan_in), biases 0.1*randn, rest 0.5*randn."""
    gen = torch.Generator().manual_seed(seed)
    for p in var.parameters():
        p.copy_(0.5 * torch.randn(p.shape, generator=gen))
    for m in var.modules():
        if isinstance(m, nn.Linear):
            m.weight.copy_(torch.randn(m.weight.shape, generator=gen) / math.sqrt(m.in_features))
            if m.bias is not None:
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=gen))


def build(model, inputs):
    from var import VAR
    from vqvae import VQVAE
    config = inputs["configs"][model["config"]]
    torch.manual_seed(1234)
    vae = VQVAE(test_mode=True, **config["vae"])
    var = VAR(vae, shared_aln=model["shared_aln"], cond_drop_rate=0.0, flash_if_available=False,
              fused_if_available=False, **config["var"]).eval()
    unit_scale_(var, model["param_seed"])
    if model.get("head_scale"):
        with torch.no_grad():
            var.head.weight.mul_(model["head_scale"])
            var.head.bias.mul_(model["head_scale"])
    return var


def raises_index_error(fn):
    try:
        fn()
    except IndexError:
        return True
    except Exception:  # noqa: BLE001 - another error is not the IndexError asked for
        return False
    return False


@torch.no_grad()
def forward(case, inputs):
    var = build(case["model"], inputs)
    out = {}
    for prog_si, x in case["x"].items():
        var.prog_si = int(prog_si)
        out[f"logits_{prog_si}"] = var(case["labels"], x)
    var.prog_si = -1
    if "dropout" in case:
        var.cond_drop_rate = 1.0
        out["dropped"] = var(case["labels"], case["x"]["-1"])
        var.cond_drop_rate = 0.0
        out["bad_label"] = raises_index_error(lambda: var(case["bad_labels"], case["x"]["-1"]))
        var.prog_si = len(var.patch_nums)
        out["bad_prog_si"] = raises_index_error(lambda: var(case["labels"], case["x"]["-1"]))
        var.prog_si = -1
    return out


def greedy(case, inputs):
    var = build(case["model"], inputs)
    return {str(cfg): var.autoregressive_infer_cfg(B=len(case["labels"]), label_B=case["labels"].clone(),
                                                   g_seed=case["g_seed"], cfg=cfg, top_k=1, top_p=0.0)
            for cfg in case["cfgs"]}


def kv_cache(case, inputs):
    var = build(case["model"], inputs)
    calls = {i: [] for i in range(len(var.blocks))}

    def spy(index):
        def hook(module, args, kwargs):
            x = kwargs["x"] if "x" in kwargs else args[0]
            bias = kwargs.get("attn_bias", args[2] if len(args) > 2 else None)
            calls[index].append([list(x.shape), bool(module.attn.caching), module.attn.cached_k is None, bias is None])
        return hook

    handles = [blk.register_forward_pre_hook(spy(i), with_kwargs=True) for i, blk in enumerate(var.blocks)]
    try:
        var.autoregressive_infer_cfg(B=len(case["labels"]), label_B=case["labels"].clone(), g_seed=case["g_seed"],
                                     cfg=1.5, top_k=10)
    finally:
        for h in handles:
            h.remove()
    after = [[bool(b.attn.caching), b.attn.cached_k is None, b.attn.cached_v is None] for b in var.blocks]
    with torch.no_grad():
        logits = var(case["labels"], case["x"])
    return {"calls": [calls[i] for i in range(len(var.blocks))], "after": after, "logits": logits}


def sampling(case, inputs):
    var = build(case["model"], inputs)
    kw = dict(B=2, cfg=1.5, top_k=100, top_p=0.9)
    c = case["class"]
    first = var.autoregressive_infer_cfg(label_B=torch.tensor([c, c]), g_seed=case["g_seed"], **kw)
    again = var.autoregressive_infer_cfg(label_B=torch.tensor([c, c]), g_seed=case["g_seed"], **kw)
    as_int = var.autoregressive_infer_cfg(label_B=c, g_seed=case["g_seed"], **kw)
    null = var.autoregressive_infer_cfg(label_B=-1, g_seed=case["g_seed"], **kw)
    smooth = var.autoregressive_infer_cfg(label_B=None, g_seed=case["g_seed"] + 1, more_smooth=True, **kw)
    vae = var.vae_proxy[0]
    return {"first": first, "again": again, "as_int": as_int, "null": null, "smooth": smooth,
            "vae": {k: v.clone() for k, v in vae.state_dict().items()},
            "vae_grad": any(p.requires_grad for p in vae.parameters())}


def run(name, inputs):
    kind, _, key = name.partition(":")
    return {"forward": forward, "greedy": greedy, "kv_cache": kv_cache, "sampling": sampling}[kind](
        inputs["cases"][name], inputs)
