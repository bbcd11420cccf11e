#!/usr/bin/env bash
# Long enough for the test to kill the node running it (CPU-safe: no CUDA needed).
set -euo pipefail
sleep 15
printf done > done.txt
