"""Validator for ppo_implementation: pristine visible tests (7) + hidden tests (11), exactly 18 passes."""

HIDDEN = ["ref_ppo.py", "test_ppo_hidden.py"]
EDITABLE = ["ActorCritic.act", "ActorCritic.evaluate", "PPO.select_action", "PPO.update"]


def test_ppo_implementation(trial):
    trial.add_pristine("test_ppo.py")
    for name in HIDDEN:
        trial.add_hidden(name, name)
    trial.check_protected()
    trial.check_regions("ppo.py", EDITABLE, "only the four PPO methods changed")
    trial.run_pytest(
        ["test_ppo.py", "test_ppo_hidden.py"],
        expect_passed=18,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden PPO tests: exactly 18 pass",
    )
