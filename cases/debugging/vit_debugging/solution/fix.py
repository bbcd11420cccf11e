"""Oracle patch for vit_debugging: one anchored replacement per planted bug, under dino_v2/.

Every anchor must match exactly once (exactly the given number of times), or the script fails loudly.
"""
import re
import sys
from pathlib import Path

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else ".") / "dino_v2"


def replace(rel: str, old: str, new: str, count: int = 1) -> None:
    path = ROOT / rel
    text = path.read_text()
    found = text.count(old)
    if found != count:
        sys.exit(f"fix.py: anchor found {found} times (expected {count}) in {path}:\n{old}")
    path.write_text(text.replace(old, new))


VT = "models/vision_transformer.py"
PE = "layers/patch_embed.py"

# 1. Circular import: make_2tuple moves from the model module into patch_embed.py.
vt_text = (ROOT / VT).read_text()
match = re.search(r"^def make_2tuple\(.*?(?=^\S)", vt_text, re.S | re.M)
if match is None:
    sys.exit(f"fix.py: no make_2tuple definition in {ROOT / VT}")
helper = match.group(0).rstrip("\n") + "\n"
(ROOT / VT).write_text(vt_text.replace(match.group(0), "", 1))
replace(VT, "from collections.abc import Iterable\n", "")
replace(VT, "from ..layers import MemEffAttention, Mlp, NestedTensorBlock, PatchEmbed, SwiGLUFFNFused\n",
        "from ..layers import MemEffAttention, Mlp, NestedTensorBlock, PatchEmbed, SwiGLUFFNFused, make_2tuple\n")
replace(PE, "from ..models.vision_transformer import make_2tuple\n\n\n", "\n" + helper + "\n\n")
replace(PE, "from typing import Callable\n", "from collections.abc import Iterable\nfrom typing import Callable\n")
# 2. The patch projection outputs embed_dim channels.
replace(PE, "nn.Conv2d(in_chans, embed_dim // 2,", "nn.Conv2d(in_chans, embed_dim,")
# 3. An int patch size becomes a pair.
replace(PE, "        patch_hw = patch_size\n", "        patch_hw = make_2tuple(patch_size)\n")
# 4. Attention maps back to dim.
replace("layers/attention.py", "nn.Linear(dim, 2 * dim, bias=proj_bias)", "nn.Linear(dim, dim, bias=proj_bias)")
# 5. Mlp fc2 takes the hidden width.
replace("layers/mlp.py", "nn.Linear(2 * hidden_features, out_features, bias=bias)",
        "nn.Linear(hidden_features, out_features, bias=bias)")
# 6. SwiGLU w3 takes the gated width.
replace("layers/swiglu_ffn.py", "self.w3 = nn.Linear(2 * hidden_features, out_features, bias=bias)",
        "self.w3 = nn.Linear(hidden_features, out_features, bias=bias)")
# 7. Register tokens expand over the batch only.
replace(VT, "self.register_tokens.expand(B)", "self.register_tokens.expand(B, -1, -1)")
# 8. dynamic_patch_size is implemented (not in the given code): the patch kernel is resampled to the requested
#    size, the position embeddings are interpolated to that grid, and every entry point passes it on.
replace(PE, """    def forward(self, x: Tensor) -> Tensor:
        \"\"\"Embed `x` with the patch size of this layer.\"\"\"
        _, _, H, W = x.shape
        patch_h, patch_w = self.patch_size
""", """    def forward(self, x: Tensor, patch_size=None) -> Tensor:
        \"\"\"Embed `x`; another `patch_size` resamples the learned kernel (bicubic, rescaled so a constant
        patch keeps its embedding) and applies it with that stride.\"\"\"
        _, _, H, W = x.shape
        patch_h, patch_w = self.patch_size if patch_size is None else make_2tuple(patch_size)
""")
replace(PE, """        x = self.proj(x)
        H, W = x.size(2), x.size(3)
""", """        if (patch_h, patch_w) == self.patch_size:
            x = self.proj(x)
        else:
            weight = F.interpolate(self.proj.weight, size=(patch_h, patch_w), mode="bicubic", align_corners=False)
            weight = weight * (self.patch_size[0] * self.patch_size[1]) / (patch_h * patch_w)
            x = F.conv2d(x, weight, self.proj.bias, stride=(patch_h, patch_w))
        H, W = x.size(2), x.size(3)
""")
replace(PE, "from torch import Tensor, nn\n", "import torch.nn.functional as F\nfrom torch import Tensor, nn\n")
replace(VT, "    def interpolate_pos_encoding(self, x: Tensor, w: int, h: int) -> Tensor:\n",
        "    def interpolate_pos_encoding(self, x: Tensor, w: int, h: int, patch_size: int | None = None) -> Tensor:\n"
        "        patch_size = self.patch_size if patch_size is None else patch_size\n")
replace(VT, "        w0 = w // self.patch_size\n        h0 = h // self.patch_size\n",
        "        w0 = w // patch_size\n        h0 = h // patch_size\n")
replace(VT, "    def prepare_tokens_with_masks(self, x: Tensor, masks: Tensor | None = None) -> Tensor:\n",
        "    def prepare_tokens_with_masks(self, x: Tensor, masks: Tensor | None = None,\n"
        "                                  dynamic_patch_size: int | None = None) -> Tensor:\n")
replace(VT, "self.forward_features(*args, dynamic_patch_size=None, **kwargs)",
        "self.forward_features(*args, dynamic_patch_size=dynamic_patch_size, **kwargs)")
replace(VT, "x = self.prepare_tokens_with_masks(x, masks)\n",
        "x = self.prepare_tokens_with_masks(x, masks, dynamic_patch_size=dynamic_patch_size)\n")
replace(VT, "x = self.prepare_tokens_with_masks(x)\n",
        "x = self.prepare_tokens_with_masks(x, dynamic_patch_size=dynamic_patch_size)\n", count=2)
replace(VT, "            outputs = [out.reshape(B, w // self.patch_size, h // self.patch_size, -1)",
        "            patch_size = self.patch_size if dynamic_patch_size is None else dynamic_patch_size\n"
        "            outputs = [out.reshape(B, w // patch_size, h // patch_size, -1)")
# 9. The mask token replaces the patch token before the position embedding is added.
replace(VT, """        x = self.patch_embed(x)
        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, w, h)
        if masks is not None:
            patches = torch.where(masks.unsqueeze(-1), self.mask_token.to(x.dtype).unsqueeze(0), x[:, 1:])
            x = torch.cat((x[:, :1], patches), dim=1)
""", """        x = self.patch_embed(x, patch_size=dynamic_patch_size)
        if masks is not None:
            x = torch.where(masks.unsqueeze(-1), self.mask_token.to(x.dtype).unsqueeze(0), x)
        x = torch.cat((self.cls_token.expand(B, -1, -1), x), dim=1)
        x = x + self.interpolate_pos_encoding(x, w, h, patch_size=dynamic_patch_size)
""")
print(f"patched {ROOT}")
