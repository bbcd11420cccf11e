"""Cheats for mla_implementation_hidden_tests: the same tricks as mla_implementation (same MLA skeleton)."""
from tests.cheats.mla_implementation import CHEATS

__all__ = ["CHEATS"]
