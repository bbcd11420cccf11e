#!/usr/bin/env bash
# Pure CPU work of a fixed size (one core), standard library only.
set -euo pipefail
python3 -c 'print(sum(i * i % 7 for i in range(15_000_000)))' > sum.txt
