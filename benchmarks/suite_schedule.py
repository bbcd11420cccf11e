"""How long a parallel run of a report's trials takes, in collection order and in the harness's order.

    python benchmarks/suite_schedule.py REPORT.json [-n 2 4 8 16] [--durations OTHER.json | --first-run cpu|gpu]
                                    [--all]

Each trial takes the `total_s` the report recorded. The run is simulated with xdist's own scheduler classes
driving simulated workers that behave as xdist's do (a worker starts an item only once it holds the next
one, or is told to stop), so chunking and the one-item look-ahead count:

- collection order: xdist's default `--dist load` over the report's trials in nodeid order (collection order);
- harness order: the order `pytest_mldevbench.schedule` gives them (expected seconds from `--durations`,
  default the report itself, then task.toml's timings) under `LongestFirstScheduling`, which -n uses;
  `--first-run cpu|gpu` orders by task.toml's timings alone (a run with no earlier report), its 2-core CPU or
  its GPU-machine ones.

For each N it prints the bound max(longest trial, total / N), each makespan and its ratio to the bound.
Per-trial harness overhead, worker start-up and asset generation are not in it. `--all` adds the other
combinations (ideal list scheduling; longest-first order under xdist's load and worksteal).
"""
from __future__ import annotations

import argparse
import heapq
import json
import sys
from collections import deque
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pytest_mldevbench import schedule  # noqa: E402
from pytest_mldevbench.errors import TaskError  # noqa: E402
from pytest_mldevbench.tasks import load_task  # noqa: E402

SHUTDOWN = object()


class _Quiet:
    """xdist's log producer, silenced."""

    def __call__(self, *args):
        pass

    def __getattr__(self, name):
        return self


class _Config:
    """The two options xdist's schedulers read."""

    def __init__(self, workers: int):
        self.workers = workers

    def getvalue(self, name):
        return {"tx": [f"{self.workers}*popen"], "dist": "load"}[name]

    def getoption(self, name):
        return {"maxschedchunk": None}[name]


class _Worker:
    """An xdist worker as the scheduler sees it: a queue of item indices, the running item and the next one."""

    def __init__(self, sim: "_Simulation", i: int):
        self.sim, self.gateway = sim, SimpleNamespace(id=f"gw{i}")
        self.shutting_down = False
        self.queue: deque = deque()
        self.running = self.next = None
        self.started: list[int] = []
        self.finished = False

    def send_runtest_some(self, indices):
        self.queue.extend(indices)
        self.sim.kick(self)

    def shutdown(self):
        if not self.shutting_down:
            self.shutting_down = True
            self.queue.append(SHUTDOWN)
            self.sim.kick(self)

    def send_steal(self, indices):
        wanted = set(indices)
        stolen = [i for i in self.queue if i in wanted]
        if len(stolen) != len(wanted):
            stolen = []
        self.queue = deque(i for i in self.queue if i not in set(stolen))
        self.sim.later.append(lambda: self.sim.sched.remove_pending_tests_from_node(self, stolen))


class _Simulation:
    def __init__(self, durations: list[float], workers: int, make_scheduler):
        self.durations = durations
        self.now = 0.0
        self.events: list = []
        self.later: list = []
        self.seq = 0
        self.sched = make_scheduler(_Config(workers), self)
        self.workers = [_Worker(self, i) for i in range(workers)]

    def kick(self, w: _Worker) -> None:
        if w.finished or w.running is not None:
            return
        if w.next is None:
            if not w.queue:
                return
            w.next = w.queue.popleft()
        if w.next is SHUTDOWN:
            self._finish(w)
            return
        if not w.queue:
            return  # waits for the item after `next` (or the order to stop)
        w.running, w.next = w.next, w.queue.popleft()
        w.started.append(w.running)
        self.seq += 1
        heapq.heappush(self.events, (self.now + self.durations[w.running], self.seq, w))

    def _finish(self, w: _Worker) -> None:
        w.finished = True
        if w in self.sched.nodes:
            self.sched.remove_node(w)

    def run(self) -> float:
        ids = [str(i) for i in range(len(self.durations))]
        for w in self.workers:
            self.sched.add_node(w)
        for w in self.workers:
            self.sched.add_node_collection(w, ids)
        self.sched.schedule()
        self._settle()
        while self.events:
            self.now, _, w = heapq.heappop(self.events)
            done, w.running = w.running, None
            self.sched.mark_test_complete(w, done, self.durations[done])
            self.kick(w)
            if w.next is SHUTDOWN and w.running is None and not w.finished:
                self._finish(w)
            self._settle()
        return self.now

    def _settle(self) -> None:
        while self.later:
            self.later.pop(0)()
        if self.sched.tests_finished:
            for w in list(self.sched.nodes):
                w.shutdown()


def xdist_makespan(durations: list[float], workers: int, scheduler: str,
                   expected: list[float | None] | None = None) -> float:
    """Simulated wall time of `durations` (seconds, in collection order) on `workers` xdist workers; the
    longest-first scheduler is given `expected` seconds per item (None: it knows none)."""
    from xdist.scheduler import LoadScheduling, WorkStealingScheduling

    from pytest_mldevbench.schedule_xdist import LongestFirstScheduling

    def make(config, sim):
        if scheduler == "longest-first":
            return LongestFirstScheduling(config, _Quiet(), clock=lambda: sim.now,
                                          expected_of=None if expected is None else lambda i: expected[int(i)])
        return {"load": LoadScheduling, "worksteal": WorkStealingScheduling}[scheduler](config, _Quiet())
    return _Simulation(durations, workers, make).run()


def list_makespan(durations: list[float], workers: int) -> float:
    """Ideal list scheduling: a worker takes the next item the moment it is free."""
    free = [0.0] * workers
    for d in durations:
        heapq.heappush(free, heapq.heappop(free) + d)
    return max(free)


def _task(task_id: str):
    for folder in sorted((REPO / "cases").glob(f"*/{task_id}")):
        try:
            return load_task(folder)
        except TaskError:
            break
    return SimpleNamespace(id=task_id, timings={})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("-n", dest="workers", type=int, nargs="+", default=[2, 4, 8, 16])
    ap.add_argument("--durations", type=Path, default=None, help="expected durations from this report instead")
    ap.add_argument("--first-run", choices=("cpu", "gpu"), default=None,
                    help="expected durations from task.toml alone, its CPU or GPU-machine timings")
    ap.add_argument("--all", action="store_true", help="also the other scheduler/order combinations")
    args = ap.parse_args()
    if args.first_run and args.durations:
        print("suite_schedule: --durations and --first-run exclude each other", file=sys.stderr)
        return 4
    try:
        data = json.loads(args.report.read_text(encoding="utf-8"))
        trials = [t for t in data["trials"] if isinstance((t.get("timings") or {}).get("total_s"), (int, float))]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        print(f"suite_schedule: cannot read {args.report}: {exc}", file=sys.stderr)
        return 4
    if not trials:
        print(f"suite_schedule: {args.report} has no trial with timings.total_s", file=sys.stderr)
        return 4
    profile = data.get("metadata", {}).get("profile", "smoke")
    try:
        durations = (schedule.Durations(source=f"task.toml ({args.first_run})", gpu=args.first_run == "gpu")
                     if args.first_run else schedule.Durations.from_report(args.durations or args.report, profile))
    except schedule.DurationsError as exc:
        print(f"suite_schedule: {exc}", file=sys.stderr)
        return 4
    collection = sorted(trials, key=lambda t: t["nodeid"])

    def expect(t):
        return durations.expected(_task(t["task_id"]), t["agent"], t.get("model"), profile)
    harness = schedule.longest_first(collection, expect)
    secs = {"collection": [t["timings"]["total_s"] for t in collection],
            "harness": [t["timings"]["total_s"] for t in harness]}
    expected = [expect(t) for t in harness]
    total, longest = sum(secs["collection"]), max(secs["collection"])
    print(f"{args.report}: {len(trials)} trials, total work {total:.1f} s, longest {longest:.1f} s "
          f"(expected durations: {durations.source or 'task.toml'})")
    print("harness order: " + ", ".join(f"{t['task_id']} {t['timings']['total_s']:.0f}s" for t in harness[:6]) + " ...")
    columns = [("collection order, --dist load", "collection", "load", None),
               ("harness order, longest-first", "harness", "longest-first", expected)]
    if args.all:
        columns += [("same, scheduler without durations", "harness", "longest-first", None),
                    ("harness order, --dist load", "harness", "load", None),
                    ("harness order, --dist worksteal", "harness", "worksteal", None),
                    ("collection order, --dist worksteal", "collection", "worksteal", None),
                    ("harness order, ideal list", "harness", "list", None)]
    print(f"\n{'N':>3} {'bound s':>8}  " + "  ".join(f"{c[0]:>34}" for c in columns))
    for n in args.workers:
        bound = max(longest, total / n)
        cells = []
        for _, order, sched, exp in columns:
            span = list_makespan(secs[order], n) if sched == "list" else xdist_makespan(secs[order], n, sched, exp)
            cells.append(f"{span:8.1f} s ({span / bound:.2f}x)")
        print(f"{n:>3} {bound:8.1f}  " + "  ".join(f"{c:>34}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
