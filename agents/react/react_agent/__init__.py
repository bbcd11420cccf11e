"""The ReAct agent's code (run through agents/react/main.py; not part of the harness package)."""
