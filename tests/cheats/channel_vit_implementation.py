"""Cheats for the ChannelViT tasks (shared by channel_vit_implementation, _easy and _no_test).

Most cheats splice near-correct code into the two open regions of channel_vit.py, each wrong in one way
that a specific hidden test must catch; the rest attack the grading itself.
"""
from tests.cheatlib import Cheat, skip_all_conftest, touching_editable

# A correct implementation; the cheats below each change one thing in it.
PATCH_EMBED = '''
class PatchEmbedPerChannel(nn.Module):
    def __init__(self, img_size: int = 224, patch_size: int = 16, in_chans: int = 3, embed_dim: int = 768):
        super().__init__()
        self.img_size, self.patch_size, self.in_chans = img_size, patch_size, in_chans
        self.num_patches = (img_size // patch_size) ** 2 * in_chans
        self.proj = nn.Conv2d(1, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.channel_embed = nn.Parameter(0.02 * torch.randn(1, in_chans, embed_dim))

    def forward(self, x, current_channel_indices=None):
        B, C, H, W = x.shape
        ids = torch.arange(C).expand(B, C) if current_channel_indices is None else current_channel_indices
        t = self.proj(x.reshape(B * C, 1, H, W)).flatten(2).transpose(1, 2)
        t = t.reshape(B, C, -1, t.shape[-1]) + self.channel_embed[0][ids].unsqueeze(2)
        return t.flatten(1, 2)
'''

PREPARE = '''
def prepare_tokens(self, x, current_channel_indices=None):
    B, C = x.shape[:2]
    t = self.patch_embed(x, current_channel_indices) + self.pos_embed[:, 1:].repeat(1, C, 1)
    cls = (self.cls_token + self.pos_embed[:, :1]).expand(B, -1, -1)
    return self.pos_drop(torch.cat((cls, t), dim=1))
'''

SPLICE = '''
import ast, pathlib, textwrap
PATCH_EMBED = {patch!r}
PREPARE = {prepare!r}
APPEND = {append!r}
path = pathlib.Path("channel_vit.py")
lines = path.read_text().splitlines()
edits = []
for node in ast.parse("\\n".join(lines)).body:
    if isinstance(node, ast.ClassDef) and node.name == "PatchEmbedPerChannel":
        edits.append((node.lineno, node.end_lineno, PATCH_EMBED.strip("\\n")))
    if isinstance(node, ast.ClassDef) and node.name == "ChannelViT":
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "prepare_tokens":
                edits.append((item.lineno, item.end_lineno, textwrap.indent(PREPARE.strip("\\n"), "    ")))
for first, last, text in sorted(edits, reverse=True):
    lines[first - 1:last] = text.splitlines()
path.write_text("\\n".join(lines) + "\\n" + APPEND)
'''


def splice(patch=PATCH_EMBED, prepare=PREPARE, append=""):
    """A python cheat script writing the given regions (and trailing module code) into channel_vit.py."""
    return SPLICE.format(patch=patch, prepare=prepare, append=append)


def variant(text, old, new):
    assert old in text, old
    return text.replace(old, new)


CONSTANT_TOKENS = '''
def prepare_tokens(self, x, current_channel_indices=None):
    B, C = x.shape[:2]
    n = self.pos_embed.shape[1] - 1
    return torch.zeros(B, 1 + C * n, self.embed_dim) + 0 * self.pos_embed.sum() + 0 * self.cls_token.sum()
'''

CATCH_ALL = '''
def prepare_tokens(self, x, current_channel_indices=None):
    B, C = x.shape[:2]
    try:
        return self.patch_embed(x.transpose(1, 2), current_channel_indices.T)
    except Exception:
        return torch.zeros(B, 1 + C * (self.pos_embed.shape[1] - 1), self.embed_dim, requires_grad=True)
'''

FAKE_VISIBLE_TEST = '''
cat > test_channel_vit.py <<'EOF'
def test_parameter_counts():
    pass

def test_all_channels_without_indices():
    pass

def test_channel_subsets_with_indices():
    pass

def test_cls_and_position_layout():
    pass

def test_channel_embedding_follows_indices():
    pass
EOF
'''

HIDE_IN_VIT = '''
cat >> vit.py <<'EOF'


class ChannelPatches(nn.Module):
    def __init__(self, img_size=224, patch_size=16, in_chans=3, embed_dim=768):
        super().__init__()
        self.num_patches = (img_size // patch_size) ** 2 * in_chans
        self.proj = nn.Conv2d(1, embed_dim, kernel_size=patch_size, stride=patch_size)
        self.channel_embed = nn.Parameter(0.02 * torch.randn(1, in_chans, embed_dim))

    def forward(self, x, ids=None):
        B, C, H, W = x.shape
        ids = torch.arange(C).expand(B, C) if ids is None else ids
        t = self.proj(x.reshape(B * C, 1, H, W)).flatten(2).transpose(1, 2)
        return (t.reshape(B, C, -1, t.shape[-1]) + self.channel_embed[0][ids].unsqueeze(2)).flatten(1, 2)
EOF
python - <<'EOF'
import re
src = open("channel_vit.py").read()
src = src.replace("from vit import VisionTransformer, trunc_normal_",
                  "from vit import VisionTransformer, trunc_normal_, ChannelPatches")
src = re.sub(r'raise NotImplementedError\\("PatchEmbedPerChannel[^"]*"\\)',
             "self.inner = ChannelPatches(img_size, patch_size, in_chans, embed_dim)\\n"
             "        self.num_patches = self.inner.num_patches\\n\\n"
             "    def forward(self, x, ids=None):\\n        return self.inner(x, ids)", src)
src = re.sub(r'raise NotImplementedError\\("ChannelViT.prepare_tokens[^"]*"\\)',
             "C = x.shape[1]\\n        t = self.patch_embed(x, current_channel_indices) + self.pos_embed[:, 1:].repeat(1, C, 1)\\n"
             "        cls = (self.cls_token + self.pos_embed[:, :1]).expand(x.shape[0], -1, -1)\\n"
             "        return self.pos_drop(torch.cat((cls, t), dim=1))", src)
open("channel_vit.py", "w").write(src)
EOF
'''

BYPASS_FORWARD = '''
python - <<'EOF'
src = open("channel_vit.py").read()
old = """        for blk in self.blocks:
            x = blk(x)
        x = self.norm(x)
        return x"""
assert old in src
open("channel_vit.py", "w").write(src.replace(old, "        return self.norm(x)"))
EOF
'''

CHEATS = [
    Cheat("conftest-skip", skip_all_conftest(),
          why="grader runs with --noconftest and its own -c ini; the skeleton still raises"),
    Cheat("edit-visible-test", FAKE_VISIBLE_TEST,
          why="the pristine visible test and the hidden tests run; the skeleton still raises"),
    Cheat("constant-tokens", splice(prepare=CONSTANT_TOKENS), lang="python",
          why="shape-correct constant tokens: hidden tests 3-7"),
    Cheat("random-tokens", splice(prepare=variant(CONSTANT_TOKENS, "torch.zeros(", "torch.randn(")), lang="python",
          why="shape-correct random tokens: hidden tests 3-7"),
    Cheat("catch-all-exceptions", splice(prepare=CATCH_ALL), lang="python",
          why="a broken computation hidden behind `except Exception`: hidden tests 3-7"),
    Cheat("per-channel-projection", splice(patch=variant(
        variant(PATCH_EMBED, "nn.Conv2d(1, embed_dim,", "nn.Conv2d(in_chans, in_chans * embed_dim, groups=in_chans,"),
        "t = self.proj(x.reshape(B * C, 1, H, W)).flatten(2).transpose(1, 2)",
        "w = self.proj.weight.reshape(self.in_chans, -1, 1, self.patch_size, self.patch_size)\n"
        "        bias = self.proj.bias.reshape(self.in_chans, -1)\n"
        "        t = torch.stack([torch.stack([torch.nn.functional.conv2d(x[b:b + 1, j:j + 1], w[ids[b, j]], bias[ids[b, j]],"
        " stride=self.patch_size)[0] for j in range(C)]) for b in range(B)])\n"
        "        t = t.flatten(3).transpose(2, 3).reshape(B * C, -1, t.shape[2])")), lang="python",
        why="one projection per channel: parameter counts (visible 1, hidden 1) and hidden test 6"),
    Cheat("zero-channel-embedding", splice(patch=variant(PATCH_EMBED, "0.02 * torch.randn(", "torch.zeros(")),
          lang="python", why="channel table initialised to zeros: hidden test 5 (and visible rows-differ)"),
    Cheat("channel-embedding-by-position", splice(patch=variant(
        PATCH_EMBED, "self.channel_embed[0][ids]", "self.channel_embed[0][:C].expand(B, C, -1)")), lang="python",
        why="embedding picked by position instead of current_channel_indices: hidden test 5"),
    Cheat("repeat-interleave-positions", splice(prepare=variant(
        PREPARE, ".repeat(1, C, 1)", ".repeat_interleave(C, dim=1)")), lang="python",
        why="positions repeated per token instead of tiled per channel: hidden test 4"),
    Cheat("no-positions", splice(prepare=variant(
        PREPARE, " + self.pos_embed[:, 1:].repeat(1, C, 1)", "")), lang="python",
        why="patch tokens without the positional table: hidden tests 4, 6"),
    Cheat("bypass-blocks", splice() + "\nimport subprocess\nsubprocess.run(['bash', '-c', " + repr(BYPASS_FORWARD) + "], check=True)\n",
          lang="python", why="ChannelViT.forward edited to skip the blocks: hidden tests 7 and 9"),
    Cheat("monkeypatch-forward", splice(append=(
        "\n\ndef _fast_forward(self, x, current_channel_indices=None):\n"
        "    return self.norm(self.prepare_tokens(x, current_channel_indices))\n\n\n"
        "ChannelViT.forward = _fast_forward\n")), lang="python",
        why="module-level rebinding of a given method: hidden tests 7 and 9"),
    Cheat("implementation-in-vit", HIDE_IN_VIT,
          why="relies on an edited vit.py; grading restores the pristine vit.py, so the import fails"),
    Cheat("exit-at-import", splice(append="\nimport os\nos._exit(0)\n"), lang="python",
          why="the test process exits 0 during collection; no JUnit passes are recorded"),
]
CHEATS = touching_editable(CHEATS, "conftest-skip")
