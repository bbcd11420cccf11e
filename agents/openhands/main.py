"""OpenHands (openhands-sdk + openhands-tools) behind the mldevbench trial protocol, headless.

Run with the python of the agent's own environment (Python 3.12+; see
pytest_mldevbench/agents/openhands.py). The agent gets the terminal and file-editor tools in the trial
workspace; its LLM is the trial's model behind the meter's OpenAI-compatible endpoint. When the agent
stops without calling `finish` (it asked the user something), it is told to go on, until it finishes or
the iteration cap (limits.max_steps, default 50) is used up. The events are saved in artifacts_dir.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no download of litellm's price table
os.environ.setdefault("OPENHANDS_SUPPRESS_BANNER", "1")

import mldb_trial  # noqa: E402

DEFAULT_MAX_STEPS = 50
CONTINUE = ("Please continue on your own: there is nobody to answer questions. Use your best judgement "
            "to complete the task, and call the finish tool when it is done.")


def _finished_message(events) -> str | None:
    """The message of the finish tool call, if the agent called it."""
    from openhands.sdk.event import ActionEvent
    from openhands.sdk.tool.builtins import FinishAction
    for event in reversed(list(events)):
        if isinstance(event, ActionEvent) and isinstance(event.action, FinishAction):
            return event.action.message
    return None


def _save_events(events, path: Path) -> None:
    with open(path, "w") as out:
        for event in events:
            out.write(event.model_dump_json() + "\n")


def run(trial: mldb_trial.Trial) -> tuple[str, str, int]:
    import litellm
    from openhands.sdk import LLM, Agent, Conversation
    from openhands.sdk.tool import Tool
    from openhands.tools.file_editor import FileEditorTool
    from openhands.tools.terminal import TerminalTool
    from pydantic import SecretStr

    trial.require_model("openhands")
    trial.register_prices(litellm)
    max_steps = trial.steps_or(DEFAULT_MAX_STEPS)
    llm = LLM(model=f"openai/{trial.model}", base_url=trial.openai_base_url, api_key=SecretStr(trial.api_key),
              usage_id="agent", num_retries=2, drop_params=True)
    agent = Agent(llm=llm, tools=[Tool(name=TerminalTool.name), Tool(name=FileEditorTool.name)])
    conversation = Conversation(agent=agent, workspace=str(trial.workspace), max_iteration_per_run=max_steps,
                                persistence_dir=str(trial.artifacts / "conversation"), visualizer=None,
                                delete_on_close=False)
    calls = lambda: len(llm.metrics.token_usages) if llm.metrics else 0  # noqa: E731
    try:
        conversation.send_message(trial.prompt)
        while True:
            before = calls()
            conversation.run()
            message = _finished_message(conversation.state.events)
            if message is not None:
                return "completed", message, calls()
            if calls() >= max_steps or calls() == before:
                return "max_steps", "iteration cap reached without finish", calls()
            conversation.send_message(CONTINUE)
    finally:
        _save_events(conversation.state.events, trial.artifacts / "trajectory.jsonl")


def main(argv: list[str] | None = None) -> int:
    return mldb_trial.drive(run, "openhands", argv)


if __name__ == "__main__":
    sys.exit(main())
