"""Reference LoRA maths, written from the formula: linear(x) + (alpha / rank) * x A^T B^T (float64)."""
import torch


def reference_lora(x, weight, bias, lora_a, lora_b, alpha, rank):
    """Output of a LoRA linear layer; works for any leading dimensions of x."""
    x = x.double()
    base = torch.einsum("...i,oi->...o", x, weight.double())
    if bias is not None:
        base = base + bias.double()
    low = torch.einsum("...i,ri->...r", x, lora_a.double())
    update = torch.einsum("...r,or->...o", low, lora_b.double())
    return base + (alpha / rank) * update
