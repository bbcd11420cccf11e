"""Judge of the judge_session case: it draws with torch's global generator, then judges in the same process."""
import hashlib
import os

import torch

_DREW: list[str] = []  # what inputs() drew in this process (a separate process has none)


def _generator():
    return hashlib.sha256(torch.random.get_rng_state().numpy().tobytes()).hexdigest()


def inputs(seed, profile):
    before = _generator()  # as the module's import left it
    torch.manual_seed(seed)  # the global generator moves on: judge() must not see that
    _DREW.append(os.urandom(8).hex())
    return {"probes": ["echo"], "x": torch.rand(3).tolist(), "drew": _DREW[-1], "generator": before}


def judge(inputs, observed, profile):
    from mldb_judge import Checks
    checks = Checks()
    with checks.check("the process that drew the inputs judges them"):
        assert _DREW == [inputs["drew"]], (_DREW, inputs["drew"])
    with checks.check("judge() sees the random generator as the module's import left it"):
        assert _generator() == inputs["generator"], "the generator moved on"
    with checks.check("the observation is the probe's"):
        assert observed.need("echo")["x"] == inputs["x"], observed.need("echo")
    return checks
