"""The escape suite: the docker arena needs the docker sandbox image (fixture shared with tests/docker)."""
from tests.docker.conftest import docker_image  # noqa: F401

collect_ignore = ["cases", "attacker.py", "neighbour.py", "unprivileged_init.py"]  # fixtures, not tests
