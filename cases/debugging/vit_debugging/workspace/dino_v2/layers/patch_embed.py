"""Patch embedding: cut an image into non-overlapping patches and project each one to a token."""
from typing import Callable

from torch import Tensor, nn

from ..models.vision_transformer import make_2tuple


class PatchEmbed(nn.Module):
    """2D image to patch tokens: (B, C, H, W) -> (B, N, D), N = (H / patch_h) * (W / patch_w).

    Args:
        img_size: nominal image size (int or pair); sets `num_patches` for the position embeddings.
        patch_size: patch size (int or pair).
        in_chans: number of image channels.
        embed_dim: token dimension D.
        norm_layer: optional normalisation applied to the tokens.
        flatten_embedding: if False, return (B, H', W', D) instead of (B, N, D).
    """

    def __init__(self, img_size=224, patch_size=16, in_chans: int = 3, embed_dim: int = 768,
                 norm_layer: Callable | None = None, flatten_embedding: bool = True) -> None:
        super().__init__()
        image_hw = make_2tuple(img_size)
        patch_hw = patch_size
        grid = (image_hw[0] // patch_hw[0], image_hw[1] // patch_hw[1])
        self.img_size = image_hw
        self.patch_size = patch_hw
        self.patches_resolution = grid
        self.num_patches = grid[0] * grid[1]
        self.in_chans = in_chans
        self.embed_dim = embed_dim
        self.flatten_embedding = flatten_embedding
        self.proj = nn.Conv2d(in_chans, embed_dim // 2, kernel_size=patch_hw, stride=patch_hw)
        self.norm = norm_layer(embed_dim) if norm_layer else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """Embed `x` with the patch size of this layer."""
        _, _, H, W = x.shape
        patch_h, patch_w = self.patch_size
        assert H % patch_h == 0, f"input height {H} is not a multiple of patch height {patch_h}"
        assert W % patch_w == 0, f"input width {W} is not a multiple of patch width {patch_w}"
        x = self.proj(x)
        H, W = x.size(2), x.size(3)
        x = self.norm(x.flatten(2).transpose(1, 2))
        if not self.flatten_embedding:
            x = x.reshape(-1, H, W, self.embed_dim)
        return x
