"""Judge of var_implementation (trusted: runs no agent code).

It draws the parameter seed of every model (all VAR parameters redrawn at unit scale), labels, teacher-forcing
inputs and generation seeds at grading time; the probes build the same models from the given modules and record
what the agent's two methods compute. Here the given modules are imported from the pristine workspace, the
same models are built, and ref_var.py recomputes logits (block-causal, explicit formulas) and greedy guided
generations without a KV cache; the VQ-VAE after generation is compared with a freshly built one.
"""
import sys

import torch
from mldb_judge import Checks, close, pristine

sys.path.insert(0, str(pristine(".")))  # the given modules (never the agent's var.py)

import ref_var as ref  # noqa: E402

V_S = dict(vae=dict(vocab_size=512, z_channels=16, ch=32, v_patch_nums=(1, 2, 4)),
           var=dict(num_classes=10, depth=2, embed_dim=128, num_heads=4, patch_nums=(1, 2, 4)))
V_O = dict(vae=dict(vocab_size=4096, z_channels=32, ch=128, v_patch_nums=(1, 2, 3, 4, 5, 6, 8, 10, 13, 16)),
           var=dict(num_classes=1000, depth=4, embed_dim=4096, num_heads=4,
                    patch_nums=(1, 2, 3, 4, 5, 6, 8, 10, 13, 16)))
CFGS = [0.0, 1.5, 4.0]


def build(model, configs):
    """The model a probe builds, from the given modules (pristine var.py: its two open methods are not used)."""
    from var import VAR
    from vqvae import VQVAE
    config = configs[model["config"]]
    torch.manual_seed(1234)
    vae = VQVAE(test_mode=True, **config["vae"])
    var = VAR(vae, shared_aln=model["shared_aln"], cond_drop_rate=0.0, flash_if_available=False,
              fused_if_available=False, **config["var"]).eval()
    ref.unit_scale_(var, model["param_seed"])
    if model.get("head_scale"):
        with torch.no_grad():
            var.head.weight.mul_(model["head_scale"])
            var.head.bias.mul_(model["head_scale"])
    return var


def greedy_refs(var, labels):
    return {cfg: ref.greedy_generate(var, labels, cfg) for cfg in CFGS}


def inputs(seed, profile):
    g = torch.Generator().manual_seed(seed)
    draw = lambda: int(torch.randint(2**31, (1,), generator=g))  # noqa: E731
    configs = {"S": V_S, "O": V_O if profile == "full" else V_S}
    cases = {}

    def teacher(config, B, prog_si):
        pn = configs[config]["var"]["patch_nums"]
        ed = sum(p * p for p in (pn if prog_si < 0 else pn[:prog_si + 1]))
        return torch.randn(B, ed - pn[0] ** 2, configs[config]["vae"]["z_channels"], generator=g)

    def labels(config, B):
        return torch.randint(0, configs[config]["var"]["num_classes"], (B,), generator=g)

    for key, config, shared in (("shared", "O", True), ("separate", "S", False)):
        cases[f"forward:{key}"] = {"model": {"config": config, "shared_aln": shared, "param_seed": draw()},
                                   "labels": labels(config, 2),
                                   "x": {str(si): teacher(config, 2, si) for si in (-1, 0, 1)}}
    nc = configs["O"]["var"]["num_classes"]
    cases["forward:shared"].update(dropout=True, bad_labels=torch.tensor([0, nc + 2]))
    lab = labels("O", 2)
    for _ in range(20):  # a parameter seed whose greedy choices are clear-cut (top-1 vs top-2 gap >= 1e-3)
        model = {"config": "O", "shared_aln": True, "param_seed": draw(), "head_scale": 100.0}
        if min(gap for _, gap in greedy_refs(build(model, configs), lab).values()) >= 1e-3:
            break
    else:
        raise RuntimeError("no parameter seed with clear greedy choices")
    cases["greedy:cfg"] = {"model": model, "labels": lab, "g_seed": draw() % 1000, "cfgs": CFGS}
    cases["kv_cache:stages"] = {"model": {"config": "O", "shared_aln": True, "param_seed": draw()},
                                "labels": labels("O", 2), "g_seed": draw() % 1000, "x": teacher("O", 2, -1)}
    cases["sampling:options"] = {"model": {"config": "O", "shared_aln": True, "param_seed": draw()},
                                 "class": int(labels("O", 1)), "g_seed": draw() % 1000}
    return {"probes": list(cases), "configs": configs, "cases": cases}


def rel(actual, expected, what, rtol=1e-4):
    return close(actual, expected, rtol=rtol, atol=1e-5, scale_atol=True, what=what)


def judge(inputs, observed, profile):
    checks = Checks()
    configs, cases = inputs["configs"], inputs["cases"]
    for key in ("shared", "separate"):
        case = cases[f"forward:{key}"]
        with checks.check(f"forward returns the reference logits ({key} adaptive norms; all scales, the first scale "
                          "only, the first two scales) on grading-time parameters, labels and inputs"):
            got, var = observed.need(f"forward:{key}"), build(case["model"], configs)
            for si, x in case["x"].items():
                rel(got[f"logits_{si}"], ref.forward(var, case["labels"], x, int(si)), f"logits with prog_si {si}")
    with checks.check("label dropout gives the null class's logits; an out-of-range label or prog_si raises IndexError"):
        case, got = cases["forward:shared"], observed.need("forward:shared")
        var = build(case["model"], configs)
        null = torch.full_like(case["labels"], var.num_classes)
        rel(got["dropped"], ref.forward(var, null, case["x"]["-1"]), "logits with cond_drop_rate 1")
        assert got["bad_label"] is True, "a label beyond the null class did not raise IndexError"
        assert got["bad_prog_si"] is True, "prog_si = len(patch_nums) did not raise IndexError"
    with checks.check("greedy (top_k=1) guided generation equals the reference (no KV cache, block-causal re-runs) "
                      f"for cfg {CFGS}; images in [0, 1]"):
        case, got = cases["greedy:cfg"], observed.need("greedy:cfg")
        refs = greedy_refs(build(case["model"], configs), case["labels"])
        for cfg, (expected, _) in refs.items():
            close(got[str(cfg)], expected, rtol=0, atol=1e-4, what=f"images with cfg {cfg}")
    with checks.check("KV-cache protocol: every block gets only each stage's new tokens for the doubled batch with "
                      "its cache on and attn_bias None, starts with an empty cache and ends with caching off; "
                      "forward afterwards still equals the reference"):
        case, got = cases["kv_cache:stages"], observed.need("kv_cache:stages")
        var = build(case["model"], configs)
        B = len(case["labels"])
        expected = [[2 * B, pn * pn, var.C] for pn in var.patch_nums]
        assert len(got["calls"]) == len(var.blocks), f"{len(got['calls'])} blocks observed"
        for i, calls in enumerate(got["calls"]):
            assert [c[0] for c in calls] == expected, f"block {i} inputs {[c[0] for c in calls]}, expected {expected}"
            assert all(c[1] for c in calls), f"block {i} ran without its KV cache on"
            assert calls[0][2], f"block {i} started generation with a stale cache"
            assert all(c[3] for c in calls), f"block {i} got an attn_bias during generation"
        assert all(a == [False, True, True] for a in got["after"]), f"caches after generation: {got['after']}"
        rel(got["logits"], ref.forward(var, case["labels"], case["x"]), "logits after a generation")
    with checks.check("sampling: the same g_seed gives the same images, label_B=int means that class for every image, "
                      "-1 the null class; Gumbel smoothing gives finite images in [0, 1]; the VQ-VAE is unchanged"):
        case, got = cases["sampling:options"], observed.need("sampling:options")
        assert torch.equal(got["first"], got["again"]), "the same g_seed gave different images"
        assert torch.equal(got["first"], got["as_int"]), f"label_B={case['class']} differs from a tensor of that class"
        assert float((got["first"] - got["null"]).abs().max()) > 1e-3, "label_B=-1 (null class) gave the class images"
        smooth = got["smooth"]
        assert tuple(smooth.shape) == tuple(got["first"].shape) and bool(torch.isfinite(smooth).all()), "smooth images"
        assert float(smooth.min()) >= 0 and float(smooth.max()) <= 1 and float(smooth.std()) > 0.01, \
            "more_smooth images not in [0, 1] or constant"
        fresh = build(case["model"], configs).vae_proxy[0].state_dict()
        assert set(got["vae"]) == set(fresh), "the VQ-VAE's tensors differ in names"
        changed = [k for k in fresh if not torch.equal(got["vae"][k], fresh[k])]
        assert not changed, f"VQ-VAE tensors changed during generation: {changed[:5]}"
        assert got["vae_grad"] is False, "VQ-VAE parameters are no longer frozen"
    return checks
