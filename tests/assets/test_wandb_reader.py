"""read_offline_run on a real offline run written by wandb in the task environment."""
from __future__ import annotations

import math

from pytest_mldevbench.wandb_reader import find_run_file, read_offline_run

from .helpers import run_py


def test_reads_config_summary_history(task_python, tmp_path):
    out = run_py(task_python, """
        import json, wandb
        run = wandb.init(project="cifar100-classification", name="run-20250101_1200", config={"lr": 0.01, "opt": {"m": 0.9}})
        for i in range(3):
            run.log({"train_loss": 1.0 / (i + 1)})
        run.log({"val_loss": 0.4, "val_accuracy": 0.75, "preds": wandb.Table(columns=["p"], data=[[1], [2]])})
        run.config.update({"epochs": 3})
        run.summary["best_val_accuracy"] = 0.75
        run.finish()
        print(json.dumps({"id": run.id, "dir": run.dir}))
    """, env={"WANDB_MODE": "offline", "WANDB_SILENT": "true", "WANDB_DISABLE_GIT": "true"}, cwd=tmp_path, site=False)
    run_dir = next((tmp_path / "wandb").glob(f"offline-run-*-{out['id']}"))
    assert find_run_file(run_dir).name == f"run-{out['id']}.wandb"
    r = read_offline_run(run_dir, python=task_python)
    assert (r["project"], r["name"], r["id"], r["state"]) == ("cifar100-classification", "run-20250101_1200",
                                                              out["id"], "finished")
    assert r["config"] == {"lr": 0.01, "opt": {"m": 0.9}, "epochs": 3}
    losses = [h["train_loss"] for h in r["history"] if "train_loss" in h]
    assert len(losses) == 3 and math.isclose(losses[-1], 1 / 3)
    last = r["history"][-1]
    assert last["val_accuracy"] == 0.75 and last["preds"]["_type"].startswith("table")
    assert r["summary"]["best_val_accuracy"] == 0.75 and r["summary"]["val_loss"] == 0.4


def test_missing_run_is_a_clear_error(tmp_path):
    import pytest
    from pytest_mldevbench.wandb_reader import WandbReadError
    with pytest.raises(WandbReadError, match="run-\\*.wandb"):
        find_run_file(tmp_path)
