"""Judge of the MLA tasks (trusted: runs no agent code).

It draws every parameter value, the RoPE tables (from a drawn theta, so the module's own default tables give
other outputs) and the inputs at grading time; the probes copy them into the agent's MLA and record outputs and
caches; here the float64 reference (ref_mla.py) recomputes them from the same values and compares. Causality
and batch independence follow from matching the reference, which is causal and per sample.
"""
import math

import torch
from mldb_judge import Checks, close

from ref_mla import dims, reference_mla, shapes

CONFIGS = {"a": (48, 4, 64), "b": (64, 8, 64), "c": (128, 4, 64), "long": (48, 4, 1024), "ones": (48, 4, 64)}


def inputs(seed, profile):
    g = torch.Generator().manual_seed(seed)
    randn = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    configs = {}
    for key, (d, h, max_len) in CONFIGS.items():
        params = {}
        for name, shape in shapes(d, h).items():
            if key == "ones":
                params[name] = torch.ones(shape)
            elif name.endswith("layernorm.weight"):
                params[name] = 1 + 0.1 * randn(*shape)
            elif name.endswith("layernorm.bias"):
                params[name] = 0.1 * randn(*shape)
            else:
                params[name] = randn(*shape) / math.sqrt(shape[0])
        dh = d // h
        theta = math.exp(math.log(200) + (math.log(20000) - math.log(200)) * float(torch.rand(1, generator=g)))
        angles = torch.outer(torch.arange(max_len).float(), 1.0 / (theta ** (torch.arange(0, dh, 2).float() / dh)))
        configs[key] = {"d_model": d, "n_heads": h, "max_len": max_len, "params": params, "cos": angles.cos(),
                        "sin": angles.sin()}
    cases = {}
    for key in ("a", "b"):
        d = configs[key]["d_model"]
        cases[f"full_{key}"] = {"config": key, "x": randn(2, 9, d)}
        cases[f"chunk_{key}"] = {"config": key, "x": randn(2, 9, d), "split": 6}
        cases[f"past_{key}"] = {"config": key, "x": randn(2, 5, d), "past": int(torch.randint(1, 8, (1,), generator=g))}
        cases[f"incremental_{key}"] = {"config": key, "x": randn(2, 9, d), "split": 4}
    cases["chunk_c"] = {"config": "c", "x": randn(2, 7, 128), "split": 4}
    cases["grad_a"] = {"config": "a", "x": randn(2, 6, 48), "past": 1, "u": randn(2, 6, 48)}
    cases["full_long"] = {"config": "long", "x": randn(1, 256, 48)}
    cases["full_ones"] = {"config": "ones", "x": torch.ones(1, 3, 48)}
    probes = [f"{key.split('_')[0]}:{key}" for key in cases]
    return {"probes": probes, "configs": configs, "cases": cases}


def reference(cfg, x, kv_cache=None, past_length=0):
    return reference_mla(cfg["params"], cfg["cos"], cfg["sin"], cfg["n_heads"], x, kv_cache, past_length)


def match(actual, expected, what, rtol=1e-4):
    return close(actual, expected.detach(), rtol=rtol, atol=1e-5, scale_atol=True, what=what)


def raw(cfg, x):
    return x.double() @ cfg["params"]["W_dkv"].double()


def judge(inputs, observed, profile):
    checks = Checks()
    configs, cases = inputs["configs"], inputs["cases"]

    def cfg_of(key):
        return configs[cases[key]["config"]]

    def label(key):
        c = cfg_of(key)
        return f"d_model {c['d_model']}, {c['n_heads']} heads"

    with torch.no_grad():
        with checks.check("full passes equal the reference on grading-time weights, RoPE tables and inputs (two model "
                          "sizes, batch 2); the returned cache is the raw projection x @ W_dkv"):
            for key in ("full_a", "full_b"):
                got, cfg, x = observed.need(f"full:{key}"), cfg_of(key), cases[key]["x"]
                out, cache = reference(cfg, x)
                match(got["out"], out, f"{label(key)}: output")
                match(got["cache"], cache, f"{label(key)}: cache")
        with checks.check("a chunk after a cached prefix (past_length = prefix length) equals the reference; the "
                          "cache is cat(prefix cache, raw projection); three model sizes"):
            for key in ("chunk_a", "chunk_b", "chunk_c"):
                got, cfg, case = observed.need(f"chunk:{key}"), cfg_of(key), cases[key]
                x, s = case["x"], case["split"]
                out1, cache1 = reference(cfg, x[:, :s])
                match(got["out1"], out1, f"{label(key)}: prefix output")
                match(got["cache1"], cache1, f"{label(key)}: prefix cache")
                out2, cache2 = reference(cfg, x[:, s:], cache1, s)
                match(got["out2"], out2, f"{label(key)}: chunk output")
                match(got["cache2"], raw(cfg, x), f"{label(key)}: cache after the chunk")
        with checks.check("past_length without a cache shifts the query positions as the reference does"):
            for key in ("past_a", "past_b"):
                got, cfg, case = observed.need(f"past:{key}"), cfg_of(key), cases[key]
                out, cache = reference(cfg, case["x"], None, case["past"])
                match(got["out"], out, f"{label(key)}: output with past_length {case['past']}")
                match(got["cache"], cache, f"{label(key)}: cache")
        with checks.check("token-by-token decoding with the returned cache equals the reference's full pass; the cache "
                          "grows by one raw row per step"):
            for key in ("incremental_a", "incremental_b"):
                got, cfg, case = observed.need(f"incremental:{key}"), cfg_of(key), cases[key]
                x, s = case["x"], case["split"]
                full, _ = reference(cfg, x)
                n = x.shape[1] - s + 1
                assert len(got["outs"]) == n and len(got["caches"]) == n, "missing steps"
                match(torch.cat([o.double() for o in got["outs"]], dim=1), full, f"{label(key)}: decoded outputs")
                for step, c in enumerate(got["caches"]):
                    match(c, raw(cfg, x[:, :s + step]), f"{label(key)}: cache after step {step}")
        with checks.check("a 256-token context (max_len 1024) equals the reference"):
            got, cfg = observed.need("full:full_long"), cfg_of("full_long")
            out, cache = reference(cfg, cases["full_long"]["x"])
            match(got["out"], out, "256-token output")
            match(got["cache"], cache, "256-token cache")
        with checks.check("controlled weights (all ones, input all ones): the exact values of the reference"):
            got, cfg = observed.need("full:full_ones"), cfg_of("full_ones")
            out, cache = reference(cfg, cases["full_ones"]["x"])
            close(got["cache"], cache, rtol=1e-6, atol=1e-4, what="cache")
            close(got["out"], out, rtol=1e-5, atol=1e-4, what="output")
    with checks.check("gradients of every parameter equal the reference's (past_length 1)"):
        got, cfg, case = observed.need("grad:grad_a"), cfg_of("grad_a"), cases["grad_a"]
        params = {k: v.double().requires_grad_(True) for k, v in cfg["params"].items()}
        out, _ = reference_mla(params, cfg["cos"], cfg["sin"], cfg["n_heads"], case["x"], None, case["past"])
        match(got["out"], out, "output")
        (out * case["u"].double()).sum().backward()
        for name, p in params.items():
            assert got["grads"].get(name) is not None, f"no gradient reaches {name}"
            match(got["grads"][name], p.grad, f"gradient of {name}", rtol=1e-3)
    return checks
