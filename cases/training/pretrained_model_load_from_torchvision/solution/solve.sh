#!/usr/bin/env bash
# Oracle for pretrained_model_load_from_torchvision.
set -euo pipefail
python - <<'PY'
import json

import torch
from torchvision.models import ResNet18_Weights, resnet18

model = resnet18(weights=ResNet18_Weights.DEFAULT)
torch.save(model.state_dict(), "resnet18_pretrained.pth")
info = {
    "model_name": "resnet18",
    "model_path": "resnet18_pretrained.pth",
    "architecture": {"input_shape": [3, 224, 224],
                     "num_parameters": sum(p.numel() for p in model.parameters())},
}
json.dump(info, open("model_info.json", "w"), indent=2)
print(info)
PY
