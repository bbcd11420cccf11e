"""Oracle for the ChannelViT tasks: rewrite the two open regions of ./channel_vit.py in place.

Replaces the whole `PatchEmbedPerChannel` class and the body of `ChannelViT.prepare_tokens`, keeping every
other line of the workspace file as it is. This copy (no_test) writes the patch tokens in patch-major order,
the other two channel-major: both are accepted.
"""
import ast
import pathlib
import textwrap

PATCH_EMBED = '''
class PatchEmbedPerChannel(nn.Module):
    """One shared single-channel patch projection (with bias) plus a learnable table of channel embeddings."""

    def __init__(self, img_size: int = 224, patch_size: int = 16, in_chans: int = 3, embed_dim: int = 768):
        super().__init__()
        self.img_size = img_size
        self.patch_size = patch_size
        self.in_chans = in_chans
        self.num_patches = (img_size // patch_size) ** 2 * in_chans
        self.proj = nn.Conv2d(1, embed_dim, kernel_size=patch_size, stride=patch_size, bias=True)
        self.channel_embed = nn.Parameter(torch.zeros(1, in_chans, embed_dim))
        nn.init.trunc_normal_(self.channel_embed, std=0.02)

    def forward(self, x, current_channel_indices=None):
        """(B, C, H, W) -> (B, C * N, D): channel-major, patches row-major within each channel."""
        B, C, H, W = x.shape
        if current_channel_indices is None:
            current_channel_indices = torch.arange(C, device=x.device).expand(B, C)
        tokens = self.proj(x.reshape(B * C, 1, H, W))
        tokens = tokens.flatten(2).transpose(1, 2)
        tokens = tokens.reshape(B, C, tokens.shape[1], tokens.shape[2])
        chan = self.channel_embed[0][current_channel_indices.to(device=x.device, dtype=torch.long)]
        tokens = tokens + chan.unsqueeze(2)
        return tokens.flatten(1, 2)
'''

PREPARE_TOKENS = '''
def prepare_tokens(self, x, current_channel_indices=None):
    """CLS token, then the patch tokens in patch-major order (the C channels of patch 0, then of patch 1, ...);
    the one-channel positional table is shared by the channels of each patch."""
    B, C = x.shape[0], x.shape[1]
    tokens = self.patch_embed(x, current_channel_indices)  # channel-major (B, C * N, D)
    tokens = tokens.reshape(B, C, -1, tokens.shape[-1]).transpose(1, 2).reshape(B, -1, tokens.shape[-1])
    tokens = tokens + self.pos_embed[:, self.num_extra_tokens:].repeat_interleave(C, dim=1)
    cls = (self.cls_token + self.pos_embed[:, :self.num_extra_tokens]).expand(B, -1, -1)
    return self.pos_drop(torch.cat((cls, tokens), dim=1))
'''


def node_span(node):
    """First and last source line (1-based) of a definition, decorators included."""
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return first, node.end_lineno


def main(path="channel_vit.py"):
    file = pathlib.Path(path)
    lines = file.read_text().splitlines()
    tree = ast.parse("\n".join(lines))
    edits = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "PatchEmbedPerChannel":
            edits.append((node_span(node), PATCH_EMBED.strip("\n")))
        if isinstance(node, ast.ClassDef) and node.name == "ChannelViT":
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "prepare_tokens":
                    edits.append((node_span(item), textwrap.indent(PREPARE_TOKENS.strip("\n"), " " * item.col_offset)))
    assert len(edits) == 2, "channel_vit.py does not have the expected two regions"
    for (first, last), text in sorted(edits, reverse=True):
        lines[first - 1:last] = text.splitlines()
    file.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
