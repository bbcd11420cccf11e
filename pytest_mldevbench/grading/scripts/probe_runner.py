"""Run a task's probes on the agent's code: the UNTRUSTED side of `grading.observe` (task python, sandbox).

    python probe_runner.py PROBES_PY INPUTS_DIR PLAN_JSON OUT_DIR SKIP

Imports PROBES_PY (the task's hidden probes: a function `run(name, inputs) -> dict`) with the grading folder
(the cwd, the agent's code) first on sys.path, loads the inputs the judge made, and runs the probes of the plan
from index SKIP on, one after the other. Each probe's result is written to OUT_DIR/<name>.json (when it is
plain JSON) or OUT_DIR/<name>.pt (torch.save; the judge reads it with weights_only=True); an exception is
written to OUT_DIR/<name>.error.json. Whatever this process writes is an observation: the agent's code runs
here and may rewrite any of it. If the process dies, the harness restarts it after the probe it died in.
"""
import importlib.util
import json
import os
import sys
import traceback


def load_inputs(folder):
    path = os.path.join(folder, "inputs.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    import torch
    return torch.load(os.path.join(folder, "inputs.pt"), weights_only=True, map_location="cpu")


def save(out, name, result):
    if not isinstance(result, dict):
        raise TypeError(f"probe {name} returned {type(result).__name__}, not a dict")
    try:
        data, suffix = json.dumps(result).encode(), ".json"
    except (TypeError, ValueError):
        data, suffix = None, ".pt"
    tmp = os.path.join(out, f".{name}{suffix}.tmp")
    if data is not None:
        with open(tmp, "wb") as f:
            f.write(data)
    else:
        import torch
        torch.save(result, tmp)
    os.replace(tmp, os.path.join(out, name + suffix))


def main():
    probes_py, inputs_dir, plan_json, out, skip = sys.argv[1:6]
    sys.path[0] = os.getcwd()  # the agent's modules, not this folder
    with open(plan_json, encoding="utf-8") as f:
        plan = json.load(f)
    inputs = load_inputs(inputs_dir)
    spec = importlib.util.spec_from_file_location("mldb_probes", probes_py)
    probes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probes)
    for name in plan[int(skip):]:
        try:
            result = probes.run(name, inputs)
            save(out, name, result)
        except BaseException as exc:  # noqa: BLE001 - SystemExit from the agent's code included
            if isinstance(exc, KeyboardInterrupt):
                raise
            text = f"{type(exc).__name__}: {exc}"[:2000]
            detail = {"error": text, "traceback": traceback.format_exc()[-4000:]}
            with open(os.path.join(out, name + ".error.json"), "w", encoding="utf-8") as f:
                json.dump(detail, f)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
