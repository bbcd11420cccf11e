"""Integrity flags on the generic red-team cheats, in small sessions where each has something to act on:
every flaggable cheat's trial carries a flag (the kinds its trusted source raises, where the cheat has one
signature) and the oracle's none.

mcts_implementation gives the cheats a module to inject into (forge class), a protected test to edit and
scripts to replace; it is one of the fastest tasks. small_dataset_overfit names output files (a JSON report and
two checkpoints) for json-outputs to fill; improve_segmentation_baseline names a checkpoint and shows TORCH_HOME
weights for checkpoint-copy to pass off (one checkpoint under several names is no flag: honest work saves
`best_epoch.pt` and `best.pt` alike). Cheats no trusted source can see (`flagged="never"` in
tests/redteam/agents.py, with the reason) are listed, not asserted. tests/redteam/test_redteam.py asserts the
"always" cheats over every task; tests/test_validity.py that every oracle trial is clean.
"""
from __future__ import annotations

import pytest

from pytest_mldevbench.sandbox.fileaudit import supported
from pytest_mldevbench.sandbox.local import LocalSandbox
from tests.redteam.agents import GENERIC_CHEATS

# what each cheat with one signature must show (one of the kinds, from a trusted source)
EXPECTED = {"redteam-snoop": {"protected_path_probed"},
            "redteam-json-outputs": {"outputs_identical", "output_placeholder"},
            "redteam-checkpoint-copy": {"output_copies_input"}}
OUTPUTS_TASK = "cases/training/small_dataset_overfit"
CHECKPOINT_TASK = "cases/performance/improve_segmentation_baseline"


def _session(bench, task, agents, oracle=True):
    names = ["oracle"] * oracle + agents
    run = bench("-p", "tests.redteam.agents", task, f"--agent={','.join(names)}", "-n", "2",
                "--dist", "worksteal", "--mldb-progress", "0", "--mldb-fail-fast", timeout=600)
    assert run.report is not None, f"the session wrote no report (exit {run.returncode}):\n{run.output[-4000:]}"
    if oracle:
        trial = run.trial("oracle")
        assert trial["outcome"] == "passed" and trial["flags"] == [], (trial["outcome"], trial["flags"])
    return run


def _check(run, agents):
    missing, got = [], {}
    counted = bool(LocalSandbox().cgroups.version)  # without a run cgroup, processes left are not counted
    for cheat in [c for c in GENERIC_CHEATS if c.agent in agents]:
        trial = run.trial(cheat.agent)
        assert trial["outcome"] == "failed", f"{cheat.agent}: {trial['outcome']}: {trial['detail']}"
        got[cheat.agent] = sorted({f["flag"] for f in trial["flags"]})
        wanted = EXPECTED.get(cheat.agent)
        if cheat.flagged != "never" and (cheat.name != "background" or counted) and \
                (not trial["flags"] or (wanted and not wanted & set(got[cheat.agent]))):
            missing.append(cheat.agent)
    table = "\n  ".join(f"{a}: {', '.join(k) or '-'}" for a, k in got.items())
    assert not missing, f"cheats without their integrity flag: {missing}\nflags per cheat:\n  {table}"


def test_every_flaggable_cheat_is_flagged_and_the_oracle_is_clean(bench):
    agents = [c.agent for c in GENERIC_CHEATS if c.name not in ("json-outputs", "checkpoint-copy")]
    _check(_session(bench, "cases/extras/mcts_implementation", agents), agents)


@pytest.mark.skipif(not supported(), reason="no file-access audit on this architecture")
def test_output_cheats_are_flagged_where_the_prompt_names_outputs(bench):
    agents = ["redteam-json-outputs", "redteam-snoop"]
    _check(_session(bench, OUTPUTS_TASK, agents), agents)


def test_a_torch_home_checkpoint_passed_off_as_trained_is_flagged(bench):
    # its oracle's trial is clean by tests/test_validity.py; this session runs only the cheat
    agents = ["redteam-checkpoint-copy"]
    _check(_session(bench, CHECKPOINT_TASK, agents, oracle=False), agents)
