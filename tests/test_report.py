"""The JSON report, JUnit properties, xdist equivalence and resume."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from pytest_mldevbench.report import json_report, table

HELLO = "cases/extras/hello_world"
AGENTS = "--agent=oracle,null,cheat-hello-world-no-comma"


def test_report_contents_and_schema(bench, tmp_path):
    junit = tmp_path / "junit.xml"
    run = bench(HELLO, AGENTS, "--runs=2", f"--junitxml={junit}", f"--mldb-json={tmp_path / 'r.json'}")
    assert run.returncode == 1  # failed trials fail the session
    report = json_report.load(tmp_path / "r.json")
    assert report == run.report
    meta = report["metadata"]
    for key in ("profile", "sandbox", "agents", "runs", "git_sha", "host", "gpus", "versions", "created_at"):
        assert key in meta
    assert meta["profile"] == "smoke" and meta["runs"] == 2 and "torch" in meta["versions"]
    assert len(report["trials"]) == 6
    for t in report["trials"]:
        assert set(t) >= {"trial_id", "task_id", "category", "agent", "model", "run", "outcome", "success", "score",
                          "reason", "checks", "usage", "steps", "timings", "artifacts_dir", "versions"}
        assert (run.out_dir / t["artifacts_dir"].split("/")[-1] / "result.json").is_file()
    agg = report["aggregates"]
    assert agg["by_agent_model"]["oracle"]["passed"] == 2 and agg["by_agent_model"]["oracle"]["success_rate"] == 1.0
    assert agg["by_agent_model"]["null"]["success_rate"] == 0.0
    assert agg["by_task"]["hello_world"] == {**agg["by_task"]["hello_world"], "trials": 6, "passed": 2, "failed": 4}
    cheat = next(t for t in report["trials"] if t["agent"].startswith("cheat"))
    assert cheat["reason"] == "wrong_result" and 0 < cheat["score"] < 1  # 2 of 3 checks pass: partial score
    # JUnit carries the same record
    props = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        props[case.get("name")] = {p.get("name"): p.get("value") for p in case.iter("property")}
    oracle = props["test_hello_world[oracle-1]"]
    assert oracle["mldb.outcome"] == "passed" and json.loads(oracle["mldb.result"])["success"] is True
    assert props["test_hello_world[null-2]"]["mldb.outcome"] == "failed"
    # the terminal table
    assert "ML-Dev-Bench results" in run.output and "extras" in run.output
    assert "2/2 (100%)" in table.render(report)


def _comparable(report: dict) -> dict:
    def strip(t: dict) -> dict:
        return {k: v for k, v in t.items() if k not in ("timings", "started_at", "finished_at", "artifacts_dir", "scratch_dir")}

    def agg(a):
        if isinstance(a, dict):
            return {k: agg(v) for k, v in a.items() if k != "wall_s"}
        return a

    return {"trials": [strip(t) for t in report["trials"]], "aggregates": agg(report["aggregates"])}


def test_xdist_gives_the_same_report(bench):
    serial = bench(HELLO, AGENTS, "--runs=2", "-n", "0")
    parallel = bench(HELLO, AGENTS, "--runs=2", "-n", "2")
    assert serial.report and parallel.report
    assert len(serial.report["trials"]) == 6
    assert _comparable(serial.report) == _comparable(parallel.report)


def test_resume_skips_finished_trials(bench, tmp_path):
    out = tmp_path / "out"
    first = bench(HELLO, AGENTS, out=out)
    records = {p.parent.name: p.read_text() for p in out.glob("*/result.json")}
    assert len(records) == 3
    (out / "hello_world__null-1" / "result.json").unlink()
    second = bench(HELLO, AGENTS, "--mldb-resume", out=out)
    after = {p.parent.name: p.read_text() for p in out.glob("*/result.json")}
    assert after["hello_world__oracle-1"] == records["hello_world__oracle-1"]  # reused, not redone
    assert after["hello_world__cheat-hello-world-no-comma-1"] == records["hello_world__cheat-hello-world-no-comma-1"]
    assert after["hello_world__null-1"] != records["hello_world__null-1"]  # redone
    assert _comparable(first.report) == _comparable(second.report)
    assert second.returncode == first.returncode == 1
