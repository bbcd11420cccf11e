#!/usr/bin/env bash
printf 'print("Hello, World!")\n' > hello.py
