"""Judge of lora_implementation (trusted: runs no agent code).

It draws layer sizes, ranks, alphas, parameter values and inputs at grading time; the probes load the values
into the agent's LoraLinear and record its outputs, gradients and a few SGD steps; here the same quantities are
recomputed in float64 from the formula (ref_lora.py) and compared. The layer's own initialisation is judged
from the tensors it made (lora_B zero, lora_A with the prescribed spread, a fresh layer equal to its base).
"""
import math

import torch
from mldb_judge import Checks, close

from ref_lora import reference_lora

PROBES = ["structure", "init", "forward", "gradients", "training", "state_dict"]


def inputs(seed, profile):
    g = torch.Generator().manual_seed(seed)

    def randint(lo, hi):
        return int(torch.randint(lo, hi + 1, (1,), generator=g))

    def randn(*shape, std=1.0):
        return std * torch.randn(*shape, generator=g)

    def values(cfg, zero_b=False):
        i, o, r = cfg["in"], cfg["out"], cfg["rank"]
        return {"weight": randn(o, i, std=1 / math.sqrt(i)), "bias": randn(o) if cfg["bias"] else None,
                "A": randn(r, i, std=1 / math.sqrt(r)), "B": torch.zeros(o, r) if zero_b else randn(o, r)}

    ranks = (torch.randperm(7, generator=g)[:3] + 2).tolist()  # three distinct ranks in 2..8
    cases = []
    for k, (rank, bias) in enumerate(zip(ranks, (True, True, False))):
        size_in = randint(7, 20)
        cfg = {"in": size_in, "out": randint(3, 12), "rank": rank, "alpha": round(0.5 + 8 * float(torch.rand(1, generator=g)), 2),
               "bias": bias, "device": "cpu" if k == 0 else None}
        n = randint(3, 7)
        cases.append({"cfg": cfg, "values": values(cfg), "x1": randn(size_in), "x2": randn(n, size_in),
                      "x3": randn(2, randint(2, 5), size_in), "upstream": randn(n, cfg["out"])})
    init_rank = [2, 4, 8][randint(0, 2)]
    init = {"cfg": {"in": 512, "out": 64, "rank": init_rank, "alpha": 2.0, "bias": True},
            "seed": randint(0, 2**30), "x": randn(5, 512)}
    t_cfg = {"in": randint(6, 12), "out": randint(3, 6), "rank": randint(2, 4), "alpha": 1.5, "bias": True}
    training = {"cfg": t_cfg, "values": values(t_cfg), "x": randn(16, t_cfg["in"]), "target": randn(16, t_cfg["out"]),
                "lr": 0.1, "steps": 3}
    return {"probes": PROBES, "cases": cases, "init": init, "training": training}


def reference(values, cfg, x):
    return reference_lora(x, values["weight"], values["bias"], values["A"], values["B"], cfg["alpha"], cfg["rank"])


def leaf(t):
    return None if t is None else t.double().clone().requires_grad_(True)


def expected_structure(cfg):
    i, o, r, bias = cfg["in"], cfg["out"], cfg["rank"], cfg["bias"]
    return {"linear_is_linear": True, "params": {"lora_A": True, "lora_B": True}, "weight": [o, i], "A": [r, i],
            "B": [o, r], "bias": [o] if bias else None, "rank": r, "alpha": cfg["alpha"],
            "grad": {"weight": False, "A": True, "B": True, "bias": True if bias else None},
            "trainable": r * (i + o) + (o if bias else 0)}


def judge(inputs, observed, profile):
    checks = Checks()
    cases = inputs["cases"]
    with checks.check("structure: linear is an nn.Linear with a frozen weight, lora_A (rank, in) and lora_B "
                      "(out, rank) are Parameters, rank/alpha kept, trainable = rank*(in+out) + bias"):
        got = observed.need("structure")["configs"]
        assert len(got) == len(cases), f"{len(got)} configurations observed, expected {len(cases)}"
        for case, g in zip(cases, got):
            want = expected_structure(case["cfg"])
            diff = {k: (g.get(k), v) for k, v in want.items() if g.get(k) != v}
            assert not diff, f"LoraLinear{tuple(case['cfg'].values())[:5]}: (got, expected) {diff}"
            keys = {"linear.weight", "lora_A", "lora_B"} | ({"linear.bias"} if case["cfg"]["bias"] else set())
            assert keys <= set(g["state_keys"]), f"state_dict keys {g['state_keys']} lack {sorted(keys - set(g['state_keys']))}"
            assert f"rank={case['cfg']['rank']}" in g["repr"] and f"alpha={case['cfg']['alpha']}" in g["repr"], g["repr"]
    with checks.check("initialisation: lora_B is zero, lora_A ~ N(0, 1/rank), a fresh layer computes its base "
                      "layer's output"):
        got, init = observed.need("init"), inputs["init"]
        rank = init["cfg"]["rank"]
        assert tuple(got["A"].shape) == (rank, 512) and tuple(got["B"].shape) == (64, rank), "wrong shapes"
        assert int(torch.count_nonzero(got["B"])) == 0, "lora_B is not initialised to zeros"
        target, a = 1 / math.sqrt(rank), got["A"].double()
        assert abs(float(a.std()) - target) <= 0.15 * target, f"lora_A std {float(a.std()):.4f}, expected {target:.4f}"
        assert abs(float(a.mean())) <= 0.1 * target, f"lora_A mean {float(a.mean()):.4f}, expected 0"
        base = init["x"].double() @ got["weight"].double().T + got["bias"].double()
        close(got["out"], base, rtol=1e-5, atol=1e-6, scale_atol=True, what="a fresh layer's output vs its base")
    with checks.check("forward equals linear(x) + (alpha/rank) x A^T B^T on grading-time values and inputs "
                      "(1, 2 and 3 dimensions, three ranks and alphas, with and without bias)"):
        got = observed.need("forward")["cases"]
        assert len(got) == len(cases), f"{len(got)} configurations observed, expected {len(cases)}"
        for k, (case, g) in enumerate(zip(cases, got)):
            for x in ("x1", "x2", "x3"):
                close(g[x], reference(case["values"], case["cfg"], case[x]), rtol=1e-4, atol=1e-5, scale_atol=True,
                      what=f"configuration {k}, input {tuple(case[x].shape)}")
    with checks.check("gradients of lora_A, lora_B and the bias equal the reference's; the base weight gets none"):
        got = observed.need("gradients")["cases"]
        assert len(got) == len(cases), f"{len(got)} configurations observed, expected {len(cases)}"
        for k, (case, g) in enumerate(zip(cases, got)):
            v = case["values"]
            ref = {"weight": v["weight"], "bias": leaf(v["bias"]), "A": leaf(v["A"]), "B": leaf(v["B"])}
            (reference(ref, case["cfg"], case["x2"]) * case["upstream"].double()).sum().backward()
            assert g["weight_grad_none"] is True, f"configuration {k}: the base weight received a gradient"
            for name in ("A", "B", "bias"):
                if ref[name] is None:
                    continue
                assert g.get(name) is not None, f"configuration {k}: no gradient for {name}"
                close(g[name], ref[name].grad, rtol=1e-4, atol=1e-5, scale_atol=True, what=f"configuration {k}: grad {name}")
    with checks.check("three SGD steps change lora_A, lora_B and the bias as the reference's do and leave the base "
                      "weight unchanged"):
        got, t = observed.need("training"), inputs["training"]
        v = t["values"]
        ref = {"weight": v["weight"].double(), "bias": leaf(v["bias"]), "A": leaf(v["A"]), "B": leaf(v["B"])}
        for _ in range(t["steps"]):
            loss = ((reference(ref, t["cfg"], t["x"]) - t["target"].double()) ** 2).mean()
            grads = torch.autograd.grad(loss, [ref["bias"], ref["A"], ref["B"]])
            with torch.no_grad():
                for name, grad in zip(("bias", "A", "B"), grads):
                    ref[name] = (ref[name] - t["lr"] * grad).requires_grad_(True)
        close(got["weight"], v["weight"], rtol=0, atol=0, what="base weight after training")
        for name in ("A", "B", "bias"):
            close(got[name], ref[name].detach(), rtol=1e-4, atol=1e-5, scale_atol=True, what=f"{name} after training")
    with checks.check("state_dict round trip: a fresh layer loaded from a state_dict computes the reference"):
        got, case = observed.need("state_dict"), cases[0]
        assert {"linear.weight", "linear.bias", "lora_A", "lora_B"} <= set(got["keys"]), f"state_dict keys {got['keys']}"
        close(got["out"], reference(case["values"], case["cfg"], case["x2"]), rtol=1e-4, atol=1e-5, scale_atol=True,
              what="output after load_state_dict")
    return checks
