"""Hidden tests for LoraLinear: structure, initialisation, values and gradients against ref_lora.py."""
import math
import random

import numpy as np
import torch
import torch.nn as nn

from lora import LoraLinear
from ref_lora import reference_lora


def seed_all(seed):
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)


def randomise(layer):
    """Random B (and a unit-scale base) so that every term of the output matters."""
    with torch.no_grad():
        layer.lora_B.normal_()
        layer.linear.weight.normal_(0.0, 1.0 / math.sqrt(layer.linear.in_features))
        if layer.linear.bias is not None:
            layer.linear.bias.normal_()
    return layer


def reference_of(layer, x):
    bias = None if layer.linear.bias is None else layer.linear.bias.detach()
    return reference_lora(x, layer.linear.weight.detach(), bias, layer.lora_A.detach(),
                          layer.lora_B.detach(), layer.alpha, layer.rank)


def assert_matches(actual, expected, rtol=1e-5):
    torch.testing.assert_close(actual.detach().double(), expected, rtol=rtol,
                               atol=1e-6 * max(1.0, expected.abs().max().item()))


def n_trainable(layer):
    return sum(p.numel() for p in layer.parameters() if p.requires_grad)


def test_structure_and_budget():
    seed_all(0)
    layer = LoraLinear(13, 6, rank=3, alpha=2.0, bias=True, device="cpu")
    assert isinstance(layer.linear, nn.Linear)
    assert isinstance(layer.lora_A, nn.Parameter) and isinstance(layer.lora_B, nn.Parameter)
    assert layer.linear.weight.shape == (6, 13)
    assert layer.lora_A.shape == (3, 13) and layer.lora_B.shape == (6, 3)
    assert layer.rank == 3 and layer.alpha == 2.0
    assert not layer.linear.weight.requires_grad
    assert layer.linear.bias.requires_grad and layer.lora_A.requires_grad and layer.lora_B.requires_grad
    assert n_trainable(layer) == 3 * (13 + 6) + 6
    assert layer.lora_A.device.type == "cpu"
    text = repr(layer)
    assert "rank=3" in text and "alpha=2.0" in text


def test_initialisation():
    seed_all(1)
    rank = 4
    layer = LoraLinear(512, 64, rank=rank)
    assert torch.count_nonzero(layer.lora_B) == 0
    target = 1.0 / math.sqrt(rank)
    std = layer.lora_A.detach().std().item()
    mean = layer.lora_A.detach().mean().item()
    assert abs(std - target) <= 0.15 * target, std
    assert abs(mean) <= 0.1 * target, mean
    x = torch.randn(5, 512)
    assert torch.equal(layer(x), layer.linear(x)), "a fresh layer must behave exactly like its base"


def test_forward_matches_reference():
    for seed, (rank, alpha) in enumerate([(1, 1.0), (4, 8.0), (8, 2.5)], start=2):
        seed_all(seed)
        layer = randomise(LoraLinear(13, 6, rank=rank, alpha=alpha))
        for shape in [(13,), (7, 13), (2, 5, 13)]:
            x = torch.randn(shape)
            out = layer(x)
            assert out.shape == shape[:-1] + (6,)
            assert_matches(out, reference_of(layer, x))


def test_scaling_uses_rank():
    seed_all(5)
    small = randomise(LoraLinear(11, 7, rank=2, alpha=3.0))
    big = LoraLinear(11, 7, rank=4, alpha=3.0)
    with torch.no_grad():
        big.linear.weight.copy_(small.linear.weight)
        big.linear.bias.copy_(small.linear.bias)
        big.lora_A.zero_()
        big.lora_B.zero_()
        big.lora_A[:2] = small.lora_A
        big.lora_B[:, :2] = small.lora_B
    x = torch.randn(6, 11)
    with torch.no_grad():
        base = small.linear(x)
        update_small = small(x) - base
        update_big = big(x) - base
    assert update_small.abs().max() > 1e-3
    torch.testing.assert_close(update_big, 0.5 * update_small, rtol=1e-4, atol=1e-6)
    doubled = LoraLinear(11, 7, rank=2, alpha=6.0)
    doubled.load_state_dict(small.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(doubled(x) - base, 2 * update_small, rtol=1e-4, atol=1e-6)


def test_gradients_match_reference():
    seed_all(6)
    layer = randomise(LoraLinear(10, 5, rank=3, alpha=4.0))
    x = torch.randn(4, 10)
    upstream = torch.randn(4, 5)
    (layer(x) * upstream).sum().backward()
    a = layer.lora_A.detach().double().requires_grad_(True)
    b = layer.lora_B.detach().double().requires_grad_(True)
    bias = layer.linear.bias.detach().double().requires_grad_(True)
    ref = reference_lora(x, layer.linear.weight.detach(), bias, a, b, layer.alpha, layer.rank)
    (ref * upstream.double()).sum().backward()
    assert layer.linear.weight.grad is None
    for name, got, want in [("lora_A", layer.lora_A.grad, a.grad), ("lora_B", layer.lora_B.grad, b.grad),
                            ("bias", layer.linear.bias.grad, bias.grad)]:
        assert got is not None, f"no gradient for {name}"
        assert_matches(got, want)


def test_training_step_keeps_base_frozen():
    seed_all(7)
    layer = LoraLinear(8, 4, rank=2)
    weight = layer.linear.weight.detach().clone()
    a0, b0 = layer.lora_A.detach().clone(), layer.lora_B.detach().clone()
    optimizer = torch.optim.SGD([p for p in layer.parameters() if p.requires_grad], lr=0.1)
    x, target = torch.randn(16, 8), torch.randn(16, 4)
    for _ in range(3):
        optimizer.zero_grad()
        ((layer(x) - target) ** 2).mean().backward()
        optimizer.step()
    assert torch.equal(layer.linear.weight, weight), "the base weight must stay frozen"
    assert not torch.equal(layer.lora_A, a0) and not torch.equal(layer.lora_B, b0)


def test_state_dict_roundtrip():
    seed_all(8)
    layer = randomise(LoraLinear(9, 5, rank=2, alpha=3.0))
    state = layer.state_dict()
    assert {"linear.weight", "lora_A", "lora_B"} <= set(state)
    fresh = LoraLinear(9, 5, rank=2, alpha=3.0)
    fresh.load_state_dict(state)
    x = torch.randn(3, 9)
    assert torch.equal(fresh(x), layer(x))


def test_no_bias():
    seed_all(9)
    layer = randomise(LoraLinear(12, 5, rank=4, alpha=2.0, bias=False))
    assert layer.linear.bias is None
    x = torch.randn(3, 12)
    assert_matches(layer(x), reference_of(layer, x))
    assert n_trainable(layer) == 4 * (12 + 5)

