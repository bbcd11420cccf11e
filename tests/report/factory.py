"""Constructed trial records and reports for the report tests (and the README's sample screenshot)."""
from __future__ import annotations

import random

from pytest_mldevbench.report import json_report


def trial(task: str, agent: str, run: int, passed: bool | None, category: str = "debugging",
          model: str | None = None, cost: float = 0.0, tokens: int = 0) -> dict:
    """One record shaped like result.json; passed=None is an infrastructure error."""
    outcome = "error" if passed is None else ("passed" if passed else "failed")
    label = agent if not model else f"{agent}-{model}"
    return {
        "trial_id": f"{task}[{label}-{run}]", "nodeid": f"cases/{category}/{task}/test_{task}.py::test_{task}[{label}-{run}]",
        "task_id": task, "task_name": task.replace("_", " "), "category": category, "agent": agent, "model": model,
        "run": run, "profile": "smoke", "sandbox": "local", "outcome": outcome, "success": bool(passed),
        "score": 1.0 if passed else 0.0, "reason": None if passed or passed is None else "wrong_result",
        "detail": "" if passed else "metric below threshold",
        "checks": [{"name": "metric", "ok": bool(passed), "detail": "" if passed else "0.41 < 0.60"}],
        "usage": {"calls": 3, "prompt_tokens": tokens, "completion_tokens": 0, "cached_tokens": 0, "cost_usd": cost},
        "steps": 3, "agent_exit_code": 0, "agent_status": "ok", "agent_reported": None,
        "timings": {"total_s": 12.5}, "artifacts_dir": f"/nonexistent/out/{task}__{label}-{run}", "scratch_dir": "",
        "started_at": "", "finished_at": "", "versions": {},
    }


def report(trials: list[dict], **metadata) -> dict:
    rep = json_report.build(trials, {"profile": "smoke", "runs": max(t["run"] for t in trials), **metadata})
    assert rep["schema"] == json_report.SCHEMA
    return rep


def simulated(probabilities: dict[str, float], runs: int, seed: int, agent: str = "react", model: str = "m") -> dict:
    """A report where task t passes each run with probability probabilities[t]."""
    rng = random.Random(seed)
    return report([trial(task, agent, r, rng.random() < p, model=model)
                   for task, p in probabilities.items() for r in range(1, runs + 1)])


def sample() -> dict:
    """A varied report (3 categories, 3 agent-models, 3 runs) for the README screenshot."""
    rng = random.Random(7)
    tasks = {"debugging": ["nan_loss_debug", "shape_mismatch_train", "normalization_bug", "vit_debugging"],
             "implementation": ["mla_implementation", "ppo_implementation", "var_implementation"],
             "extras": ["hello_world", "lora_implementation"]}
    agents = [("react", "sonnet", 0.9, 0.09), ("react", "gpt-4o", 0.7, 0.05), ("react", "qwen-coder", 0.5, 0.01)]
    trials = []
    for category, names in tasks.items():
        for i, task in enumerate(names):
            for agent, model, skill, price in agents:
                for run in range(1, 4):
                    p = skill * (1.0 - 0.12 * i)
                    cost = round(price * (0.5 + rng.random()), 4)
                    trials.append(trial(task, agent, run, rng.random() < p, category, model, cost,
                                        int(cost * 4e5)))
    return report(trials, agents=["react"], models=["sonnet", "gpt-4o", "qwen-coder"], git_sha="0123abc (sample data)")
