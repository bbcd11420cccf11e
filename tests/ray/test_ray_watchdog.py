"""The trial watchdog with --executor ray: the nested session on the node watches the trial (the controller's
--timeout forwarded); a hung trial comes back as an infrastructure error naming its phase, the others run."""
from __future__ import annotations

from pathlib import Path

from tests.test_watchdog import CASES, survivors

OTHER = Path(__file__).resolve().parents[1] / "data" / "gpu_cases" / "extras" / "cpu_probe"  # runs beside it


def test_hung_trial_on_a_node_is_an_error_and_the_others_run(ray_cluster, bench):
    run = bench(str(CASES / "hang_grader"), str(OTHER), "--executor=ray",
                f"--ray-address={ray_cluster.address}", "--timeout=4")
    assert run.report is not None, run.output[-3000:]
    trials = {t["task_id"]: t for t in run.report["trials"]}
    hung = trials["hang_grader"]
    assert (hung["outcome"], hung["reason"]) == ("error", "infrastructure"), hung["detail"]
    assert hung["detail"].startswith("watchdog: the trial hung in grade and was stopped after 4s"), hung["detail"]
    assert (Path(hung["artifacts_dir"]) / "watchdog.log").is_file()  # came back from the node with the artifacts
    assert trials["cpu_probe"]["outcome"] == "passed", trials["cpu_probe"]["detail"]
    assert survivors() == []
