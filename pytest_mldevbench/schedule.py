"""The order trials start in: longest expected first, so a parallel run ends near max(longest, total / workers).

Expected seconds of a trial come from, in this order: an earlier report (`--mldb-durations REPORT.json`, by
default the previous `report.json` in `--mldb-out`): the median `total_s` of its trials of the same task,
agent and model, else of the same task; then the task's `[timings.<profile>]` in task.toml: `oracle_gpu_s`
where the machine has GPUs (measured on a 16-core H100 machine, every trial given a GPU), else, or where it is
missing, `oracle_s` (a 2-core CPU machine). A trial with no estimate starts before all others (an unknown long
trial started last would set the end).

The controller reads the durations once and hands them to every xdist worker (`workerinput`), so all
workers sort their collection identically, as xdist requires. xdist's default `load` scheduler would still
hand each worker two neighbouring items at once (the two longest to one worker), so `-n N` with the default
`--dist load` uses `LongestFirstScheduling` (schedule_xdist.py), which the controller gives each node id's
expected seconds; an explicit `--dist` other than `load` is kept, and so is xdist's own scheduling for a
session without trials. The Ray executor submits in collection order: the longest trials start first there too.
"""
from __future__ import annotations

import json
import math
import statistics
from pathlib import Path
from typing import Callable, Iterable, Sequence

import pytest

from .errors import TaskError
from .tasks import load_task
from .trial import param_of

WORKERINPUT_KEY = "mldb_durations"


class DurationsError(ValueError):
    """The durations report cannot be read."""


class Durations:
    """Median seconds per (task, agent, model) and per task, from the trials of one earlier report."""

    def __init__(self, by_trial: dict[str, float] | None = None, by_task: dict[str, float] | None = None,
                 source: str = "", gpu: bool = False):
        self.by_trial, self.by_task, self.source = dict(by_trial or {}), dict(by_task or {}), source
        self.gpu = gpu  # task.toml's GPU-machine timings apply

    @staticmethod
    def _trial_key(task_id: str, agent: str, model: str | None) -> str:
        return f"{task_id}|{agent}|{model or ''}"

    @classmethod
    def from_trials(cls, trials: Iterable[dict], profile: str, source: str = "", gpu: bool = False) -> "Durations":
        """Trials of `profile` that were graded (an infrastructure error's time says nothing about the task)."""
        per_trial: dict[str, list[float]] = {}
        per_task: dict[str, list[float]] = {}
        for t in trials:
            seconds = (t.get("timings") or {}).get("total_s")
            if t.get("profile") != profile or t.get("outcome") not in ("passed", "failed") \
                    or not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not seconds >= 0:
                continue
            per_trial.setdefault(cls._trial_key(t["task_id"], t["agent"], t.get("model")), []).append(seconds)
            per_task.setdefault(t["task_id"], []).append(seconds)
        med = {k: statistics.median(v) for k, v in per_trial.items()}
        return cls(med, {k: statistics.median(v) for k, v in per_task.items()}, source, gpu)

    @classmethod
    def from_report(cls, path: Path, profile: str) -> "Durations":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            trials = data["trials"]
            if not isinstance(trials, list) or not all(isinstance(t, dict) for t in trials):
                raise TypeError("'trials' is not a list of records")
            return cls.from_trials(trials, profile, str(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DurationsError(f"cannot read durations from {path}: {exc}") from None

    def expected(self, task, agent: str, model: str | None, profile: str) -> float | None:
        """Expected seconds of one trial, or None when nothing is known about its task."""
        found = self.by_trial.get(self._trial_key(task.id, agent, model))
        if found is None:
            found = self.by_task.get(task.id)
        if found is None:
            recorded = task.timings.get(profile, {})
            found = recorded.get("oracle_gpu_s" if self.gpu else "oracle_s", recorded.get("oracle_s"))
        return found

    def to_dict(self) -> dict:
        return {"by_trial": self.by_trial, "by_task": self.by_task, "source": self.source, "gpu": self.gpu}

    @classmethod
    def from_dict(cls, data: dict) -> "Durations":
        return cls(data.get("by_trial"), data.get("by_task"), data.get("source", ""), bool(data.get("gpu")))


def load(explicit: str | None, out_dir: Path, profile: str, gpu: bool = False) -> Durations:
    """`--mldb-durations PATH` (unreadable: DurationsError), else `<out_dir>/report.json` if it can be read,
    else none (task.toml's timings only: its GPU-machine ones where `gpu`)."""
    durations = Durations()
    if explicit:
        durations = Durations.from_report(Path(explicit), profile)
    elif (out_dir / "report.json").is_file():
        try:
            durations = Durations.from_report(out_dir / "report.json", profile)
        except DurationsError:
            pass  # a report from an interrupted or older run: task.toml's timings stand
    durations.gpu = gpu
    return durations


def longest_first(items: Sequence, expected: Callable[[object], float | None]) -> list:
    """`items` sorted by expected seconds, longest first; unknown (None) before all; ties keep their order."""
    def key(pair):
        index, item = pair
        seconds = expected(item)
        return (-(math.inf if seconds is None else seconds), index)
    return [item for _, item in sorted(enumerate(items), key=key)]


def order_items(items: list, durations: Durations, profile: str, task_of: Callable) -> list:
    """The collection with its trial items longest first, in the places trial items held (other items stay)."""
    slots = [i for i, item in enumerate(items) if param_of(item) is not None]
    if len(slots) < 2:
        return list(items)

    def expected(item) -> float | None:
        p = param_of(item)
        return durations.expected(task_of(item), p.agent, p.model, profile)
    ordered = longest_first([items[i] for i in slots], expected)
    out = list(items)
    for slot, item in zip(slots, ordered):
        out[slot] = item
    return out


class Ordering:
    """The plugin part: sorts the collection (controller and workers alike), hands the controller's durations
    to each xdist worker and picks the xdist scheduler."""

    def __init__(self, config, profile: str, out_dir: Path, gpu: bool = False):
        """`gpu`: the run's trials can get GPUs (task.toml's GPU-machine timings apply)."""
        self.profile, self.rootpath = profile, config.rootpath
        self._tasks: dict[Path, object] = {}
        given = getattr(config, "workerinput", {}).get(WORKERINPUT_KEY)
        if given is not None:
            self.durations = Durations.from_dict(given)
        else:
            try:
                self.durations = load(config.getoption("--mldb-durations"), out_dir, profile, gpu)
            except DurationsError as exc:
                raise pytest.UsageError(f"--mldb-durations: {exc}") from None

    def _task_at(self, folder: Path):
        if folder not in self._tasks:
            self._tasks[folder] = load_task(folder)
        return self._tasks[folder]

    def _task_of(self, item):
        return self._task_at(Path(item.path).parent)

    # the controller under xdist has node ids, not items: a trial's is <case folder>/test_<id>.py::test_<id>[<param>]
    def is_trial(self, nodeid: str) -> bool:
        return (self.rootpath / nodeid.partition("::")[0]).parent.joinpath("task.toml").is_file()

    def expected_of(self, nodeid: str) -> float | None:
        """Expected seconds of the trial with this node id (its agent and model read from the param id)."""
        path, _, name = nodeid.partition("::")
        try:
            task = self._task_at((self.rootpath / path).parent)
        except TaskError:
            return None
        who = name[name.find("[") + 1:-1].rsplit("-", 1)[0] if name.endswith("]") else ""  # agent[-model]
        for key, seconds in self.durations.by_trial.items():
            task_id, agent, model = key.split("|", 2)
            if task_id == task.id and who == (f"{agent}-{model}" if model else agent):
                return seconds
        return self.durations.expected(task, "", None, self.profile)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        items[:] = order_items(items, self.durations, self.profile, self._task_of)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node):
        node.workerinput[WORKERINPUT_KEY] = self.durations.to_dict()

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config, log):
        """`LongestFirstScheduling` for xdist's default `--dist load`; any other `--dist` is kept."""
        if config.getvalue("dist") != "load" or config.getoption("mldb_sequential", False):
            return None  # --mldb-sequential hands items out round by round (rounds.py)
        from .schedule_xdist import LongestFirstScheduling
        return LongestFirstScheduling(config, log, expected_of=self.expected_of, is_trial=self.is_trial)
