"""Visible tests for LoraLinear (run with `pytest test_lora.py` or `python test_lora.py`)."""
import sys

import pytest
import torch

from lora import LoraLinear


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


def randomise_b(layer):
    with torch.no_grad():
        layer.lora_B.normal_()
    return layer


def trainable(layer):
    return sum(p.numel() for p in layer.parameters() if p.requires_grad)


def test_shapes_and_trainable_parameters():
    layer = LoraLinear(20, 10, rank=4)
    assert layer.lora_A.shape == (4, 20)
    assert layer.lora_B.shape == (10, 4)
    assert not layer.linear.weight.requires_grad
    assert trainable(layer) == 4 * (20 + 10) + 10


def test_output_shapes():
    layer = LoraLinear(16, 8)
    assert layer(torch.randn(5, 16)).shape == (5, 8)
    assert layer(torch.randn(2, 3, 16)).shape == (2, 3, 8)


def test_forward_value():
    layer = randomise_b(LoraLinear(12, 6, rank=3, alpha=2.0))
    x = torch.randn(4, 12)
    expected = layer.linear(x) + (2.0 / 3) * (x @ layer.lora_A.T) @ layer.lora_B.T
    torch.testing.assert_close(layer(x), expected)


def test_gradients_reach_only_adapters():
    layer = randomise_b(LoraLinear(12, 6))
    layer(torch.randn(4, 12)).sum().backward()
    assert layer.linear.weight.grad is None
    assert layer.lora_A.grad is not None and layer.lora_A.grad.abs().sum() > 0
    assert layer.lora_B.grad is not None and layer.lora_B.grad.abs().sum() > 0


def test_different_ranks():
    for rank in (1, 4, 8):
        layer = LoraLinear(10, 7, rank=rank)
        assert layer.lora_A.shape == (rank, 10) and layer.lora_B.shape == (7, rank)
        assert layer(torch.randn(3, 10)).shape == (3, 7)


def test_alpha_scales_update():
    x = torch.randn(4, 12)
    small = randomise_b(LoraLinear(12, 6, rank=4, alpha=1.0))
    large = LoraLinear(12, 6, rank=4, alpha=2.0)
    large.load_state_dict(small.state_dict())
    base = small.linear(x)
    torch.testing.assert_close(large(x) - base, 2 * (small(x) - base))


def test_state_dict_round_trip():
    layer = randomise_b(LoraLinear(9, 5, rank=2))
    copy = LoraLinear(9, 5, rank=2)
    copy.load_state_dict(layer.state_dict())
    x = torch.randn(3, 9)
    torch.testing.assert_close(copy(x), layer(x))


def test_bias_switch():
    assert LoraLinear(8, 4, bias=True).linear.bias is not None
    layer = LoraLinear(8, 4, bias=False)
    assert layer.linear.bias is None
    assert trainable(layer) == 4 * (8 + 4)


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
