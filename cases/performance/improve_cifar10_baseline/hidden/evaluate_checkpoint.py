"""Judge (trusted, `grading.reference`): scoring of the graded Lightning checkpoint: weights-only load, strict load into the
grader's LightningCNN, top-1 accuracy on the hidden test batch (fixed Normalize, batch 500, CPU, eval mode, no TTA).

    python evaluate_checkpoint.py CHECKPOINT TEST_SOURCE [ARCHIVE_MD5]
TEST_SOURCE: the bundle's test_batch pickle (smoke), or the real cifar-10-python.tar.gz (full), which must match
ARCHIVE_MD5, the digest the asset store verified against the real archive's when it fetched it and recorded in its
meta. Both are the grader's own assets.
Prints one JSON line: {"loaded", "strict", "finite", "accuracy", "num_images", "num_parameters", "error"}.
"""
import hashlib
import io
import json
import pickle
import sys
import tarfile

import numpy as np
import torch

from lightning_cnn import LightningCNN

MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2023, 0.1994, 0.2010)


def test_batch(path, archive_md5=None):
    """The hidden test batch (our asset): the pickle itself, or the member of the fetched tarball."""
    if not path.endswith(".tar.gz"):
        with open(path, "rb") as f:
            return pickle.load(f, encoding="latin1")
    with open(path, "rb") as f:
        archive = f.read()  # read once: hashed, then opened from memory
    if hashlib.md5(archive).hexdigest() != archive_md5:
        raise RuntimeError("the CIFAR-10 archive does not match the MD5 the asset store verified at fetch")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        data = tar.extractfile("cifar-10-batches-py/test_batch").read()
    return pickle.load(io.BytesIO(data), encoding="latin1")


def main(ckpt_path, test_path, archive_md5=None):
    out = {"loaded": False, "strict": False, "finite": False, "accuracy": None, "error": ""}
    torch.set_num_threads(2)
    try:
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any refusal is a failed check, reported with its reason
        out["error"] = f"torch.load(weights_only=True) refused the file: {type(exc).__name__}: {str(exc)[:300]}"
        return out
    out["loaded"] = True
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not all(isinstance(k, str) and torch.is_tensor(v) for k, v in state.items()):
        out["error"] = "the checkpoint holds neither a state dict nor a dict with 'state_dict'"
        return out
    model = LightningCNN()
    try:
        model.load_state_dict(state, strict=True)
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"strict load into LightningCNN failed: {str(exc)[:600]}"
        return out
    out["strict"] = True
    out["num_parameters"] = sum(p.numel() for p in model.parameters())
    out["finite"] = all(bool(torch.isfinite(v.float()).all()) for v in model.state_dict().values())
    if not out["finite"]:
        out["error"] = "the weights hold NaN or inf"
        return out
    try:
        batch = test_batch(test_path, archive_md5)
    except RuntimeError as exc:  # not the archive the store fetched: no score
        out["error"] = str(exc)
        return out
    images = torch.from_numpy(np.asarray(batch["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)).float() / 255.0
    labels = torch.tensor(batch["labels"], dtype=torch.long)
    x = (images - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(labels), 500):
            correct += int((model(x[start:start + 500]).argmax(1) == labels[start:start + 500]).sum())
    out["accuracy"] = 100.0 * correct / len(labels)
    out["num_images"] = len(labels)
    return out


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
