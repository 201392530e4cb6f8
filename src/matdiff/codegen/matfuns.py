"""The principal square root and logarithm of a matrix in JAX and PyTorch source, for
libraries that have no ``sqrtm``/``logm``: helper functions a generated module defines
when it calls them (NumPy's modules copy ``runtime.sqrtm``/``runtime.logm`` instead).

- sqrtm: the product form of the Denman–Beavers iteration, Y ← Y(I + M⁻¹)/2,
  M ← (I + (M + M⁻¹)/2)/2 from Y = M = X: Y → X^½ and M → I, for an X with no eigenvalue
  on the closed negative real axis; where there is no real principal root the result is
  NaN (or, in PyTorch, the error of a singular iterate), never a wrong number.
- logm: inverse scaling and squaring, log X = 2ˢ log(X^(1/2ˢ)) with s = LOGM_ROOTS, and
  log(I + E) = ∫₀¹ E(I + tE)⁻¹ dt by 8-point Gauss–Legendre quadrature (a Padé
  approximant, exact to rounding for ‖E‖ ≤ 0.25).
"""
from __future__ import annotations

import numpy as np

SQRTM_STEPS = 60
LOGM_ROOTS = 6
_t, _w = np.polynomial.legendre.leggauss(8)
#: (node, weight) pairs on [0, 1].
NODES = tuple((float((t + 1) / 2), float(w / 2)) for t, w in zip(_t, _w))

_TORCH = f'''def sqrtm(x):
    """The principal square root (Denman–Beavers, product form); NaN where none is real."""
    eye = torch.eye(x.shape[-1], dtype=x.dtype, device=x.device)
    y, m = x, x
    for _ in range({SQRTM_STEPS}):
        inverse = torch.linalg.inv(m)
        y, m = y @ (eye + inverse) / 2, (eye + (m + inverse) / 2) / 2
    return torch.where(torch.linalg.matrix_norm(m - eye) < 1e-3, y, torch.nan)


def logm(x):
    """The principal logarithm: 2^s log(x^(1/2^s)), log(I + E) by Gauss–Legendre quadrature."""
    eye = torch.eye(x.shape[-1], dtype=x.dtype, device=x.device)
    y = x
    for _ in range({LOGM_ROOTS}):
        y = sqrtm(y)
    e = y - eye
    return sum(w * e @ torch.linalg.inv(eye + t * e) for t, w in {NODES!r}) * {2 ** LOGM_ROOTS}
'''

_JAX = f'''def sqrtm(x):
    """The principal square root (Denman–Beavers, product form); NaN where none is real."""
    eye = jnp.eye(x.shape[-1], dtype=x.dtype)

    def step(_, ym):
        y, m = ym
        inverse = jnp.linalg.inv(m)
        return y @ (eye + inverse) / 2, (eye + (m + inverse) / 2) / 2
    y, m = jax.lax.fori_loop(0, {SQRTM_STEPS}, step, (x, x))
    return jnp.where(jnp.linalg.norm(m - eye) < 1e-3, y, jnp.nan)


def logm(x):
    """The principal logarithm: 2^s log(x^(1/2^s)), log(I + E) by Gauss–Legendre quadrature."""
    eye = jnp.eye(x.shape[-1], dtype=x.dtype)
    y = jax.lax.fori_loop(0, {LOGM_ROOTS}, lambda _, y: sqrtm(y), x)
    e = y - eye
    return sum(w * e @ jnp.linalg.inv(eye + t * e) for t, w in {NODES!r}) * {2 ** LOGM_ROOTS}
'''


def _defs(source: str) -> dict[str, str]:
    """Each helper's source by its name, in the order a module must define them."""
    parts = source.split("\n\n\n")
    return {p.split("(", 1)[0].removeprefix("def "): p.rstrip() + "\n" for p in parts}


TORCH_DEFS = _defs(_TORCH)
JAX_DEFS = _defs(_JAX)
