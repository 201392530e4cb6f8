"""Helpers the generated code calls for ops with no one-line form in a backend
(NumPy versions; the JAX and PyTorch backends use their own in ``backends``)."""
from __future__ import annotations

import numpy as np
import scipy.linalg


def frechet(f: str, x: np.ndarray, *directions: np.ndarray) -> np.ndarray:
    """Dᵏf(X)[E1…Ek], the top-right block of f(I⊗X + Σ Nᵢ⊗Eᵢ) (exact)."""
    n, k = x.shape[-1], len(directions)
    size = 2 ** k
    block = np.zeros((size * n, size * n))
    for a in range(size):
        block[a * n:(a + 1) * n, a * n:(a + 1) * n] = x
        for i, e in enumerate(directions):
            if not a & (1 << i):
                b = a | (1 << i)
                block[a * n:(a + 1) * n, b * n:(b + 1) * n] = e
    fn = {"expm": scipy.linalg.expm, "logm": scipy.linalg.logm, "sqrtm": scipy.linalg.sqrtm}[f]
    return np.real(fn(block))[:n, (size - 1) * n:]


def commutation(m: int, n: int) -> np.ndarray:
    """K with K vec(A) = vec(A') for an m×n matrix A."""
    k = np.zeros((m * n, m * n))
    a, b = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    k[(b + n * a).ravel(), (a + m * b).ravel()] = 1.0
    return k


def unit(k: int, n: int) -> np.ndarray:
    out = np.zeros(n)
    out[k] = 1.0
    return out
