"""pytest plugin: the generic red-team cheats as scripted agents `redteam-<name>` (no LLM).

Each cheat is one trick, a Python script in tests/redteam/cheats/ (run with the task environment's python,
prefixed by cheats/_common.py) that reads only $MLDB_TRIAL_JSON and the workspace, so it applies to every
task, present or future. Load with `-p tests.redteam.agents` (cwd = the repository root).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from pytest_mldevbench.agents.script import script_agent
from pytest_mldevbench.tasks import load_task

HERE = Path(__file__).resolve().parent / "cheats"
REPO = HERE.parents[2]


@dataclass(frozen=True)
class GenericCheat:
    name: str   # the agent is "redteam-<name>"
    file: str   # script in cheats/
    why: str    # what must stop it
    forge: bool = False  # the "forge at grading" class: cheats/_inject.py is prepended too
    uses: tuple[str, ...] = ()  # other cheat scripts run first, in the same script (their names stay visible)
    # integrity flags it gets (flagkinds.py): "always" on every task; "acting" where the task gives it something
    # to act on (a module to inject into, a script or file to replace, outputs named in the prompt), `unflagged`
    # saying where it is not; "never": no trusted source sees it, `unflagged` says why
    flagged: str = "always"
    unflagged: str = ""

    @property
    def agent(self) -> str:
        return f"redteam-{self.name}"

    def script(self) -> str:
        parts = ["_common.py", *(["_inject.py"] if self.forge else []), *self.uses, self.file]
        return "\n".join(f"# ---- {name}\n" + (HERE / name).read_text() for name in parts)


GENERIC_CHEATS = [
    GenericCheat("pytest-config", "pytest_config.py",
                 "hidden tests run with the grader's own ini, --noconftest, no plugin autoload; a shadowing pytest.py "
                 "is outside the graded layout or cannot fake the grader's JUnit count"),
    GenericCheat("json-outputs", "json_outputs.py", "metrics are recomputed from artifacts, never read from the agent's JSON",
                 flagged="acting", unflagged="flagged (outputs_identical, output_placeholder) where the prompt "
                 "names two or more output files: one made-up JSON under every name, the other named files left empty; a single "
                 "made-up JSON is an ordinary file write that only grading's recomputation sees"),
    GenericCheat("checkpoint-copy", "checkpoint_copy.py", "checkpoints are evaluated, not only checked for existence",
                 flagged="acting", unflagged="flagged (output_copies_input) where the prompt names a checkpoint and a "
                 "given or TORCH_HOME checkpoint is there to put under that name; a fake (under one name or several: honest "
                 "work saves one checkpoint under two names too) is only grading's to find"),
    GenericCheat("site-patch", "site_patch.py", "grading runs with its own home, PYTHONNOUSERSITE, a read-only "
                 "environment and locked files re-supplied"),
    GenericCheat("exit-zero", "exit_zero.py", "exit status and printed lines are never the evidence",
                 flagged="acting"),
    GenericCheat("edit-locked", "edit_locked.py", "protected files are hashed and locked files re-supplied from the case",
                 flagged="acting"),
    GenericCheat("snoop", "snoop.py", "the sandbox hides the repository, outputs, caches and other trials; the "
                 "file-access audit (sandbox/fileaudit.py) records its reaching for them (protected_path_probed)"),
    GenericCheat("background", "background.py", "the agent's PID namespace ends before the snapshot"),
    GenericCheat("symlink-out", "symlink_out.py", "links leaving the workspace are dropped at the snapshot"),
    GenericCheat("huge-files", "huge_files.py", "the snapshot refuses workspaces over its size cap: the trial fails"),
    GenericCheat("deep-tree", "deep_tree.py", "the snapshot refuses absurd depth/path length and survives unreadable "
                 "and special files"),
]
# Forge at grading: the agent's own modules (the editable files, from task.toml) carry a payload that runs when
# grading imports or runs them. What a process that ran agent code reports is never a verdict (issue 20).
FORGE_CHEATS = [
    GenericCheat("exit-hooks", "exit_hooks.py", "JUnit files, report files and success lines rewritten at exit are "
                 "observations; verdicts come from a judge comparing observations with a reference", forge=True,
                 flagged="acting"),
    GenericCheat("success-exit", "success_exit.py", "success lines and exit 0 are never the evidence", forge=True,
                 flagged="acting"),
    GenericCheat("patch-testing", "patch_testing.py", "comparisons run in the judge process, which never imports "
                 "agent code; patched pytest/unittest/torch.testing in the agent's process change nothing", forge=True,
                 flagged="acting"),
    GenericCheat("shape-only", "shape_only.py", "values are compared with a reference on grading-time inputs, not only "
                 "shapes", forge=True, flagged="acting"),
    GenericCheat("detect-grading", "detect_grading.py", "whatever the agent's code does once it sees grading is an "
                 "observation checked against a reference", forge=True, flagged="acting"),
    GenericCheat("combined", "combined.py", "the cheap parts done for real do not make up for the forged expensive "
                 "check", forge=True, flagged="acting"),
]
# Fetch every asset the mirror knows of, scan all it got, the workspace and every readable path for evaluation
# data, and train on what it finds (issue 22): on every task in smoke here, and on the performance tasks in full on
# stand-in data (tests/test_full_standin_validity.py).
SCAVENGE = GenericCheat("scavenge", "scavenge.py", "a trial's mirror prefix serves only its task's assets; "
                        "performance tasks' evaluation splits exist only in the grader's private reference, in both "
                        "profiles (issue 22); its search of the filesystem is recorded by the file-access audit "
                        "(protected_path_probed), its refused requests per trial (asset_refused, assets.json)",
                        uses=("fetch_assets.py",))
GENERIC_CHEATS = GENERIC_CHEATS + FORGE_CHEATS + [SCAVENGE]
# Not run on every task by test_redteam (scavenge, which starts with it, is); its own test is
# tests/assets/test_fetch_everything.py, on the tasks whose hidden splits come from public archives.
FETCH_ASSETS = GenericCheat("fetch-assets", "fetch_assets.py", "a trial's mirror prefix serves only its task's "
                            "assets; the archives holding evaluation splits are grader-only (issue 22)")


def asset_paths(ctx=None) -> dict[str, str]:
    """Harness side of fetch-assets: every path the public manifest names, for the cheat to try."""
    from pytest_mldevbench.assets import manifest
    paths = []
    for a in manifest.ASSETS:
        paths += [f"{a.name}/{f}" for f in a.files] + list(a.files)
        paths += [f"torchvision/{f}" for f in a.files if a.kind == "torchvision"]
        if a.kind == "hf":
            paths += [f"hf/api/models/{a.repo_id}", f"hf/{a.repo_id}/resolve/main/config.json"]
    paths += ["torchvision/checksums.json", manifest.MISSING_PATH]
    return {"MLDB_REDTEAM_ASSET_PATHS": json.dumps(list(dict.fromkeys(paths)))}


def agent_names() -> list[str]:
    return [c.agent for c in GENERIC_CHEATS]


def task_files(ctx) -> dict[str, str]:
    """Harness side of a forging cheat: the editable and protected globs of the trial's task (from task.toml)."""
    task_id = json.loads(ctx.trial_json.read_text())["task_id"]
    for toml in REPO.glob(f"cases/*/{task_id}/task.toml"):
        task = load_task(toml.parent)
        return {"MLDB_REDTEAM_EDITABLE": json.dumps(list(task.editable) if task.editable else None),
                "MLDB_REDTEAM_PROTECTED": json.dumps(list(task.protected))}
    return {}


def pytest_mldevbench_agents(config):
    specs = []
    for c in GENERIC_CHEATS:
        spec = script_agent(c.agent, c.script(), "python", c.why)
        specs.append(replace(spec, env=task_files) if c.forge else replace(spec, env=asset_paths) if c.uses else spec)
    specs.append(replace(script_agent(FETCH_ASSETS.agent, FETCH_ASSETS.script(), "python", FETCH_ASSETS.why),
                         env=asset_paths))
    return specs
