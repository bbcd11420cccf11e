"""Graded code may create folders under a hidden place (here HF_HOME under the trial's home, as the asset
mirror's environment sets it): hidden places are empty but writable, as in the local sandbox."""


def prepare_workspace(grading):
    # the trial's home lies beside its workspace: bound for the agent, a hidden place for graded runs
    hf = grading.workspace.parent / "home" / ".cache" / "huggingface"
    hf.mkdir(parents=True, exist_ok=True)
    return {"HF_HOME": str(hf)}


def test_hidden_home_probe(grading):
    grading.check("ok.txt written by the agent", grading.read_text(grading.snapshot / "ok.txt") is not None, "missing")
    run = grading.run(["bash", "-c", 'mkdir -p "$HF_HOME/hub" && ls -A "$HF_HOME"'], timeout=60)
    grading.check("grading can create HF_HOME/hub", run.returncode == 0 and run.stdout.split() == ["hub"],
                  run.stdout[-2000:] + run.stderr[-2000:])
