"""Validator for mcts_implementation: only the marked methods changed; probes run the agent's methods on games
and trees built at grading time and a judge recomputes each result and replays a whole search (hidden/judge.py);
the visible tests, run from their pristine copy, are shown."""
EDITABLE = ["Node.get_uct_value", "MCTS.search", "MCTS._select", "MCTS._expand", "MCTS._simulate",
            "MCTS._backpropagate"]


def test_mcts_implementation(grading):
    grading.check_protected("test_mcts.py untouched")
    grading.check_regions("mcts.py", EDITABLE, "only the marked methods changed")
    grading.observe_and_judge("probes.py", "judge.py", probe_timeout=120)
    visible = grading.run_tests(["test_mcts.py"], expect_passed=7, timeout=grading.threshold("pytest_timeout_s"))
    grading.note("visible tests (pristine copy)", visible.summary())
