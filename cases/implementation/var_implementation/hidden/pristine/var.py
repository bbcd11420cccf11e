"""VAR: class-conditional next-scale prediction over the multi-scale token maps of a VQ-VAE.

An image is a sequence of token maps of sizes patch_nums[0]^2, patch_nums[1]^2, ... (L tokens in all).
The transformer sees a start token for the first scale and, for every later scale, the running VQ-VAE
latent downsampled to that scale; a block-causal mask lets each scale attend to itself and coarser scales.

Two methods are left for you to write: `VAR.forward` and `VAR.autoregressive_infer_cfg` (after its given
prologue). Everything else is given and must not change.
"""
import math
from functools import partial
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn

from basic_var import AdaLNBeforeHead, AdaLNSelfAttn
from helpers import gumbel_softmax_with_rng, sample_with_top_k_top_p_
from vqvae import VQVAE, VectorQuantizer2

device = 'cpu'


class SharedAdaLin(nn.Linear):
    """One condition projection shared by every block; output viewed as (B, 1, 6, C)."""

    def forward(self, cond_BD):
        C = self.weight.shape[0] // 6
        return super().forward(cond_BD).view(-1, 1, 6, C)


class VAR(nn.Module):
    def __init__(
        self, vae_local: VQVAE,
        num_classes=1000, depth=16, embed_dim=1024, num_heads=16, mlp_ratio=4., drop_rate=0., attn_drop_rate=0.,
        drop_path_rate=0., norm_eps=1e-6, shared_aln=False, cond_drop_rate=0.1, attn_l2_norm=False,
        patch_nums=(1, 2, 3, 4, 5, 6, 8, 10, 13, 16),
        flash_if_available=True, fused_if_available=True,
    ):
        super().__init__()
        # 0. hyperparameters
        assert embed_dim % num_heads == 0
        self.Cvae, self.V = vae_local.Cvae, vae_local.vocab_size
        self.depth, self.C, self.D, self.num_heads = depth, embed_dim, embed_dim, num_heads

        self.cond_drop_rate = cond_drop_rate
        self.prog_si = -1  # progressive training: -1 means the whole sequence

        self.patch_nums: Tuple[int] = patch_nums
        self.L = sum(pn ** 2 for pn in self.patch_nums)
        self.first_l = self.patch_nums[0] ** 2
        self.begin_ends = []
        cur = 0
        for pn in self.patch_nums:
            self.begin_ends.append((cur, cur + pn ** 2))
            cur += pn ** 2

        self.num_stages_minus_1 = len(self.patch_nums) - 1
        self.rng = torch.Generator(device=device)

        # 1. input (word) embedding
        quant: VectorQuantizer2 = vae_local.quantize
        self.vae_proxy: Tuple[VQVAE] = (vae_local,)
        self.vae_quant_proxy: Tuple[VectorQuantizer2] = (quant,)
        self.word_embed = nn.Linear(self.Cvae, self.C)

        # 2. class embedding (row num_classes is the unconditional / null class)
        init_std = math.sqrt(1 / self.C / 3)
        self.num_classes = num_classes
        self.uniform_prob = torch.full((1, num_classes), fill_value=1.0 / num_classes, dtype=torch.float32,
                                       device=device)
        self.class_emb = nn.Embedding(self.num_classes + 1, self.C)
        nn.init.trunc_normal_(self.class_emb.weight.data, mean=0, std=init_std)
        self.pos_start = nn.Parameter(torch.empty(1, self.first_l, self.C))
        nn.init.trunc_normal_(self.pos_start.data, mean=0, std=init_std)

        # 3. absolute position embedding of every token, and one level embedding per scale
        pos_1LC = []
        for pn in self.patch_nums:
            pe = torch.empty(1, pn * pn, self.C)
            nn.init.trunc_normal_(pe, mean=0, std=init_std)
            pos_1LC.append(pe)
        pos_1LC = torch.cat(pos_1LC, dim=1)
        assert tuple(pos_1LC.shape) == (1, self.L, self.C)
        self.pos_1LC = nn.Parameter(pos_1LC)
        self.lvl_embed = nn.Embedding(len(self.patch_nums), self.C)
        nn.init.trunc_normal_(self.lvl_embed.weight.data, mean=0, std=init_std)

        # 4. backbone blocks
        self.shared_ada_lin = nn.Sequential(nn.SiLU(inplace=False), SharedAdaLin(self.D, 6 * self.C)) \
            if shared_aln else nn.Identity()

        norm_layer = partial(nn.LayerNorm, eps=norm_eps)
        self.drop_path_rate = drop_path_rate
        dpr = [x.item() for x in torch.linspace(0, drop_path_rate, depth)]
        self.blocks = nn.ModuleList([
            AdaLNSelfAttn(
                cond_dim=self.D, shared_aln=shared_aln,
                block_idx=block_idx, embed_dim=self.C, norm_layer=norm_layer, num_heads=num_heads,
                mlp_ratio=mlp_ratio, drop=drop_rate, attn_drop=attn_drop_rate, drop_path=dpr[block_idx],
                last_drop_p=0 if block_idx == 0 else dpr[block_idx - 1],
                attn_l2_norm=attn_l2_norm,
                flash_if_available=flash_if_available, fused_if_available=fused_if_available,
            )
            for block_idx in range(depth)
        ])

        # 5. block-causal mask: a token may attend to every token of its own scale and of coarser scales
        d: torch.Tensor = torch.cat([torch.full((pn * pn,), i) for i, pn in enumerate(self.patch_nums)]).view(1, self.L, 1)
        dT = d.transpose(1, 2)  # (1, 1, L)
        lvl_1L = dT[:, 0].contiguous()
        self.register_buffer('lvl_1L', lvl_1L)
        attn_bias_for_masking = torch.where(d >= dT, 0., -torch.inf).reshape(1, 1, self.L, self.L)
        self.register_buffer('attn_bias_for_masking', attn_bias_for_masking.contiguous())

        # 6. classifier head
        self.head_nm = AdaLNBeforeHead(self.C, self.D, norm_layer=norm_layer)
        self.head = nn.Linear(self.C, self.V)

    def init_weights(self, init_adaln=0.5, init_adaln_gamma=1e-5, init_head=0.02, init_std=0.02,
                     conv_std_or_gain=0.02):
        """Training-time initialisation: small linear/embedding weights, near-zero residual gates."""
        if init_std < 0:
            init_std = (1 / self.C / 3) ** 0.5
        for m in self.modules():
            with_weight = hasattr(m, 'weight') and m.weight is not None
            with_bias = hasattr(m, 'bias') and m.bias is not None
            if isinstance(m, nn.Linear):
                nn.init.trunc_normal_(m.weight.data, std=init_std)
                if with_bias:
                    m.bias.data.zero_()
            elif isinstance(m, nn.Embedding):
                nn.init.trunc_normal_(m.weight.data, std=init_std)
                if m.padding_idx is not None:
                    m.weight.data[m.padding_idx].zero_()
            elif isinstance(m, (nn.LayerNorm, nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm)):
                if with_weight:
                    m.weight.data.fill_(1.)
                if with_bias:
                    m.bias.data.zero_()
            elif isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
                if conv_std_or_gain > 0:
                    nn.init.trunc_normal_(m.weight.data, std=conv_std_or_gain)
                else:
                    nn.init.xavier_normal_(m.weight.data, gain=-conv_std_or_gain)
                if with_bias:
                    m.bias.data.zero_()

        if init_head >= 0:
            self.head.weight.data.mul_(init_head)
            self.head.bias.data.zero_()
            if isinstance(self.head_nm.ada_lin[-1], nn.Linear):
                self.head_nm.ada_lin[-1].weight.data.mul_(init_adaln)
                self.head_nm.ada_lin[-1].bias.data.zero_()

        depth = len(self.blocks)
        for block_idx, sab in enumerate(self.blocks):
            sab.attn.proj.weight.data.div_(math.sqrt(2 * depth))
            sab.ffn.fc2.weight.data.div_(math.sqrt(2 * depth))
            if hasattr(sab, 'ada_lin'):
                sab.ada_lin[-1].weight.data[2 * self.C:].mul_(init_adaln)
                sab.ada_lin[-1].weight.data[:2 * self.C].mul_(init_adaln_gamma)
                if sab.ada_lin[-1].bias is not None:
                    sab.ada_lin[-1].bias.data.zero_()
            elif hasattr(sab, 'ada_gss'):
                sab.ada_gss.data[:, :, 2:].mul_(init_adaln)
                sab.ada_gss.data[:, :, :2].mul_(init_adaln_gamma)

    def get_logits(self, h_or_h_and_residual: Union[torch.Tensor, Tuple[torch.Tensor, torch.Tensor]],
                   cond_BD: Optional[torch.Tensor]):
        """Hidden states (B, l, C) -> logits (B, l, V) through the adaptive head norm and the head."""
        if not isinstance(h_or_h_and_residual, torch.Tensor):
            h, resi = h_or_h_and_residual
            h = resi + self.blocks[-1].drop_path(h)
        else:
            h = h_or_h_and_residual
        return self.head(self.head_nm(h.float(), cond_BD).float()).float()

    @torch.no_grad()
    def autoregressive_infer_cfg(
        self, B: int, label_B: Optional[Union[int, torch.LongTensor]],
        g_seed: Optional[int] = None, cfg=1.5, top_k=0, top_p=0.0,
        more_smooth=False,
    ) -> torch.Tensor:
        """Generate B images scale by scale with classifier-free guidance and a KV cache.

        label_B: (B,) class ids, an int for all B images (negative = the null class), or None to draw
            labels uniformly with the generator.
        g_seed: seeds `self.rng`, which must drive every random draw (labels and token sampling).
        cfg: guidance strength; at stage si the logits are (1 + t) * cond - t * uncond with
            t = cfg * si / (len(patch_nums) - 1).
        top_k, top_p: token filtering for `sample_with_top_k_top_p_` (one sample per position).
        more_smooth: use Gumbel-softmax mixing of codebook vectors instead of hard tokens.

        The batch is doubled (conditional rows first, then the same number of null-class rows). Turn on
        `kv_caching(True)` in every block's attention before the first stage and off after the last; each
        stage feeds only its own pn*pn new tokens to the blocks, with attn_bias=None. The sampled tokens of
        stage si update f_hat through `get_next_autoregressive_input`; the next stage's input is
        `word_embed` of the returned map plus the level and position embeddings of that stage.
        Returns images (B, 3, H, W) in [0, 1]: `fhat_to_img(f_hat) * 0.5 + 0.5`.
        """
        if g_seed is None:
            rng = None
        else:
            self.rng.manual_seed(g_seed)
            rng = self.rng

        if label_B is None:
            label_B = torch.multinomial(self.uniform_prob, num_samples=B, replacement=True, generator=rng).reshape(B)
        elif isinstance(label_B, int):
            label_B = torch.full((B,), fill_value=self.num_classes if label_B < 0 else label_B,
                                 device=self.lvl_1L.device)

        ...  # TODO: implement the scale-by-scale generation described above

    def forward(self, label_B: torch.LongTensor, x_BLCv_wo_first_l: torch.Tensor) -> torch.Tensor:
        """Teacher-forced training pass.

        label_B: (B,) class ids; each is replaced by the null class `num_classes` where
            torch.rand(B) < cond_drop_rate.
        x_BLCv_wo_first_l: (B, ed - first_l, Cvae) teacher-forcing inputs of every scale after the first,
            where ed = L if prog_si < 0 else begin_ends[prog_si][1].
        Returns logits (B, ed, V): start tokens class_emb(label) + pos_start, then word_embed(x); add
        lvl_embed(lvl_1L[:, :ed]) + pos_1LC[:, :ed]; run every block with the condition
        shared_ada_lin(class_emb(label)) and the mask attn_bias_for_masking[:, :, :ed, :ed]; finish with
        get_logits(h, class_emb(label)).
        """
        ...  # TODO: implement

    def extra_repr(self):
        return f'drop_path_rate={self.drop_path_rate:g}'
