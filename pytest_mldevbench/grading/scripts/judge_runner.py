"""The TRUSTED side of grading in the task environment: a judge process that never runs agent code.

    python -I judge_runner.py inputs JUDGE_PY SEED PROFILE OUT_DIR
    python -I judge_runner.py judge  JUDGE_PY PROFILE INPUTS_DIR OBSERVED_DIR
    python -I judge_runner.py script SCRIPT_PY ARG...

Started isolated (-I: no PYTHONPATH, no user site, no script folder on sys.path) in the sandbox, cwd a fresh
private folder; only the folder of JUDGE_PY (the task's hidden files and this library, nothing of the
agent's) is put on sys.path. `inputs` calls `inputs(seed, profile)` of the judge module and saves the dict it
returns (its "probes" list is the plan) as inputs.json or inputs.pt; `judge` loads the inputs and the
observations (JSON, or torch.load with weights_only=True) and calls `judge(inputs, observed, profile)`;
`script` runs a hidden script as __main__. The result is printed as JSON on the last line of stdout.
"""
import json
import os
import runpy
import sys
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


def main():
    mode, path, *args = sys.argv[1:]
    if mode == "script":
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        sys.argv = [path, *args]
        runpy.run_path(path, run_name="__main__")
        return
    module = _module(path)
    from mldb_judge import Observed
    if mode == "inputs":
        seed, profile, out = int(args[0]), args[1], args[2]
        data = module.inputs(seed, profile)
        plan = data.get("probes") if isinstance(data, dict) else None
        if not (isinstance(plan, list) and all(isinstance(p, str) for p in plan)):
            raise TypeError("inputs() must return a dict whose 'probes' is a list of probe names")
        _save(out, data)
        print(json.dumps({"probes": plan}))
    elif mode == "judge":
        profile, inputs_dir, observed_dir = args
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
        results = getattr(checks, "results", checks)
        print(json.dumps({"checks": results}))
    else:
        raise SystemExit(f"judge_runner: unknown mode {mode!r}")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # noqa: BLE001 - reported to the harness as the judge's failure
        traceback.print_exc()
        sys.exit(1)
