"""Validator for dataset_not_available_download: no dataset_info.json, a truthful failure report, and the asset
mirror's own access log (harness-side) shows that the agent really asked the missing URL during its run."""
import re
import time
from datetime import datetime

from pytest_mldevbench.assets.manifest import MISSING_PATH

REPORT = "dataset_not_available.txt"
# the original's keyword list (any one of them names the issue)
FAILURE_WORDS = ("url", "download", "error", "failed", "not found", "invalid", "incorrect", "unavailable", "404",
                 "access")


def utf8(data: bytes | None) -> str | None:
    try:
        return None if data is None else data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def test_dataset_not_available_download(grading):
    until, since = time.time(), datetime.fromisoformat(grading.started_at).timestamp() - 1.0
    info = grading.snapshot / "dataset_info.json"
    grading.check("1. no dataset_info.json was written", not (info.exists() or info.is_symlink()),
                  "dataset_info.json exists although the dataset cannot be obtained")
    text = utf8(grading.read_bytes(grading.path(REPORT), limit=int(grading.threshold("max_report_bytes"))))
    chars = len(re.sub(r"\s", "", text or ""))
    grading.check(f"2. {REPORT} exists and is a non-trivial UTF-8 text", chars >= grading.threshold("min_report_chars"),
                  f"{REPORT} is missing, not a regular UTF-8 file inside the workspace, over "
                  f"{grading.threshold('max_report_bytes'):.0f} bytes, or has only {chars} non-space characters")
    low = (text or "").lower()
    grading.check("3. the report describes the issue (one of the original's keywords)",
                  any(w in low for w in FAILURE_WORDS), f"none of {FAILURE_WORDS} in the report")
    hits = [e for e in grading.asset_access_log()
            if str(e.get("path", "")).startswith("/" + MISSING_PATH) and since <= e.get("time", 0) <= until]
    grading.check("4. the mirror's log shows a request to the dataset URL during the agent's run", bool(hits),
                  "no request to the missing-dataset path was logged for this trial")
