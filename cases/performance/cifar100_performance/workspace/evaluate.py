"""Local check (locked): accuracy of `utils.get_best_model()` on the local validation split.

CPU, 4 threads; images normalised with mean (0.5071, 0.4867, 0.4408) and std (0.2675, 0.2565, 0.2761).
Writes eval_metrics.json {accuracy (fraction), class_accuracies, num_parameters (all parameters)}.
The grader scores the hidden test split with its own code; this file is a convenience.
"""
import json

import torch
from torch.utils.data import DataLoader
from torchvision import transforms

from cifar100 import CIFAR100Dataset, compute_metrics

MEAN, STD = (0.5071, 0.4867, 0.4408), (0.2675, 0.2565, 0.2761)


def logits_of(output):
    if isinstance(output, dict):
        output = output.get("logits", output.get("out"))
    return output


def main():
    from utils import get_best_model  # imported here: utils may import train_baseline, which imports this module

    torch.set_num_threads(4)
    data = CIFAR100Dataset("val", transform=transforms.Normalize(MEAN, STD))
    model = get_best_model().cpu().eval()
    preds, labels = [], []
    with torch.no_grad():
        for batch in DataLoader(data, batch_size=64, shuffle=False):
            preds.append(logits_of(model(batch["image"])).argmax(1))
            labels.append(batch["labels"])
    m = compute_metrics(torch.cat(preds), torch.cat(labels))
    result = {"accuracy": m["correct"] / m["total"],
              "class_accuracies": {i: (c / t if t else None) for i, (c, t) in enumerate(zip(m["class_correct"], m["class_total"]))},
              "num_parameters": sum(p.numel() for p in model.parameters())}
    with open("eval_metrics.json", "w") as f:
        json.dump(result, f, indent=2)
    print(f"val accuracy {100 * result['accuracy']:.2f}% ({m['correct']}/{m['total']}), "
          f"{result['num_parameters']:,} parameters")


if __name__ == "__main__":
    main()
