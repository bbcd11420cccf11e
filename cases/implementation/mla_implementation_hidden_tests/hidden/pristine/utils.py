"""Rotary position embedding helpers shared by the attention modules."""
import torch


def rotate_half(x):
    """Split the last dimension into halves [x1, x2] and return [-x2, x1]."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rope_x(x, cos, sin):
    """Rotate one tensor: x * cos + rotate_half(x) * sin (cos/sin broadcast against x)."""
    return x * cos + rotate_half(x) * sin


def apply_rope(q, k, cos, sin):
    """Rotate queries and keys with the same cos/sin tables."""
    return apply_rope_x(q, cos, sin), apply_rope_x(k, cos, sin)
