"""Sampling and regularisation helpers used by VAR."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def sample_with_top_k_top_p_(logits_BlV: torch.Tensor, top_k: int = 0, top_p: float = 0.0, rng=None,
                             num_samples: int = 1) -> torch.Tensor:
    """Sample token ids from logits (B, l, V) after top-k / nucleus filtering; returns (B, l, num_samples).

    The filtering edits `logits_BlV` in place (hence the trailing underscore). A negative `num_samples`
    samples without replacement. `rng` is an optional torch.Generator.
    """
    B, l, V = logits_BlV.shape
    if top_k > 0:
        kth_largest = logits_BlV.topk(min(top_k, V), dim=-1, largest=True, sorted=False)[0].amin(dim=-1, keepdim=True)
        logits_BlV.masked_fill_(logits_BlV < kth_largest, float("-inf"))
    if top_p > 0:
        ascending, order = logits_BlV.sort(dim=-1, descending=False)
        cumulative = ascending.softmax(dim=-1).cumsum(dim=-1)
        drop_sorted = cumulative <= (1 - top_p)
        drop_sorted[..., -1:] = False  # always keep the most likely token
        drop = torch.zeros_like(drop_sorted).scatter_(-1, order, drop_sorted)
        logits_BlV.masked_fill_(drop, float("-inf"))
    replacement = num_samples >= 0
    probs = logits_BlV.softmax(dim=-1).view(-1, V)
    picked = torch.multinomial(probs, num_samples=abs(num_samples), replacement=replacement, generator=rng)
    return picked.view(B, l, abs(num_samples))


def gumbel_softmax_with_rng(logits: torch.Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                            dim: int = -1, rng=None) -> torch.Tensor:
    """Gumbel-softmax like `F.gumbel_softmax`, drawing the noise from the generator `rng` when given."""
    if rng is None:
        return F.gumbel_softmax(logits=logits, tau=tau, hard=hard, eps=eps, dim=dim)
    noise = torch.empty_like(logits, memory_format=torch.legacy_contiguous_format)
    gumbels = -noise.exponential_(generator=rng).log()
    soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return soft
    index = soft.max(dim, keepdim=True)[1]
    one_hot = torch.zeros_like(logits, memory_format=torch.legacy_contiguous_format).scatter_(dim, index, 1.0)
    return one_hot - soft.detach() + soft


def drop_path(x, drop_prob: float = 0.0, training: bool = False, scale_by_keep: bool = True):
    """Stochastic depth: zero whole samples of a residual branch with probability `drop_prob`."""
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1 - drop_prob
    mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep_prob)
    if keep_prob > 0.0 and scale_by_keep:
        mask.div_(keep_prob)
    return x * mask


class DropPath(nn.Module):
    """Module wrapper around `drop_path`."""

    def __init__(self, drop_prob: float = 0.0, scale_by_keep: bool = True):
        super().__init__()
        self.drop_prob = drop_prob
        self.scale_by_keep = scale_by_keep

    def forward(self, x):
        return drop_path(x, self.drop_prob, self.training, self.scale_by_keep)

    def extra_repr(self):
        return f"drop_prob={self.drop_prob:.3f}"
