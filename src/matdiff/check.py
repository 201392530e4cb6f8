"""Numeric verification of a derivative: evaluate it at random inputs drawn from each
variable's domain and compare with central finite differences along a random
direction. Used by ``matdiff check`` / ``--check`` and the web page."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .calculus.derivative import Derivative
from .dims import Dim
from .errors import DomainError, MatdiffError
from .evaluate import run, context
from .ops.series import free_integers

STEP = 1e-6
#: Inputs tried in turn until the expression is defined there.
DOMAINS = ("real", "positive", "spd")


@dataclass
class CheckReport:
    """How well the derivative agrees with finite differences at one random point."""

    ok: bool
    error: float
    domain: str
    sizes: dict[str, int]

    def __str__(self) -> str:
        verdict = "agrees with" if self.ok else "DISAGREES with"
        return (f"the derivative {verdict} central finite differences: relative error "
                f"{self.error:.1e} at random {self.domain} inputs "
                f"({', '.join(f'{k}={v}' for k, v in self.sizes.items()) or 'scalars'})")


def _sample(shape: tuple[int, ...], domain: str, structure: object, rng: np.random.Generator) -> np.ndarray:
    if len(shape) == 2 and shape[0] == shape[1] and (domain == "spd" or structure is not None):
        a = rng.standard_normal(shape) / np.sqrt(shape[0])
        m = a @ a.T + np.eye(shape[0])
        return np.diag(np.diag(m)) if getattr(structure, "value", "") == "diagonal" else m
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    return rng.standard_normal(shape) / 2


def check(d: Derivative, seed: int = 0, size: int = 3) -> CheckReport:
    """Compare d with finite differences of the expression (order 1) or of the
    derivative one order lower, at random inputs; symbolic sizes are set to ``size``."""
    if d.abstract:
        raise MatdiffError("an expression with an unknown function cannot be checked numerically")
    lower = Derivative(d.expr, str(d.wrt.attr), d.order - 1, d.wrt.shape) if d.order > 1 else None
    shapes = dict(d.expr.variables())
    shapes.setdefault(str(d.wrt.attr), d.wrt.shape)
    last: Exception | None = None
    for domain in DOMAINS:
        rng = np.random.default_rng(seed)
        sizes: dict[str, int] = {}
        values: dict[str, object] = {}
        for name, shape in shapes.items():
            dims = tuple(dim.value(sizes) or _bind(dim, sizes, size) for dim in shape.dims)
            values[name] = _sample(dims, domain, shape.structure, rng)
        for name in free_integers(d.expr):
            values[name] = 3
        try:
            return _compare(d, lower, values, rng, domain, sizes)
        except DomainError as e:
            last = e
    raise DomainError(f"no random inputs inside the expression's domain were found ({last})")


def _bind(dim: Dim, sizes: dict[str, int], size: int) -> int:
    """Give each unbound symbol of ``dim`` the size ``size``; the resulting size."""
    for s in dim.syms:
        sizes.setdefault(s, size)
    return dim.value(sizes) or size


def _compare(d: Derivative, lower: Derivative | None, values: dict, rng: np.random.Generator,
             domain: str, sizes: dict[str, int]) -> CheckReport:
    name = str(d.wrt.attr)
    x = np.asarray(values[name], dtype=float)
    got = d.evaluate(values)
    v = rng.standard_normal(x.shape)
    if d.wrt.shape.structure is not None:
        v = (v + v.T) / 2 if d.wrt.shape.structure.value != "diagonal" else np.diag(np.diag(v))

    def f(point: np.ndarray) -> np.ndarray:
        moved = {**values, name: point}
        if lower is None:
            return np.asarray(run(d.expr, context([d.expr], moved)), dtype=float)
        return lower.evaluate(moved)

    fd = (f(x + STEP * v) - f(x - STEP * v)) / (2 * STEP)
    want = np.tensordot(got, v, axes=v.ndim)
    error = float(np.max(np.abs(want - fd), initial=0.0) / max(1.0, np.max(np.abs(fd), initial=0.0)))
    return CheckReport(error < 1e-5, error, domain, sizes)
