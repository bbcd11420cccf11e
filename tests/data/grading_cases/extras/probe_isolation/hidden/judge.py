"""Judge of the probe isolation case: every probe's fate is reported, and the judge runs apart."""
import importlib.util
import os
import sys

import torch
from mldb_judge import Checks, pristine

PLAN = ["first", "raises", "exits", "segfault", "hangs", "last"]


def inputs(seed, profile):
    return {"probes": PLAN, "factor": 3}


def judge(inputs, observed, profile):
    checks = Checks()
    with checks.check("first: observed before the crashes"):
        assert observed.need("first") == {"value": 7, "secret_seen": False}, observed.need("first")
    with checks.check("last: observed after them, as a tensor read with weights_only"):
        assert torch.equal(observed.need("last")["tensor"], torch.arange(4) * 3)
    with checks.check("failures: each probe's own"):
        text = {n: observed.failure(n) or "" for n in ("raises", "exits", "segfault", "hangs")}
        assert "ValueError: a probe that raises" in text["raises"], text
        assert "ended during this probe" in text["exits"] and "ended during this probe" in text["segfault"], text
        assert "timed out" in text["hangs"], text
    with checks.check("the judge cannot import the agent's code and runs isolated"):
        assert importlib.util.find_spec("subject") is None, "the agent's module is importable"
        assert sys.flags.isolated and os.getcwd() != os.path.dirname(str(pristine("subject.py")))
        assert pristine("subject.py").is_file()
    return checks
