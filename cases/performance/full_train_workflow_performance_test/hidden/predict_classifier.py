"""Prediction step (hidden): the agent's utils.get_best_model() on the withheld images, inputs only.

usage: predict_classifier.py <images dir> <list file> <default size> <max_params>
Runs with the graded workspace as cwd (its utils.py and whatever that imports), in the sandbox. Images are
listed under opaque names in a fixed order; no label is anywhere in this process. Writes $MLDB_REPORT:
{"predictions": [...], "num_params", "census": [after load, after first batch], "error"}.
"""
import gc
import json
import os
import sys
import traceback
from pathlib import Path

BATCH_SIZE = 64
REPORT = os.environ["MLDB_REPORT"]


def storages(exclude=()):
    """Total numel of the distinct tensor storages and numpy buffers reachable through gc.

    Tensors are gc-tracked objects; numpy arrays are not, so they are found as items of tracked containers
    (lists, tuples, sets, dicts, object __dict__s)."""
    import warnings
    import numpy as np
    import torch
    seen, total = set(exclude), 0

    def count(obj):
        nonlocal total
        if isinstance(obj, torch.Tensor):
            st = obj.untyped_storage()
            key = ("t", st.data_ptr(), st.nbytes())
            if st.data_ptr() and key not in seen:
                seen.add(key)
                total += st.nbytes() // max(obj.element_size(), 1)
        elif isinstance(obj, np.ndarray):
            base = obj
            while isinstance(base.base, np.ndarray):
                base = base.base
            key = ("n", base.__array_interface__["data"][0], base.nbytes)
            if base.size and key not in seen:
                seen.add(key)
                total += base.size

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for obj in gc.get_objects():
            try:
                count(obj)
                if isinstance(obj, (list, tuple, set, frozenset)):
                    items = obj
                elif isinstance(obj, dict):
                    items = obj.values()
                else:
                    continue
                for item in items:
                    if isinstance(item, np.ndarray):
                        count(item)
                    elif isinstance(item, (list, tuple, dict)) and not gc.is_tracked(item):
                        for sub in (item.values() if isinstance(item, dict) else item):  # untracked containers
                            if isinstance(sub, np.ndarray):
                                count(sub)
            except Exception:  # noqa: BLE001 - exotic objects are skipped
                continue
    return total


def keys_of(*tensors):
    return {("t", t.untyped_storage().data_ptr(), t.untyped_storage().nbytes()) for t in tensors}


def write(report):
    Path(REPORT).write_text(json.dumps(report))


def main(images_dir, list_file, default_size, max_params):
    report = {"predictions": None, "num_params": None, "census": [], "error": None}
    write(dict(report, error="the prediction step did not finish"))
    import torch
    from PIL import Image
    torch.set_num_threads(2)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    names = [n for n in Path(list_file).read_text().split() if n]
    sys.path.insert(0, os.getcwd())
    try:
        import utils
        model = utils.get_best_model()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"get_best_model() returned {type(model).__name__}, not a torch.nn.Module")
        report["num_params"] = int(sum(p.numel() for p in model.parameters()))
        gc.collect()
        report["census"].append(storages())
        write(dict(report, error="the prediction step did not finish"))
        transform = utils.get_transform() if callable(getattr(utils, "get_transform", None)) else None
        if transform is None:
            from torchvision import transforms
            size = int(default_size)
            transform = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.ToTensor(),
                                            transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
        model = model.to(device).eval()
        preds = []
        with torch.no_grad():
            for start in range(0, len(names), BATCH_SIZE):
                batch = torch.stack([transform(Image.open(Path(images_dir) / n).convert("RGB"))
                                     for n in names[start:start + BATCH_SIZE]]).to(device)
                out = model(batch)
                if not isinstance(out, torch.Tensor) or tuple(out.shape) != (len(batch), 10):
                    raise ValueError(f"the model returned {getattr(out, 'shape', type(out))}, expected ({len(batch)}, 10)")
                preds += out.argmax(1).cpu().tolist()
                if start == 0:
                    gc.collect()
                    report["census"].append(storages(keys_of(batch, out)))
        report["predictions"] = [int(p) for p in preds]
    except BaseException as exc:  # noqa: BLE001 - the agent's code failed; say how
        report["error"] = f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}"
    write(report)


if __name__ == "__main__":
    main(*sys.argv[1:])
