"""Nothing of the agent's is needed: the probe echoes the drawn values."""
