"""grading/budget.py: the graded runs of a trial share grading_timeout_s."""
import time

import pytest

from pytest_mldevbench.errors import GradingTimeout
from pytest_mldevbench.grading.budget import GradingBudget


def test_runs_get_what_is_left_and_none_starts_after_the_end():
    budget = GradingBudget(0.3)
    budget.start()
    assert budget.timeout(100, "a") <= 0.3 and budget.timeout(0.1, "a") == 0.1
    time.sleep(0.35)
    with pytest.raises(GradingTimeout, match="grading_timeout_s"):
        budget.timeout(10, "python train.py")
    with pytest.raises(GradingTimeout, match="python train.py"):
        budget.after_timeout("python train.py")
