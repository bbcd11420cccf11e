"""bert_eval_debug's smoke data: long-passage BoolQ pairs labelled by the reference checkpoint, ~25 % flipped.

The seed is re-drawn until the task's bug (evaluating without token_type_ids) changes the number of correct
predictions by >= 3 and every reference logit margin is >= 1e-3. The reference predictions are those of
bert_eval_debug's reference evaluation (max_length 256, all three inputs); here each batch is padded only to
its longest pair (pairs sorted by length), which leaves every prediction as it is (padding is masked out) and
costs a fraction of padding everything to 256.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .boolq import rows, write_boolq_zip
from .common import rng

MAX_THREADS = 8  # torch threads for the forward passes (fewer where fewer cores are ours)
LONG_PASSAGE = (13, 26)  # filler sentences: passages of roughly 100-250 tokens


def logits(model, tokenizer, items: list[dict], max_length: int, with_segments: bool) -> np.ndarray:
    """[n, 2] logits of the question/passage pairs, truncated to max_length; batches of 32 pairs of similar
    length, each padded to its longest pair; rows in the order of `items`."""
    import torch
    enc = tokenizer([x["question"] for x in items], [x["passage"] for x in items], truncation=True,
                    max_length=max_length)
    order = sorted(range(len(items)), key=lambda i: len(enc["input_ids"][i]))
    keys = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_segments else [])
    out = np.zeros((len(items), 2), dtype=np.float32)
    with torch.no_grad():
        for i in range(0, len(order), 32):
            part = order[i:i + 32]
            batch = tokenizer.pad({k: [enc[k][j] for j in part] for k in keys}, return_tensors="pt")
            out[part] = model(**batch).logits.float().numpy()
    return out


def centre_bias(model, tokenizer_dir: Path, seed: int) -> None:
    """Scale the classifier so logit differences on long probe pairs have unit spread, then centre its bias
    so the median difference is zero (predictions split roughly evenly, margins well above 1e-3)."""
    import torch
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    head = model.classifier
    diff = np.diff(logits(model, tok, rows(seed, "probe", 48, n_fillers=LONG_PASSAGE), 256, True), axis=1)[:, 0]
    gap = diff - float(head.bias[1] - head.bias[0])
    k = 1.0 / max(float(gap.std()), 1e-12)
    with torch.no_grad():
        head.weight.mul_(k)
        shift = -k * float(np.median(gap))
        head.bias.copy_(torch.tensor([-shift / 2, shift / 2]))


def _labelled_set(model, tok, seed: int, tag: str, n: int, avoid_flips: int = -1, max_tries: int = 50):
    """Items labelled by the reference predictions with a seeded 20-30 % of them flipped (the flip count
    differs from `avoid_flips`, so the two sets never share a reference accuracy)."""
    for attempt in range(max_tries):
        items = rows(seed, f"{tag}-{attempt}", n, n_fillers=LONG_PASSAGE)
        ref = logits(model, tok, items, 256, True)
        if np.abs(ref[:, 1] - ref[:, 0]).min() < 1e-3:
            continue
        pred = ref.argmax(1)
        labels = pred.copy()
        fr = rng(seed, tag, attempt, "flip")
        n_flip = int(fr.integers(n // 5, 3 * n // 10 + 1))
        n_flip += n_flip == avoid_flips
        flip = fr.permutation(n)[:n_flip]
        labels[flip] = 1 - labels[flip]
        correct = {"reference": int((pred == labels).sum()),
                   "no_token_type_ids": int((logits(model, tok, items, 256, False).argmax(1) == labels).sum())}
        if abs(correct["no_token_type_ids"] - correct["reference"]) >= 3:
            for item, y in zip(items, labels):
                item["label"] = bool(y)
            return items, correct, attempt, n_flip
    raise RuntimeError(f"boolq-evaldebug: no seed within {max_tries} tries makes the bug matter")


def generate(out: Path, seed: int, deps: dict) -> dict:
    """BoolQ.zip (given data) and BoolQ-variant.zip (hidden run B), plus reference accuracies ref_A/ref_B."""
    import torch
    torch.manual_seed(seed)
    # Only argmax predictions with margins >= 1e-3 reach the files, so the thread count does not change them;
    # more threads shorten the longest chain of asset generation (the checkpoint, then this).
    torch.set_num_threads(max(1, min(MAX_THREADS, len(os.sched_getaffinity(0)))))
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    ckpt = deps["hf-tinybert-boolq"]
    model = AutoModelForSequenceClassification.from_pretrained(str(ckpt)).eval()
    tok = AutoTokenizer.from_pretrained(str(ckpt))
    meta, n_flip = {}, -1
    for name, tag in (("BoolQ.zip", "A"), ("BoolQ-variant.zip", "B")):
        val, correct, attempt, n_flip = _labelled_set(model, tok, seed, tag, 200, avoid_flips=n_flip)
        write_boolq_zip(out / name, {"train": rows(seed, f"{tag}-train", 40, n_fillers=LONG_PASSAGE), "val": val,
                                     "test": rows(seed, f"{tag}-test", 20, n_fillers=LONG_PASSAGE)})
        meta[f"ref_{tag}"] = round(100.0 * correct["reference"] / len(val), 4)
        meta[f"correct_{tag}"] = correct
        meta[f"attempt_{tag}"] = attempt
    meta["num_val"] = 200
    return meta
