"""mini-swe-agent behind the mldevbench trial protocol: DefaultAgent + LocalEnvironment in the workspace.

Run with the python of the agent's own environment (see pytest_mldevbench/agents/mini_swe_agent.py).
Every model call goes to the meter: the trial's model is reached through the meter's OpenAI-compatible
endpoint (the meter serves the trial's model whatever name the request carries).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
os.environ.setdefault("MSWEA_CONFIGURED", "true")          # no first-run setup wizard
# costs come from the meter's ledger; the agent's own tracking gets the session's prices (registered below),
# and an unpriced model must not stop it
os.environ.setdefault("MSWEA_COST_TRACKING", "ignore_errors")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download of litellm's price table

import mldb_trial  # noqa: E402

DEFAULT_MAX_STEPS = 50
COMMAND_TIMEOUT_S = 1800


def run(trial: mldb_trial.Trial) -> tuple[str, str, int]:
    import litellm
    import yaml
    from minisweagent.agents.default import DefaultAgent
    from minisweagent.config import builtin_config_dir
    from minisweagent.environments.local import LocalEnvironment
    from minisweagent.models.litellm_model import LitellmModel

    trial.require_model("mini-swe-agent")
    trial.register_prices(litellm)
    config = yaml.safe_load((builtin_config_dir / "default.yaml").read_text())
    agent_cfg = {**config["agent"], "step_limit": trial.steps_or(DEFAULT_MAX_STEPS), "cost_limit": 0.0,
                 "wall_time_limit_seconds": int(trial.wall_time_s or 0),
                 "output_path": trial.artifacts / "trajectory.json"}
    model = LitellmModel(
        **{**config.get("model", {}), "model_name": f"openai/{trial.model}", "cost_tracking": "ignore_errors",
           "model_kwargs": {"api_base": trial.openai_base_url, "api_key": trial.api_key, "drop_params": True}})
    env = LocalEnvironment(**{**config.get("environment", {}), "cwd": str(trial.workspace),
                              "timeout": COMMAND_TIMEOUT_S})
    agent = DefaultAgent(model, env, **agent_cfg)
    info = agent.run(trial.prompt)
    exit_status = info.get("exit_status", "")
    status = "completed" if exit_status == "Submitted" else exit_status or "error"
    return status, info.get("submission", "") or exit_status, agent.n_calls


def main(argv: list[str] | None = None) -> int:
    return mldb_trial.drive(run, "mini-swe-agent", argv)


if __name__ == "__main__":
    sys.exit(main())
