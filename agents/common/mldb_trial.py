"""The agent side of the mldevbench trial protocol, shared by the drivers of wrapped agents.

Stdlib only: each driver runs in its own agent environment. `load()` reads trial.json
($MLDB_TRIAL_JSON), `Trial.finish()` writes agent_result.json; SIGTERM from the harness becomes
`Terminated` so a driver can still write its result. `drive()` is a driver's whole `main`.
"""
from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


class Terminated(BaseException):
    """The harness asked the agent to stop (SIGTERM)."""


def _on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second TERM must not lose the result
    raise Terminated()


@dataclass
class Trial:
    data: dict
    workspace: Path
    artifacts: Path
    result_file: Path
    prompt: str
    model: str | None
    openai_base_url: str | None
    anthropic_base_url: str | None
    api_key: str
    max_steps: int | None
    wall_time_s: float | None
    prices: dict  # the session's price of the model as litellm entries, by name (empty: it has none)

    def steps_or(self, default: int) -> int:
        return self.max_steps or default

    def finish(self, status: str, final_message: str, steps: int) -> None:
        self.result_file.parent.mkdir(parents=True, exist_ok=True)
        self.result_file.write_text(json.dumps(
            {"status": status, "final_message": final_message, "steps": steps}, indent=2))

    def register_prices(self, litellm) -> None:
        """Give the agent's own litellm the session's prices, so its cost tracking neither fails on an
        unmapped model nor warns on every call (the meter's ledger stays the record)."""
        if self.prices:
            litellm.register_model(self.prices)

    def require_model(self, agent: str) -> None:
        if not self.model or not self.openai_base_url:
            raise ValueError(f"trial.json has no model or meter URL: the {agent} agent needs a model")


def load(path: str | os.PathLike | None = None) -> Trial:
    """Read trial.json (argument, else $MLDB_TRIAL_JSON) and install the SIGTERM handler."""
    path = path or os.environ.get("MLDB_TRIAL_JSON")
    if not path:
        raise SystemExit("no trial.json: pass its path or set MLDB_TRIAL_JSON")
    data = json.loads(Path(path).read_text())
    workspace = Path(data["workspace"])
    artifacts = Path(data.get("artifacts_dir") or workspace.parent / "agent-artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    llm = data.get("llm") or {}
    limits = data.get("limits") or {}
    prices = json.loads(Path(llm["prices_file"]).read_text()) if llm.get("prices_file") else {}
    signal.signal(signal.SIGTERM, _on_sigterm)
    return Trial(
        data=data, workspace=workspace, artifacts=artifacts,
        result_file=Path(data.get("result_file") or artifacts / "agent_result.json"),
        prompt=data.get("prompt") or Path(data["prompt_file"]).read_text(),
        model=data.get("model"), openai_base_url=llm.get("openai_base_url"),
        anthropic_base_url=llm.get("anthropic_base_url"), api_key=llm.get("api_key") or "none",
        max_steps=limits.get("max_steps"), wall_time_s=limits.get("wall_time_s"), prices=prices,
    )


def drive(run: Callable[[Trial], tuple[str, str, int]], name: str, argv: list[str] | None = None) -> int:
    """Load the trial, call `run(trial) -> (status, message, steps)` and always write the result; a stop
    request becomes "terminated" and an exception "error" (reported, not hidden). Exit 0 when completed."""
    argv = sys.argv[1:] if argv is None else argv
    trial = load(argv[0] if argv else None)
    status, message, steps = "error", "", 0
    try:
        status, message, steps = run(trial)
    except Terminated:
        status, message = "terminated", "stopped by the harness"
    except Exception as exc:  # report, don't hide: the harness reads the status
        status, message = "error", f"{type(exc).__name__}: {exc}"
    finally:
        trial.finish(status, message, steps)
    print(f"{name}: {status}: {json.dumps(message)[:500]}", flush=True)
    return 0 if status == "completed" else 1
