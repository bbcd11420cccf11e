"""Judge of the judge_apart case: agent code ran as another uid and changed nothing of the judge's."""
import os


def inputs(seed, profile):
    return {"probes": ["tamper"], "value": 5}


def judge(inputs, observed, profile):
    from mldb_judge import Checks
    checks = Checks()
    seen = observed.need("tamper")
    with checks.check("agent code runs as another uid than the judge"):
        assert seen["uid"] != os.getuid(), (seen["uid"], os.getuid())
    with checks.check("agent code could not change the judge's folder"):
        assert "done" not in seen["tries"].values(), seen["tries"]
    with checks.check("the inputs are as the judge wrote them"):
        assert inputs == {"probes": ["tamper"], "value": 5}, inputs
    return checks
