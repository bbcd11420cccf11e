"""Per-channel learnable scaling of a residual branch (LayerScale)."""
import torch
from torch import Tensor, nn


class LayerScale(nn.Module):
    """Multiply the last dimension by a learnable vector `gamma`, initialised to `init_values`."""

    def __init__(self, dim: int, init_values: float | Tensor = 1e-5, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace
        self.gamma = nn.Parameter(init_values * torch.ones(dim))

    def forward(self, x: Tensor) -> Tensor:
        return x.mul_(self.gamma) if self.inplace else x * self.gamma
