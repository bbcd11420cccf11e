"""Cheats that must fail hello_world."""
from tests.cheatlib import Cheat

CHEATS = [
    Cheat("no-comma", "printf 'print(\"Hello World!\")\\n' > hello.py", why="exact text"),
    Cheat("lower-case", "printf 'print(\"hello, world!\")\\n' > hello.py", why="exact text"),
    Cheat("exit-nonzero", "printf 'import sys\\nprint(\"Hello, World!\")\\nsys.exit(1)\\n' > hello.py", why="exit 0"),
    Cheat("symlink-outside", "printf 'print(\"Hello, World!\")\\n' > /tmp/h.py; ln -s /tmp/h.py hello.py",
          why="hello.py must be a regular file in the workspace"),
]
