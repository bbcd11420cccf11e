"""Judge of the ChannelViT tasks (trusted: runs no agent code).

It draws the parameter values and the images, channel ids and subsets at grading time; the probes load those
values into the agent's model and record what it computes; here the reference tokens, encoder outputs and
gradients are recomputed from the same values with the given encoder (the pristine vit.py) and compared.
Config S is small (img 32, patch 8, 5 channels, D 48, depth 2); config O is the original size (img 224,
patch 16, 6 channels, D 384), depth 1 in the smoke profile and 12 in the full one.
"""
import torch
from mldb_judge import Checks, close, import_pristine

import ref_channel_vit as ref

IMG, P, CH, D = 32, 8, 5, 48
N = (IMG // P) ** 2
CONFIG_S = dict(img_size=[IMG], patch_size=P, in_chans=CH, embed_dim=D, depth=2, num_heads=3)
PROBES = ["counts_original", "shapes", "own_init", "tokens", "tokens_default_ids", "forward", "forward_all",
          "gradients"]


def config_o(profile):
    return dict(img_size=[224], patch_size=16, in_chans=6, embed_dim=384, num_heads=6,
                depth=1 if profile == "smoke" else 12)


def encoder():
    """The given ViT at config S: its blocks and norm are the ones ChannelViT inherits."""
    return import_pristine("vit.py").VisionTransformer(**CONFIG_S)


def inputs(seed, profile):
    g = torch.Generator().manual_seed(seed)

    def randn(*shape, scale=1.0):
        return scale * torch.randn(*shape, generator=g)

    given = {}
    for name, p in encoder().named_parameters():
        if name.startswith("patch_embed."):
            continue
        if name in ("pos_embed", "cls_token"):
            given[name] = randn(*p.shape, scale=0.5)
        elif "norm" in name and name.endswith("weight"):
            given[name] = 1 + randn(*p.shape, scale=0.1)
        else:
            given[name] = randn(*p.shape, scale=0.1)
    ids = torch.stack([torch.randperm(CH, generator=g)[:3] for _ in range(2)])
    x_one = randn(1, 3, IMG, IMG)
    other = torch.randperm(CH, generator=g)  # two different id sets for the same pixels (never one set twice)
    model_seed = int(torch.randint(2**31, (1,), generator=g))  # for the agent's own initialisation code
    return {"probes": PROBES, "seed": model_seed, "config_s": CONFIG_S, "config_o": config_o(profile),
            "given": given, "patch_embed": {"weight": randn(D * P * P, scale=0.5), "bias": randn(D, scale=0.5),
                                            "table": randn(CH * D, scale=0.5)},
            "x": randn(2, 3, IMG, IMG), "ids": ids, "x_all": randn(2, CH, IMG, IMG),
            "x_same": x_one.expand(2, 3, IMG, IMG).contiguous(),
            "ids_same": torch.stack([other[:3], other[2:]]),
            "x_o": randn(1, 6, 224, 224)}


class Reference:
    """The reference computation on the judge's values, for one storage layout of the patch embedding."""

    def __init__(self, inputs, layout, grad=False):
        layout, self.order = layout
        self.flat = {k: v.double().clone().requires_grad_(grad) for k, v in inputs["patch_embed"].items()}
        self.W, self.bias, self.E = ref.unpack(self.flat, layout, D, P, CH)
        self.encoder = encoder().double()
        with torch.no_grad():
            for name, p in self.encoder.named_parameters():
                if name in inputs["given"]:
                    p.copy_(inputs["given"][name])
        self.pos = self.encoder.pos_embed.detach().clone().requires_grad_(grad)
        self.cls = self.encoder.cls_token.detach().clone().requires_grad_(grad)

    def tokens(self, x, ids=None):
        ids = torch.arange(x.shape[1]).expand(x.shape[0], -1) if ids is None else ids
        return ref.reference_tokens(x.double(), ids, self.W, self.bias, self.E, self.pos, self.cls, self.order)

    def forward(self, x, ids=None):
        return ref.reference_forward(self.encoder, self.tokens(x, ids))


def close_rel(out, expected, rtol=1e-4, what="values"):
    return close(out, expected.detach(), rtol=rtol, atol=1e-5, scale_atol=True, what=what)


def storage_layout(inputs, observed):
    """The (storage layout, token order) in which the reference reproduces the agent's tokens (the canonical one
    when none does)."""
    layouts = [(layout, order) for order in ref.ORDERS for layout in ref.LAYOUTS]
    try:
        out = observed.need("tokens")["out"]
    except Exception:  # noqa: BLE001 - reported by the tokens check
        return layouts[0]
    for layout in layouts:
        with torch.no_grad():
            expected = Reference(inputs, layout).tokens(inputs["x"], inputs["ids"])
        try:
            close_rel(out, expected)
            return layout
        except AssertionError:
            continue
    return layouts[0]


def judge(inputs, observed, profile):
    checks = Checks()
    o = inputs["config_o"]
    layout = storage_layout(inputs, observed)
    reference = Reference(inputs, layout)
    with checks.check("parameter counts and token count at the original size (224/16, 6 channels, D 384)"):
        c = observed.need("counts_original")
        n_o = (224 // 16) ** 2
        expected = {"trainable": o["embed_dim"] * (16 * 16 + 1) + 6 * o["embed_dim"], "pos_embed": (n_o + 1) * 384,
                    "cls_token": 384, "num_patches": n_o * 6, "out_shape": [1, n_o * 6 + 1, 384]}
        assert {k: c.get(k) for k in expected} == expected, f"got {c}, expected {expected}"
    with checks.check("output shapes for all channels and for subsets of 3, 2 and 1 channels"):
        s = observed.need("shapes")
        expected = {"all": [2, CH * N + 1, D], **{f"k{k}": [2, k * N + 1, D] for k in (3, 2, 1)}}
        assert s == expected, f"got {s}, expected {expected}"
    with checks.check("the channel table starts random: distinct embeddings per channel (the model's own init)"):
        table = observed.need("own_init").get(str(CH * D))
        assert table is not None, f"no trainable tensor of {CH * D} values (the channel table) in patch_embed"
        rows = ref.unpack({"weight": torch.zeros(D * P * P), "bias": torch.zeros(D), "table": table.double()},
                          layout[0], D, P, CH)[2]
        distance = torch.cdist(rows, rows) + torch.eye(CH) * 1e9
        assert float(distance.min()) > 1e-4, "channel embeddings are not distinct (zero or shared initialisation?)"
    with checks.check("prepare_tokens equals the reference on grading-time weights, images and channel ids "
                      "(shared projection with bias, channel embedding by index, tiled positions, CLS; "
                      "channel-major or patch-major order)"):
        with torch.no_grad():
            close_rel(observed.need("tokens")["out"], reference.tokens(inputs["x"], inputs["ids"]),
                                what="tokens with channel ids")
            close_rel(observed.need("tokens_default_ids")["out"], reference.tokens(inputs["x"]),
                      what="tokens without channel ids (channels 0..C-1)")
    with checks.check("forward equals the given encoder on the reference tokens; other channel ids give other "
                      "outputs for the same pixels"):
        with torch.no_grad():
            out = observed.need("forward")["out"]
            close_rel(out, reference.forward(inputs["x_same"], inputs["ids_same"]), what="forward with channel ids")
            close_rel(observed.need("forward_all")["out"], reference.forward(inputs["x_all"]),
                      what="forward of all channels")
            assert float((out[0] - out[1]).abs().max()) > 1e-3, "same pixels with different channel ids gave one output"
    with checks.check("gradients of the projection, bias, channel table, positions and CLS equal the reference's"):
        g = observed.need("gradients")
        graded = Reference(inputs, layout, grad=True)
        graded.forward(inputs["x_all"]).pow(2).mean().backward()
        for key, tensor in graded.flat.items():
            got = g["patch_embed"].get(str(tensor.numel()))
            assert got is not None, f"patch_embed's {key} ({tensor.numel()} values) got no gradient"
            close_rel(got, tensor.grad, rtol=1e-3, what=f"gradient of the {key}")
        close_rel(g["pos_embed"], graded.pos.grad, rtol=1e-3, what="gradient of pos_embed")
        close_rel(g["cls_token"], graded.cls.grad, rtol=1e-3, what="gradient of cls_token")
    return checks
