"""Warnings other plugins issue while pytest configures, kept off the terminal under xdist and shown once.

With -n every worker configures again, so a plugin that warns while configuring (pytest-benchmark: "benchmarks are
automatically disabled because xdist plugin is active") printed one copy per process straight to the terminal,
between the harness's status lines. Under xdist such warnings are held in each process: a worker hands its own to
the controller with its output at the end, and the controller puts each distinct warning (category, text, place)
once into pytest's warnings summary. Without xdist nothing changes.
"""
from __future__ import annotations

import warnings

import pytest

OUTPUT_KEY = "mldb_config_warnings"  # in a worker's workeroutput


class ConfigWarnings:
    """Registered from the first pytest_configure hook of every process that runs under xdist."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.held: list[warnings.WarningMessage] = []
        self.seen: set[tuple] = set()
        self.original = warnings.showwarning
        warnings.showwarning = self._hold

    def _hold(self, message, category, filename, lineno, file=None, line=None):
        self.held.append(warnings.WarningMessage(message, category, filename, lineno, file, line))

    def pytest_sessionstart(self, session):
        """Configuring is over: print-through again, and pass on what was held."""
        warnings.showwarning = self.original
        if hasattr(self.config, "workeroutput"):
            from xdist.remote import serialize_warning_message
            self.config.workeroutput[OUTPUT_KEY] = [serialize_warning_message(w) for w in self.held]
        else:
            self._record(self.held)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node, error):
        """Controller: a worker finished; its configure-time warnings that are new go to the summary."""
        from xdist.workermanage import unserialize_warning_message
        self._record([unserialize_warning_message(d) for d in getattr(node, "workeroutput", {}).get(OUTPUT_KEY, [])])

    def _record(self, held: list[warnings.WarningMessage]) -> None:
        for w in held:
            key = (getattr(w.category, "__name__", ""), str(w.message), w.filename, w.lineno)
            if key not in self.seen:
                self.seen.add(key)
                self.config.hook.pytest_warning_recorded.call_historic(
                    kwargs=dict(warning_message=w, when="config", nodeid="", location=None))


def hold(config: pytest.Config) -> None:
    """Start holding configure-time warnings when this process runs under xdist (controller or worker)."""
    if hasattr(config, "workerinput") or getattr(config.option, "numprocesses", None):
        config.pluginmanager.register(ConfigWarnings(config), "mldevbench-config-warnings")
