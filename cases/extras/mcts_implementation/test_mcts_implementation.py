"""Validator for mcts_implementation: pristine visible tests (7) + hidden tests (9), exactly 16 passes."""

EDITABLE = ["Node.get_uct_value", "MCTS.search", "MCTS._select", "MCTS._expand", "MCTS._simulate",
            "MCTS._backpropagate"]


def test_mcts_implementation(trial):
    trial.add_pristine("test_mcts.py")
    trial.add_hidden("test_mcts_hidden.py")
    trial.check_protected()
    trial.check_regions("mcts.py", EDITABLE, "only the marked methods changed")
    trial.run_pytest(
        ["test_mcts.py", "test_mcts_hidden.py"],
        expect_passed=16,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden MCTS tests: exactly 16 pass",
    )
