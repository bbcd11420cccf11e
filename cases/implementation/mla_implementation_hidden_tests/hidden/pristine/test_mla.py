"""Sample tests for MLA (run with `pytest test_mla.py` or `python test_mla.py`).

The grader runs more tests than these; see the task description for what they cover.
"""
import sys

import pytest
import torch

from mla import MLA

D_MODEL, N_HEADS = 64, 4


def test_output_and_cache_shapes():
    torch.manual_seed(0)
    model = MLA(D_MODEL, N_HEADS)
    out, cache = model(torch.randn(2, 10, D_MODEL))
    assert out.shape == (2, 10, D_MODEL)
    assert cache.shape == (2, 10, model.kv_proj_dim + model.qk_rope_dim)


def test_dimension_ratios():
    model = MLA(D_MODEL, N_HEADS)
    assert model.dh == D_MODEL // N_HEADS
    assert model.q_proj_dim == D_MODEL // 2
    assert model.kv_proj_dim == (2 * D_MODEL) // 3
    assert model.qk_nope_dim == model.dh // 2
    assert model.qk_rope_dim == model.dh // 2


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
