"""Hidden evaluation of improve_segmentation_baseline: mIoU of model_weights.pt on the hidden VOC images.

usage: seg_eval.py <weights> <eval dir with images/*.jpg and masks/*.png> <max bytes>
Loads the state dict with weights_only=True, strictly into fcn_ref.build (aux_classifier.* keys accepted and
ignored), checks every value is finite; then each image at its original size, ImageNet normalisation, fp32,
`out` head, argmax (images of one size go through in batches of up to BATCH: eval mode, so no image affects
another's prediction); one 21x21 confusion matrix over all pixels, 255 ignored; mIoU = mean over classes
with a non-zero union of TP / (TP + FP + FN). Prints one JSON line. No agent code runs here.
"""
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fcn_ref import build  # noqa: E402

BATCH = 16
MEAN, STD = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]


def fail(why):
    print(json.dumps({"loaded": False, "why": why, "miou": None}))
    sys.exit(0)


def main(weights, eval_dir, max_bytes):
    torch.set_num_threads(2)
    torch.set_grad_enabled(False)
    path = Path(weights)
    if path.is_symlink() or not path.is_file():
        fail("model_weights.pt is missing (or a symlink)")
    if path.stat().st_size > int(max_bytes):
        fail(f"model_weights.pt is {path.stat().st_size} bytes, over the limit")
    try:
        sd = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001
        fail(f"does not load with weights_only=True: {type(exc).__name__}: {str(exc)[:300]}")
    if not isinstance(sd, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in sd.items()):
        fail("not a state dict of tensors")
    aux = any(k.startswith("aux_classifier.") for k in sd)
    model = build(aux)
    try:
        model.load_state_dict(sd, strict=True)
    except RuntimeError as exc:
        fail(f"strict load into fcn_resnet50 failed: {str(exc)[:600]}")
    if not all(torch.isfinite(v).all() for v in sd.values() if v.is_floating_point()):
        fail("non-finite values in the state dict")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = model.to(device).eval()
    conf = np.zeros((21, 21), np.int64)
    ed = Path(eval_dir)
    by_size = {}
    for img_path in sorted((ed / "images").glob("*.jpg")):
        img = torch.from_numpy(np.asarray(Image.open(img_path).convert("RGB"), np.float32) / 255.0).permute(2, 0, 1)
        target = np.asarray(Image.open(ed / "masks" / (img_path.stem + ".png")), np.int64)
        by_size.setdefault(tuple(img.shape), []).append(((img - MEAN) / STD, target))
    for group in by_size.values():
        for start in range(0, len(group), BATCH):
            chunk = group[start:start + BATCH]
            preds = model(torch.stack([x for x, _ in chunk]).to(device))["out"].argmax(1).cpu().numpy()
            for pred, (_, target) in zip(preds, chunk):
                keep = target != 255
                conf += np.bincount(21 * target[keep] + pred[keep], minlength=441).reshape(21, 21)
    tp = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - tp
    iou = [float(tp[c] / union[c]) for c in range(21) if union[c] > 0]
    print(json.dumps({"loaded": True, "why": "", "aux": aux, "miou": float(np.mean(iou)) if iou else 0.0,
                      "classes_scored": len(iou), "images": int(len(list((ed / "images").glob("*.jpg"))))}))


if __name__ == "__main__":
    main(*sys.argv[1:])
