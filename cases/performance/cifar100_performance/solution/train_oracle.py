"""Oracle for cifar100_performance.

smoke: a 4-block BN-CNN (about 0.25 M params), AdamW + OneCycle (max lr 4e-3, wd 5e-4), batch 64, crop+flip,
       7 epochs on all training images (train + local val).
full:  timm ViT-S/16 (augreg in21k -> in1k) from the zoo with a new 100-way head; the wrapper upsamples
       32 -> 224 px and re-normalises inside forward; SGD momentum 0.9, lr 0.01, cosine with 500 warm-up
       steps, batch 128, label smoothing 0.1, 8 epochs on train + local val.
Logs to W&B offline (train_loss, val_loss, val_accuracy, a table of 16 sample predictions) through
train_baseline.fit, and writes utils.py.
"""
import argparse
import math
import os

import torch

from train_baseline import fit, make_loaders

UTILS = '''"""get_best_model(): the oracle's model, rebuilt from best_checkpoint/model.pt (weights only)."""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

CIFAR_MEAN, CIFAR_STD = (0.5071, 0.4867, 0.4408), (0.2675, 0.2565, 0.2761)


class BNCNN(nn.Module):
    def __init__(self, num_classes=100, widths=(32, 64, 128, 128)):
        super().__init__()
        layers, c_in = [], 3
        for c_out in widths:
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out),
                       nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, num_classes)

    def forward(self, x):
        return {"logits": self.head(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))}


class TimmUpsampled(nn.Module):
    """CIFAR-normalised 32 px in; ImageNet-normalised 224 px to the timm backbone."""

    def __init__(self, name, pretrained=False):
        super().__init__()
        import timm
        self.net = timm.create_model(name, pretrained=pretrained, num_classes=100)
        cfg = self.net.pretrained_cfg
        self.register_buffer("cin_mean", torch.tensor(CIFAR_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("cin_std", torch.tensor(CIFAR_STD).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("out_mean", torch.tensor(cfg["mean"]).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("out_std", torch.tensor(cfg["std"]).view(1, 3, 1, 1), persistent=False)
        self.size = cfg["input_size"][-1]

    def forward(self, x):
        x = x * self.cin_std + self.cin_mean
        x = F.interpolate(x, size=self.size, mode="bilinear", align_corners=False)
        return {"logits": self.net((x - self.out_mean) / self.out_std)}


def build(arch, pretrained=False):
    if arch == "bncnn":
        return BNCNN()
    return TimmUpsampled(arch, pretrained=pretrained)


def get_best_model():
    here = os.path.dirname(os.path.abspath(__file__))
    ckpt = torch.load(os.path.join(here, "best_checkpoint", "model.pt"), map_location="cpu", weights_only=True)
    model = build(ckpt["arch"])
    model.load_state_dict(ckpt["model_state_dict"])
    return model.eval()
'''


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=None, help="default: 8 (full), 7 (smoke)")
    args = parser.parse_args()
    full = os.environ.get("MLDB_PROFILE", "smoke") == "full"
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    with open("utils.py", "w") as f:
        f.write(UTILS)
    import utils
    arch = "vit_small_patch16_224.augreg_in21k_ft_in1k" if full else "bncnn"
    batch = 128 if full else 64
    epochs = args.epochs or (8 if full else 7)
    train_loader, val_loader = make_loaders(batch, include_val=True)
    model = utils.build(arch, pretrained=full)
    steps = epochs * len(train_loader)
    if full:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        warm = 500

        def lr_at(s):
            return (s + 1) / warm if s < warm else 0.5 * (1 + math.cos(math.pi * (s - warm) / max(1, steps - warm)))
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    else:
        opt = torch.optim.AdamW(model.parameters(), lr=4e-3, weight_decay=5e-4)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=steps)

    fit(model, train_loader, val_loader, opt, epochs, scheduler=sched, run_prefix="oracle",
        label_smoothing=0.1 if full else 0.0, checkpoint_extra={"arch": arch})


if __name__ == "__main__":
    main()
