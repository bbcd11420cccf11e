"""Probes of vit_debugging (run in the untrusted process on the agent's dino_v2 package).

`compute(vt, name, inputs)` builds a model of the given `vision_transformer` module from the judge's config,
loads the judge's weights (strict) and records what it computes on the judge's images. The probes run it on
the agent's package; the judge runs the very same function on its reference package and compares.
"""
import torch

FEATURE_KEYS = ("x_norm_clstoken", "x_norm_regtokens", "x_norm_patchtokens", "x_prenorm")
GRADIENT_PARAMS = ("patch_embed.proj.weight", "pos_embed", "register_tokens", "mask_token", "cls_token")


def model(vt, entry):
    built = vt.DinoVisionTransformer(**entry["config"])
    built.load_state_dict(entry["state_dict"], strict=True)
    return built.eval()


def features(out):
    return {k: out[k].detach().clone() for k in FEATURE_KEYS}


def shapes(vt, entry):
    torch.manual_seed(0)
    return {k: list(v.shape) for k, v in vt.DinoVisionTransformer(**entry["config"]).state_dict().items()}


@torch.no_grad()
def forward(vt, entry):
    m = model(vt, entry)
    return {"cases": [{"eval": m(x).clone(), "feats": features(m(x, is_training=True))} for x in entry["images"]]}


@torch.no_grad()
def masked(vt, entry):
    out = model(vt, entry)(entry["x"], masks=entry["masks"], is_training=True)
    return {"feats": features(out), "masks": out["masks"].clone()}


@torch.no_grad()
def dynamic(vt, entry):
    """Per patch size: the features, the eval output, a masked forward and reshaped intermediate layers."""
    m, x = model(vt, entry), entry["x"]
    cases = []
    for p in entry["patch_sizes"]:
        masks = torch.zeros(x.shape[0], (x.shape[-2] // p) * (x.shape[-1] // p), dtype=torch.bool)
        masks[:, :5] = True
        layers = m.get_intermediate_layers(x, n=2, reshape=True, dynamic_patch_size=p)
        cases.append({"feats": features(m(x, is_training=True, dynamic_patch_size=p)),
                      "eval": m(x, dynamic_patch_size=p).clone(),
                      "masked": features(m(x, masks=masks, is_training=True, dynamic_patch_size=p)),
                      "intermediate": [t.clone() for t in layers]})
    return {"cases": cases}


@torch.no_grad()
def intermediate(vt, entry):
    m, outputs = model(vt, entry), []
    for kwargs in entry["kwargs"]:
        got = m.get_intermediate_layers(entry["x"], **kwargs)
        outputs.append([[t.clone() for t in o] if isinstance(o, (tuple, list)) else o.clone() for o in got])
    return {"outputs": outputs}


def gradients(vt, entry):
    m = model(vt, entry).train()
    feats = m(entry["x"], masks=entry["masks"], is_training=True)
    (feats["x_norm_clstoken"].pow(2).sum() + feats["x_norm_patchtokens"].pow(2).mean()).backward()
    params = dict(m.named_parameters())
    return {"grads": {n: params[n].grad.detach().clone() for n in GRADIENT_PARAMS
                      if n in params and params[n].grad is not None}}


KINDS = {"shapes": shapes, "forward": forward, "masked": masked, "dynamic": dynamic, "intermediate": intermediate,
         "gradients": gradients}


def compute(vt, name, inputs):
    entry = inputs["entries"][name]
    return KINDS[entry["kind"]](vt, entry)


def run(name, inputs):
    from dino_v2.models import vision_transformer
    return compute(vision_transformer, name, inputs)
