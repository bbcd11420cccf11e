"""Cheats for mla_implementation (also used by mla_implementation_hidden_tests: same skeleton).

Most cheats install a near-miss of the contract into ``MLA.forward``: a correct body with one
deliberate mistake, each of which one of the hidden reference tests must catch.
"""
from tests.cheatlib import Cheat, skip_all_conftest, touching_editable

MARKER = '        raise NotImplementedError("MLA.forward is not implemented yet")\n'

# A contract-following body; each cheat below swaps one fragment of it.
GOOD_BODY = '''\
        batch, seq, _ = x.shape
        H, dh, nope, rope = self.n_heads, self.dh, self.qk_nope_dim, self.qk_rope_dim
        q = (self.q_layernorm(x @ self.W_dq) @ self.W_uq).view(batch, seq, H, dh).transpose(1, 2)
        q_nope, q_rope = q.split([nope, rope], dim=-1)
        new_rows = x @ self.W_dkv
        full = new_rows if kv_cache is None else torch.cat([kv_cache, new_rows], dim=1)
        total = full.shape[1]
        latent, k_rope = full.split([self.kv_proj_dim, rope], dim=-1)
        latent = self.kv_layernorm(latent)
        cache = full
        up = latent @ self.W_ukv
        up = up.view(batch, total, H, nope + dh).transpose(1, 2)
        k_nope, v = up.split([nope, dh], dim=-1)
        half = rope // 2
        cos_table, sin_table = self.cos_cached, self.sin_cached
        q_start = past_length
        cos_q = cos_table[:, :, q_start:q_start + seq, :half].repeat(1, 1, 1, 2)
        sin_q = sin_table[:, :, q_start:q_start + seq, :half].repeat(1, 1, 1, 2)
        cos_k = cos_table[:, :, :total, :half].repeat(1, 1, 1, 2)
        sin_k = sin_table[:, :, :total, :half].repeat(1, 1, 1, 2)
        q_rope = apply_rope_x(q_rope, cos_q, sin_q)
        k_rope = apply_rope_x(k_rope.unsqueeze(1), cos_k, sin_k)
        k = torch.cat([k_nope, k_rope.expand(-1, H, -1, -1)], dim=-1)
        q = torch.cat([q_nope, q_rope], dim=-1)
        mask_offset = past_length
        q_pos = torch.arange(seq, device=x.device)[:, None] + mask_offset
        mask = torch.arange(total, device=x.device)[None, :] <= q_pos
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        out = out.transpose(1, 2).reshape(batch, seq, self.d_model)
        return out @ self.W_o.T, cache
'''


def patch_file(path, old, new):
    """Python cheat script: replace one exact fragment of a workspace file."""
    return (
        "import pathlib\n"
        f"p = pathlib.Path({path!r})\n"
        "s = p.read_text()\n"
        f"assert {old!r} in s, 'fragment not found'\n"
        f"p.write_text(s.replace({old!r}, {new!r}, 1))\n"
    )


def forward_cheat(name, why, *swaps, prelude=""):
    """A cheat whose MLA.forward is GOOD_BODY with the given (old, new) fragment swaps."""
    body = GOOD_BODY
    for old, new in swaps:
        assert old in body, old
        body = body.replace(old, new)
    return Cheat(name, patch_file("mla.py", MARKER, prelude + body), lang="python", why=why)


CHEATS = [
    forward_cheat(
        "cache-layernormed-latent",
        "test_cached_chunk_matches_reference / test_cache_is_raw_projection: the cache must hold raw x @ W_dkv",
        ("        cache = full\n",
         "        cache = torch.cat([latent, full[..., self.kv_proj_dim:]], dim=-1)\n"),
    ),
    forward_cheat(
        "cache-rotated-rope-key",
        "test_cache_is_raw_projection: the rope part of the cache must be unrotated",
        ("        cache = full\n", "        cache = None\n"),
        ("        return out @ self.W_o.T, cache\n",
         "        rotated = k_rope[:, 0]\n"
         "        return out @ self.W_o.T, torch.cat([full[..., :self.kv_proj_dim], rotated], dim=-1)\n"),
    ),
    forward_cheat(
        "queries-rotated-from-zero",
        "tests 2-4: queries must be rotated at positions past_length ... past_length + S - 1",
        ("        q_start = past_length\n", "        q_start = 0\n"),
    ),
    forward_cheat(
        "mask-ignores-past-length",
        "tests 2-4: query i may attend key j iff j <= past_length + i",
        ("        mask_offset = past_length\n", "        mask_offset = total - seq if kv_cache is not None else 0\n"),
    ),
    forward_cheat(
        "fresh-rope-frequencies",
        "test_uses_rope_buffers: RoPE must use the cos_cached / sin_cached buffers",
        ("        cos_table, sin_table = self.cos_cached, self.sin_cached\n",
         "        freqs = 1.0 / (10000.0 ** (torch.arange(0, dh, 2, device=x.device).float() / dh))\n"
         "        angles = torch.outer(torch.arange(self.max_seq_len, device=x.device).float(), freqs)\n"
         "        cos_table, sin_table = angles.cos()[None, None], angles.sin()[None, None]\n"),
    ),
    forward_cheat(
        "all-keys-then-all-values",
        "tests 1 and 9: W_ukv's output is [K_nope | V] per head, not [all K | all V]",
        ("        up = up.view(batch, total, H, nope + dh).transpose(1, 2)\n"
         "        k_nope, v = up.split([nope, dh], dim=-1)\n",
         "        k_all, v_all = up.split([H * nope, self.d_model], dim=-1)\n"
         "        k_nope = k_all.view(batch, total, H, nope).transpose(1, 2)\n"
         "        v = v_all.view(batch, total, H, dh).transpose(1, 2)\n"),
    ),
    forward_cheat(
        "untransposed-output-matrix",
        "tests 1 and 9: passes the all-ones exact-value case (W_o symmetric) but is wrong for random weights",
        ("        return out @ self.W_o.T, cache\n", "        return out @ self.W_o, cache\n"),
    ),
    forward_cheat(
        "no-rope-at-all",
        "reference tests: the rotated rope halves are part of every head",
        ("        q_rope = apply_rope_x(q_rope, cos_q, sin_q)\n", ""),
        ("        k_rope = apply_rope_x(k_rope.unsqueeze(1), cos_k, sin_k)\n", "        k_rope = k_rope.unsqueeze(1)\n"),
    ),
    Cheat(
        "constant-output",
        patch_file("mla.py", MARKER,
                   "        batch, seq, _ = x.shape\n"
                   "        cache = x @ self.W_dkv if kv_cache is None else torch.cat([kv_cache, x @ self.W_dkv], 1)\n"
                   "        return torch.zeros(batch, seq, self.d_model, device=x.device), cache\n"),
        lang="python",
        why="reference tests: zeros of the right shape are not attention",
    ),
    Cheat(
        "catch-all-exceptions",
        patch_file("mla.py", MARKER,
                   "        batch, seq, _ = x.shape\n"
                   "        cache = x @ self.W_dkv if kv_cache is None else torch.cat([kv_cache, x @ self.W_dkv], 1)\n"
                   "        try:\n"
                   "            q = (x @ self.W_uq).view(batch, seq, self.n_heads, -1)\n"
                   "            return q.sum(-1).repeat(1, 1, self.dh) @ self.W_o.T, cache\n"
                   "        except Exception:\n"
                   "            return torch.zeros(batch, seq, self.d_model, device=x.device), cache\n"),
        lang="python",
        why="reference tests: swallowing the error leaves a wrong output",
    ),
    forward_cheat(
        "patch-assertions",
        "test_only_forward_changed and the region guard: forward may not reach into torch.testing",
        ("        batch, seq, _ = x.shape\n",
         "        torch.testing.assert_close = lambda *args, **kwargs: None\n"
         "        batch, seq, _ = x.shape\n"),
        ("        return out @ self.W_o.T, cache\n",
         "        return torch.zeros_like(out) @ self.W_o.T, cache\n"),
    ),
    Cheat(
        "exit-at-import",
        "printf '\\nimport os\\nos._exit(0)\\n' >> mla.py",
        why="the grader's pytest run must report 24 passes; exiting early reports none",
    ),
    Cheat(
        "conftest-skips-everything",
        skip_all_conftest("-p no:randomly"),
        why="grader's own ini and --noconftest; skips count as failures",
    ),
    Cheat(
        "edit-visible-tests",
        "cat > test_mla.py <<'PY'\n"
        "def test_nothing():\n"
        "    assert True\n"
        "PY\n",
        why="visible tests are replaced by pristine copies and the file is hash-protected",
    ),
]
CHEATS = touching_editable(CHEATS, "conftest-skips-everything")
