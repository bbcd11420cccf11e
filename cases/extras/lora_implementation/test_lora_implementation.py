"""Validator for lora_implementation: pristine visible tests (8) + hidden tests (8), exactly 16 passes."""

EDITABLE = ["LoraLinear.__init__", "LoraLinear.forward"]


def test_lora_implementation(trial):
    trial.add_pristine("test_lora.py")
    for name in ("ref_lora.py", "test_lora_hidden.py"):
        trial.add_hidden(name, name)
    trial.add_pristine(".", "pristine")
    trial.check_protected()
    trial.check_regions("lora.py", EDITABLE, "only __init__ and forward changed")
    trial.run_pytest(
        ["test_lora.py", "test_lora_hidden.py"],
        expect_passed=16,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden LoRA tests: exactly 16 pass",
    )
