"""Validator for ppo_implementation: only the four methods changed; probes run them on grading-time weights,
states, actions and rewards, and a judge recomputes every value, gradient and optimizer step (hidden/judge.py);
the visible tests, run from their pristine copy, are shown."""
EDITABLE = ["ActorCritic.act", "ActorCritic.evaluate", "PPO.select_action", "PPO.update"]


def test_ppo_implementation(grading):
    grading.check_protected("test_ppo.py untouched")
    grading.check_regions("ppo.py", EDITABLE, "only the four PPO methods changed")
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=120)
    visible = grading.run_tests(["test_ppo.py"], expect_passed=7, timeout=grading.threshold("pytest_timeout_s"))
    grading.note("visible tests (pristine copy)", visible.summary())
