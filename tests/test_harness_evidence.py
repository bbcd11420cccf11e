"""Flags from what the harness observed itself: snapshot, sandbox run, assets.json, the meter's ledger."""
from __future__ import annotations

import json
import os

from pytest_mldevbench import harness_evidence as he
from pytest_mldevbench import workspace


def test_snapshot_anomalies_are_flagged(tmp_path):
    ws = tmp_path / "ws"
    (ws / "locked").mkdir(parents=True)
    (ws / "a.json").write_text("{}")
    os.symlink("/etc/hostname", ws / "out.json")
    os.symlink("a.json", ws / "inner.json")  # a link inside: copied, not flagged
    os.mkfifo(ws / "fifo.json")
    os.chmod(ws / "a.json", 0)
    os.chmod(ws / "locked", 0)
    skipped: list = []
    assert workspace.snapshot(ws, tmp_path / "snap", skipped) is None
    got = sorted(he.snapshot_flags(skipped, None))
    assert [k for k, _ in got] == ["link_out_of_workspace", "permissions_removed", "permissions_removed",
                                   "special_file"]
    assert any(e.startswith("out.json: link out of the workspace dropped: -> /") for _, e in got), got
    assert "fifo.json: fifo skipped" in [e for _, e in got]
    assert list(he.snapshot_flags([], "workspace not graded: more than 5 bytes")) == [
        ("snapshot_refused", "workspace not graded: more than 5 bytes")]


def test_a_clean_snapshot_notes_nothing(tmp_path):
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (ws / "sub" / "a.py").write_text("x = 1\n")
    skipped: list = []
    assert workspace.snapshot(ws, tmp_path / "snap", skipped) is None and skipped == []


def test_run_flags():
    assert list(he.run_flags(0, 0)) == []
    assert [k for k, _ in he.run_flags(100, 2)] == ["output_truncated", "process_outlived_agent"]
    assert list(he.run_flags(0, 0, {"connects refused": 2, "no route": 1})) == [
        ("network_refused", "refused by the sandbox's network: 2 connects refused, 1 no route")]


def test_refused_asset_requests_from_the_mirror_log():
    assert list(he.asset_flags(None)) == []  # no mirror used
    log = {"fetched": [{"asset": "cifar10", "method": "GET", "path": "cifar10/x.tar.gz", "status": 200, "bytes": 10}],
           "refused": [{"asset": None, "method": "GET", "path": "cifar10-test/y.bin", "status": 404}], "dropped": 3}
    assert list(he.asset_flags(log)) == [("asset_refused", "GET cifar10-test/y.bin: refused (404)"),
                                         ("asset_refused", "3 more requests refused (not logged one by one)")]
    assert list(he.asset_flags({"fetched": [], "refused": []})) == []
    assert list(he.asset_flags({"refused": "junk"})) == []


def test_probes_of_the_file_audit_are_flagged():
    assert list(he.run_flags(0, 0, None, [])) == []
    assert list(he.run_flags(0, 0, None, ["/repo/cases"])) == [
        ("protected_path_probed", "/repo/cases: opened, run or entered (a hidden place)")]


def test_every_flag_kind_is_registered_once_with_its_source():
    import ast
    from pathlib import Path

    from pytest_mldevbench import flagkinds
    assert len(set(flagkinds.FLAGS)) == len(flagkinds.FLAGS) and all(flagkinds.FLAGS.values())
    pkg = Path(flagkinds.__file__).parent
    for name in ("integrity.py", "harness_evidence.py", "output_evidence.py"):  # no flag name spelt out elsewhere
        tree = ast.parse((pkg / name).read_text())
        strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not strings & set(flagkinds.FLAGS), (name, strings & set(flagkinds.FLAGS))


def test_meter_refusals_from_the_ledger(tmp_path):
    path = tmp_path / "llm_ledger.jsonl"
    lines = [{"event": "call", "seq": 1, "status": "ok"},
             {"event": "call", "seq": 2, "status": "refused", "budget": "steps", "error": "budget exhausted"}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\nbroken line\n")
    assert list(he.ledger_flags(path)) == [("llm_call_refused", "call 2: budget exhausted")]


def test_a_link_into_the_trials_own_home_is_not_flagged(tmp_path):
    home, ws = tmp_path / "home", tmp_path / "ws"
    (home / ".cache").mkdir(parents=True)
    (home / ".cache" / "core.log").write_text("x")
    ws.mkdir()
    os.symlink(home / ".cache" / "core.log", ws / "debug-core.log")  # what wandb leaves
    skipped: list = []
    workspace.snapshot(ws, tmp_path / "snap", skipped)
    assert [k for k, _ in he.snapshot_flags(skipped, None)] == ["link_out_of_workspace"]
    assert list(he.snapshot_flags(skipped, None, own=(home,))) == []
