"""Load best_model.pth (weights only, strict) into a reference 10-class MobileNetV2; print one JSON line."""
import json
import sys

import torch
from torchvision.models import mobilenet_v2


def main(path: str) -> None:
    result = {"loaded": False, "error": ""}
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        model = mobilenet_v2(weights=None, num_classes=10)
        model.load_state_dict(state, strict=True)
        result.update(loaded=True, tensors=len(state),
                      finite=all(bool(torch.isfinite(v).all()) for v in state.values() if v.is_floating_point()))
    except Exception as exc:  # any failure to load is the answer, not a crash of the grader
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "best_model.pth")
