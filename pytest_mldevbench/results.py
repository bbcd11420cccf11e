"""TrialResult: what one trial produced, as recorded in result.json, user_properties and the report."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

PASSED, FAILED, ERROR = "passed", "failed", "error"
# Reasons a trial failed (the agent did not solve it).
WRONG_RESULT, AGENT_CRASH, TIMEOUT, BUDGET = "wrong_result", "agent_crash", "timeout", "budget"
OOM = "oom"  # the agent was killed for exceeding the task's memory limit
DISK_LIMIT = "disk_limit"  # the agent filled its disk quota (sandbox/disk.py)
GRADING_TIMEOUT = "grading_timeout"  # grading ran past the task's grading_timeout_s (e.g. a far too slow model)
RESULT_PROPERTY = "mldb.result"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""
    value: float | None = None  # the measured number a threshold check compares (kept whether it passed or not)


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float | None = 0.0   # None: the model has no price, so the cost is unknown (not 0)
    estimated_calls: int = 0       # calls whose backend reported no usage: their tokens are estimates


@dataclass
class TrialResult:
    trial_id: str
    nodeid: str
    task_id: str
    task_name: str
    category: str
    agent: str
    model: str | None
    run: int
    profile: str
    sandbox: str
    outcome: str = ERROR
    success: bool = False
    score: float = 0.0
    reason: str | None = None
    detail: str = ""
    checks: list[Check] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)  # observations shown with the result, deciding nothing
    flags: list[dict] = field(default_factory=list)  # integrity flags (integrity.py): evidence, deciding nothing
    assets: dict = field(default_factory=dict)  # {fetched: [asset], refused: [path], refused_requests: n} (assets.json)
    usage: Usage = field(default_factory=Usage)
    steps: int = 0
    agent_exit_code: int | None = None
    agent_status: str | None = None        # ok | crash | timeout | budget | oom | disk_limit (from the harness)
    agent_reported: dict | None = None     # agent_result.json, untrusted
    output_dropped: int = 0                # bytes of the agent's output over the sandbox's cap (not kept)
    sandbox_limits: dict[str, str] = field(default_factory=dict)  # how each limit was enforced on this machine
    timings: dict[str, float] = field(default_factory=dict)
    artifacts_dir: str = ""
    scratch_dir: str = ""                  # private workspace + grading folder (kept with --mldb-keep)
    started_at: str = ""
    finished_at: str = ""
    versions: dict[str, str] = field(default_factory=dict)
    paper_comparable: bool = False         # a paper task whose [upstream] says comparable (docs/parity.md)

    @property
    def agent_model(self) -> str:
        return self.agent if not self.model else f"{self.agent}-{self.model}"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrialResult":
        data = dict(data)
        data["checks"] = [Check(**c) for c in data.get("checks", [])]
        data["usage"] = Usage(**data.get("usage", {}))
        return cls(**data)

    def failure_message(self) -> str:
        """What the terminal says about a trial that did not pass, built from this record only (so it always
        agrees with result.json): the reason and detail, then the checks."""
        failed = [c for c in self.checks if not c.ok]
        lines = [f"{self.reason}: {self.detail}",
                 f"checks: {len(self.checks) - len(failed)} passed, {len(failed)} failed"
                 + (f" (agent status: {self.agent_status})" if self.agent_status else "")]
        lines += [f"{c.name}: {c.detail}" for c in failed]
        return "\n  ".join(lines)

    def write(self, path: Path) -> None:
        """Write result.json atomically (a crash never leaves half a record)."""
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, sort_keys=True))
        os.replace(tmp, path)

    def properties(self) -> list[tuple[str, str]]:
        """Flat JUnit properties plus the full record (one JSON property)."""
        return [
            ("mldb.outcome", self.outcome), ("mldb.success", str(self.success).lower()),
            ("mldb.score", f"{self.score:.4f}"), ("mldb.reason", self.reason or ""),
            ("mldb.agent", self.agent), ("mldb.model", self.model or ""),
            ("mldb.tokens", str(self.usage.prompt_tokens + self.usage.completion_tokens)),
            ("mldb.cost_usd", "unknown" if self.usage.cost_usd is None else f"{self.usage.cost_usd:.6f}"),
            ("mldb.steps", str(self.steps)),
            (RESULT_PROPERTY, json.dumps(self.to_dict(), sort_keys=True)),
        ]
