"""Validator for channel_vit_implementation_no_test: only the 9 hidden tests run (the agent got no tests).

The grading directory holds the pristine workspace plus the agent's `channel_vit.py`, so any test files,
`conftest.py` or `pytest.ini` the agent wrote are not there.
"""


def test_channel_vit_implementation_no_test(trial):
    trial.add_pristine("vit.py")
    trial.add_pristine(".", "_pristine")
    for name in ["ref_channel_vit.py", "test_channel_vit_hidden.py"]:
        trial.add_hidden(name, name)
    trial.add_grader_file("region_check.py")  # the hidden region test imports it
    env = {"PYTHONHASHSEED": "0", "MLDB_PROFILE": trial.profile}
    timeout = 300 if trial.profile == "smoke" else 900
    trial.run_pytest(["test_channel_vit_hidden.py"], expect_passed=9, timeout=timeout, env=env,
                     check="hidden reference tests pass (9)")
