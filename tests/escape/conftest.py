from tests.docker.conftest import docker_image  # noqa: F401  (the docker arena needs the image)

collect_ignore = ["cases", "attacker.py", "neighbour.py", "unprivileged_init.py"]  # case folders and agent scripts, not tests
