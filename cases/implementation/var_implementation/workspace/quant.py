"""Multi-scale residual vector quantiser of the VAR VQ-VAE.

A feature map f is quantised coarse-to-fine: at scale k the residual f - f_hat is downsampled to pn_k x pn_k,
snapped to the nearest codebook vectors, upsampled back, refined by a small convolution (`quant_resi`)
and added to f_hat.
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["VectorQuantizer2"]


class Phi(nn.Conv2d):
    """3x3 convolution mixed with its input: h * (1 - r) + conv(h) * r, r = |quant_resi|."""

    def __init__(self, embed_dim, quant_resi):
        ks = 3
        super().__init__(in_channels=embed_dim, out_channels=embed_dim, kernel_size=ks, stride=1, padding=ks // 2)
        self.resi_ratio = abs(quant_resi)

    def forward(self, h_BChw):
        return h_BChw.mul(1 - self.resi_ratio) + super().forward(h_BChw).mul_(self.resi_ratio)


class PhiShared(nn.Module):
    """One Phi used at every scale."""

    def __init__(self, qresi: Phi):
        super().__init__()
        self.qresi = qresi

    def __getitem__(self, _) -> Phi:
        return self.qresi


class PhiPartiallyShared(nn.Module):
    """K Phi's; scale ratio t in [0, 1] selects the one whose tick is nearest to t."""

    def __init__(self, qresi_ls: nn.ModuleList):
        super().__init__()
        self.qresi_ls = qresi_ls
        K = len(qresi_ls)
        self.ticks = np.linspace(1 / 3 / K, 1 - 1 / 3 / K, K) if K == 4 else np.linspace(1 / 2 / K, 1 - 1 / 2 / K, K)

    def __getitem__(self, at_from_0_to_1: float) -> Phi:
        return self.qresi_ls[int(np.argmin(np.abs(self.ticks - at_from_0_to_1)))]

    def extra_repr(self) -> str:
        return f"ticks={self.ticks}"


class PhiNonShared(nn.ModuleList):
    """One Phi per scale; scale ratio t in [0, 1] selects the nearest."""

    def __init__(self, qresi: List):
        super().__init__(qresi)
        K = len(qresi)
        self.ticks = np.linspace(1 / 3 / K, 1 - 1 / 3 / K, K) if K == 4 else np.linspace(1 / 2 / K, 1 - 1 / 2 / K, K)

    def __getitem__(self, at_from_0_to_1: float) -> Phi:
        return super().__getitem__(int(np.argmin(np.abs(self.ticks - at_from_0_to_1))))

    def extra_repr(self) -> str:
        return f"ticks={self.ticks}"


class VectorQuantizer2(nn.Module):
    """Codebook `embedding` (vocab_size x Cvae) plus the per-scale refinement convolutions `quant_resi`."""

    def __init__(self, vocab_size, Cvae, using_znorm, beta: float = 0.25, default_qresi_counts=0,
                 v_patch_nums=None, quant_resi=0.5, share_quant_resi=4):
        super().__init__()
        self.vocab_size: int = vocab_size
        self.Cvae: int = Cvae
        self.using_znorm: bool = using_znorm
        self.v_patch_nums: Tuple[int] = v_patch_nums

        self.quant_resi_ratio = quant_resi
        if share_quant_resi == 0:
            count = default_qresi_counts or len(self.v_patch_nums)
            self.quant_resi = PhiNonShared([Phi(Cvae, quant_resi) if abs(quant_resi) > 1e-6 else nn.Identity()
                                            for _ in range(count)])
        elif share_quant_resi == 1:
            self.quant_resi = PhiShared(Phi(Cvae, quant_resi) if abs(quant_resi) > 1e-6 else nn.Identity())
        else:
            self.quant_resi = PhiPartiallyShared(nn.ModuleList([
                Phi(Cvae, quant_resi) if abs(quant_resi) > 1e-6 else nn.Identity() for _ in range(share_quant_resi)
            ]))

        self.register_buffer("ema_vocab_hit_SV", torch.full((len(self.v_patch_nums), self.vocab_size), 0.0))
        self.record_hit = 0
        self.beta: float = beta
        self.embedding = nn.Embedding(self.vocab_size, self.Cvae)

    def eini(self, eini):
        """Initialise the codebook: eini > 0 truncated normal with that std, eini < 0 uniform +-|eini|/V."""
        if eini > 0:
            nn.init.trunc_normal_(self.embedding.weight.data, std=eini)
        elif eini < 0:
            self.embedding.weight.data.uniform_(-abs(eini) / self.vocab_size, abs(eini) / self.vocab_size)

    def extra_repr(self) -> str:
        return f"{self.v_patch_nums}, znorm={self.using_znorm}, beta={self.beta}"

    def _nearest(self, rest_NC: torch.Tensor) -> torch.Tensor:
        """Index of the nearest codebook vector (cosine when using_znorm, else Euclidean) for every row."""
        if self.using_znorm:
            rest_NC = F.normalize(rest_NC, dim=-1)
            return torch.argmax(rest_NC @ F.normalize(self.embedding.weight.data.T, dim=0), dim=1)
        d = rest_NC.pow(2).sum(dim=1, keepdim=True) + self.embedding.weight.data.pow(2).sum(dim=1)
        d = d - 2 * rest_NC @ self.embedding.weight.data.T
        return torch.argmin(d, dim=1)

    def forward(self, f_BChw: torch.Tensor, ret_usages=False):
        """Quantise all scales; returns (f_hat with straight-through gradient, usages or None, VQ loss)."""
        dtype = f_BChw.dtype
        if dtype != torch.float32:
            f_BChw = f_BChw.float()
        B, C, H, W = f_BChw.shape
        f_no_grad = f_BChw.detach()
        f_rest = f_no_grad.clone()
        f_hat = torch.zeros_like(f_rest)
        mean_vq_loss = 0.0
        SN = len(self.v_patch_nums)
        for si, pn in enumerate(self.v_patch_nums):
            rest = F.interpolate(f_rest, size=(pn, pn), mode="area") if si != SN - 1 else f_rest
            idx_N = self._nearest(rest.permute(0, 2, 3, 1).reshape(-1, C))
            idx_Bhw = idx_N.view(B, pn, pn)
            h_BChw = self.embedding(idx_Bhw).permute(0, 3, 1, 2).contiguous()
            if si != SN - 1:
                h_BChw = F.interpolate(h_BChw, size=(H, W), mode="bicubic")
            h_BChw = self.quant_resi[si / (SN - 1)](h_BChw)
            f_hat = f_hat + h_BChw
            f_rest = f_rest - h_BChw
            mean_vq_loss += F.mse_loss(f_hat.data, f_BChw).mul_(self.beta) + F.mse_loss(f_hat, f_no_grad)
        mean_vq_loss *= 1.0 / SN
        f_hat = (f_hat.data - f_no_grad).add_(f_BChw)
        usages = None
        if ret_usages:
            usages = [(self.ema_vocab_hit_SV[si] >= self.ema_vocab_hit_SV[si].mean() * 0.01).float().mean().item()
                      * 100 for si in range(SN)]
        return f_hat.to(dtype), usages, mean_vq_loss

    def embed_to_fhat(self, ms_h_BChw: List[torch.Tensor], all_to_max_scale=True, last_one=False):
        """Sum per-scale code maps (each upsampled to the largest scale and refined) into f_hat."""
        ls_f_hat = []
        B = ms_h_BChw[0].shape[0]
        H = W = self.v_patch_nums[-1]
        SN = len(self.v_patch_nums)
        f_hat = ms_h_BChw[0].new_zeros(B, self.Cvae, H, W, dtype=torch.float32)
        for si, pn in enumerate(self.v_patch_nums):
            h_BChw = ms_h_BChw[si]
            if si < SN - 1:
                h_BChw = F.interpolate(h_BChw, size=(H, W), mode="bicubic")
            f_hat = f_hat + self.quant_resi[si / (SN - 1)](h_BChw)
            ls_f_hat.append(f_hat.clone())
        return ls_f_hat[-1] if last_one else ls_f_hat

    def f_to_idxBl_or_fhat(self, f_BChw: torch.Tensor, to_fhat: bool,
                           v_patch_nums: Optional[Sequence[Union[int, Tuple[int, int]]]] = None):
        """Token ids per scale, each (B, pn*pn) (or the running f_hat per scale when to_fhat)."""
        B, C, H, W = f_BChw.shape
        f_no_grad = f_BChw.detach()
        f_rest = f_no_grad.clone()
        f_hat = torch.zeros_like(f_rest)
        out = []
        patch_hws = [(pn, pn) if isinstance(pn, int) else (pn[0], pn[1]) for pn in (v_patch_nums or self.v_patch_nums)]
        SN = len(patch_hws)
        for si, (ph, pw) in enumerate(patch_hws):
            rest = F.interpolate(f_rest, size=(ph, pw), mode="area") if si != SN - 1 else f_rest
            idx_N = self._nearest(rest.permute(0, 2, 3, 1).reshape(-1, C))
            idx_Bhw = idx_N.view(B, ph, pw)
            h_BChw = self.embedding(idx_Bhw).permute(0, 3, 1, 2).contiguous()
            if si != SN - 1:
                h_BChw = F.interpolate(h_BChw, size=(H, W), mode="bicubic")
            h_BChw = self.quant_resi[si / (SN - 1)](h_BChw)
            f_hat.add_(h_BChw)
            f_rest.sub_(h_BChw)
            out.append(f_hat.clone() if to_fhat else idx_N.reshape(B, ph * pw))
        return out

    def idxBl_to_var_input(self, gt_ms_idx_Bl: List[torch.Tensor]) -> torch.Tensor:
        """Teacher-forcing input of VAR: for scales 1.., the running f_hat downsampled to that scale.

        Returns (B, L - first_l, Cvae).
        """
        next_scales = []
        B = gt_ms_idx_Bl[0].shape[0]
        C = self.Cvae
        H = W = self.v_patch_nums[-1]
        SN = len(self.v_patch_nums)
        f_hat = gt_ms_idx_Bl[0].new_zeros(B, C, H, W, dtype=torch.float32)
        pn_next = self.v_patch_nums[0]
        for si in range(SN - 1):
            h_BChw = self.embedding(gt_ms_idx_Bl[si]).transpose(1, 2).view(B, C, pn_next, pn_next)
            f_hat.add_(self.quant_resi[si / (SN - 1)](F.interpolate(h_BChw, size=(H, W), mode="bicubic")))
            pn_next = self.v_patch_nums[si + 1]
            next_scales.append(F.interpolate(f_hat, size=(pn_next, pn_next), mode="area").view(B, C, -1).transpose(1, 2))
        return torch.cat(next_scales, dim=1) if len(next_scales) else None

    def get_next_autoregressive_input(self, si: int, SN: int, f_hat: torch.Tensor,
                                      h_BChw: torch.Tensor) -> Tuple[Optional[torch.Tensor], torch.Tensor]:
        """Add the codes of scale `si` (B, Cvae, pn, pn) to f_hat (in place).

        Returns (f_hat, next_map): next_map is f_hat downsampled to scale si + 1, or f_hat itself at the last
        scale.
        """
        HW = self.v_patch_nums[-1]
        if si != SN - 1:
            h = self.quant_resi[si / (SN - 1)](F.interpolate(h_BChw, size=(HW, HW), mode="bicubic"))
            f_hat.add_(h)
            return f_hat, F.interpolate(f_hat, size=(self.v_patch_nums[si + 1], self.v_patch_nums[si + 1]),
                                        mode="area")
        h = self.quant_resi[si / (SN - 1)](h_BChw)
        f_hat.add_(h)
        return f_hat, f_hat
