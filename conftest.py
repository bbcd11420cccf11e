"""Repository conftest: collect each case's validator, never the files inside its folders."""
from pathlib import Path

pytest_plugins = ["pytester"]  # the plugin's own tests use it
CASE_PARTS = {"workspace", "hidden", "solution"}


def pytest_ignore_collect(collection_path: Path, config):
    """A case's workspace/, hidden/ and solution/ hold task material (some of it named test_*.py)."""
    parts = collection_path.parts
    if "cases" in parts and CASE_PARTS.intersection(parts[parts.index("cases"):]):
        return True
    return None
