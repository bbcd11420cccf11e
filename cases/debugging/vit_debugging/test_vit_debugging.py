"""Validator for vit_debugging: the visible tests (pristine copy) and the hidden equivalence tests pass."""


def test_vit_debugging(trial):
    trial.check_protected("test_vision_transformer.py untouched")

    trial.add_hidden("test_vision_transformer.py")
    trial.run_pytest(["test_vision_transformer.py"], expect_passed=11, timeout=300,
                     check="visible tests: exactly 11 passed")

    # Reference outputs come from a separate process that imports only the hidden reference package
    # (hidden/reference_dino_v2, beside the script); the hidden tests load them before any agent code.
    trial.run_hidden_python("make_reference.py", str(trial.grading_dir / "reference_outputs.pt"), timeout=300)

    trial.add_hidden("test_hidden.py")
    trial.run_pytest(["test_hidden.py"], expect_passed=9, timeout=300, check="hidden tests: exactly 9 passed")
