"""Graded code may create folders under a hidden place (here HF_HOME under the trial's home, as the asset
mirror's environment sets it): hidden places are empty but writable, as in the local sandbox."""


def prepare_workspace(trial):
    hf = trial.home / ".cache" / "huggingface"
    hf.mkdir(parents=True, exist_ok=True)
    return {"HF_HOME": str(hf)}


def test_hidden_home_probe(trial):
    trial.check("ok.txt written by the agent", (trial.grading_dir / "ok.txt").is_file(), "missing")
    run = trial.run_script(["bash", "-c", 'mkdir -p "$HF_HOME/hub" && ls -A "$HF_HOME"'], timeout=60)
    trial.check("grading can create HF_HOME/hub", run.returncode == 0 and run.stdout.split() == ["hub"],
                run.stdout[-2000:] + run.stderr[-2000:])
