"""Docker-sandbox tests need a Docker engine. `./dev.sh test` installs and starts one where it can (root
with apt); elsewhere these tests skip, naming why. With MLDB_REQUIRE_DOCKER=1 (CI) a missing engine fails."""
from __future__ import annotations

import os
import shutil

import pytest

collect_ignore = ["cases"]  # case folders used as fixtures, not tests


@pytest.fixture(scope="session")
def docker_image():
    from pytest_mldevbench.errors import InfrastructureError
    from pytest_mldevbench.sandbox import docker as dsb
    try:
        cli = dsb.client()
    except InfrastructureError as exc:
        if os.environ.get("MLDB_REQUIRE_DOCKER") == "1" or (os.getuid() == 0 and shutil.which("apt-get")):
            pytest.fail(f"{exc} (./dev.sh test starts one on root machines with apt)")
        pytest.skip(f"docker sandbox tests: {exc}; not root or no apt-get, so ./dev.sh could not start one")
    return dsb.ensure_image(cli)
