"""Validator for mcts_implementation: pristine visible tests (7) + hidden tests (9), exactly 16 passes."""

EDITABLE = ["Node.get_uct_value", "MCTS.search", "MCTS._select", "MCTS._expand", "MCTS._simulate",
            "MCTS._backpropagate"]


def test_mcts_implementation(trial):
    trial.add_hidden("pristine/test_mcts.py", "test_mcts.py")
    trial.add_hidden("pristine", "pristine")
    for name in ("region_guard.py", "test_mcts_hidden.py"):
        trial.add_hidden(name, name)
    trial.check_protected()
    regions = trial.run_hidden_python("region_guard.py", "pristine/mcts.py", "mcts.py", *EDITABLE)
    trial.check("only the marked methods changed", regions["ok"], "; ".join(regions["problems"]))
    trial.run_pytest(
        ["test_mcts.py", "test_mcts_hidden.py"],
        expect_passed=16,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden MCTS tests: exactly 16 pass",
    )
