"""End-to-end tests of the wrapped agents (OpenHands, AIDE, mini-swe-agent, cli) through the meter."""
