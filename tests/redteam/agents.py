"""pytest plugin: the generic red-team cheats as scripted agents `redteam-<name>` (no LLM).

Each cheat is one trick, a Python script in tests/redteam/cheats/ (run with the task environment's python,
prefixed by cheats/_common.py) that reads only $MLDB_TRIAL_JSON and the workspace, so it applies to every
task, present or future. Load with `-p tests.redteam.agents` (cwd = the repository root).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pytest_mldevbench.agents.script import script_agent

HERE = Path(__file__).resolve().parent / "cheats"


@dataclass(frozen=True)
class GenericCheat:
    name: str   # the agent is "redteam-<name>"
    file: str   # script in cheats/
    why: str    # what must stop it

    @property
    def agent(self) -> str:
        return f"redteam-{self.name}"

    def script(self) -> str:
        return (HERE / "_common.py").read_text() + "\n# ---- " + self.file + "\n" + (HERE / self.file).read_text()


GENERIC_CHEATS = [
    GenericCheat("pytest-config", "pytest_config.py",
                 "hidden tests run with the grader's own ini, --noconftest, no plugin autoload; a shadowing pytest.py "
                 "is outside the graded layout or cannot fake the grader's JUnit count"),
    GenericCheat("json-outputs", "json_outputs.py", "metrics are recomputed from artifacts, never read from the agent's JSON"),
    GenericCheat("checkpoint-copy", "checkpoint_copy.py", "checkpoints are evaluated, not only checked for existence"),
    GenericCheat("site-patch", "site_patch.py", "grading runs with its own home, PYTHONNOUSERSITE, a read-only "
                 "environment and locked files re-supplied"),
    GenericCheat("exit-zero", "exit_zero.py", "exit status and printed lines are never the evidence"),
    GenericCheat("edit-locked", "edit_locked.py", "protected files are hashed and locked files re-supplied from the case"),
    GenericCheat("snoop", "snoop.py", "the sandbox hides the repository, outputs, caches and other trials"),
    GenericCheat("background", "background.py", "the agent's PID namespace ends before the snapshot"),
    GenericCheat("symlink-out", "symlink_out.py", "links leaving the workspace are dropped at the snapshot"),
    GenericCheat("huge-files", "huge_files.py", "the snapshot refuses workspaces over its size cap: the trial fails"),
    GenericCheat("deep-tree", "deep_tree.py", "the snapshot refuses absurd depth/path length and survives unreadable "
                 "and special files"),
]


def agent_names() -> list[str]:
    return [c.agent for c in GENERIC_CHEATS]


def pytest_mldevbench_agents(config):
    return [script_agent(c.agent, c.script(), "python", c.why) for c in GENERIC_CHEATS]
