"""DINOv2-style Vision Transformer backbone with register tokens, masking and dynamic patch sizes."""
import math
from collections.abc import Iterable
from functools import partial
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.init import trunc_normal_

from ..layers import MemEffAttention, Mlp, NestedTensorBlock, PatchEmbed, SwiGLUFFNFused

__all__ = ["DinoVisionTransformer", "make_2tuple", "vit_small", "vit_base", "vit_large", "vit_giant2"]


def make_2tuple(x) -> tuple:
    """`x` as a (height, width) pair: an int n becomes (n, n); a pair is returned as a tuple."""
    if isinstance(x, Iterable) and not isinstance(x, str):
        x = tuple(x)
        assert len(x) == 2, f"expected a pair, got {x}"
        return x
    assert isinstance(x, int), f"expected an int or a pair, got {x!r}"
    return (x, x)


def named_apply(fn: Callable, module: nn.Module, name: str = "", depth_first: bool = True,
                include_root: bool = False) -> nn.Module:
    """Call fn(module=..., name=...) on every submodule, children first when `depth_first`."""
    if not depth_first and include_root:
        fn(module=module, name=name)
    for child_name, child in module.named_children():
        child_name = ".".join((name, child_name)) if name else child_name
        named_apply(fn, child, child_name, depth_first, include_root=True)
    if depth_first and include_root:
        fn(module=module, name=name)
    return module


def init_weights_vit_timm(module: nn.Module, name: str = "") -> None:
    """ViT weight init: truncated normal (std 0.02) for linear weights, zero biases."""
    if isinstance(module, nn.Linear):
        trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class BlockChunk(nn.ModuleList):
    """A run of consecutive blocks (padded with identities so block indices stay global)."""

    def forward(self, x):
        for block in self:
            x = block(x)
        return x


class DinoVisionTransformer(nn.Module):
    """Vision Transformer with a class token, optional register tokens and a learnable mask token.

    Token layout after `prepare_tokens_with_masks`: [cls, registers (num_register_tokens), patches].

    Dynamic patch size: `forward`, `forward_features` and `get_intermediate_layers` accept
    `dynamic_patch_size` (an int): the image is then cut into patches of that size, giving
    (H / p) * (W / p) patch tokens. `None` means the native patch size. Masks, when given, have one
    entry per patch of that grid.
    """

    def __init__(self, img_size=224, patch_size: int = 16, in_chans: int = 3, embed_dim: int = 768,
                 depth: int = 12, num_heads: int = 12, mlp_ratio: float = 4.0, qkv_bias: bool = True,
                 ffn_bias: bool = True, proj_bias: bool = True, drop_path_rate: float = 0.0,
                 drop_path_uniform: bool = False, init_values=None, embed_layer=PatchEmbed,
                 act_layer=nn.GELU, block_fn=NestedTensorBlock, ffn_layer: str = "mlp", block_chunks: int = 1,
                 num_register_tokens: int = 0, interpolate_antialias: bool = False,
                 interpolate_offset: float = 0.1) -> None:
        """
        Args:
            img_size: nominal input size; the position embeddings cover its patch grid.
            patch_size: native patch size (int).
            embed_dim, depth, num_heads, mlp_ratio: transformer width, depth, heads and FFN ratio.
            qkv_bias, ffn_bias, proj_bias: biases of the attention input, the FFN and the projections.
            drop_path_rate, drop_path_uniform: stochastic depth rate, constant or linearly increasing.
            init_values: LayerScale init (None: no LayerScale).
            embed_layer, act_layer, block_fn: patch embedding class, FFN activation and block class.
            ffn_layer: "mlp", "swiglu"/"swiglufused" or "identity".
            block_chunks: split the blocks into this many chunks (0: a flat list).
            num_register_tokens: number of extra register tokens.
            interpolate_antialias, interpolate_offset: how position embeddings are resized.
        """
        super().__init__()
        norm_layer = partial(nn.LayerNorm, eps=1e-6)

        self.num_features = self.embed_dim = embed_dim
        self.num_tokens = 1
        self.n_blocks = depth
        self.num_heads = num_heads
        self.patch_size = patch_size
        self.num_register_tokens = num_register_tokens
        self.interpolate_antialias = interpolate_antialias
        self.interpolate_offset = interpolate_offset

        self.patch_embed = embed_layer(img_size=img_size, patch_size=patch_size, in_chans=in_chans,
                                       embed_dim=embed_dim)
        num_patches = self.patch_embed.num_patches
        self.cls_token = nn.Parameter(torch.zeros(1, 1, embed_dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, num_patches + self.num_tokens, embed_dim))
        self.register_tokens = (
            nn.Parameter(torch.zeros(1, num_register_tokens, embed_dim)) if num_register_tokens else None
        )

        if drop_path_uniform:
            dpr = [drop_path_rate] * depth
        else:
            dpr = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]

        if ffn_layer == "mlp":
            ffn = Mlp
        elif ffn_layer in ("swiglufused", "swiglu"):
            ffn = SwiGLUFFNFused
        elif ffn_layer == "identity":
            def ffn(*args, **kwargs):
                return nn.Identity()
        else:
            raise NotImplementedError(f"unknown ffn_layer {ffn_layer!r}")

        blocks_list = [
            block_fn(dim=embed_dim, num_heads=num_heads, mlp_ratio=mlp_ratio, qkv_bias=qkv_bias,
                     proj_bias=proj_bias, ffn_bias=ffn_bias, drop_path=dpr[i], norm_layer=norm_layer,
                     act_layer=act_layer, ffn_layer=ffn, init_values=init_values)
            for i in range(depth)
        ]
        if block_chunks > 0:
            self.chunked_blocks = True
            chunksize = depth // block_chunks
            chunks = [[nn.Identity()] * i + blocks_list[i:i + chunksize] for i in range(0, depth, chunksize)]
            self.blocks = nn.ModuleList([BlockChunk(chunk) for chunk in chunks])
        else:
            self.chunked_blocks = False
            self.blocks = nn.ModuleList(blocks_list)

        self.norm = norm_layer(embed_dim)
        self.head = nn.Identity()
        self.mask_token = nn.Parameter(torch.zeros(1, embed_dim))
        self.init_weights()

    def init_weights(self) -> None:
        trunc_normal_(self.pos_embed, std=0.02)
        nn.init.normal_(self.cls_token, std=1e-6)
        if self.register_tokens is not None:
            nn.init.normal_(self.register_tokens, std=1e-6)
        named_apply(init_weights_vit_timm, self)

    def interpolate_pos_encoding(self, x: Tensor, w: int, h: int) -> Tensor:
        """Position embeddings for `x` = [cls, patches] from an image of size (w, h): the learned grid is
        resized bicubically when needed."""
        previous_dtype = x.dtype
        npatch = x.shape[1] - 1
        N = self.pos_embed.shape[1] - 1
        if npatch == N and w == h:
            return self.pos_embed
        pos_embed = self.pos_embed.float()
        class_pos_embed = pos_embed[:, 0]
        patch_pos_embed = pos_embed[:, 1:]
        dim = x.shape[-1]
        w0 = w // self.patch_size
        h0 = h // self.patch_size
        M = int(math.sqrt(N))
        assert N == M * M, "the learned position embeddings must form a square grid"
        kwargs = {}
        if self.interpolate_offset:
            # A small offset avoids floating point error in the interpolation's output size.
            kwargs["scale_factor"] = (float(w0 + self.interpolate_offset) / M, float(h0 + self.interpolate_offset) / M)
        else:
            kwargs["size"] = (w0, h0)
        patch_pos_embed = F.interpolate(patch_pos_embed.reshape(1, M, M, dim).permute(0, 3, 1, 2), mode="bicubic",
                                        antialias=self.interpolate_antialias, **kwargs)
        assert (w0, h0) == patch_pos_embed.shape[-2:]
        patch_pos_embed = patch_pos_embed.permute(0, 2, 3, 1).reshape(1, -1, dim)
        return torch.cat((class_pos_embed.unsqueeze(0), patch_pos_embed), dim=1).to(previous_dtype)

    def prepare_tokens_with_masks(self, x: Tensor, masks: Tensor | None = None) -> Tensor:
        """Images (B, C, H, W) -> tokens (B, 1 + registers + patches, D) with position embeddings.

        Where `masks` (B, patches; True = masked) is set, the patch token is replaced by `mask_token`
        before the position embedding is added, so a masked token is `mask_token + pos_embed`.
        Register tokens carry no position embedding.
        """
        B, _, w, h = x.shape
        x = self.patch_embed(x)
        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, w, h)
        if masks is not None:
            patches = torch.where(masks.unsqueeze(-1), self.mask_token.to(x.dtype).unsqueeze(0), x[:, 1:])
            x = torch.cat((x[:, :1], patches), dim=1)
        if self.register_tokens is not None:
            x = torch.cat((x[:, :1], self.register_tokens.expand(B), x[:, 1:]), dim=1)
        return x

    def _split_outputs(self, x_prenorm: Tensor, masks) -> dict:
        x_norm = self.norm(x_prenorm)
        r = self.num_register_tokens
        return {
            "x_norm_clstoken": x_norm[:, 0],
            "x_norm_regtokens": x_norm[:, 1:r + 1],
            "x_norm_patchtokens": x_norm[:, r + 1:],
            "x_prenorm": x_prenorm,
            "masks": masks,
        }

    def forward_features_list(self, x_list: list, masks_list: list) -> list:
        """`forward_features` for a list of image batches (each may have its own size)."""
        x = [self.prepare_tokens_with_masks(x, masks) for x, masks in zip(x_list, masks_list)]
        for blk in self.blocks:
            x = blk(x)
        return [self._split_outputs(out, masks) for out, masks in zip(x, masks_list)]

    def forward_features(self, x, masks: Tensor | None = None, dynamic_patch_size: int | None = None):
        """Run the backbone; return the normalised class/register/patch tokens, the pre-norm tokens and masks."""
        if isinstance(x, list):
            return self.forward_features_list(x, masks)
        x = self.prepare_tokens_with_masks(x, masks)
        for blk in self.blocks:
            x = blk(x)
        return self._split_outputs(x, masks)

    def _get_intermediate_layers_not_chunked(self, x: Tensor, n=1, dynamic_patch_size: int | None = None) -> list:
        x = self.prepare_tokens_with_masks(x)
        output, total_block_len = [], len(self.blocks)
        blocks_to_take = range(total_block_len - n, total_block_len) if isinstance(n, int) else n
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in blocks_to_take:
                output.append(x)
        assert len(output) == len(blocks_to_take), f"only {len(output)} / {len(blocks_to_take)} blocks found"
        return output

    def _get_intermediate_layers_chunked(self, x: Tensor, n=1, dynamic_patch_size: int | None = None) -> list:
        x = self.prepare_tokens_with_masks(x)
        output, i, total_block_len = [], 0, len(self.blocks[-1])
        blocks_to_take = range(total_block_len - n, total_block_len) if isinstance(n, int) else n
        for block_chunk in self.blocks:
            for blk in block_chunk[i:]:  # skip the identities that pad the chunk
                x = blk(x)
                if i in blocks_to_take:
                    output.append(x)
                i += 1
        assert len(output) == len(blocks_to_take), f"only {len(output)} / {len(blocks_to_take)} blocks found"
        return output

    def get_intermediate_layers(self, x: Tensor, n: int | Sequence[int] = 1, reshape: bool = False,
                                return_class_token: bool = False, norm: bool = True,
                                dynamic_patch_size: int | None = None):
        """Patch tokens of the last `n` blocks (or of the blocks whose indices are in `n`).

        With `reshape`, each output is (B, D, H / p, W / p) for the effective patch size p; otherwise
        (B, patches, D). With `return_class_token`, each item is a pair (patch tokens, class token).
        `norm` applies the final LayerNorm first.
        """
        if self.chunked_blocks:
            outputs = self._get_intermediate_layers_chunked(x, n, dynamic_patch_size=dynamic_patch_size)
        else:
            outputs = self._get_intermediate_layers_not_chunked(x, n, dynamic_patch_size=dynamic_patch_size)
        if norm:
            outputs = [self.norm(out) for out in outputs]
        class_tokens = [out[:, 0] for out in outputs]
        outputs = [out[:, 1 + self.num_register_tokens:] for out in outputs]
        if reshape:
            B, _, w, h = x.shape
            outputs = [out.reshape(B, w // self.patch_size, h // self.patch_size, -1).permute(0, 3, 1, 2).contiguous()
                       for out in outputs]
        if return_class_token:
            return tuple(zip(outputs, class_tokens))
        return tuple(outputs)

    def forward(self, *args, is_training: bool = False, dynamic_patch_size: int | None = None, **kwargs):
        """Eval: the head applied to the normalised class token. `is_training=True`: the feature dict."""
        ret = self.forward_features(*args, dynamic_patch_size=None, **kwargs)
        if is_training:
            return ret
        return self.head(ret["x_norm_clstoken"])


def vit_small(patch_size: int = 16, num_register_tokens: int = 0, **kwargs) -> DinoVisionTransformer:
    """ViT-S: width 384, 12 blocks, 6 heads."""
    return DinoVisionTransformer(patch_size=patch_size, embed_dim=384, depth=12, num_heads=6, mlp_ratio=4,
                                 block_fn=partial(NestedTensorBlock, attn_class=MemEffAttention),
                                 num_register_tokens=num_register_tokens, **kwargs)


def vit_base(patch_size: int = 16, num_register_tokens: int = 0, **kwargs) -> DinoVisionTransformer:
    """ViT-B: width 768, 12 blocks, 12 heads."""
    return DinoVisionTransformer(patch_size=patch_size, embed_dim=768, depth=12, num_heads=12, mlp_ratio=4,
                                 block_fn=partial(NestedTensorBlock, attn_class=MemEffAttention),
                                 num_register_tokens=num_register_tokens, **kwargs)


def vit_large(patch_size: int = 16, num_register_tokens: int = 0, **kwargs) -> DinoVisionTransformer:
    """ViT-L: width 1024, 24 blocks, 16 heads."""
    return DinoVisionTransformer(patch_size=patch_size, embed_dim=1024, depth=24, num_heads=16, mlp_ratio=4,
                                 block_fn=partial(NestedTensorBlock, attn_class=MemEffAttention),
                                 num_register_tokens=num_register_tokens, **kwargs)


def vit_giant2(patch_size: int = 16, num_register_tokens: int = 0, **kwargs) -> DinoVisionTransformer:
    """ViT-g/2: width 1536, 40 blocks, 24 heads (64 per head)."""
    return DinoVisionTransformer(patch_size=patch_size, embed_dim=1536, depth=40, num_heads=24, mlp_ratio=4,
                                 block_fn=partial(NestedTensorBlock, attn_class=MemEffAttention),
                                 num_register_tokens=num_register_tokens, **kwargs)
