"""The test session computes JAX in float64, as the docs tell users to ask for it (the
generated JAX code never changes JAX's configuration itself)."""
from __future__ import annotations

import importlib.util

if importlib.util.find_spec("jax") is not None:
    import jax

    jax.config.update("jax_enable_x64", True)
