"""Local check: mIoU of model_weights.pt on the local validation split (data/.../val.txt).

The same metric as the grader: each image at its original size, ImageNet normalisation, batch 1, the `out`
head, argmax, one 21x21 confusion matrix over all pixels (255 ignored), mean IoU over classes present.
A convenience only; the grade comes from a hidden evaluation set.
"""
import json

import numpy as np
import torch
from torchvision.datasets import VOCSegmentation
from torchvision.models.segmentation import fcn_resnet50

MEAN, STD = torch.tensor([0.485, 0.456, 0.406])[:, None, None], torch.tensor([0.229, 0.224, 0.225])[:, None, None]


def mean_iou(model, dataset, device):
    conf = np.zeros((21, 21), np.int64)
    model.eval()
    with torch.no_grad():
        for img, mask in dataset:
            x = torch.from_numpy(np.asarray(img.convert("RGB"), np.float32) / 255.0).permute(2, 0, 1)
            pred = model(((x - MEAN) / STD)[None].to(device))["out"].argmax(1)[0].cpu().numpy()
            target = np.asarray(mask, np.int64)
            keep = target != 255
            conf += np.bincount(21 * target[keep] + pred[keep], minlength=441).reshape(21, 21)
    tp = np.diag(conf)
    union = conf.sum(0) + conf.sum(1) - tp
    return float(np.mean([tp[c] / union[c] for c in range(21) if union[c] > 0]))


def main():
    device = "cuda" if torch.cuda.is_available() else "cpu"
    sd = torch.load("model_weights.pt", map_location="cpu", weights_only=True)
    model = fcn_resnet50(weights=None, weights_backbone=None, num_classes=21,
                         aux_loss=any(k.startswith("aux_classifier.") for k in sd))
    model.load_state_dict(sd)
    val = VOCSegmentation(root="./data", year="2012", image_set="val", download=False)
    miou = mean_iou(model.to(device), val, device)
    print(json.dumps({"local_val_mean_iou": miou}))


if __name__ == "__main__":
    main()
