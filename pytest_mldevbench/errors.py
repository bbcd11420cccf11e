"""Exceptions that carry a one-line message for the user."""
import pytest


class MldbError(Exception):
    """Base class: str(exc) is a complete one-line message."""


class TaskError(MldbError):
    """A case folder is malformed (names the file and field)."""


class InfrastructureError(MldbError):
    """The harness or the machine broke; the trial is an error, not an agent failure."""


class GradingError(MldbError):
    """Grading could not read what it needed from the trial (counts as a failed check)."""


class GradingStopped(pytest.fail.Exception):
    """--mldb-fail-fast: a check already failed, so the rest of the grading (graded runs) is skipped.

    An outcome exception like pytest.fail's, so a validator's `except Exception` cannot swallow it."""


class GradingTimeout(pytest.fail.Exception):
    """The trial's grading ran past its task's `grading_timeout_s`: the trial fails (reason grading_timeout).

    An outcome exception like GradingStopped, so a validator's `except Exception` cannot swallow it."""
