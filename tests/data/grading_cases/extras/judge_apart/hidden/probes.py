"""The probe of the judge_apart case: the agent's code gets the judge's inputs folder (argv of the runner)."""
import sys


def run(name, inputs):
    import tamper
    return tamper.attempt(sys.argv[2])
