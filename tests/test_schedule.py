"""Longest trials first: expected durations, the collection order, and the xdist scheduler that keeps it."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_mldevbench import schedule
from pytest_mldevbench.errors import TaskError
from pytest_mldevbench.tasks import load_task
from pytest_mldevbench.trial import PARAM_FIXTURE, TrialParam

REPO = Path(__file__).resolve().parents[1]
SLEEP_CASES = Path(__file__).parent / "data" / "sleep_cases"
sys.path.insert(0, str(REPO / "benchmarks"))
import suite_schedule  # noqa: E402  (its simulator drives xdist's real scheduler classes)


def _trial(task_id, seconds, agent="oracle", model=None, outcome="passed", profile="smoke"):
    return {"task_id": task_id, "agent": agent, "model": model, "outcome": outcome, "profile": profile,
            "nodeid": f"cases/x/{task_id}/test_{task_id}.py::test_{task_id}[{agent}-1]",
            "timings": {"total_s": seconds}}


def _task(task_id, oracle_s=None):
    return SimpleNamespace(id=task_id, timings={"smoke": {} if oracle_s is None else {"oracle_s": oracle_s}})


def test_expected_seconds_come_from_the_report_then_task_toml():
    trials = [_trial("a", 10), _trial("a", 30), _trial("a", 20), _trial("a", 99, agent="react", model="sonnet"),
              _trial("b", 500, outcome="error"), _trial("c", 7, profile="full"), _trial("d", 4)]
    d = schedule.Durations.from_trials(trials, "smoke")
    assert d.expected(_task("a"), "oracle", None, "smoke") == 20            # median of the oracle's runs
    assert d.expected(_task("a"), "react", "sonnet", "smoke") == 99
    assert d.expected(_task("a"), "aide", "gpt-4o", "smoke") == 25          # another agent: the task's median
    assert d.expected(_task("b", oracle_s=3), "oracle", None, "smoke") == 3  # errors say nothing: task.toml
    assert d.expected(_task("c"), "oracle", None, "smoke") is None           # other profile, no timings
    assert schedule.Durations.from_dict(d.to_dict()).by_trial == d.by_trial


def test_a_machine_with_gpus_reads_task_tomls_gpu_timings_where_given():
    both = SimpleNamespace(id="a", timings={"smoke": {"oracle_s": 30, "oracle_gpu_s": 4}})
    cpu_only = _task("b", oracle_s=7)
    gpu = schedule.Durations(gpu=True)
    assert gpu.expected(both, "oracle", None, "smoke") == 4
    assert gpu.expected(cpu_only, "oracle", None, "smoke") == 7          # no GPU figure: the CPU one
    assert schedule.Durations().expected(both, "oracle", None, "smoke") == 30
    assert schedule.Durations.from_dict(gpu.to_dict()).gpu                # the workers sort as the controller
    from_report = schedule.Durations.from_trials([_trial("a", 11)], "smoke", gpu=True)
    assert from_report.expected(both, "oracle", None, "smoke") == 11      # a report's durations come first


def test_longest_first_puts_unknown_first_and_keeps_ties_in_order():
    items = ["a", "b", "c", "d", "e"]
    seconds = {"a": 5, "b": None, "c": 9, "d": 5, "e": 1}
    assert schedule.longest_first(items, seconds.get) == ["b", "c", "a", "d", "e"]


def test_order_items_moves_only_trials_and_is_deterministic():
    def item(task_id, run=1):
        return SimpleNamespace(task_id=task_id, callspec=SimpleNamespace(params={PARAM_FIXTURE: TrialParam("oracle", None, run)}))
    plain = SimpleNamespace(task_id=None)
    items = [item("short"), plain, item("long"), item("mid"), item("long", 2)]
    durations = schedule.Durations(by_task={"short": 1, "long": 9, "mid": 5})
    order = schedule.order_items(items, durations, "smoke", lambda it: _task(it.task_id))
    assert [getattr(i, "task_id") for i in order] == ["long", None, "long", "mid", "short"]
    assert order[0].callspec.params[PARAM_FIXTURE].run == 1 and order[2].callspec.params[PARAM_FIXTURE].run == 2
    assert schedule.order_items(list(reversed(items)), durations, "smoke", lambda it: _task(it.task_id))[3] is plain


def test_durations_report_errors_and_the_default(tmp_path):
    with pytest.raises(schedule.DurationsError, match="cannot read durations from .*nope.json"):
        schedule.load(str(tmp_path / "nope.json"), tmp_path, "smoke")
    (tmp_path / "bad.json").write_text('{"trials": 3}')
    with pytest.raises(schedule.DurationsError, match="not a list"):
        schedule.load(str(tmp_path / "bad.json"), tmp_path, "smoke")
    assert schedule.load(None, tmp_path, "smoke").by_task == {}          # no previous report: task.toml only
    (tmp_path / "report.json").write_text("{ interrupted")
    assert schedule.load(None, tmp_path, "smoke").by_task == {}          # an unreadable previous one is passed over
    (tmp_path / "report.json").write_text(json.dumps({"trials": [_trial("a", 12)]}))
    assert schedule.load(None, tmp_path, "smoke").by_task == {"a": 12}


def test_task_toml_timings_are_validated(tmp_path):
    case = tmp_path / "extras" / "t"
    (case / "solution").mkdir(parents=True)
    (case / "solution" / "solve.sh").write_text("true\n")
    (case / "prompt.md").write_text("x\n")
    base = 'id = "t"\nname = "t"\ncategory = "extras"\n'
    (case / "task.toml").write_text(base + "[timings.smoke]\noracle_s = 12.5\n")
    assert load_task(case).timings == {"smoke": {"oracle_s": 12.5}, "full": {}}
    (case / "task.toml").write_text(base + "[timings.smoke]\norcale_s = 12.5\n")
    with pytest.raises(TaskError, match=r"timings\.smoke\.orcale_s' is unknown; expected one of oracle_s"):
        load_task(case)
    (case / "task.toml").write_text(base + "[timings.full]\noracle_s = -1\n")
    with pytest.raises(TaskError, match="non-negative"):
        load_task(case)


def test_every_case_records_its_oracle_duration():
    cases = sorted(p.parent for p in (REPO / "cases").glob("*/*/task.toml"))
    missing = [f"{c.name}: {k}" for c in cases for k in ("oracle_s", "oracle_gpu_s")
               if k not in load_task(c).timings["smoke"]]
    assert not missing, f"[timings.smoke] missing {missing}"


# -- the xdist side: simulated with xdist's own scheduler classes (see benchmarks/suite_schedule.py) -----------
LONG_LATE = [6, 5, 7, 4, 8, 3, 20, 2, 9, 18, 5, 4, 19, 6, 17, 3]  # the long ones late in collection order


def test_xdist_load_runs_the_two_longest_back_to_back_and_longest_first_does_not():
    ordered = sorted(LONG_LATE, reverse=True)
    bound = max(max(ordered), sum(ordered) / 4)
    load = suite_schedule.xdist_makespan(ordered, 4, "load")
    ours = suite_schedule.xdist_makespan(ordered, 4, "longest-first", expected=ordered)
    blind = suite_schedule.xdist_makespan(ordered, 4, "longest-first")
    assert load >= 20 + 19, "xdist's load hands worker 0 items 0 and 1 together"
    assert ours <= 1.1 * bound and blind <= 1.15 * bound, (ours, blind, bound)
    assert suite_schedule.xdist_makespan(LONG_LATE, 4, "load") > 1.3 * bound   # collection order, as before


def test_a_collection_without_trials_keeps_xdist_load_scheduling():
    from xdist.scheduler import LoadScheduling

    from pytest_mldevbench.schedule_xdist import LongestFirstScheduling

    def make(config, sim):
        return LongestFirstScheduling(config, suite_schedule._Quiet(), is_trial=lambda nodeid: False)
    plain = suite_schedule._Simulation(sorted(LONG_LATE, reverse=True), 4, make)
    plain.run()
    load = suite_schedule._Simulation(sorted(LONG_LATE, reverse=True), 4,
                                      lambda config, sim: LoadScheduling(config, suite_schedule._Quiet()))
    load.run()
    assert [w.started for w in plain.workers] == [w.started for w in load.workers]


def test_longest_first_with_fewer_items_than_workers_and_a_single_worker():
    assert suite_schedule.xdist_makespan([3, 2], 4, "longest-first", expected=[3, 2]) == 3
    assert suite_schedule.xdist_makespan([3, 2, 1], 1, "longest-first") == 6


def test_suite_schedule_prints_makespans_for_a_report(tmp_path, capsys):
    report = tmp_path / "report.json"
    trials = [_trial(f"t{i:02d}", s) for i, s in enumerate(LONG_LATE)]
    report.write_text(json.dumps({"metadata": {"profile": "smoke"}, "trials": trials}))
    sys.argv = ["suite_schedule.py", str(report), "-n", "4"]
    assert suite_schedule.main() == 0
    out = capsys.readouterr().out
    assert "16 trials, total work 136.0 s, longest 20.0 s" in out
    row = [line for line in out.splitlines() if line.strip().startswith("4 ")][0]
    assert row.split()[1] == "34.0"                                           # the bound max(20, 136 / 4)
    sys.argv = ["suite_schedule.py", str(tmp_path / "none.json")]
    assert suite_schedule.main() == 4 and "cannot read" in capsys.readouterr().err


def _starts(run) -> list[tuple[float, str, str]]:
    """(start time, task, worker) of each trial, from the probe's check name."""
    out = []
    for t in run.report["trials"]:
        _, started, _, worker = t["checks"][0]["name"].split()
        out.append((float(started), t["task_id"], worker))
    return sorted(out)


def test_xdist_starts_the_longest_trials_first_one_per_worker(bench, tmp_path):
    """Seven sleeping oracles (0.4 ... 2.8 s, shortest first in collection order) on three workers; their
    expected seconds come from task.toml. The three longest start first, each on its own worker; the asset
    one of them lists was generated (into a fresh cache) before any trial started."""
    cache = tmp_path / "cache"
    run = bench(str(SLEEP_CASES), "-n", "3", env={"MLDB_CACHE": str(cache)})
    assert run.report is not None and run.returncode == 0, run.output[-3000:]
    starts = _starts(run)
    first = starts[:3]
    assert {task for _, task, _ in first} == {"sleep_g", "sleep_f", "sleep_e"}, starts
    assert len({worker for _, _, worker in first}) == 3, starts
    assert "mldevbench assets: [" + "#" * 24 + "] 1/1 ready" in run.output
    (meta,) = (cache / "assets" / "smoke" / "boolq").glob("*/meta.json")
    assert meta.stat().st_mtime < starts[0][0]


def test_a_previous_report_overrides_task_toml(bench, tmp_path):
    """--mldb-durations: a report saying sleep_a is the longest makes it start first (-n 0: collection order)."""
    report = tmp_path / "durations.json"
    report.write_text(json.dumps({"trials": [_trial("sleep_a", 60)]}))
    run = bench(str(SLEEP_CASES), "-k", "sleep_a or sleep_b or sleep_g", f"--mldb-durations={report}")
    assert run.returncode == 0, run.output[-3000:]
    assert [task for _, task, _ in _starts(run)] == ["sleep_a", "sleep_g", "sleep_b"]
    bad = bench(str(SLEEP_CASES), f"--mldb-durations={tmp_path / 'missing.json'}")
    assert bad.returncode == 4 and "--mldb-durations: cannot read durations from" in bad.output
    assert "Traceback" not in bad.output
