"""Prediction step (grader code, run in the sandbox on a throw-away copy of the snapshot).

    python predict_classifier.py INPUTS.npy PREDICTIONS.npy --num-classes N --mean m m m --std s s s
                                 [--batch 64]

Imports the agent's `utils.get_best_model()` (cwd = the copy; the protected modules there are the grader's
copies), runs it on the evaluation *inputs only* (uint8 images (N, 32, 32, 3); no labels in this process),
and writes int64 predictions. What it measured goes to $MLDB_REPORT as JSON:
  num_params_total   sum of numel() over all parameters() of the returned module, trainable or frozen;
  census_numel       numel of the distinct tensor / numpy storages reachable through gc.get_objects(), right
                     after get_best_model() returns and after the first batch (the larger), excluding storages
                     this script created itself;
  error              why the step could not finish, if it could not.
With --max-params it stops early once the count or the census is over the cap (the grader checks both
numbers again itself).
"""
import argparse
import gc
import json
import os
import sys
import time
import traceback
import warnings


def storages(exclude=frozenset()):
    """{storage key: numel} of every tensor and numpy array reachable from gc-tracked objects."""
    import numpy as np
    import torch
    found = {}

    def add(obj):
        try:
            if isinstance(obj, torch.Tensor):
                if obj.is_sparse or obj.device.type == "meta":
                    return
                st = obj.untyped_storage()
                key = ("t", obj.device.type, st.data_ptr())
                size = st.nbytes() // max(1, obj.element_size())
            elif isinstance(obj, np.ndarray):
                root = obj
                while isinstance(root.base, np.ndarray):
                    root = root.base
                key = ("n", root.__array_interface__["data"][0])
                size = root.nbytes // max(1, root.itemsize)
            else:
                return
        except Exception:  # noqa: BLE001 - exotic tensors: counted by parameters() anyway
            return
        if key not in exclude:
            found[key] = max(found.get(key, 0), int(size))

    containers = (dict, list, tuple, set, frozenset)  # instance and module attributes live in dicts
    tensor, ndarray = torch.Tensor, np.ndarray
    with warnings.catch_warnings():  # isinstance() on lazy module attributes may warn
        warnings.simplefilter("ignore")
        _scan(gc.get_objects(), containers, tensor, ndarray, add)
    return found


def _scan(objects, containers, tensor, ndarray, add):
    for obj in objects:
        if isinstance(obj, tensor):
            add(obj)
        elif type(obj) in containers:
            for ref in gc.get_referents(obj):
                if isinstance(ref, ndarray):  # numpy arrays are not gc-tracked: found through their holders
                    add(ref)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("inputs")
    parser.add_argument("output")
    parser.add_argument("--num-classes", type=int, required=True)
    parser.add_argument("--mean", type=float, nargs=3, required=True)
    parser.add_argument("--std", type=float, nargs=3, required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--max-params", type=float, default=None, help="stop early above this many parameters")
    parser.add_argument("--census-factor", type=float, default=1.25)
    args = parser.parse_args()
    report_path = os.environ.get("MLDB_REPORT")
    report = {"error": "", "num_params_total": None, "census_numel": None}

    def finish():
        if report_path:
            with open(report_path, "w") as f:
                json.dump(report, f)

    import numpy as np
    import torch
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    device = "cuda" if torch.cuda.is_available() else "cpu"
    images = np.load(args.inputs, allow_pickle=False)
    mean = torch.tensor(args.mean).view(1, 3, 1, 1)
    std = torch.tensor(args.std).view(1, 3, 1, 1)
    gc.collect()
    own = frozenset(storages())
    sys.path.insert(0, os.getcwd())
    t0 = time.monotonic()
    try:
        from utils import get_best_model
        model = get_best_model()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"get_best_model() returned {type(model).__name__}, not a torch.nn.Module")
        report["num_params_total"] = int(sum(p.numel() for p in model.parameters()))
        finish()
        if args.max_params is not None and report["num_params_total"] > args.max_params:
            raise ValueError(f"{report['num_params_total']:,} parameters exceed the cap of {args.max_params:,.0f}")
        gc.collect()
        census = sum(storages(own).values())
        report["census_numel"] = int(census)
        finish()
        if args.max_params is not None and census > args.census_factor * args.max_params:
            raise ValueError(f"{census:,} live tensor elements exceed {args.census_factor:g} x the parameter cap")
        model = model.to(device).eval()
        preds = []
        with torch.no_grad():
            for start in range(0, len(images), args.batch):
                chunk = images[start:start + args.batch]
                x = (torch.from_numpy(chunk).permute(0, 3, 1, 2).float() / 255.0 - mean) / std
                out = model(x.to(device))
                if isinstance(out, dict):
                    out = out.get("logits", out.get("out"))
                if not isinstance(out, torch.Tensor) or tuple(out.shape) != (len(chunk), args.num_classes):
                    got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                    raise ValueError(f"the model returned {got}; expected logits of shape ({len(chunk)}, "
                                     f"{args.num_classes}) or a dict with 'logits'/'out'")
                preds.append(out.argmax(1).cpu())
                if start == 0:
                    keep = frozenset(own | {("t", x.device.type, x.untyped_storage().data_ptr()),
                                            ("t", out.device.type, out.untyped_storage().data_ptr())})
                    gc.collect()
                    census = max(census, sum(storages(keep).values()))
                    report["census_numel"] = int(census)
        report["census_numel"] = int(census)
        if args.max_params is not None and census > args.census_factor * args.max_params:
            raise ValueError(f"{census:,} live tensor elements exceed {args.census_factor:g} x the parameter cap")
        np.save(args.output, torch.cat(preds).numpy().astype(np.int64))
        report["predict_s"] = round(time.monotonic() - t0, 2)
    except Exception as exc:  # noqa: BLE001 - the agent's code failed: a failed check with its reason
        report["error"] = f"{type(exc).__name__}: {str(exc)[:500]}"
        report["traceback"] = traceback.format_exc()[-2000:]
    finish()
    print(json.dumps({k: v for k, v in report.items() if k != "traceback"}))


if __name__ == "__main__":
    main()
