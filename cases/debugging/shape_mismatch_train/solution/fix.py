"""Oracle patch for shape_mismatch_train: make MNIST 3-channel in both pipelines.

Edits train.py by anchored patterns; exits non-zero if any anchor is not found exactly where expected.
"""
import re
import sys
from pathlib import Path


def replace_each(text: str, pattern: str, repl: str, expected: int, what: str) -> str:
    new, count = re.subn(pattern, repl, text)
    if count != expected:
        sys.exit(f"fix.py: expected {expected} matches for {what}, found {count}")
    return new


path = Path(sys.argv[1])
text = path.read_text()
body = text[text.index("def get_transforms"):text.index("def get_datasets")]
fixed = replace_each(body, r"(?m)^(\s*)(\w+_transform = transforms\.Compose\(\[\n)",
                     r"\1\2\1    transforms.Grayscale(num_output_channels=3),  # MobileNetV2 expects RGB\n",
                     2, "the two Compose pipelines in get_transforms")
fixed = replace_each(fixed, r"transforms\.Normalize\(\(0\.1307,\), \(0\.3081,\)\)",
                     "transforms.Normalize((0.1307,) * 3, (0.3081,) * 3)", 2, "the two Normalize calls")
text = text.replace(body, fixed)
path.write_text(text)
print(f"patched {path}")
