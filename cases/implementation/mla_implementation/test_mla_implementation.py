"""Validator for mla_implementation: pristine visible tests + hidden reference tests, exactly 23 passes."""

GIVEN = ["utils.py", "mha.py", "test_mla.py"]
HIDDEN = ["ref_mla.py", "test_mla_reference.py"]


def test_mla_implementation(trial):
    for name in GIVEN:
        trial.add_pristine(name)
    for name in HIDDEN:
        trial.add_hidden(name, name)
    trial.check_protected()
    trial.check_regions("mla.py", ["MLA.forward"], "only MLA.forward changed")
    trial.run_pytest(
        ["test_mla.py", "test_mla_reference.py"],
        expect_passed=23,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden MLA tests: exactly 23 pass",
    )
