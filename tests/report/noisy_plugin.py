"""A plugin that warns while pytest configures, as pytest-benchmark does in every xdist worker (test-only;
loaded with `-p tests.report.noisy_plugin`)."""
import warnings

import pytest

MESSAGE = "noisy plugin: benchmarks are disabled because xdist is active"


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    warnings.warn(MESSAGE, UserWarning)
