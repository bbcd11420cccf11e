"""Validator for channel_vit_implementation: the pristine visible tests and the 9 hidden tests must pass."""
NON_EDITABLE = ["vit.py", "test_channel_vit.py"]


def test_channel_vit_implementation(trial):
    for name in NON_EDITABLE:
        trial.add_pristine(name)
    trial.add_pristine(".", "_pristine")
    for name in ["ref_channel_vit.py", "test_channel_vit_hidden.py"]:
        trial.add_hidden(name, name)
    trial.add_grader_file("region_check.py")  # the hidden region test imports it
    env = {"PYTHONHASHSEED": "0", "MLDB_PROFILE": trial.profile}
    timeout = 300 if trial.profile == "smoke" else 900
    trial.run_pytest(["test_channel_vit.py"], expect_passed=3, timeout=timeout, env=env,
                     check="visible tests pass (pristine copy, 3)")
    trial.run_pytest(["test_channel_vit_hidden.py"], expect_passed=9, timeout=timeout, env=env,
                     check="hidden reference tests pass (9)")
