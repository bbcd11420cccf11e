"""Scripted agents that probe the docker sandbox (load with `-p tests.docker.probes`)."""
from __future__ import annotations

from pytest_mldevbench.agents.script import script_agent

# writes a correct hello.py, then allocates far more than hello_world's 1 GB (touching every page)
OOM = ("open('hello.py', 'w').write('print(\"Hello, World!\")\\n')\n"
       "blocks = []\n"
       "for _ in range(64):\n"
       "    blocks.append(bytearray(128 * 1024 * 1024))\n"
       "open('survived_oom', 'w').write('allocated 8 GB')\n")


def pytest_mldevbench_agents(config):
    return [script_agent("probe-oom", OOM, "python", "allocates 8 GB under a 1 GB limit")]
