"""Grader-side helper modules (standard library only, standalone): validators call them in the grader
process, and may copy them into a grading folder for hidden tests (`trial.add_grader_file`).

classifier_{inputs,predict,score}.py are scripts (numpy/torch, run with the task python) that several
classification cases share: `trial.add_grader_file(name, dest, hidden=True)` puts one into the grader's
private hidden folder, where `trial.run_hidden_python(dest)` runs it like any hidden/ script; classifier_step.py is the validator-side
prediction step that places and runs them."""
