"""Whether the optional xFormers kernels may be used (never when XFORMERS_DISABLED is set)."""
import os

XFORMERS_ENABLED = os.environ.get("XFORMERS_DISABLED") is None
XFORMERS_AVAILABLE = False
if XFORMERS_ENABLED:
    try:
        from xformers.ops import memory_efficient_attention, unbind  # noqa: F401

        XFORMERS_AVAILABLE = True
    except ImportError:
        XFORMERS_AVAILABLE = False
