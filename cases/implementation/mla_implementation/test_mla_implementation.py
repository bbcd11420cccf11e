"""Validator for mla_implementation: pristine visible tests + hidden reference tests, exactly 24 passes."""

GIVEN = ["utils.py", "mha.py", "test_mla.py"]
HIDDEN = ["ref_mla.py", "region_guard.py", "test_mla_reference.py"]


def test_mla_implementation(trial):
    for name in GIVEN:
        trial.add_hidden(f"pristine/{name}", name)
    trial.add_hidden("pristine", "pristine")
    for name in HIDDEN:
        trial.add_hidden(name, name)
    trial.check_protected()
    regions = trial.run_hidden_python("region_guard.py", "pristine/mla.py", "mla.py", "MLA.forward")
    trial.check("only MLA.forward changed", regions["ok"], "; ".join(regions["problems"]))
    trial.run_pytest(
        ["test_mla.py", "test_mla_reference.py"],
        expect_passed=24,
        timeout=trial.threshold("pytest_timeout_s"),
        env={"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "2"},
        check="visible and hidden MLA tests: exactly 24 pass",
    )
