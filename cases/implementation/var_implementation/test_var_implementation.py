"""Validator for var_implementation: the pristine visible tests (3) and the hidden tests (10) must pass."""
NON_EDITABLE = ["__init__.py", "basic_vae.py", "basic_var.py", "helpers.py", "quant.py", "vqvae.py", "test_var.py"]


def test_var_implementation(trial):
    for name in NON_EDITABLE:
        trial.add_pristine(name)
    trial.add_pristine(".", "_pristine")
    for name in ["ref_var.py", "test_var_hidden.py"]:
        trial.add_hidden(name, name)
    trial.add_grader_file("region_check.py")  # the hidden region test imports it
    env = {"PYTHONHASHSEED": "0", "MLDB_PROFILE": trial.profile}
    timeout = 300 if trial.profile == "smoke" else 900
    trial.run_pytest(["test_var.py"], expect_passed=3, timeout=timeout, env=env,
                     check="visible tests pass (pristine copy, 3)")
    trial.run_pytest(["test_var_hidden.py"], expect_passed=10, timeout=timeout, env=env,
                     check="hidden reference tests pass (10)")
