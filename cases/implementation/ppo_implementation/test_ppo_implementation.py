"""Validator for ppo_implementation: pristine visible tests (7) + hidden tests (12), exactly 19 passes."""

HIDDEN = ["ref_ppo.py", "region_guard.py", "test_ppo_hidden.py"]
EDITABLE = ["ActorCritic.act", "ActorCritic.evaluate", "PPO.select_action", "PPO.update"]


def test_ppo_implementation(trial):
    trial.add_hidden("pristine/test_ppo.py", "test_ppo.py")
    trial.add_hidden("pristine", "pristine")
    for name in HIDDEN:
        trial.add_hidden(name, name)
    trial.check_protected()
    regions = trial.run_hidden_python("region_guard.py", "pristine/ppo.py", "ppo.py", *EDITABLE)
    trial.check("only the four PPO methods changed", regions["ok"], "; ".join(regions["problems"]))
    trial.run_pytest(
        ["test_ppo.py", "test_ppo_hidden.py"],
        expect_passed=19,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden PPO tests: exactly 19 pass",
    )
