"""Hidden tests for shape_mismatch_output: a real classifier on full 224x224 images, not a shape trick."""
import torch
import torch.nn as nn

from classifier_model import ClassifierModel

SIZE = 224
NUM_CLASSES = 10


def build(seed: int = 0) -> ClassifierModel:
    torch.manual_seed(seed)
    return ClassifierModel(num_classes=NUM_CLASSES).eval()


def traced_forward(model: nn.Module, x: torch.Tensor):
    """Forward `x`; return the output and the (module, input, output) of every leaf module, in call order."""
    calls = []
    handles = [m.register_forward_hook(lambda mod, args, out: calls.append((mod, args, out)))
               for m in model.modules() if not list(m.children())]
    try:
        out = model(x)
    finally:
        for h in handles:
            h.remove()
    return out, calls


def test_batches_give_finite_logits():
    model = build()
    for batch in (1, 3):
        with torch.no_grad():
            out = model(torch.randn(batch, 3, SIZE, SIZE))
        assert tuple(out.shape) == (batch, NUM_CLASSES), f"batch {batch}: output shape {tuple(out.shape)}"
        assert torch.isfinite(out).all(), f"batch {batch}: non-finite logits"


def test_feature_extractor_and_head_are_kept():
    model = build()
    convs = [m for m in model.features.modules() if isinstance(m, nn.Conv2d)]
    shapes = [tuple(c.weight.shape) for c in convs]
    assert shapes[:2] == [(64, 3, 3, 3), (128, 64, 3, 3)], f"conv weights in model.features: {shapes}"
    x = torch.randn(2, 3, SIZE, SIZE)
    with torch.no_grad():
        out, calls = traced_forward(model, x)
    first = [c for c in calls if c[0] is convs[0]]
    assert first, "the first convolution of model.features is never applied"
    assert first[0][1][0].shape == x.shape and torch.equal(first[0][1][0], x), \
        "the feature extractor must see the whole 224x224 input"
    assert any(c[0] is convs[1] for c in calls), "the second convolution is never applied"
    last_module, _, last_out = calls[-1]
    assert isinstance(last_module, nn.Linear) and last_module.out_features == NUM_CLASSES, \
        f"the last layer applied is {type(last_module).__name__}, expected nn.Linear(..., {NUM_CLASSES})"
    assert torch.equal(out, last_out), "the model's output is not the output of its final Linear layer"


def test_output_depends_on_the_whole_image():
    model = build()
    generator = torch.Generator().manual_seed(1)
    base = torch.randn(1, 3, SIZE, SIZE, generator=generator)
    other = torch.randn(1, 3, SIZE, SIZE, generator=generator)
    corners = [(0, 0), (0, SIZE - 16), (SIZE - 16, 0), (SIZE - 16, SIZE - 16)]
    variants = [base, other]
    for top, left in corners:
        changed = base.clone()
        changed[:, :, top:top + 16, left:left + 16] += 3 * torch.randn(1, 3, 16, 16, generator=generator)
        variants.append(changed)
    with torch.no_grad():
        out = model(torch.cat(variants))
    assert not torch.allclose(out[0], out[1], atol=1e-6), "different images give the same logits"
    for i, (top, left) in enumerate(corners, start=2):
        assert not torch.allclose(out[0], out[i], atol=1e-6), \
            f"changing the 16x16 patch at ({top}, {left}) does not change the logits"


def test_gradients_reach_the_first_convolution():
    model = build().train()
    out, calls = traced_forward(model, torch.randn(2, 3, SIZE, SIZE))
    out.sum().backward()
    first_conv = next(m for m in model.features.modules() if isinstance(m, nn.Conv2d))
    final = calls[-1][0]
    assert isinstance(final, nn.Linear), f"the last layer applied is {type(final).__name__}"
    for name, weight in [("first conv", first_conv.weight), ("final Linear", final.weight)]:
        assert weight.grad is not None, f"{name} weight has no gradient"
        assert torch.isfinite(weight.grad).all(), f"{name} weight gradient is not finite"
        assert weight.grad.abs().sum() > 0, f"{name} weight gradient is zero"
