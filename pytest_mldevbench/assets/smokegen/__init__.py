"""Smoke-profile generators. They run in the task environment's Python (numpy, Pillow, torch,
transformers), started by the harness as `python -c <bootstrap> <asset> <out_dir> <seed> [dep=dir ...]`."""
