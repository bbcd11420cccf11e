"""The TRUSTED side of grading in the task environment: a judge process that never runs agent code.

    python -I judge_runner.py inputs JUDGE_PY SEED PROFILE OUT_DIR
    python -I judge_runner.py judge  JUDGE_PY PROFILE INPUTS_DIR OBSERVED_DIR
    python -I judge_runner.py session JUDGE_PY SEED PROFILE INPUTS_DIR OBSERVED_DIR PLAN_DIR GO_DIR
    python -I judge_runner.py script SCRIPT_PY ARG...

Started isolated (-I: no PYTHONPATH, no user site, no script folder on sys.path) in the sandbox, cwd a fresh
private folder; only the folder of JUDGE_PY (the task's hidden files and this library, nothing of the
agent's) is put on sys.path. `inputs` calls `inputs(seed, profile)` of the judge module and saves the dict it
returns (its "probes" list is the plan) as inputs.json or inputs.pt; `judge` loads the inputs and the
observations (JSON, or torch.load with weights_only=True) and calls `judge(inputs, observed, profile)`;
`session` does both in one process (one start-up, one import of the judge module, for a probing trial): it
draws and saves the inputs, writes the plan to PLAN_DIR/plan.json, waits until the harness puts GO_DIR/go (the
observations are then in OBSERVED_DIR), restores the random generators to their state before `inputs` ran (as
a fresh process would have them) and judges exactly as `judge` does.
`script` runs a hidden script as __main__. The result is printed as JSON on the last line of stdout.
"""
import json
import os
import random
import runpy
import sys
import time
import traceback


def _module(path):
    import importlib.util
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    spec = importlib.util.spec_from_file_location("mldb_task_judge", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _save(folder, data):
    try:
        text = json.dumps(data)
    except (TypeError, ValueError):
        import torch
        torch.save(data, os.path.join(folder, "inputs.pt"))
    else:
        with open(os.path.join(folder, "inputs.json"), "w", encoding="utf-8") as f:
            f.write(text)


def _load(path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    import torch
    return torch.load(path, weights_only=True, map_location="cpu")


def _inputs(folder):
    path = os.path.join(folder, "inputs.json")
    return _load(path if os.path.isfile(path) else os.path.join(folder, "inputs.pt"))


def _draw(module, seed, profile, out):
    data = module.inputs(seed, profile)
    plan = data.get("probes") if isinstance(data, dict) else None
    if not (isinstance(plan, list) and all(isinstance(p, str) for p in plan)):
        raise TypeError("inputs() must return a dict whose 'probes' is a list of probe names")
    _save(out, data)
    return plan


def _judge(module, profile, inputs_dir, observed_dir):
    from mldb_judge import Observed
    inputs = _inputs(inputs_dir)
    observed = Observed()
    for name in inputs["probes"]:
        for suffix in (".json", ".pt", ".error.json"):
            file = os.path.join(observed_dir, name + suffix)
            if not os.path.isfile(file):
                continue
            try:
                value = _load(file)
            except Exception as exc:  # noqa: BLE001 - an unreadable observation is a failed probe
                value = {"error": f"unreadable output: {type(exc).__name__}: {exc}"[:500]}
                suffix = ".error.json"
            observed.add(name, value, failed=suffix == ".error.json")
            break
    checks = module.judge(inputs, observed, profile)
    return getattr(checks, "results", checks)


def _generators():
    """A function that puts the random generators back as they are now (torch's, numpy's, Python's)."""
    torch, np = sys.modules.get("torch"), sys.modules.get("numpy")
    py = random.getstate()
    cpu = torch.random.get_rng_state() if torch is not None else None
    seed = torch.initial_seed() if torch is not None else None
    legacy = np.random.get_state() if np is not None else None

    def restore():
        random.setstate(py)
        if cpu is not None:
            torch.random.set_rng_state(cpu)
        if torch is not None and torch.cuda.is_initialized():
            torch.cuda.manual_seed_all(seed)  # a fresh process's CUDA generators start from this seed
        if legacy is not None:
            np.random.set_state(legacy)
    return restore


def _session(module, seed, profile, inputs_dir, observed_dir, plan_dir, go_dir):
    restore = _generators()
    plan = _draw(module, seed, profile, inputs_dir)
    tmp = os.path.join(plan_dir, ".plan.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"probes": plan}, f)
    os.replace(tmp, os.path.join(plan_dir, "plan.json"))
    while not os.path.exists(os.path.join(go_dir, "go")):  # the harness ends this process if it never comes
        time.sleep(0.05)
    restore()
    return _judge(module, profile, inputs_dir, observed_dir)


def main():
    mode, path, *args = sys.argv[1:]
    if mode == "script":
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        sys.argv = [path, *args]
        runpy.run_path(path, run_name="__main__")
        return
    module = _module(path)
    if mode == "inputs":
        seed, profile, out = int(args[0]), args[1], args[2]
        print(json.dumps({"probes": _draw(module, seed, profile, out)}))
    elif mode == "judge":
        print(json.dumps({"checks": _judge(module, *args)}))
    elif mode == "session":
        seed, profile, *dirs = args
        print(json.dumps({"checks": _session(module, int(seed), profile, *dirs)}))
    else:
        raise SystemExit(f"judge_runner: unknown mode {mode!r}")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - reported to the harness as the judge's failure
        traceback.print_exc()
        sys.exit(1)
