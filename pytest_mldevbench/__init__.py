"""pytest-mldevbench: a pytest plugin and task suite that measures AI coding agents on ML engineering."""

__version__ = "0.1.0"
