"""Validator for dataset_not_available_download: a truthful failure report, no dataset_info.json, and the
asset mirror's access log shows that the agent really asked the missing URL."""
import os
import re
import time
from datetime import datetime
from pathlib import Path

from pytest_mldevbench.assets.manifest import MISSING_PATH

REPORT = "dataset_not_available.txt"
FAILURE_WORDS = ("404", "not found", "does not exist", "doesn't exist", "no such")


def regular_file_inside(trial, name: str) -> Path | None:
    """snapshot/<name> if it is a regular file that resolves inside the snapshot."""
    path = trial.snapshot / name
    snap = Path(os.path.realpath(trial.snapshot))
    real = Path(os.path.realpath(path))
    return real if real.is_relative_to(snap) and real.is_file() else None


def missing_requests(trial, since: float, until: float) -> list[dict]:
    """Requests this trial made to the missing-dataset path (any sub-path or method) in [since, until]."""
    log = trial.asset_access_log()
    prefix = "/" + MISSING_PATH
    return [e for e in log if e.get("path", "").startswith(prefix) and since <= e.get("time", 0) <= until]


def test_dataset_not_available_download(trial):
    grading_started = time.time()
    trial_started = datetime.fromisoformat(trial.result.started_at).timestamp() - 1.0
    snap = trial.snapshot

    # 1. no dataset_info.json
    info = snap / "dataset_info.json"
    trial.check("1. no dataset_info.json was written", not (info.exists() or info.is_symlink()),
                "dataset_info.json exists although the dataset cannot be obtained")

    # 2. the report: a regular UTF-8 text file of sensible size with some content
    text, detail = None, ""
    path = regular_file_inside(trial, REPORT)
    if path is None:
        detail = f"{REPORT} missing (or not a regular file inside the workspace)"
    elif path.stat().st_size > trial.threshold("max_report_bytes"):
        detail = f"{REPORT} is {path.stat().st_size} bytes (limit {trial.threshold('max_report_bytes'):.0f})"
    else:
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            detail = f"{REPORT} is not UTF-8: {exc}"
        else:
            chars = len(re.sub(r"\s", "", text))
            if chars < trial.threshold("min_report_chars"):
                detail, text = f"{REPORT} has only {chars} non-whitespace characters", None
    trial.check(f"2. {REPORT} exists and is a non-trivial UTF-8 text", text is not None, detail)

    low = (text or "").lower()
    url = trial.asset_url("missing-dataset")
    # 3. it names the resource
    trial.check("3. the report names the URL it tried",
                url.lower() in low or "cdh-dataset-download" in low,
                f"neither {url} nor 'cdh-dataset-download' in the report")
    # 4. it names the failure
    trial.check("4. the report names the failure (404 / not found / does not exist / no such)",
                any(w in low for w in FAILURE_WORDS), f"none of {FAILURE_WORDS} in the report")

    # 5. the agent really contacted the URL during its run
    hits = missing_requests(trial, trial_started, grading_started)
    trial.check("5. the mirror's log shows a request to the dataset URL during the agent's run", bool(hits),
                "no request to the missing-dataset path was logged for this trial")
