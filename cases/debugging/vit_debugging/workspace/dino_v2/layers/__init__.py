"""Building blocks of the DINOv2-style Vision Transformer."""
from .attention import Attention, MemEffAttention
from .block import Block, NestedTensorBlock
from .dino_head import DINOHead
from .drop_path import DropPath
from .layer_scale import LayerScale
from .mlp import Mlp
from .patch_embed import PatchEmbed, make_2tuple
from .swiglu_ffn import SwiGLUFFN, SwiGLUFFNFused

__all__ = [
    "Attention", "MemEffAttention", "Block", "NestedTensorBlock", "DINOHead", "DropPath", "LayerScale", "Mlp",
    "PatchEmbed", "make_2tuple", "SwiGLUFFN", "SwiGLUFFNFused",
]
