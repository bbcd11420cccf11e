"""Judge of shape_mismatch_output (trusted: runs no agent code). From the recorded layer calls it replays the
agent's model with its own implementation of each layer and the weights regenerated from the grading seed,
following every layer's input from the image (a reshape, ReLU or adaptive pooling between layers is allowed),
and compares the logits and the parameter gradients with what the agent's model computed."""
import math

import torch
import torch.nn.functional as F
from mldb_judge import Checks, close

from probes import positions, weights

CONVS = [(64, 3, 3, 3), (128, 64, 3, 3)]
SUPPORTED = "Conv2d, Linear, ReLU, LeakyReLU, GELU, Tanh, Sigmoid, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, " \
            "AdaptiveMaxPool2d, Flatten, Dropout (eval), Identity"


def inputs(seed, profile):
    generator = torch.Generator().manual_seed(seed)
    images = [torch.randn(batch, 3, 224, 224, generator=generator) for batch in (2, 1)]
    draws = torch.randint(2**31, (2,), generator=generator).tolist()
    return {"probes": ["forward_0", "forward_1"], "images": images, "weight_seed": draws[0], "sample_seed": draws[1]}


def layer(call, x, w):
    """The judge's own computation of one recorded leaf module on `x` (weights `w` by parameter name)."""
    kind, s = call["type"], call["settings"]
    p = [w[name] for name in call["params"]]
    if kind == "Conv2d":
        assert s.get("padding_mode", "zeros") == "zeros", f"{call['module']}: padding_mode {s.get('padding_mode')}"
        names = {n.rsplit(".", 1)[-1]: w[n] for n in call["params"]}
        return F.conv2d(x, names["weight"], names.get("bias"), s["stride"], s["padding"], s["dilation"], s["groups"])
    if kind == "Linear":
        names = {n.rsplit(".", 1)[-1]: w[n] for n in call["params"]}
        return F.linear(x, names["weight"], names.get("bias"))
    assert not p, f"{call['module']} ({kind}) has parameters the judge does not replay"
    simple = {"ReLU": F.relu, "Tanh": torch.tanh, "Sigmoid": torch.sigmoid, "Identity": lambda t: t,
              "Dropout": lambda t: t, "GELU": lambda t: F.gelu(t, approximate=s.get("approximate", "none")),
              "LeakyReLU": lambda t: F.leaky_relu(t, s.get("negative_slope", 0.01))}
    if kind in simple:
        return simple[kind](x)
    if kind == "MaxPool2d":
        return F.max_pool2d(x, s["kernel_size"], s["stride"], s["padding"], s["dilation"], s["ceil_mode"])
    if kind == "AvgPool2d":
        return F.avg_pool2d(x, s["kernel_size"], s["stride"], s["padding"], s["ceil_mode"])
    if kind == "AdaptiveAvgPool2d":
        return F.adaptive_avg_pool2d(x, s["output_size"])
    if kind == "AdaptiveMaxPool2d":
        return F.adaptive_max_pool2d(x, s["output_size"])
    if kind == "Flatten":
        return torch.flatten(x, s["start_dim"], s["end_dim"])
    raise AssertionError(f"{call['module']} is a {kind}; the judge replays {SUPPORTED}")


def glues(x, shape):
    """What may happen to `x` between two layers, as candidates for an input of `shape`."""
    found = [x, F.relu(x)]
    if x.dim() == 4 and len(shape) in (2, 4):
        size = tuple(shape[2:]) if len(shape) == 4 else (math.isqrt(shape[1] // x.shape[1]),) * 2
        found += [F.adaptive_avg_pool2d(x, size), F.adaptive_max_pool2d(x, size)]
    return [g.reshape(shape) for g in found if g.numel() == math.prod(shape)]


def replay(calls, x, w, seed):
    """Follow the recorded calls from the image `x`; returns the final tensor and each call's glue index."""
    chosen = []
    for i, call in enumerate(calls):
        candidates = [x] if i == 0 else glues(x, call["shape"])
        for j, candidate in enumerate(candidates):
            try:
                close(candidate.detach().reshape(candidate.shape[0], -1)[:, positions(candidate[0].numel(), seed + i)],
                      call["sample"], rtol=1e-4, atol=1e-5, scale_atol=True)
            except AssertionError:
                continue
            chosen.append(j)
            x = layer(call, candidate, w)
            break
        else:
            what = "the image" if i == 0 else "the previous layer's output (or a reshape, ReLU or adaptive pooling of it)"
            raise AssertionError(f"the input of {call['module'] or 'the model'} ({call['type']}, call {i}) is not {what}")
    return x, chosen


def rerun(calls, chosen, x, w):
    for i, (call, j) in enumerate(zip(calls, chosen)):
        x = layer(call, x if i == 0 else glues(x, call["shape"])[j], w)
    return x


def judge(inputs, observed, profile):
    checks = Checks()
    runs = []
    with checks.check("the feature extractor's two convolutions (3→64, 64→128) are applied to the whole image"):
        for i in range(len(inputs["images"])):
            got = observed.need(f"forward_{i}")
            calls = got["calls"]
            assert calls, "no layer of the model was applied"
            convs = [tuple(got_shape) for name, got_shape in got["params"]
                     if name.startswith("features.") and name.endswith(".weight") and len(got_shape) == 4]
            assert convs[:2] == CONVS, f"convolution weights in model.features: {convs}"
            applied = [c for c in calls if c["type"] == "Conv2d" and c["module"].startswith("features.")]
            assert len(applied) >= 2, "the two convolutions of model.features are not both applied"
            w = {name: t.requires_grad_() for name, t in weights(got["params"], inputs["weight_seed"]).items()}
            out, chosen = replay(calls, inputs["images"][i], w, inputs["sample_seed"])
            runs.append((got, w, out, chosen))
    with checks.check("for batches of 2 and 1 the (B, 10) logits are those of the model's own layers, "
                      "ending in a Linear to 10 (replayed with weights drawn at grading)"):
        assert runs, "no replay (see the check above)"
        for (got, w, out, chosen), x in zip(runs, inputs["images"]):
            last = got["calls"][-1]
            assert last["type"] == "Linear" and w[last["params"][0]].shape[0] == 10, \
                f"the last layer applied is {last['module']} ({last['type']}), not a Linear to 10 classes"
            assert tuple(got["logits"].shape) == (x.shape[0], 10), f"logits of shape {tuple(got['logits'].shape)}"
            close(got["logits"], out, rtol=1e-4, atol=1e-5, scale_atol=True, what="the logits vs the replay")
    with checks.check("the logits depend on every corner of the image"):
        assert runs, "no replay (see the check above)"
        got, w, out, chosen = runs[1]
        base = inputs["images"][1]
        with torch.no_grad():
            for top, left in [(0, 0), (0, 208), (208, 0), (208, 208)]:
                changed = base.clone()
                changed[:, :, top:top + 16, left:left + 16] += 3.0
                assert not torch.allclose(rerun(got["calls"], chosen, changed, w), out, atol=1e-6), \
                    f"changing the 16x16 patch at ({top}, {left}) does not change the logits"
    with checks.check("gradients reach every parameter and equal the replay's"):
        assert runs, "no replay (see the check above)"
        got, w, out, chosen = runs[0]
        out.sum().backward()
        for name, tensor in w.items():
            assert tensor.grad is not None and tensor.grad.abs().sum() > 0, f"{name} gets no gradient in the replay"
            assert name in got["grads"], f"{name} has no gradient in the agent's model"
            expected = tensor.grad.reshape(1, -1)[:, positions(tensor.numel(), inputs["sample_seed"])]
            close(got["grads"][name], expected, rtol=1e-3, atol=1e-4, scale_atol=True, what=f"gradient of {name}")
    return checks
