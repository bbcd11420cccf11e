"""Validator for ppo_implementation: pristine visible tests (7) + hidden tests (12), exactly 19 passes."""

HIDDEN = ["ref_ppo.py", "test_ppo_hidden.py"]
EDITABLE = ["ActorCritic.act", "ActorCritic.evaluate", "PPO.select_action", "PPO.update"]


def test_ppo_implementation(trial):
    trial.add_pristine("test_ppo.py")
    for name in HIDDEN:
        trial.add_hidden(name, name)
    trial.add_pristine(".", "pristine")
    trial.add_grader_file("regions.py", "region_guard.py")  # the hidden region test imports it
    trial.check_protected()
    trial.check_regions("ppo.py", EDITABLE, "only the four PPO methods changed")
    trial.run_pytest(
        ["test_ppo.py", "test_ppo_hidden.py"],
        expect_passed=19,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden PPO tests: exactly 19 pass",
    )
