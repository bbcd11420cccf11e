"""Read a pytest JUnit XML file into pass/fail counts."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class JunitCounts:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)


def read_junit(path: Path) -> JunitCounts:
    counts = JunitCounts()
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        name = f"{case.get('classname', '')}::{case.get('name', '')}"
        kinds = {child.tag for child in case}
        if "error" in kinds:
            counts.errors += 1
            counts.failures.append(f"ERROR {name}")
        elif "failure" in kinds:
            counts.failed += 1
            counts.failures.append(f"FAILED {name}")
        elif "skipped" in kinds:
            counts.skipped += 1
            counts.failures.append(f"SKIPPED {name}")
        else:
            counts.passed += 1
    # collection errors appear as testsuite-level errors with no testcase
    for suite in root.iter("testsuite"):
        declared = int(suite.get("errors", 0))
        seen = sum(1 for c in suite.iter("testcase") if any(ch.tag == "error" for ch in c))
        counts.errors += max(0, declared - seen)
    return counts
