"""Insert input standardisation after the line that defines the targets (anchored, not by line number)."""
import re
import sys
from pathlib import Path

path = Path(sys.argv[1])
lines = path.read_text().splitlines(keepends=True)
anchor = [i for i, line in enumerate(lines) if re.match(r"^y\s*=", line)]
if len(anchor) != 1:
    sys.exit(f"fix.py: expected one line defining y in {path}, found {len(anchor)}")
lines.insert(anchor[0] + 1, "X = (X - X.mean()) / X.std()  # standardise: unscaled x made SGD diverge\n")
path.write_text("".join(lines))
print(f"patched {path}")
