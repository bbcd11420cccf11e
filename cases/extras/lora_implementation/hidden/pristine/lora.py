"""A LoRA (low-rank adaptation) linear layer."""
import torch
import torch.nn as nn


class LoraLinear(nn.Module):
    """Drop-in replacement for ``nn.Linear`` whose base weight is frozen and whose update is low rank.

    Required attributes:

    * ``linear``: ``nn.Linear(in_features, out_features, bias=bias, device=device)``; its ``weight``
      is frozen (``requires_grad`` False), its bias (if any) stays trainable.
    * ``lora_A``: ``nn.Parameter`` of shape (rank, in_features), drawn from N(0, 1/rank)
      (standard deviation ``1 / sqrt(rank)``).
    * ``lora_B``: ``nn.Parameter`` of shape (out_features, rank), initialised to zeros.
    * ``rank`` and ``alpha``: the constructor arguments.

    ``forward(x)`` for ``x`` of shape (*, in_features) returns
    ``linear(x) + (alpha / rank) * (x @ lora_A.T) @ lora_B.T`` of shape (*, out_features).
    """

    def __init__(self, in_features, out_features, rank=4, alpha=1.0, bias=True, device=None):
        super().__init__()
        raise NotImplementedError("build linear, lora_A, lora_B, rank and alpha here")

    def forward(self, x):
        raise NotImplementedError("return the base output plus the scaled low-rank update")

    def extra_repr(self):
        return (f"in_features={self.linear.in_features}, out_features={self.linear.out_features}, "
                f"rank={self.rank}, alpha={self.alpha}, bias={self.linear.bias is not None}")
