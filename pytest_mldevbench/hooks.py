"""Hook specifications the plugin adds to pytest."""


def pytest_mldevbench_agents(config):
    """Return a list of extra `AgentSpec`s (e.g. scripted agents in a project's tests)."""
