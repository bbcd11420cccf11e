"""Probes of the MLA tasks (run in the untrusted process, on the agent's mla.py).

Each probe builds the agent's MLA, copies in the parameter values and RoPE tables the judge drew and records
the outputs and caches of full passes, cached chunks, `past_length` without a cache, token-by-token decoding,
gradients, a long context and controlled weights.
"""
import torch


def build(cfg):
    from mla import MLA
    model = MLA(cfg["d_model"], cfg["n_heads"], max_len=cfg["max_len"])
    with torch.no_grad():
        params = dict(model.named_parameters())
        for name, value in cfg["params"].items():
            params[name].copy_(value)
        model.cos_cached.copy_(cfg["cos"].reshape(model.cos_cached.shape))
        model.sin_cached.copy_(cfg["sin"].reshape(model.sin_cached.shape))
    return model


def run(name, inputs):
    kind, _, key = name.partition(":")
    case = inputs["cases"][key]
    model = build(inputs["configs"][case["config"]])
    x = case["x"]
    if kind == "grad":
        out, cache = model(x, past_length=case["past"])
        (out * case["u"]).sum().backward()
        return {"out": out.detach(), "grads": {n: p.grad for n, p in model.named_parameters()}}
    with torch.no_grad():
        if kind == "full":
            out, cache = model(x)
            return {"out": out, "cache": cache}
        if kind == "past":
            out, cache = model(x, past_length=case["past"])
            return {"out": out, "cache": cache}
        if kind == "chunk":
            split = case["split"]
            out1, cache1 = model(x[:, :split])
            out2, cache2 = model(x[:, split:], kv_cache=cache1, past_length=split)
            return {"out1": out1, "cache1": cache1, "out2": out2, "cache2": cache2}
        if kind == "incremental":
            split = case["split"]
            outs, caches = [], []
            out, cache = model(x[:, :split])
            outs.append(out)
            caches.append(cache)
            for t in range(split, x.shape[1]):
                out, cache = model(x[:, t:t + 1], kv_cache=cache, past_length=t)
                outs.append(out)
                caches.append(cache)
            return {"outs": outs, "caches": caches}
    raise KeyError(name)
