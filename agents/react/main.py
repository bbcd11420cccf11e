"""ReAct agent (mldevbench agent protocol): reads $MLDB_TRIAL_JSON, writes agent_result.json.

Usage: <python with litellm> agents/react/main.py [--trial-json PATH] [--max-steps N]
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from react_agent.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
