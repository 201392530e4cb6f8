"""Timing shared by the benchmarks: the median of repeated calls after a warm-up,
every result (JAX arrays included) waited for."""
from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import numpy as np


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


def data(n: int, rng: np.random.Generator) -> dict[str, Any]:
    """The arrays the cases share at size n: a square ``a``, an spd matrix, a design
    ``X`` (2n samples) with labels ``y`` of ±1, and a rank ``r`` for factorizations."""
    a = rng.standard_normal((n, n))
    return {"a": a, "spd": a @ a.T / n + np.eye(n), "X": rng.standard_normal((2 * n, n)) / np.sqrt(n),
            "y": rng.choice([-1.0, 1.0], 2 * n), "r": max(1, n // 10)}
