"""Math-library threads per trial: the task's CPUs, capped at this xdist worker's share of the machine."""
from pytest_mldevbench.trial import thread_count


def test_single_process_gets_the_task_cpus(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER_COUNT", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    assert thread_count(2) == 2
    assert thread_count(16) == 8


def test_workers_share_the_cores(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    assert thread_count(2) == 1
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "8")
    assert thread_count(4) == 1
