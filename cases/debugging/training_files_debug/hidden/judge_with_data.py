"""judge.py's judge() with the served CIFAR-10 extracted into this private cwd (grading.judge has no `read`).

    judge_with_data.py INPUTS_DIR OBSERVED_DIR CIFAR_ASSET_DIR PROFILE

Loads inputs and observations as judge_runner.py does (JSON, or torch.load weights_only) and prints
{"checks": [...]} as the last line.
"""
import json
import os
import sys
import tarfile

import judge
import judge_runner
from mldb_judge import Observed


def main():
    inputs_dir, observed_dir, asset, profile = sys.argv[1:5]
    with tarfile.open(os.path.join(asset, "cifar-10-python.tar.gz")) as tar:
        tar.extractall("data", filter="data")
    inputs = judge_runner._inputs(inputs_dir)
    observed = Observed()
    for name in inputs["probes"]:
        for suffix in (".json", ".pt", ".error.json"):
            path = os.path.join(observed_dir, name + suffix)
            if os.path.isfile(path):
                try:
                    observed.add(name, judge_runner._load(path), failed=suffix == ".error.json")
                except Exception as exc:  # noqa: BLE001 - an unreadable observation is a failed probe
                    observed.add(name, {"error": f"unreadable output: {type(exc).__name__}: {exc}"[:500]}, failed=True)
                break
    print(json.dumps({"checks": judge.judge(inputs, observed, profile, "data").results}))


if __name__ == "__main__":
    main()
