"""Score a checkpoint of LightningCNN on the local validation slice and write metrics.json.

    python test_model.py --checkpoint pretrained_epoch_44.ckpt

A convenience for you: the hidden test split is scored by the grader, not by this script.
"""
import argparse
import json

import torch

from train_baseline import MEAN, STD, LightningCNN, load_cifar10


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--output", default="metrics.json")
    args = parser.parse_args()

    ckpt = torch.load(args.checkpoint, map_location="cpu", weights_only=True)
    state = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else ckpt
    model = LightningCNN()
    model.load_state_dict(state, strict=True)
    model.eval()
    images, labels = load_cifar10(split="val")
    x = (torch.from_numpy(images).float() / 255.0 - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    y = torch.from_numpy(labels)
    with torch.no_grad():
        logits = torch.cat([model(b) for b in x.split(500)])
    loss = torch.nn.functional.cross_entropy(logits, y).item()
    acc = 100.0 * (logits.argmax(1) == y).float().mean().item()
    with open(args.output, "w") as f:
        json.dump({"validation_loss": loss, "validation_accuracy": acc}, f, indent=4)
    print(f"Validation Loss: {loss:.4f}\nValidation Accuracy: {acc:.2f}% ({len(labels)} local validation images)")


if __name__ == "__main__":
    main()
