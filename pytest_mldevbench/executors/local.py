"""The local executor: each trial runs inside the pytest process that runs its test item (the controller
with `-n 0`, else an xdist worker); `pytest_pyfunc_call` in plugin.py runs `Trial.run()` directly."""
from __future__ import annotations


class LocalExecutor:
    remote = False

    def submit_all(self, items) -> None:
        """Nothing to do ahead of time: each item runs its trial when pytest reaches it."""

    def result(self, item):  # pragma: no cover - never called: plugin.py runs local trials itself
        raise RuntimeError("the local executor runs trials in the test item itself")

    def shutdown(self) -> None:
        pass
