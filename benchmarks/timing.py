"""Timing shared by the benchmarks: the median of repeated calls after a warm-up,
every result (JAX arrays included) waited for."""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time in ms after one warm-up call (results forced to be computed)."""
    def block(out: Any) -> None:
        for o in out if isinstance(out, (tuple, list)) else [out]:
            if hasattr(o, "block_until_ready"):
                o.block_until_ready()
    block(fn())
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        block(fn())
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1e3
