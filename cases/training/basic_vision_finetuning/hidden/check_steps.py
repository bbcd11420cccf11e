"""Judge (trusted, CPU, offline): evidence of the two training steps, from what the agent saved, read as data.

usage: check_steps.py <initial model> <final model> <first_batch.pt> <reference dir> <cifar archive> <indices JSON>
<initial model>/<final model>: collected copies (a save_pretrained folder or a state dict, loaded as check_model.py
does); <first_batch.pt>: a collected copy, torch.load(weights_only=True); <reference dir>: the served files of
model.name; <cifar archive>: the grader's cifar-10-python.tar.gz; <indices JSON>: the first mini-batch's
CIFAR-10 training indices (a JSON list).

Prints the measurements (the validator holds the thresholds):
- "initial_relative_l2": the initial model's backbone against the served weights (0 when it is the served model);
- "labels_match", "image_correlation": the batch's labels against CIFAR-10's at the indices; the mean over its
  images of the best Pearson correlation with the judge's resize of the CIFAR-10 image (plain resize or the
  image processors' 87.5 % center crop, unflipped or flipped);
- "recomputed_losses": cross-entropy of the initial model on the batch (eval mode; train mode without dropout;
  train mode with dropout, several masks); "loss_error": the reported initial loss's distance to the nearest;
- "update_norm", "changed_parameters": the size of initial - final over the parameters, and how many changed;
- "descent_cosine": the best (over eval / train mode) cosine between initial - final and the gradient of the
  first-batch loss at the initial weights, over the parameters that changed (first-order optimisers step
  against the gradient; a forged or random change is orthogonal to it).
"""
import io
import json
import pickle
import sys
import tarfile
from pathlib import Path

import torch
import torch.nn.functional as F

from check_model import load_model, reference_state

CROPS = (1.0, 0.875)  # plain resize; the Hugging Face image processors' resize-256 / center-crop-224
DROPOUT_SAMPLES = 32
SHUFFLES = 8  # permutations of the labels among the batch's images: the pairing cosine's null distribution
MAX_SIDE = 518  # the served models' inputs are 224 (smoke: smaller); DINOv2 was trained up to 518


def cifar_train(archive: Path):
    """(images uint8 [N, 3, 32, 32], labels [N]) of the training split, in torchvision's order."""
    batches = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if name.startswith("data_batch_"):
                batches[name] = pickle.load(io.BytesIO(tar.extractfile(member).read()), encoding="latin1")
    ordered = [batches[k] for k in sorted(batches)]
    images = torch.cat([torch.as_tensor(b["data"]).reshape(-1, 3, 32, 32) for b in ordered])
    labels = torch.cat([torch.as_tensor(b["labels"]) for b in ordered])
    return images, labels


def correlation(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean over channels of the Pearson correlation of two [C, H, W] images."""
    a = a.flatten(1) - a.flatten(1).mean(1, keepdim=True)
    b = b.flatten(1) - b.flatten(1).mean(1, keepdim=True)
    return float(((a * b).sum(1) / (a.norm(dim=1) * b.norm(dim=1)).clamp_min(1e-12)).mean())


def image_correlation(pixels: torch.Tensor, reference: torch.Tensor) -> float:
    """Mean over images of the best correlation with a resize of the reference image."""
    height, width = pixels.shape[-2:]
    scores = []
    for x, ref in zip(pixels.float(), reference.float()):
        best = -1.0
        for crop in CROPS:
            h, w = round(height / crop), round(width / crop)
            big = F.interpolate(ref[None], size=(h, w), mode="bilinear", align_corners=False)[0]
            top, left = (h - height) // 2, (w - width) // 2
            view = big[:, top:top + height, left:left + width]
            best = max(best, correlation(x, view), correlation(x, view.flip(-1)))
        scores.append(best)
    return sum(scores) / len(scores)


def set_dropout(model, train: bool) -> None:
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout) or "Dropout" in type(m).__name__ or "DropPath" in type(m).__name__:
            m.train(train)


def loss_and_grad(model, state, pixels, labels, mode: str, grad: bool, update=None, shuffles=()):
    """The batch's cross-entropy; with `grad`, also its gradient and, with `update`, the cosines of `update` with
    the gradient of the pairing part of the loss, CE(labels) - CE(the batch's label frequencies as every image's
    target), for the true labels and for each permutation of them in `shuffles`. The loss is linear in the targets,
    so the pairing gradient is exactly the gradient minus its mean over all permutations of the labels among the
    batch's images: what depends on which image carries which label. A change made from the label counts, or from
    other images, is no closer to the true pairing's than to a shuffled one's."""
    model.load_state_dict(state)
    model.train(mode != "eval")
    set_dropout(model, mode == "train_dropout")
    model.zero_grad(set_to_none=True)
    with torch.set_grad_enabled(grad):
        logits = model(pixel_values=pixels).logits.float()
        loss = F.cross_entropy(logits, labels)
    if not grad:
        return float(loss), None, None
    names, params = zip(*[(n, p) for n, p in model.named_parameters() if p.requires_grad])
    grads = dict(zip(names, torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)))
    freq = F.one_hot(labels, logits.shape[1]).float().mean(0).expand_as(logits)
    uniform = F.cross_entropy(logits, freq)
    pairing = []
    for i, target in enumerate([labels, *shuffles]):
        last = i == len(shuffles)
        h = torch.autograd.grad(F.cross_entropy(logits, target) - uniform, params, retain_graph=not last,
                                allow_unused=True)
        pairing.append(cosine(update, dict(zip(names, h)), [n for n in update if n in names]))
    return float(loss), grads, pairing


def cosine(update: dict, grads: dict, names: list) -> float:
    dot = sum(float((update[n] * grads[n]).sum()) for n in names if grads.get(n) is not None)
    un = sum(float(update[n].pow(2).sum()) for n in names) ** 0.5
    gn = sum(float(grads[n].pow(2).sum()) for n in names if grads.get(n) is not None) ** 0.5
    return dot / (un * gn) if un > 0 and gn > 0 else 0.0


def sign_agreement(update: dict, grads: dict, names: list) -> float:
    """Over the coordinates that changed: the |gradient|-weighted fraction where the change has the gradient's
    sign (1: every step against the gradient, 0.5: unrelated to it). Adam's first steps are sign-like, so a plain
    cosine understates them; the weighting ignores the coordinates whose gradient is ~0."""
    agree = total = 0.0
    for n in names:
        if grads.get(n) is None:
            continue
        moved = update[n] != 0
        weight = grads[n].abs() * moved
        agree += float((weight * (torch.sign(update[n]) == torch.sign(grads[n]))).sum())
        total += float(weight.sum())
    return agree / total if total > 0 else 0.5


def descent_z(update: dict, grads: dict, names: list) -> float:
    """sum(u * g) / sqrt(sum((u * g) ** 2)) over the changed coordinates: a change whose signs are independent of
    the gradient's (noise, a forgery made without computing it) scores above t with probability at most
    exp(-t^2 / 2) whatever its magnitudes (Hoeffding); a step against the gradient scores high."""
    dot = square = 0.0
    for n in names:
        if grads.get(n) is not None:
            product = update[n].double() * grads[n].double()
            dot += float(product.sum())
            square += float(product.pow(2).sum())
    return dot / square ** 0.5 if square > 0 else 0.0


def measure(initial_path, final_path, batch_path, ref, archive, indices, reported_loss):
    out = {}
    initial = load_model(initial_path, ref)
    final = load_model(final_path, ref)
    refs = reference_state(ref) if any(ref.iterdir()) else {}
    prefix = getattr(initial, "base_model_prefix", "") or ""
    state0 = {k: v.detach().clone() for k, v in initial.state_dict().items()}
    strip = (lambda k: k[len(prefix) + 1:] if prefix and k.startswith(prefix + ".") else k)
    mine = {strip(k): v.float() for k, v in state0.items()}
    has_prefix = bool(prefix) and any(k.startswith(prefix + ".") for k in refs)
    base = {strip(k): v.float() for k, v in refs.items()
            if (not has_prefix or k.startswith(prefix + ".")) and not k.endswith("num_batches_tracked")}
    matched = [k for k, v in base.items() if k in mine and mine[k].shape == v.shape]
    diff = sum(float((mine[k] - base[k]).pow(2).sum()) for k in matched)
    norm = sum(float(base[k].pow(2).sum()) for k in matched)
    out["initial_matched_fraction"] = sum(base[k].numel() for k in matched) / max(1, sum(v.numel() for v in base.values()))
    out["initial_relative_l2"] = (diff / norm) ** 0.5 if norm > 0 else None

    batch = torch.load(batch_path, map_location="cpu", weights_only=True)
    if not isinstance(batch, dict) or not all(isinstance(batch.get(k), torch.Tensor) for k in ("pixel_values", "labels")):
        raise ValueError("first_batch.pt is not a dict of tensors 'pixel_values' and 'labels'")
    pixels, labels = batch["pixel_values"].float(), batch["labels"].long()
    images, cifar_labels = cifar_train(archive)
    if not (isinstance(indices, list) and indices and all(isinstance(i, int) and 0 <= i < len(images) for i in indices)):
        raise ValueError(f"batch indices are not training indices of CIFAR-10 (0..{len(images) - 1})")
    idx = torch.tensor(indices)
    if pixels.dim() != 4 or pixels.shape[0] != len(indices) or labels.shape != (len(indices),):
        raise ValueError(f"first batch shapes {list(pixels.shape)} / {list(labels.shape)} do not fit "
                         f"{len(indices)} indices")
    if max(pixels.shape[-2:]) > MAX_SIDE:
        raise ValueError(f"first batch images are {list(pixels.shape[-2:])}, larger than {MAX_SIDE} pixels")
    out["batch_size"] = len(indices)
    out["labels_match"] = bool(torch.equal(labels, cifar_labels[idx]))
    out["image_correlation"] = image_correlation(pixels, images[idx])

    final_params = dict(final.named_parameters())
    update = {}
    for n, p in initial.named_parameters():
        q = final_params.get(n)
        if q is None or q.shape != p.shape:
            raise ValueError(f"the final model has no parameter {n} of shape {list(p.shape)}")
        update[n] = (state0[n].float() - q.detach().float())
    changed = {n: u for n, u in update.items() if bool((u != 0).any())}

    generator = torch.Generator().manual_seed(0)
    shuffles = [labels[torch.randperm(len(labels), generator=generator)] for _ in range(SHUFFLES)]
    losses, grads, pairing = {}, {}, {}
    for mode in ("eval", "train"):
        losses[mode], grads[mode], pairing[mode] = loss_and_grad(initial, state0, pixels, labels, mode, True, changed,
                                                                 shuffles)
    torch.manual_seed(0)
    dropped = [loss_and_grad(initial, state0, pixels, labels, "train_dropout", False)[0] for _ in range(DROPOUT_SAMPLES)]
    out["recomputed_losses"] = {**losses, "train_dropout_min": min(dropped), "train_dropout_max": max(dropped)}
    candidates = [losses["eval"], losses["train"], *dropped]
    low, high = min(candidates), max(candidates)
    out["loss_error"] = max(low - reported_loss, reported_loss - high, 0.0) if isinstance(reported_loss, (int, float)) \
        else None

    out["changed_parameters"] = len(changed)
    out["parameters"] = len(update)
    out["update_norm"] = sum(float(u.pow(2).sum()) for u in changed.values()) ** 0.5
    g_eval, g_train = grads["eval"], grads["train"]
    out["descent_cosines"] = {"eval": cosine(update, g_eval, changed), "train": cosine(update, g_train, changed)}
    out["descent_cosine"] = max(out["descent_cosines"].values())
    out["descent_zs"] = {"eval": descent_z(update, g_eval, changed), "train": descent_z(update, g_train, changed)}
    out["descent_z"] = max(out["descent_zs"].values())
    out["sign_agreements"] = {"eval": sign_agreement(update, g_eval, changed), "train": sign_agreement(update, g_train, changed)}
    out["sign_agreement"] = max(out["sign_agreements"].values())
    out["pairing_cosines"] = {m: c[0] for m, c in pairing.items()}
    out["pairing_cosine"] = max(out["pairing_cosines"].values())
    out["shuffled_cosines"] = {m: c[1:] for m, c in pairing.items()}
    out["pairing_score"] = max(pairing_score(c) for c in pairing.values())
    return out


def pairing_score(cosines: list) -> float:
    """(true - mean(shuffled)) / root-mean-square(shuffled - mean) of [true, *shuffled] pairing cosines."""
    true, rest = cosines[0], cosines[1:]
    mean = sum(rest) / len(rest)
    spread = (sum((c - mean) ** 2 for c in rest) / len(rest)) ** 0.5
    return (true - mean) / spread if spread > 0 else 0.0


def main():
    initial, final, batch, ref, archive = map(Path, sys.argv[1:6])
    indices, reported = json.loads(sys.argv[6]), json.loads(sys.argv[7])
    torch.set_num_threads(2)
    try:
        out = measure(initial, final, batch, ref, archive, indices, reported)
    except Exception as exc:  # noqa: BLE001 - what does not load or fit is a finding
        out = {"error": f"{type(exc).__name__}: {str(exc)[:600]}"}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
