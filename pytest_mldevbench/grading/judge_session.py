"""JudgeSession: one judge process for both trusted steps of a probing trial (`grading.inputs` and `grading.judge`).

The process (judge_runner.py `session`) starts once: it imports the judge module, draws the inputs and writes its
plan, then waits while the probes run the agent's code in their own sandbox; when the harness has laundered the
observations into the folder the process was shown (read-only) at start, it puts `go` and the process judges and
exits. That saves one interpreter start and one import of torch and the judge's reference code per probing trial.
The process never sees anything of the agent's but the laundered observations, exactly as a separate `judge`
process would. The harness's step deadlines stop it (the `inputs` and `judge` timeouts as before); a session never
judged is stopped when grading ends (`close`).
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Callable

from ..errors import GradingError
from .commands import ScriptResult


class JudgeSession:
    """The running session of `judge_file` for one drawing of inputs; `run` starts its process (in a thread)."""

    def __init__(self, judge_file: str, run_dir: Path, observed: Path, visible_gpus: str):
        self.judge_file, self.observed, self.visible_gpus = judge_file, observed, visible_gpus
        self.plan_dir, self.go_dir = run_dir / "plan", run_dir / "go"
        for folder in (self.plan_dir, self.go_dir, observed):
            folder.mkdir(parents=True)
        self.used = False              # observe has laundered into `observed` (it is no longer empty)
        self.judged = False            # judge took it: a second judge of these inputs gets a fresh process
        self._stop = threading.Event()
        self._deadline: float | None = None  # monotonic time after which the step in progress has timed out
        self._result: ScriptResult | BaseException | None = None
        self._thread: threading.Thread | None = None

    def start(self, run: Callable[[Callable[[], bool]], ScriptResult]) -> None:
        """Start the process: `run(should_stop)` runs it in the sandbox and returns when it has ended."""
        def target():
            try:
                self._result = run(self._should_stop)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the grading thread by `_wait`
                self._result = exc
        self._thread = threading.Thread(target=target, name=f"judge-session-{self.judge_file}", daemon=True)
        self._thread.start()

    def _should_stop(self) -> bool:
        return self._stop.is_set() or (self._deadline is not None and time.monotonic() > self._deadline)

    def plan(self, seconds: float) -> dict | ScriptResult:
        """Wait up to `seconds` for the plan: the dict the process wrote, or its result when it ended without."""
        self._deadline = time.monotonic() + seconds
        path = self.plan_dir / "plan.json"
        while not path.is_file():
            if not self._thread.is_alive():
                return self._wait()
            self._thread.join(0.05)
        self._deadline = None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.close()
            raise GradingError(f"{Path(self.judge_file).name} (inputs) wrote an unreadable plan: {exc}") from exc

    def judge(self, seconds: float) -> ScriptResult:
        """Let the process judge the observations; its result (within `seconds`)."""
        self.judged = True
        self._deadline = time.monotonic() + seconds
        (self.go_dir / "go").write_text("")
        return self._wait()

    def close(self) -> None:
        """Stop the process (if it still runs) and wait for the sandbox to have ended it (it polls `should_stop`
        every half second; the bound only keeps a broken sandbox from hanging the harness)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(60)

    def _wait(self) -> ScriptResult:
        self._thread.join()
        if isinstance(self._result, BaseException):
            raise self._result
        return self._result
