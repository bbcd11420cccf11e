"""Probes of lora_implementation (run in the untrusted process, on the agent's lora.py).

Each probe builds the agent's LoraLinear for the configurations the judge drew, loads the judge's values into
`linear.weight`, `linear.bias`, `lora_A` and `lora_B` where it says so, and records what the layer computes.
"""
import torch


def build(cfg, seed=0):
    from lora import LoraLinear
    torch.manual_seed(seed)
    return LoraLinear(cfg["in"], cfg["out"], rank=cfg["rank"], alpha=cfg["alpha"], bias=cfg["bias"],
                      device=cfg.get("device"))


def load(layer, values):
    with torch.no_grad():
        layer.linear.weight.copy_(values["weight"])
        if values.get("bias") is not None:
            layer.linear.bias.copy_(values["bias"])
        layer.lora_A.copy_(values["A"])
        layer.lora_B.copy_(values["B"])
    return layer


def structure(cfg):
    layer = build(cfg)
    bias = layer.linear.bias
    return {"linear_is_linear": isinstance(layer.linear, torch.nn.Linear),
            "params": {k: isinstance(getattr(layer, k), torch.nn.Parameter) for k in ("lora_A", "lora_B")},
            "weight": list(layer.linear.weight.shape), "A": list(layer.lora_A.shape), "B": list(layer.lora_B.shape),
            "bias": None if bias is None else list(bias.shape), "rank": layer.rank, "alpha": layer.alpha,
            "grad": {"weight": layer.linear.weight.requires_grad, "A": layer.lora_A.requires_grad,
                     "B": layer.lora_B.requires_grad, "bias": None if bias is None else bias.requires_grad},
            "trainable": sum(p.numel() for p in layer.parameters() if p.requires_grad),
            "state_keys": sorted(layer.state_dict()), "repr": repr(layer)}


def gradients(case):
    layer = load(build(case["cfg"]), case["values"])
    (layer(case["x2"]) * case["upstream"]).sum().backward()
    bias = layer.linear.bias
    return {"A": layer.lora_A.grad, "B": layer.lora_B.grad, "bias": None if bias is None else bias.grad,
            "weight_grad_none": layer.linear.weight.grad is None}


def training(t):
    layer = load(build(t["cfg"]), t["values"])
    optimizer = torch.optim.SGD([p for p in layer.parameters() if p.requires_grad], lr=t["lr"])
    for _ in range(t["steps"]):
        optimizer.zero_grad()
        ((layer(t["x"]) - t["target"]) ** 2).mean().backward()
        optimizer.step()
    bias = layer.linear.bias
    return {"weight": layer.linear.weight.detach(), "A": layer.lora_A.detach(), "B": layer.lora_B.detach(),
            "bias": None if bias is None else bias.detach()}


def run(name, inputs):
    if name == "structure":
        return {"configs": [structure(case["cfg"]) for case in inputs["cases"]]}
    if name == "init":
        init = inputs["init"]
        layer = build(init["cfg"], seed=init["seed"])
        with torch.no_grad():
            out = layer(init["x"])
        return {"A": layer.lora_A.detach(), "B": layer.lora_B.detach(), "weight": layer.linear.weight.detach(),
                "bias": layer.linear.bias.detach(), "out": out}
    if name == "forward":
        outs = []
        for case in inputs["cases"]:
            layer = load(build(case["cfg"]), case["values"])
            with torch.no_grad():
                outs.append({k: layer(case[k]) for k in ("x1", "x2", "x3")})
        return {"cases": outs}
    if name == "gradients":
        return {"cases": [gradients(case) for case in inputs["cases"]]}
    if name == "training":
        return training(inputs["training"])
    if name == "state_dict":
        case = inputs["cases"][0]
        state = load(build(case["cfg"]), case["values"]).state_dict()
        fresh = build(case["cfg"], seed=1)
        fresh.load_state_dict(state)
        with torch.no_grad():
            return {"keys": sorted(state), "out": fresh(case["x2"])}
    raise KeyError(name)
