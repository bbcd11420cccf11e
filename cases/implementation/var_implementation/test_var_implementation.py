"""Validator for var_implementation: only VAR.forward and VAR.autoregressive_infer_cfg changed; the pristine
visible tests (3) and the hidden tests (9) must pass."""
NON_EDITABLE = ["__init__.py", "basic_vae.py", "basic_var.py", "helpers.py", "quant.py", "vqvae.py", "test_var.py"]


def test_var_implementation(trial):
    for name in NON_EDITABLE:
        trial.add_pristine(name)
    for name in ["ref_var.py", "test_var_hidden.py"]:
        trial.add_hidden(name, name)
    trial.check_regions("var.py", ["VAR.forward", "VAR.autoregressive_infer_cfg"])
    env = {"PYTHONHASHSEED": "0", "MLDB_PROFILE": trial.profile}
    timeout = 300 if trial.profile == "smoke" else 900
    trial.run_pytest(["test_var.py"], expect_passed=3, timeout=timeout, env=env,
                     check="visible tests pass (pristine copy, 3)")
    trial.run_pytest(["test_var_hidden.py"], expect_passed=9, timeout=timeout, env=env,
                     check="hidden reference tests pass (9)")
