"""Baseline: FCN-ResNet50 from the ImageNet backbone on the local VOC 2012 data; saves model_weights.pt.

A plausible but weak recipe: SGD lr 1e-4 (momentum 0.9), one epoch, 256-px crops (smoke: the whole 64-px
images), batch 8, no auxiliary loss. Also writes output_info.json.
"""
import json
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.datasets import VOCSegmentation
from torchvision.models import ResNet50_Weights
from torchvision.models.segmentation import fcn_resnet50

from evaluate_local import MEAN, STD, mean_iou

SMOKE = os.environ.get("MLDB_PROFILE") == "smoke"
CROP, BATCH_SIZE, LR, EPOCHS = (None if SMOKE else 256), 8, 1e-4, 1


def sample(img, mask):
    x = torch.from_numpy(np.asarray(img.convert("RGB"), np.float32) / 255.0).permute(2, 0, 1)
    y = torch.from_numpy(np.asarray(mask, np.int64))
    if CROP:
        pad_h, pad_w = max(0, CROP - x.shape[1]), max(0, CROP - x.shape[2])
        x = F.pad(x, (0, pad_w, 0, pad_h))
        y = F.pad(y, (0, pad_w, 0, pad_h), value=255)
        i, j = random.randint(0, x.shape[1] - CROP), random.randint(0, x.shape[2] - CROP)
        x, y = x[:, i:i + CROP, j:j + CROP], y[i:i + CROP, j:j + CROP]
    return (x - MEAN) / STD, y


def main():
    torch.manual_seed(0)
    random.seed(0)
    start = time.time()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train = VOCSegmentation(root="./data", year="2012", image_set="train", download=False)
    val = VOCSegmentation(root="./data", year="2012", image_set="val", download=False)
    model = fcn_resnet50(weights=None, weights_backbone=ResNet50_Weights.IMAGENET1K_V1, num_classes=21,
                         aux_loss=False).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    for epoch in range(EPOCHS):
        model.train()
        order = list(range(len(train)))
        random.shuffle(order)
        for b in range(0, len(order), BATCH_SIZE):
            xs, ys = zip(*(sample(*train[i]) for i in order[b:b + BATCH_SIZE]))
            out = model(torch.stack(xs).to(device))["out"]
            loss = F.cross_entropy(out, torch.stack(ys).to(device), ignore_index=255)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: last loss {loss.item():.4f}", flush=True)
    torch.save(model.state_dict(), "model_weights.pt")
    miou = mean_iou(model, val, device)
    with open("output_info.json", "w") as f:
        json.dump({"model_name": "torchvision.models.segmentation.fcn_resnet50", "mean_iou": miou,
                   "training_time": time.time() - start,
                   "dataset_info": {"year": "2012", "image_set": "val", "num_classes": 21}}, f, indent=2)
    print(f"local val mIoU {miou:.4f}")


if __name__ == "__main__":
    main()
