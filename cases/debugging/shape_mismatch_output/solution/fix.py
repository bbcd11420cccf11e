"""Size the classifier for the 112x112 map that 224x224 inputs leave after the pool (anchored edit)."""
import re
import sys
from pathlib import Path

path = Path(sys.argv[1])
text = path.read_text()
pattern = re.compile(r"nn\.Linear\(\s*128\s*\*\s*16\s*\*\s*16\s*,")
if len(pattern.findall(text)) != 1:
    sys.exit(f"fix.py: expected one 'nn.Linear(128 * 16 * 16,' in {path}")
text = pattern.sub("nn.Linear(128 * 112 * 112,", text)
text = text.replace("# 128 channels on the pooled feature map.",
                    "# 128 channels on the pooled feature map: 224x224 inputs give 112x112 after the pool.")
path.write_text(text)
print(f"patched {path}")
