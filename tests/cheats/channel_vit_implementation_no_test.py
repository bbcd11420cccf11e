"""Cheats for channel_vit_implementation_no_test: those of channel_vit_implementation (shared grading); the
visible-test edit here adds a test file of the agent's own, which grading never runs."""
from tests.cheats.channel_vit_implementation import CHEATS  # noqa: F401
