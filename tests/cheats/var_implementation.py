"""Cheats for var_implementation.

Most cheats fill the two open methods of var.py with code that is right except for one thing a specific
hidden test must catch; the rest attack the grading itself.
"""
from tests.cheatlib import Cheat, skip_all_conftest, touching_editable

INFER_TODO = "        ...  # TODO: implement the scale-by-scale generation described above\n"
FORWARD_TODO = "        ...  # TODO: implement\n"

# A correct pair of method bodies; each cheat below changes one thing.
FORWARD = '''
        ed = self.begin_ends[self.prog_si][1] if self.prog_si >= 0 else self.L
        B = x_BLCv_wo_first_l.shape[0]
        label_B = torch.where(torch.rand(B) < self.cond_drop_rate, self.num_classes, label_B)
        cond = self.class_emb(label_B)
        x = cond.unsqueeze(1).expand(B, self.first_l, -1) + self.pos_start
        if ed > self.first_l:
            x = torch.cat((x, self.word_embed(x_BLCv_wo_first_l)), dim=1)
        x = x + self.lvl_embed(self.lvl_1L[:, :ed].expand(B, -1)) + self.pos_1LC[:, :ed]
        ada = self.shared_ada_lin(cond)
        for b in self.blocks:
            x = b(x=x, cond_BD=ada, attn_bias=self.attn_bias_for_masking[:, :, :ed, :ed])
        return self.get_logits(x, cond)
'''

INFER = '''
        cond = self.class_emb(torch.cat((label_B, torch.full_like(label_B, self.num_classes))))
        ada = self.shared_ada_lin(cond)
        extra = self.lvl_embed(self.lvl_1L) + self.pos_1LC
        x = cond.unsqueeze(1).expand(2 * B, self.first_l, -1) + self.pos_start + extra[:, :self.first_l]
        quant = self.vae_quant_proxy[0]
        f_hat = cond.new_zeros(B, self.Cvae, self.patch_nums[-1], self.patch_nums[-1])
        SN = len(self.patch_nums)
        for b in self.blocks:
            b.attn.kv_caching(True)
        cur = 0
        for si, pn in enumerate(self.patch_nums):
            cur += pn * pn
            h = x
            for b in self.blocks:
                h = b(x=h, cond_BD=ada, attn_bias=None)
            logits = self.get_logits(h, cond)
            t = cfg * si / (SN - 1)
            logits = (1 + t) * logits[:B] - t * logits[B:]
            if more_smooth:
                w = gumbel_softmax_with_rng(logits.mul(1 + si / (SN - 1)), tau=0.1, hard=False, dim=-1, rng=rng)
                codes = w @ quant.embedding.weight.unsqueeze(0)
            else:
                idx = sample_with_top_k_top_p_(logits, rng=rng, top_k=top_k, top_p=top_p, num_samples=1)[:, :, 0]
                codes = quant.embedding(idx)
            f_hat, nxt = quant.get_next_autoregressive_input(si, SN, f_hat, codes.transpose(1, 2).reshape(B, self.Cvae, pn, pn))
            if si < SN - 1:
                nl = self.patch_nums[si + 1] ** 2
                x = (self.word_embed(nxt.view(B, self.Cvae, -1).transpose(1, 2)) + extra[:, cur:cur + nl]).repeat(2, 1, 1)
        for b in self.blocks:
            b.attn.kv_caching(False)
        return self.vae_proxy[0].fhat_to_img(f_hat).add_(1).mul_(0.5)
'''

# whole-prefix recomputation without the cache: right images, wrong protocol
INFER_NO_CACHE = '''
        cond = self.class_emb(torch.cat((label_B, torch.full_like(label_B, self.num_classes))))
        ada = self.shared_ada_lin(cond)
        extra = self.lvl_embed(self.lvl_1L) + self.pos_1LC
        seq = cond.unsqueeze(1).expand(2 * B, self.first_l, -1) + self.pos_start + extra[:, :self.first_l]
        quant = self.vae_quant_proxy[0]
        f_hat = cond.new_zeros(B, self.Cvae, self.patch_nums[-1], self.patch_nums[-1])
        SN = len(self.patch_nums)
        for si, pn in enumerate(self.patch_nums):
            bg, ed = self.begin_ends[si]
            h = seq
            for b in self.blocks:
                h = b(x=h, cond_BD=ada, attn_bias=self.attn_bias_for_masking[:, :, :ed, :ed])
            logits = self.get_logits(h[:, bg:ed], cond)
            t = cfg * si / (SN - 1)
            logits = (1 + t) * logits[:B] - t * logits[B:]
            idx = sample_with_top_k_top_p_(logits, rng=rng, top_k=top_k, top_p=top_p, num_samples=1)[:, :, 0]
            codes = quant.embedding(idx)
            f_hat, nxt = quant.get_next_autoregressive_input(si, SN, f_hat, codes.transpose(1, 2).reshape(B, self.Cvae, pn, pn))
            if si < SN - 1:
                nl = self.patch_nums[si + 1] ** 2
                nxt = (self.word_embed(nxt.view(B, self.Cvae, -1).transpose(1, 2)) + extra[:, ed:ed + nl]).repeat(2, 1, 1)
                seq = torch.cat((seq, nxt), dim=1)
        return self.vae_proxy[0].fhat_to_img(f_hat).add_(1).mul_(0.5)
'''

RANDOM_FORWARD = '''
        ed = self.begin_ends[self.prog_si][1] if self.prog_si >= 0 else self.L
        self.class_emb(label_B)
        return torch.randn(x_BLCv_wo_first_l.shape[0], ed, self.V)
'''

RANDOM_INFER = '''
        side = self.patch_nums[-1] * self.vae_proxy[0].downsample
        return torch.rand(B, 3, side, side, generator=rng)
'''

CATCH_ALL_FORWARD = '''
        ed = self.begin_ends[self.prog_si][1] if self.prog_si >= 0 else self.L
        self.class_emb(label_B)
        try:
            x = self.word_embed(x_BLCv_wo_first_l.transpose(1, 2))
            return self.get_logits(x, label_B)
        except Exception:
            return torch.zeros(x_BLCv_wo_first_l.shape[0], ed, self.V)
'''

CATCH_ALL_INFER = '''
        try:
            return self.vae_proxy[0].fhat_to_img(self.class_emb(label_B)).add_(1).mul_(0.5)
        except Exception:
            side = self.patch_nums[-1] * self.vae_proxy[0].downsample
            return torch.full((B, 3, side, side), 0.5) + 0.1 * torch.rand(B, 3, side, side)
'''


def fill(forward=FORWARD, infer=INFER, append="", prelude=""):
    """A python cheat script that writes the two method bodies (and trailing module code) into var.py."""
    return (prelude + "\nsrc = open('var.py').read()\n"
            f"assert {INFER_TODO!r} in src and {FORWARD_TODO!r} in src\n"
            f"src = src.replace({INFER_TODO!r}, {infer.lstrip(chr(10))!r})\n"
            f"src = src.replace({FORWARD_TODO!r}, {forward.lstrip(chr(10))!r})\n"
            f"open('var.py', 'w').write(src + {append!r})\n")


def variant(text, old, new):
    assert old in text, old
    return text.replace(old, new)


FAKE_VISIBLE_TEST = '''
cat > test_var.py <<'EOF'
def test_forward_method():
    pass

def test_autoregressive_infer_cfg():
    pass

def test_error_cases():
    pass
EOF
'''

HELPER_IN_GIVEN_FILE = '''
import os
open("{module}.py", "a").write("""

def run_var_blocks(var, x, cond, bias):
    for b in var.blocks:
        x = b(x=x, cond_BD=cond, attn_bias=bias)
    return x
""")
'''

CHEATS = [
    Cheat("conftest-skip", skip_all_conftest(),
          why="grader runs with --noconftest and its own -c ini; the skeleton still returns None"),
    Cheat("edit-visible-test", FAKE_VISIBLE_TEST,
          why="the pristine visible test and the hidden tests run; the skeleton still returns None"),
    Cheat("random-outputs", fill(RANDOM_FORWARD, RANDOM_INFER), lang="python",
          why="shape-correct random logits and torch.rand images: hidden tests 2, 6 and visible rows-differ"),
    Cheat("pre-head-features", fill(variant(FORWARD, "return self.get_logits(x, cond)", "return x")), lang="python",
          why="returns hidden states (B, L, C) instead of logits: visible test 1, hidden tests 1-2"),
    Cheat("catch-all-exceptions", fill(CATCH_ALL_FORWARD, CATCH_ALL_INFER), lang="python",
          why="broken code behind `except Exception` returning placeholders: hidden tests 2-4, 6"),
    Cheat("no-guidance", fill(infer=variant(INFER, "t = cfg * si / (SN - 1)", "t = 0")), lang="python",
          why="generation ignores cfg: hidden test 6"),
    Cheat("constant-guidance", fill(infer=variant(INFER, "t = cfg * si / (SN - 1)", "t = cfg")), lang="python",
          why="guidance strength not ramped with the stage: hidden test 6"),
    Cheat("no-kv-cache", fill(infer=INFER_NO_CACHE), lang="python",
          why="recomputes the whole prefix each stage (right images): hidden test 7"),
    Cheat("cache-left-on", fill(infer=variant(INFER, "        for b in self.blocks:\n            b.attn.kv_caching(False)\n", "")),
          lang="python", why="KV cache never turned off: hidden test 7"),
    Cheat("ed-from-input-length", fill(forward=variant(
        FORWARD, "ed = self.begin_ends[self.prog_si][1] if self.prog_si >= 0 else self.L",
        "ed = self.first_l + x_BLCv_wo_first_l.shape[1]")), lang="python",
        why="ignores prog_si, so an invalid stage does not raise: visible error test, hidden test 5"),
    Cheat("unfreeze-vae", fill(infer=variant(INFER, "        quant = self.vae_quant_proxy[0]\n",
                                             "        self.vae_proxy[0].requires_grad_(True)\n"
                                             "        quant = self.vae_quant_proxy[0]\n")), lang="python",
          why="un-freezes the VQ-VAE during generation: hidden test 9"),
    Cheat("monkeypatch-given-method", fill(append=(
        "\n\ndef _logits_no_norm(self, h, cond_BD):\n    return self.head(h)\n\n\n"
        "VAR.get_logits = _logits_no_norm\n")), lang="python",
        why="module-level rebinding of a given method: hidden tests 2, 6 and 10"),
    Cheat("helper-in-helpers", fill(
        forward=variant(FORWARD, "        for b in self.blocks:\n            x = b(x=x, cond_BD=ada, attn_bias=self.attn_bias_for_masking[:, :, :ed, :ed])\n",
                        "        from helpers import run_var_blocks\n"
                        "        x = run_var_blocks(self, x, ada, self.attn_bias_for_masking[:, :, :ed, :ed])\n"),
        prelude=HELPER_IN_GIVEN_FILE.replace("{module}", "helpers")), lang="python",
        why="relies on an edited helpers.py; grading restores the pristine copy, so the import fails"),
    Cheat("helper-in-basic-var", fill(
        forward=variant(FORWARD, "        for b in self.blocks:\n            x = b(x=x, cond_BD=ada, attn_bias=self.attn_bias_for_masking[:, :, :ed, :ed])\n",
                        "        from basic_var import run_var_blocks\n"
                        "        x = run_var_blocks(self, x, ada, self.attn_bias_for_masking[:, :, :ed, :ed])\n"),
        prelude=HELPER_IN_GIVEN_FILE.replace("{module}", "basic_var")), lang="python",
        why="relies on an edited basic_var.py; grading restores the pristine copy, so the import fails"),
    Cheat("exit-at-import", fill(append="\nimport os\nos._exit(0)\n"), lang="python",
          why="the test process exits 0 during collection; no JUnit passes are recorded"),
]
CHEATS = touching_editable(CHEATS, "conftest-skip")
