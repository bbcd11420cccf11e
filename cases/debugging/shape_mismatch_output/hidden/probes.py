"""Probes of shape_mismatch_output (run in the untrusted process, on the agent's classifier_model.py).

The model is built and every parameter is overwritten with values drawn from the judge's seed (so the judge
can regenerate them from the names and shapes alone). A hook before every leaf module's call records, per call,
the module's type and settings, its parameter names, the shape of its input and the input's values at
positions the judge chose; the logits and sampled parameter gradients come back too. The judge replays the
recorded layers with its own code and the regenerated weights.
"""
import torch

SETTINGS = ("stride", "padding", "dilation", "groups", "padding_mode", "kernel_size", "ceil_mode", "output_size",
            "start_dim", "end_dim", "negative_slope", "approximate")


def weights(named_shapes, seed):
    """The values every parameter gets, in order: N(0, 1/fan_in) for weights, N(0, 0.1²) for vectors."""
    generator = torch.Generator().manual_seed(seed)
    out = {}
    for name, shape in named_shapes:
        fan_in = 1
        for d in shape[1:]:
            fan_in *= d
        scale = fan_in ** -0.5 if len(shape) > 1 else 0.1
        out[name] = torch.randn(tuple(shape), generator=generator) * scale
    return out


def positions(numel, seed, count=512):
    return torch.randint(numel, (count,), generator=torch.Generator().manual_seed(seed))


def sample(x, seed):
    flat = x.detach().reshape(x.shape[0], -1)
    return flat[:, positions(flat.shape[1], seed)].clone()


def build(inputs):
    from classifier_model import ClassifierModel
    torch.manual_seed(0)
    model = ClassifierModel(num_classes=10)
    named = [(n, list(p.shape)) for n, p in model.named_parameters()]
    drawn = weights(named, inputs["weight_seed"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(drawn[name])
    return model.eval(), named


def forward(inputs, x):
    model, named = build(inputs)
    calls = []
    leaves = {m: n for n, m in model.named_modules() if not list(m.children())}

    def hook(module, args):  # before the call: an in-place layer changes its input
        if not args or not isinstance(args[0], torch.Tensor):
            raise TypeError(f"{leaves[module]} was called without a tensor input")
        calls.append({"module": leaves[module], "type": type(module).__name__,
                      "settings": {k: getattr(module, k) for k in SETTINGS if hasattr(module, k)},
                      "params": [f"{leaves[module]}.{n}" if leaves[module] else n
                                 for n, _ in module.named_parameters(recurse=False)],
                      "shape": list(args[0].shape), "sample": sample(args[0], inputs["sample_seed"] + len(calls))})

    handles = [m.register_forward_pre_hook(hook) for m in leaves]
    try:
        out = model(x)
    finally:
        for h in handles:
            h.remove()
    out.sum().backward()
    grads = {n: (sample(p.grad.unsqueeze(0), inputs["sample_seed"]) if p.grad is not None else None)
             for n, p in model.named_parameters()}
    return {"params": named, "calls": calls, "logits": out.detach().clone(),
            "grads": {n: g for n, g in grads.items() if g is not None}}


def run(name, inputs):
    return forward(inputs, inputs["images"][int(name.split("_")[1])])
