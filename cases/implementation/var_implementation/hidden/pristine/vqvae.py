"""VQ-VAE with a multi-scale residual quantiser; VAR generates its token maps and decodes them with it."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from basic_vae import Decoder, Encoder
from quant import VectorQuantizer2


class VQVAE(nn.Module):
    """Encoder -> quant_conv -> VectorQuantizer2 -> post_quant_conv -> Decoder (16x down/upsampling)."""

    def __init__(self, vocab_size=4096, z_channels=32, ch=128, dropout=0.0, beta=0.25, using_znorm=False,
                 quant_conv_ks=3, quant_resi=0.5, share_quant_resi=4, default_qresi_counts=0,
                 v_patch_nums=(1, 2, 3, 4, 5, 6, 8, 10, 13, 16), test_mode=True):
        super().__init__()
        self.test_mode = test_mode
        self.V, self.Cvae = vocab_size, z_channels
        ddconfig = dict(dropout=dropout, ch=ch, z_channels=z_channels, in_channels=3, ch_mult=(1, 1, 2, 2, 4),
                        num_res_blocks=2, using_sa=True, using_mid_sa=True)
        self.encoder = Encoder(double_z=False, **ddconfig)
        self.decoder = Decoder(**ddconfig)

        self.vocab_size = vocab_size
        self.downsample = 2 ** (len(ddconfig["ch_mult"]) - 1)
        self.quantize: VectorQuantizer2 = VectorQuantizer2(
            vocab_size=vocab_size, Cvae=self.Cvae, using_znorm=using_znorm, beta=beta,
            default_qresi_counts=default_qresi_counts, v_patch_nums=v_patch_nums, quant_resi=quant_resi,
            share_quant_resi=share_quant_resi,
        )
        self.quant_conv = nn.Conv2d(self.Cvae, self.Cvae, quant_conv_ks, stride=1, padding=quant_conv_ks // 2)
        self.post_quant_conv = nn.Conv2d(self.Cvae, self.Cvae, quant_conv_ks, stride=1, padding=quant_conv_ks // 2)

        if self.test_mode:
            self.eval()
            for p in self.parameters():
                p.requires_grad_(False)

    def forward(self, inp, ret_usages=False):
        """Reconstruct `inp` in [-1, 1]; returns (reconstruction, usages, vq_loss)."""
        f_hat, usages, vq_loss = self.quantize(self.quant_conv(self.encoder(inp)), ret_usages=ret_usages)
        return self.decoder(self.post_quant_conv(f_hat)), usages, vq_loss

    def fhat_to_img(self, f_hat: torch.Tensor):
        """Decode a latent (B, Cvae, h, w) to an image (B, 3, 16h, 16w) clamped to [-1, 1]."""
        return self.decoder(self.post_quant_conv(f_hat)).clamp_(-1, 1)

    def img_to_idxBl(self, inp_img_no_grad: torch.Tensor,
                     v_patch_nums: Optional[Sequence[Union[int, Tuple[int, int]]]] = None) -> List[torch.LongTensor]:
        """Token ids of every scale, each (B, pn*pn), for images in [-1, 1]."""
        f = self.quant_conv(self.encoder(inp_img_no_grad))
        return self.quantize.f_to_idxBl_or_fhat(f, to_fhat=False, v_patch_nums=v_patch_nums)

    def idxBl_to_img(self, ms_idx_Bl: List[torch.Tensor], same_shape: bool, last_one=False):
        """Decode per-scale token ids to images in [-1, 1] (all scales, or only the last)."""
        B = ms_idx_Bl[0].shape[0]
        ms_h_BChw = []
        for idx_Bl in ms_idx_Bl:
            pn = round(idx_Bl.shape[1] ** 0.5)
            ms_h_BChw.append(self.quantize.embedding(idx_Bl).transpose(1, 2).view(B, self.Cvae, pn, pn))
        return self.embed_to_img(ms_h_BChw, all_to_max_scale=same_shape, last_one=last_one)

    def embed_to_img(self, ms_h_BChw: List[torch.Tensor], all_to_max_scale: bool, last_one=False):
        f_hats = self.quantize.embed_to_fhat(ms_h_BChw, all_to_max_scale=all_to_max_scale, last_one=last_one)
        if last_one:
            return self.fhat_to_img(f_hats)
        return [self.fhat_to_img(f_hat) for f_hat in f_hats]

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Load weights; a checkpoint's usage statistics buffer may have another number of scales."""
        key = "quantize.ema_vocab_hit_SV"
        if key in state_dict and state_dict[key].shape[0] != self.quantize.ema_vocab_hit_SV.shape[0]:
            state_dict[key] = self.quantize.ema_vocab_hit_SV
        return super().load_state_dict(state_dict=state_dict, strict=strict, assign=assign)
