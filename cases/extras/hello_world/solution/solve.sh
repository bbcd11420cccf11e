#!/usr/bin/env bash
# Oracle for hello_world: write the one-line script.
set -euo pipefail
printf 'print("Hello, World!")\n' > hello.py
