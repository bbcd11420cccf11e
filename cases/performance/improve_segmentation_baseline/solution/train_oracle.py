"""Oracle for improve_segmentation_baseline.

Starts from fcn_resnet50's pretrained weights (COCO_WITH_VOC_LABELS_V1, in TORCH_HOME). Smoke (where they are a
stand-in: the backbone stand-in with untrained heads): the backbone frozen; its stride-8 features are computed
once for every train + local-val image (no flips: the 2-core time budget), then the FCN head is trained on them
with AdamW + OneCycle (max lr 3e-3, batch 16, 4 epochs). Full: the whole network with an aux loss (0.5), SGD 0.02, poly decay,
random scale 0.5-2.0, 480 crops, flips, 30 epochs on train + local val. Saves the full state dict.
"""
import json
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F
from torchvision.datasets import VOCSegmentation
from torchvision.models.segmentation import FCN_ResNet50_Weights, fcn_resnet50

SMOKE = os.environ.get("MLDB_PROFILE") == "smoke"
MEAN, STD = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]


def tensors(img, mask):
    x = torch.from_numpy(np.asarray(img.convert("RGB"), np.float32) / 255.0).permute(2, 0, 1)
    return (x - MEAN) / STD, torch.from_numpy(np.asarray(mask, np.int64))


def mean_iou(model, dataset, device):
    """The grader's metric on a dataset: one 21x21 confusion matrix over all pixels (255 ignored)."""
    conf = np.zeros((21, 21), np.int64)
    model.eval()
    with torch.no_grad():
        for img, mask in dataset:
            x, y = tensors(img, mask)
            pred = model(x[None].to(device))["out"].argmax(1)[0].cpu().numpy()
            keep = y.numpy() != 255
            conf += np.bincount(21 * y.numpy()[keep] + pred[keep], minlength=441).reshape(21, 21)
    tp = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - tp
    return float(np.mean([tp[c] / union[c] for c in range(21) if union[c] > 0]))


def smoke(model, data, device, epochs=4):
    model.eval()
    pairs = [tensors(img, mask) for img, mask in data]  # smoke images share one size: batches of 16
    with torch.no_grad():
        feats = torch.cat([model.backbone(torch.stack([x for x, _ in pairs[i:i + 16]]).to(device))["out"].cpu()
                           for i in range(0, len(pairs), 16)])
    masks = torch.stack([y for _, y in pairs])
    head = model.classifier
    steps = epochs * ((len(feats) + 15) // 16)
    opt = torch.optim.AdamW(head.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    for epoch in range(epochs):
        head.train()
        perm = torch.randperm(len(feats))
        for i in range(0, len(feats), 16):
            idx = perm[i:i + 16]
            out = F.interpolate(head(feats[idx].to(device)), size=masks.shape[-2:], mode="bilinear", align_corners=False)
            loss = F.cross_entropy(out, masks[idx].to(device), ignore_index=255)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}", flush=True)


def full(model, data, device, epochs=30, crop=480):
    params = [{"params": model.backbone.parameters()}, {"params": model.classifier.parameters()},
              {"params": model.aux_classifier.parameters()}]
    opt = torch.optim.SGD(params, lr=0.02, momentum=0.9, weight_decay=1e-4)
    steps = epochs * ((len(data) + 15) // 16)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (1 - s / steps) ** 0.9)
    for epoch in range(epochs):
        model.train()
        order = list(range(len(data)))
        random.shuffle(order)
        for b in range(0, len(order), 16):
            xs, ys = [], []
            for i in order[b:b + 16]:
                x, y = tensors(*data[i])
                s = random.uniform(0.5, 2.0)
                h, w = int(x.shape[1] * s), int(x.shape[2] * s)
                x = F.interpolate(x[None], size=(h, w), mode="bilinear", align_corners=False)[0]
                y = F.interpolate(y[None, None].float(), size=(h, w), mode="nearest")[0, 0].long()
                ph, pw = max(0, crop - h), max(0, crop - w)
                x, y = F.pad(x, (0, pw, 0, ph)), F.pad(y, (0, pw, 0, ph), value=255)
                i0, j0 = random.randint(0, x.shape[1] - crop), random.randint(0, x.shape[2] - crop)
                x, y = x[:, i0:i0 + crop, j0:j0 + crop], y[i0:i0 + crop, j0:j0 + crop]
                if random.random() < 0.5:
                    x, y = x.flip(2), y.flip(1)
                xs.append(x)
                ys.append(y)
            out = model(torch.stack(xs).to(device))
            y = torch.stack(ys).to(device)
            loss = F.cross_entropy(out["out"], y, ignore_index=255) + 0.5 * F.cross_entropy(out["aux"], y,
                                                                                             ignore_index=255)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}", flush=True)


def main():
    torch.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "2"))))
    start = time.time()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train = VOCSegmentation(root="./data", year="2012", image_set="train", download=False)
    val = VOCSegmentation(root="./data", year="2012", image_set="val", download=False)
    data = torch.utils.data.ConcatDataset([train, val])
    model = fcn_resnet50(weights=FCN_ResNet50_Weights.COCO_WITH_VOC_LABELS_V1).to(device)
    (smoke if SMOKE else full)(model, data, device)
    torch.save({k: v.cpu() for k, v in model.state_dict().items()}, "model_weights.pt")
    miou = mean_iou(model, val, device)
    with open("output_info.json", "w") as f:
        json.dump({"model_name": "torchvision.models.segmentation.fcn_resnet50", "mean_iou": miou,
                   "training_time": time.time() - start,
                   "dataset_info": {"year": "2012", "image_set": "val", "num_classes": 21}}, f, indent=2)
    print(f"local val mIoU {miou:.4f} (trained on it too)")


if __name__ == "__main__":
    main()
