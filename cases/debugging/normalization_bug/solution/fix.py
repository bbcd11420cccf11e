"""Oracle patch for normalization_bug: give the validation pipeline the same Normalize as training.

Finds the validation Compose inside get_transforms and inserts Normalize right after its ToTensor;
exits non-zero if an anchor is missing.
"""
import re
import sys
from pathlib import Path

path = Path(sys.argv[1])
text = path.read_text()
start = text.find("def get_transforms")
if start < 0:
    sys.exit("fix.py: get_transforms not found")
end = text.find("\ndef ", start + 1)
body = text[start:end]
val_pipeline = r"(?m)^(\s*)val_transform = transforms\.Compose\(\[\n(?:.*\n)*?(\s*)transforms\.ToTensor\(\),\n"
match = re.search(val_pipeline, body)
if match is None:
    sys.exit("fix.py: no ToTensor() in the validation pipeline of get_transforms")
insert = f"{match.group(2)}transforms.Normalize((0.1307,), (0.3081,)),  # same statistics as training\n"
body = body[:match.end()] + insert + body[match.end():]
path.write_text(text[:start] + body + text[end:])
print(f"patched {path}")
