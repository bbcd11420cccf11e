#!/usr/bin/env bash
# Oracle: a short wait (trials of different lengths end out of order under -n), then the file.
set -euo pipefail
sleep 0.3
printf done > done.txt
