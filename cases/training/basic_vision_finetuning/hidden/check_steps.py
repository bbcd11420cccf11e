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
  against the gradient; a forged or random change is orthogonal to it);
- "pairing_p": a permutation test that the fresh head's change raised each first-batch image's own label more than
  the batch's other labels (its p-value; "pairing_ps" per test, "head_parameters" the head's parameters).
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
RELABELLINGS = 20000  # random permutations of the labels among the first batch's images: the pairing test's null
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


def loss_and_grad(model, state, pixels, labels, mode: str, grad: bool):
    """The batch's cross-entropy and, with `grad`, its gradient over the trainable parameters."""
    model.load_state_dict(state)
    model.train(mode != "eval")
    set_dropout(model, mode == "train_dropout")
    model.zero_grad(set_to_none=True)
    with torch.set_grad_enabled(grad):
        loss = F.cross_entropy(model(pixel_values=pixels).logits.float(), labels)
    if not grad:
        return float(loss), None
    names, params = zip(*[(n, p) for n, p in model.named_parameters() if p.requires_grad])
    return float(loss), dict(zip(names, torch.autograd.grad(loss, params, allow_unused=True)))


def head_gains(model, state0, head: dict, pixels, mode: str) -> torch.Tensor:
    """[B, C]: how far each image's log-probability of each class rose when the fresh head moved from its initial
    to its final weights `head` on the initial backbone's features (float64, no dropout). The logits are linear in
    the head, so this is exactly the step's effect through the head, free of what the backbone's change did."""
    model.double().train(mode != "eval")
    set_dropout(model, False)
    log_probs = []
    with torch.no_grad():
        for state in (state0, {**state0, **head}):
            model.load_state_dict(state)
            log_probs.append(model(pixel_values=pixels.double()).logits.double().log_softmax(-1))
    return log_probs[1] - log_probs[0]


def without_shared_trend(gains: torch.Tensor, components: int) -> torch.Tensor:
    """`gains` less its row and column means (a term of one image or of one class alone adds the same to every
    relabelling's sum) and less its `components` largest singular components. Neither looks at the labels, so the
    test stays exact; the largest component is typically a shared trend (the classes' counts in the second batch
    times each image's feature size) that can drown the pairing."""
    centred = gains - gains.mean(0, keepdim=True) - gains.mean(1, keepdim=True) + gains.mean()
    if not components:
        return centred
    u, s, v = torch.linalg.svd(centred, full_matrices=False)
    return centred - (u[:, :components] * s[:components]) @ v[:components]


def pairing_p(gains: torch.Tensor, labels: torch.Tensor, relabellings: int) -> float:
    """Permutation test of "the step raised each image's own label more than the labels of other images of the
    batch": the sum of the gains at the true labels against its value for random permutations of the labels among
    the images. A step that does not depend on which image carries which label (made from the label counts, from
    other images, from noise) ranks uniformly among the permutations, so its p-value is below p with probability
    at most p, whatever the model; a step that learned the pairing ranks first. Conservative: permutations that
    leave the labels in place count as reaching the true sum."""
    rows, generator = torch.arange(len(labels)), torch.Generator().manual_seed(0)
    perms = torch.cat([rows[None], torch.rand(relabellings, len(labels), generator=generator).argsort(1)])
    sums = gains[rows, labels[perms]].sum(1)
    tolerance = 1e-9 * float(gains.abs().sum())
    return int((sums[1:] >= sums[0] - tolerance).sum() + 1) / (relabellings + 1)


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

    losses, grads = {}, {}
    for mode in ("eval", "train"):
        losses[mode], grads[mode] = loss_and_grad(initial, state0, pixels, labels, mode, True)
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
    head = {n: final_params[n].detach() for n in update if strip(n) not in base}  # the fresh head: not served
    out["head_parameters"] = sorted(head)
    gains = {mode: head_gains(initial, state0, head, pixels, mode) for mode in ("eval", "train")}
    out["pairing_p"], out["pairing_ps"] = pairing_test(gains, labels)
    return out


def pairing_test(gains: dict, labels: torch.Tensor, relabellings: int = RELABELLINGS) -> tuple[float, dict]:
    """The pairing p-value over the gains of each mode, with and without their largest singular component:
    Bonferroni over the distinct tests (eval and train mode give the same gains in a model without BatchNorm)."""
    tests = {f"{mode}, {k} removed": without_shared_trend(g, k) for mode, g in gains.items() for k in (0, 1)}
    distinct = [name for i, (name, g) in enumerate(tests.items())
                if not any(torch.equal(g, other) for other in list(tests.values())[:i])]
    ps = {name: pairing_p(tests[name], labels, relabellings) for name in distinct}
    return min(1.0, len(ps) * min(ps.values())), ps


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
