"""Validator of the judge_apart case (tests/grading/test_observe_judge.py): the judge decides; the harness
checks that nothing of the judge's folder belongs to the uid agent code ran as."""
from pathlib import Path


def test_judge_apart(grading):
    inputs = grading.inputs("judge.py")
    observed = grading.observe("probes.py", inputs, probe_timeout=30)
    grading.judge("judge.py", inputs, observed)
    uid = (grading.read_json(observed.dir / "tamper.json", 10_000) or {}).get("uid")
    owners = {p.name: p.stat().st_uid for p in [Path(inputs.dir), *Path(inputs.dir).iterdir()]}
    grading.check("nothing of the judge's folder is agent code's", uid not in owners.values(), f"{owners} vs {uid}")
