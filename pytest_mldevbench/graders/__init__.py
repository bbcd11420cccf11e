"""Grader-side helper modules (standard library only, standalone): validators call them in the grader
process, and may copy them into a grading folder for hidden tests (`trial.add_grader_file`)."""
