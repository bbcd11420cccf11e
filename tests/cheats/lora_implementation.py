"""Cheats for lora_implementation: near-misses of LoraLinear plus generic tricks."""
from tests.cheatlib import Cheat, skip_all_conftest, touching_editable

INIT_STUB = '        raise NotImplementedError("build linear, lora_A, lora_B, rank and alpha here")\n'
FORWARD_STUB = '        raise NotImplementedError("return the base output plus the scaled low-rank update")\n'

GOOD_INIT = '''\
        self.linear = nn.Linear(in_features, out_features, bias=bias, device=device)
        self.linear.weight.requires_grad_(False)
        self.rank = rank
        self.alpha = alpha
        self.lora_A = nn.Parameter(torch.randn(rank, in_features, device=device) / rank ** 0.5)
        self.lora_B = nn.Parameter(torch.zeros(out_features, rank, device=device))
'''
GOOD_FORWARD = '''\
        scale = self.alpha / self.rank
        return self.linear(x) + scale * (x @ self.lora_A.T) @ self.lora_B.T
'''

PATCH = '''\
import pathlib
p = pathlib.Path("lora.py")
s = p.read_text()
for stub, body in {pairs!r}:
    assert stub in s
    s = s.replace(stub, body)
p.write_text(s)
'''


def lora_cheat(name, why, init=GOOD_INIT, forward=GOOD_FORWARD):
    return Cheat(name, PATCH.format(pairs=[(INIT_STUB, init), (FORWARD_STUB, forward)]), lang="python", why=why)


CHEATS = [
    lora_cheat("no-scaling", "tests 3-4: the update is scaled by alpha / rank",
               forward=GOOD_FORWARD.replace("self.alpha / self.rank", "1.0")),
    lora_cheat("alpha-only-scaling", "tests 3-4: the scale divides by the rank",
               forward=GOOD_FORWARD.replace("self.alpha / self.rank", "self.alpha")),
    lora_cheat("trainable-base-weight", "tests 1 and 6: the base weight must be frozen",
               init=GOOD_INIT.replace("        self.linear.weight.requires_grad_(False)\n", "")),
    lora_cheat("square-only-product", "test 3 (non-square sizes): (B A) used with the wrong orientation",
               forward="        return self.linear(x) + (self.alpha / self.rank) * (x @ (self.lora_B @ self.lora_A))\n"),
    lora_cheat("base-output-only", "tests 3 and 5: the low-rank update must be part of the output",
               forward="        return self.linear(x) + 0.0 * self.lora_A.sum() * self.lora_B.sum()\n"),
    lora_cheat("swapped-initialisation", "test 2: A is random and B is zero, not the other way round",
               init=GOOD_INIT.replace("torch.randn(rank, in_features, device=device) / rank ** 0.5",
                                      "torch.zeros(rank, in_features, device=device)")
                             .replace("torch.zeros(out_features, rank, device=device)",
                                      "torch.randn(out_features, rank, device=device)")),
    lora_cheat("constant-output", "reference tests: zeros of the right shape are not the layer's output",
               forward="        return torch.zeros(*x.shape[:-1], self.linear.out_features, device=x.device)\n"),
    lora_cheat("catch-all-exceptions", "reference tests: swallowing the error leaves only the base output",
               forward=("        try:\n"
                        "            return self.linear(x) + x @ self.lora_B @ self.lora_A\n"
                        "        except Exception:\n"
                        "            return self.linear(x)\n")),
    Cheat(
        "conftest-skips-everything",
        skip_all_conftest(),
        why="grader uses --noconftest and its own ini",
    ),
    Cheat(
        "edit-visible-tests",
        "printf 'def test_ok():\\n    assert True\\n' > test_lora.py",
        why="pristine test_lora.py is restored and the file is hash-protected",
    ),
]
CHEATS = touching_editable(CHEATS, "conftest-skips-everything")
