"""Patch embedding: cut an image into non-overlapping patches and project each one to a token."""
from collections.abc import Iterable
from typing import Callable

import torch.nn.functional as F
from torch import Tensor, nn


def make_2tuple(x) -> tuple:
    """`x` as a (height, width) pair: an int n becomes (n, n); a pair is returned as a tuple."""
    if isinstance(x, Iterable) and not isinstance(x, str):
        x = tuple(x)
        assert len(x) == 2, f"expected a pair, got {x}"
        return x
    assert isinstance(x, int), f"expected an int or a pair, got {x!r}"
    return (x, x)


def resample_patch_kernel(weight: Tensor, size: tuple[int, int]) -> Tensor:
    """Resample a learned patch kernel (D, C, p_h, p_w) to `size` for use with stride `size`.

    The kernel is resized with bicubic interpolation and multiplied by (p_h * p_w) / (s_h * s_w), so a
    patch of constant colour gets the same embedding at every patch size. The result is a differentiable
    function of `weight` (no new parameters, no randomness); at the native size `weight` is returned as is.
    """
    old = tuple(weight.shape[-2:])
    size = make_2tuple(size)
    if size == old:
        return weight
    resized = F.interpolate(weight, size=size, mode="bicubic", align_corners=False)
    return resized * (old[0] * old[1]) / (size[0] * size[1])


class PatchEmbed(nn.Module):
    """2D image to patch tokens: (B, C, H, W) -> (B, N, D), N = (H / patch_h) * (W / patch_w).

    Args:
        img_size: nominal image size (int or pair); sets `num_patches` for the position embeddings.
        patch_size: native patch size (int or pair).
        in_chans: number of image channels.
        embed_dim: token dimension D.
        norm_layer: optional normalisation applied to the tokens.
        flatten_embedding: if False, return (B, H', W', D) instead of (B, N, D).
    """

    def __init__(self, img_size=224, patch_size=16, in_chans: int = 3, embed_dim: int = 768,
                 norm_layer: Callable | None = None, flatten_embedding: bool = True) -> None:
        super().__init__()
        image_hw = make_2tuple(img_size)
        patch_hw = make_2tuple(patch_size)
        grid = (image_hw[0] // patch_hw[0], image_hw[1] // patch_hw[1])
        self.img_size = image_hw
        self.patch_size = patch_hw
        self.patches_resolution = grid
        self.num_patches = grid[0] * grid[1]
        self.in_chans = in_chans
        self.embed_dim = embed_dim
        self.flatten_embedding = flatten_embedding
        self.proj = nn.Conv2d(in_chans, embed_dim, kernel_size=patch_hw, stride=patch_hw)
        self.norm = norm_layer(embed_dim) if norm_layer else nn.Identity()

    def forward(self, x: Tensor, patch_size=None) -> Tensor:
        """Embed `x`. With `patch_size` (int or pair) other than the native one, the learned kernel is
        resampled to that size with `resample_patch_kernel` and applied with stride `patch_size`."""
        _, _, H, W = x.shape
        patch_h, patch_w = self.patch_size if patch_size is None else make_2tuple(patch_size)
        assert H % patch_h == 0, f"input height {H} is not a multiple of patch height {patch_h}"
        assert W % patch_w == 0, f"input width {W} is not a multiple of patch width {patch_w}"
        if (patch_h, patch_w) == self.patch_size:
            x = self.proj(x)
        else:
            weight = resample_patch_kernel(self.proj.weight, (patch_h, patch_w))
            x = F.conv2d(x, weight, self.proj.bias, stride=(patch_h, patch_w))
        H, W = x.size(2), x.size(3)
        x = self.norm(x.flatten(2).transpose(1, 2))
        if not self.flatten_embedding:
            x = x.reshape(-1, H, W, self.embed_dim)
        return x
