"""The sequential gate: the compare test after every complete round, against α-spending boundaries.

Round r is run r of every selected task × agent-model. After round r the new trials of runs 1..r are
compared with the whole baseline by the exact test of `compare`; its p(worse) is held against the nominal
level of look r, from the Lan–DeMets O'Brien–Fleming spending function (report/spending.py) at information
fraction t_r = I_r / I_R, where I_r = 1 / (1/n_base + 1/r) is the precision of a per-task rate difference
with n_base baseline trials (their harmonic mean over tasks) and r new ones. A pairing is *worse* at the
first look that crosses; it is *settled* once no later look can cross even if every remaining trial fails
(the p-value only falls as new passes turn into failures, so all-fail is the worst case). The session stops
adding rounds once one pairing is worse (the gate fails) and skips a pairing's rounds once it is settled.
The verdict is "worse" iff some look crossed, so stopping never changes it; only rounds whose every trial
was run count as looks.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .compare import ALPHA, TaskDiff, pair_labels, p_values
from .permutation import rejects
from .spending import nominal_levels
from .stats import cells


@dataclass(frozen=True)
class Planned:
    """One selected trial of the session."""
    task_id: str
    label: str
    run: int


@dataclass
class Progress:
    """What is known of the session: every planned trial, which are done (run, crashed or skipped)."""
    planned: dict[str, Planned]  # by node id
    done: set[str] = field(default_factory=set)
    skipped: set[str] = field(default_factory=set)
    records: dict[str, dict] = field(default_factory=dict)  # node id -> trial record (result.json)


@dataclass
class Look:
    round: int
    p_worse: float
    level: float
    mean_diff: float
    tasks: int
    crossed: bool


@dataclass
class Track:
    """The looks of one agent-model pairing."""
    base_label: str
    new_label: str
    levels: tuple[float, ...]
    looks: list[Look] = field(default_factory=list)
    status: str = "open"  # open | worse (crossed) | settled (can no longer cross)
    decided_at: int | None = None

    def to_dict(self) -> dict:
        return {"base_label": self.base_label, "new_label": self.new_label, "status": self.status,
                "decided_at_round": self.decided_at, "levels": [round(x, 6) for x in self.levels],
                "looks": [{"round": k.round, "p_worse": k.p_worse, "level": round(k.level, 6),
                           "mean_diff": round(k.mean_diff, 6), "tasks": k.tasks, "crossed": k.crossed}
                          for k in self.looks]}


def fractions(base_runs: list[int], rounds: int) -> tuple[float, ...]:
    """Information fractions of looks 1..rounds against a fixed baseline of base_runs trials per task."""
    nb = len(base_runs) / sum(1 / n for n in base_runs)  # harmonic mean
    info = [1 / (1 / nb + 1 / r) for r in range(1, rounds + 1)]
    return tuple(i / info[-1] for i in info)


def levels(base: dict, base_label: str, rounds: int, alpha: float = ALPHA) -> tuple[float, ...]:
    """Nominal p-value levels of looks 1..rounds for one baseline agent-model."""
    runs = [n for (_, label), (n, _) in cells(base["trials"]).items() if label == base_label and n > 0]
    return nominal_levels(fractions(runs or [1], rounds), alpha)


@dataclass
class Sequential:
    rounds: int
    alpha: float
    tracks: list[Track]
    progress: Progress
    error: str | None = None  # the reports share no agent-model

    @property
    def verdict(self) -> str:
        """worse (a look crossed) | pass (every pairing settled) | open (still undecided)."""
        if self.error or any(t.status == "worse" for t in self.tracks):
            return "worse"
        return "pass" if all(t.status == "settled" for t in self.tracks) else "open"

    def skip_reason(self, label: str, run: int) -> str | None:
        """Why the trial of this agent-model in this round need not run, or None if it must."""
        for t in self.tracks:
            if t.status == "worse" and t.decided_at < run:
                return f"{_name(t)} is significantly worse after round {t.decided_at}: the gate fails"
        for t in self.tracks:
            if t.new_label == label and t.status == "settled" and t.decided_at < run:
                return f"{_name(t)} can no longer become significantly worse after round {t.decided_at}"
        return None

    @property
    def trials_run(self) -> int:
        return len(self.progress.records)

    @property
    def trials_saved(self) -> int:
        return len(self.progress.skipped)

    def to_dict(self) -> dict:
        return {"rounds_planned": self.rounds, "alpha": self.alpha, "spending": "Lan-DeMets O'Brien-Fleming",
                "verdict": self.verdict, "trials_planned": len(self.progress.planned),
                "trials_run": self.trials_run, "trials_saved": self.trials_saved, "error": self.error,
                "pairings": [t.to_dict() for t in self.tracks]}

    def render(self) -> str:
        lines = [f"sequential gate: {self.rounds} rounds planned; {self.trials_run} trials run, "
                 f"{self.trials_saved} of {len(self.progress.planned)} not run (saved)"]
        if self.error:
            lines.append(f"gate FAILED: {self.error}")
            return "\n".join(lines)
        for t in self.tracks:
            state = {"worse": f"WORSE at round {t.decided_at}", "open": "undecided",
                     "settled": f"cannot become worse after round {t.decided_at} => PASS"}[t.status]
            lines.append(f"{_name(t)}: {state}")
            for k in t.looks:
                lines.append(f"  round {k.round}: {k.tasks} tasks, {100 * k.mean_diff:+.1f} points, "
                             f"p(worse)={k.p_worse:.4f} vs level {k.level:.4f}" + ("  <- crossed" if k.crossed else ""))
        final = "FAIL (significantly worse)" if self.verdict == "worse" else "PASS"
        lines.append(f"gate: {final} (sequential: one-sided α = {self.alpha} spent over {self.rounds} looks, "
                     "Lan-DeMets O'Brien-Fleming)")
        return "\n".join(lines)


def _name(t: Track) -> str:
    return t.new_label if t.base_label == t.new_label else f"{t.base_label} -> {t.new_label}"


def _complete_rounds(progress: Progress, label: str, rounds: int) -> int:
    by_round: dict[int, list[str]] = defaultdict(list)
    for nodeid, p in progress.planned.items():
        if p.label == label:
            by_round[p.run].append(nodeid)
    k = 0
    while k < rounds and by_round.get(k + 1) and all(
            n in progress.done and n not in progress.skipped for n in by_round[k + 1]):
        k += 1
    return k


def _worse(base_cells: dict[str, tuple[int, int]], new_cells: dict[str, tuple[int, int]], level: float):
    tasks = [TaskDiff(task, base_cells[task], nc) for task, nc in sorted(new_cells.items())
             if task in base_cells and nc[0] > 0]
    if not tasks:
        return 1.0, 0.0, 0, False
    p = p_values(tasks)[0]
    diff = sum(t.diff for t in tasks) / len(tasks)
    return p, diff, len(tasks), rejects(p, diff, level)


def _track(base: dict, base_label: str, new_label: str, progress: Progress, rounds: int, alpha: float) -> Track:
    track = Track(base_label, new_label, levels(base, base_label, rounds, alpha))
    base_cells = {task: nc for (task, label), nc in cells(base["trials"]).items() if label == base_label and nc[0] > 0}
    planned = [p for p in progress.planned.values() if p.label == new_label]
    records = [r for n, r in progress.records.items() if n in progress.planned and progress.planned[n].label == new_label]
    for r in range(1, _complete_rounds(progress, new_label, rounds) + 1):
        new_cells = {task: nc for (task, _), nc in cells([t for t in records if t.get("run", 1) <= r]).items()}
        p, diff, n, crossed = _worse(base_cells, new_cells, track.levels[r - 1])
        track.looks.append(Look(r, p, track.levels[r - 1], diff, n, crossed))
        if crossed:
            track.status, track.decided_at = "worse", r
            return track
        if not any(_worse(base_cells, _all_fail(new_cells, planned, r, s), track.levels[s - 1])[3]
                   for s in range(r + 1, rounds + 1)):
            track.status, track.decided_at = "settled", r
            return track
    return track


def _all_fail(new_cells: dict[str, tuple[int, int]], planned: list[Planned], r: int, s: int):
    """The new cells if every planned trial of rounds r+1..s fails."""
    out = dict(new_cells)
    for p in planned:
        if r < p.run <= s:
            n, c = out.get(p.task_id, (0, 0))
            out[p.task_id] = (n + 1, c)
    return out


def evaluate(base: dict, progress: Progress, rounds: int, alpha: float = ALPHA) -> Sequential:
    """The looks so far of every pairing of the baseline's agent-models with the session's."""
    base_labels = sorted({label for _, label in cells(base["trials"])})
    new_labels = sorted({p.label for p in progress.planned.values()})
    try:
        pairs = pair_labels(base_labels, new_labels)
    except ValueError as exc:
        return Sequential(rounds, alpha, [], progress, error=str(exc))
    return Sequential(rounds, alpha, [_track(base, bl, nl, progress, rounds, alpha) for bl, nl in pairs], progress)
