"""Regenerate docs/report-screenshot.png from the sample report: `python -m tests.report.make_screenshot`."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pytest_mldevbench import cli
from pytest_mldevbench.report import json_report

from .factory import sample

REPO = Path(__file__).resolve().parents[2]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.json"
        json_report.write(sample(), path)
        return cli.main(["report", str(path), "--html", str(Path(tmp) / "sample.html"),
                         "--screenshot", str(REPO / "docs" / "report-screenshot.png")])


if __name__ == "__main__":
    sys.exit(main())
