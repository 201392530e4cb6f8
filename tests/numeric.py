"""Numeric checks in the style of autograd's ``check_grads``.

Inputs are drawn from each op's domain; derivatives are compared with central
finite differences along random directions, at first and second order, and
the reverse-mode gradient with the forward-mode linearization.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

import matdiff

STEP = 1e-6


#: The domains a value can be drawn from (an op's ``sample`` names one).
SAMPLERS = ("real", "positive", "away0", "small", "spd", "nonsingular")


def sample(shape: Sequence[int], domain: str, rng: np.random.Generator) -> np.ndarray:
    """A random value of the given shape inside a domain.

    real: N(0,1)/2 entries; positive: in [0.5, 2]; spd: symmetric positive
    definite, well conditioned; nonsingular: I + small noise; away0: |x| ≥ 0.3.
    """
    shape = tuple(shape)
    if domain == "real":
        return rng.standard_normal(shape) / 2
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "away0":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 1.0, shape)
    if domain == "small":
        return rng.uniform(-0.6, 0.6, shape)
    n = shape[0]
    if domain == "spd":
        a = rng.standard_normal((n, n)) / np.sqrt(n)
        return a @ a.T + np.eye(n)
    if domain == "nonsingular":
        return np.eye(n) * 1.5 + rng.standard_normal((n, n)) / (2 * np.sqrt(n))
    raise ValueError(domain)


def draw(shapes: Mapping[str, Sequence[int]], domains: Mapping[str, str] | None,
         rng: np.random.Generator) -> dict[str, np.ndarray]:
    domains = domains or {}
    return {k: sample(v, domains.get(k, "real"), rng) for k, v in shapes.items()}


def _moved(values: dict[str, np.ndarray], wrt: str, step: np.ndarray) -> dict[str, np.ndarray]:
    out = dict(values)
    out[wrt] = values[wrt] + step
    return out


def directional(tensor: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Contract the trailing S_in axes of a derivative with a direction."""
    return np.tensordot(tensor, direction, axes=direction.ndim)


def check(expr: str, wrt: str, shapes: Mapping[str, Sequence[int]],
          domains: Mapping[str, str] | None = None, order: int = 2, seed: int = 0,
          rtol: float = 1e-5, atol: float = 1e-7, directions: int = 2) -> None:
    """Check the derivatives of ``expr`` up to ``order`` against finite differences."""
    rng = np.random.default_rng(seed)
    values = draw(shapes, domains, rng)
    x = values[wrt]
    for k in range(1, order + 1):
        d = matdiff.derivative(expr, wrt=wrt, order=k, shapes=shapes)
        lower = (lambda v: matdiff.evaluate(expr, v)) if k == 1 else \
            matdiff.derivative(expr, wrt=wrt, order=k - 1, shapes=shapes).evaluate
        got = d.evaluate(values)
        base = np.asarray(lower(values))
        assert got.shape == base.shape + x.shape, (expr, k, got.shape)
        for _ in range(directions):
            v = rng.standard_normal(x.shape)
            fd = (np.asarray(lower(_moved(values, wrt, STEP * v)))
                  - np.asarray(lower(_moved(values, wrt, -STEP * v)))) / (2 * STEP)
            want = directional(got, v)
            scale = max(1.0, float(np.max(np.abs(fd))))
            assert np.allclose(want, fd, rtol=rtol, atol=atol * scale), \
                f"{expr} d/d{wrt} order {k}: max error {np.max(np.abs(want - fd)):.3g}\n{d}"


def check_reverse(expr: str, wrt: str, shapes: Mapping[str, Sequence[int]],
                  domains: Mapping[str, str] | None = None, seed: int = 1) -> None:
    """⟨G, E⟩ = L[E]: the reverse-mode gradient of sum(F .* K) (K random) equals the
    forward-mode Jacobian of F contracted with K, for a non-scalar F."""
    rng = np.random.default_rng(seed)
    values = draw(shapes, domains, rng)
    f = np.asarray(matdiff.evaluate(expr, values))
    jac = matdiff.derivative(expr, wrt=wrt, shapes=shapes).evaluate(values)
    if f.ndim == 0:
        return
    k = rng.standard_normal(f.shape)
    name = "K" if f.ndim == 2 else "k"
    row = matdiff.parse(expr, shapes).shape.row
    scalar = f"sum(({expr}){chr(39) * row}.*{name})"
    grad = matdiff.derivative(scalar, wrt=wrt, shapes={**shapes, name: f.shape}).evaluate(
        {**values, name: k})
    want = np.tensordot(k, jac, axes=(list(range(f.ndim)), list(range(f.ndim))))
    assert np.allclose(grad, want, rtol=1e-9, atol=1e-10), scalar
