"""Helpers the generated code calls for ops with no one-line form in a backend
(NumPy versions; the JAX and PyTorch backends use their own in ``backends``)."""
from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.linalg.lapack


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


def spd_inv(x: np.ndarray) -> np.ndarray:
    """inv(X) for a symmetric positive definite X, from its Cholesky factor (LAPACK potri)."""
    c, info = scipy.linalg.lapack.dpotrf(x, lower=1)
    if info == 0:
        inv, info = scipy.linalg.lapack.dpotri(c, lower=1)
    if info != 0:
        raise np.linalg.LinAlgError("the matrix is not positive definite")
    return np.tril(inv) + np.tril(inv, -1).T


def spd_solve(x: np.ndarray, b: np.ndarray) -> np.ndarray:
    """X \\ B for a symmetric positive definite X (a Cholesky solve)."""
    return scipy.linalg.cho_solve(scipy.linalg.cho_factor(x, lower=True), b)


def unit(k: int, n: int) -> np.ndarray:
    out = np.zeros(n)
    out[k] = 1.0
    return out
