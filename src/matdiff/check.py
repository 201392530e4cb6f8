"""Numeric verification of a derivative: evaluate it at random inputs drawn from each
variable's domain and compare with central finite differences along a random
direction. Used by ``matdiff check`` / ``--check`` and the web page."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .calculus.derivative import Result, derive, tensor
from .dims import Dim
from .errors import DomainError, LimitError, MatdiffError
from .evaluate import MAX_ELEMENTS, context, run
from .ops.series import free_integers

#: The finite-difference step, relative to the size of the point (Richardson-extrapolated
#: central differences, so the truncation error is O(STEP⁴)).
STEP = 1e-3
EPS = float(np.finfo(float).eps)
#: The largest derivative error (relative to max(1, |derivative|)) a check accepts, beyond
#: the rounding noise of the finite differences themselves.
TOLERANCE = 1e-6
#: Inputs tried in turn until the expression is defined there.
DOMAINS = ("real", "positive", "spd")


@dataclass
class CheckReport:
    """How well the derivative agrees with finite differences at one random point."""

    ok: bool
    #: max |derivative·v − finite difference| / max(1, |finite difference|).
    error: float
    domain: str
    sizes: dict[str, int]
    #: The rounding noise of the finite differences on the same scale (large where the
    #: function's value is large beside its change: ``x'*x + 1e8``).
    noise: float = 0.0

    def __str__(self) -> str:
        verdict = "agrees with" if self.ok else "DISAGREES with"
        noise = f", finite-difference noise {self.noise:.1e}" if self.noise > TOLERANCE else ""
        return (f"the derivative {verdict} central finite differences: relative error "
                f"{self.error:.1e}{noise} at random {self.domain} inputs "
                f"({', '.join(f'{k}={v}' for k, v in self.sizes.items()) or 'scalars'})")


def _sample(shape: tuple[int, ...], domain: str, structure: object, rng: np.random.Generator) -> np.ndarray:
    if len(shape) == 2 and shape[0] == shape[1] and (domain == "spd" or structure is not None):
        a = rng.standard_normal(shape) / np.sqrt(shape[0])
        m = a @ a.T + np.eye(shape[0])
        return np.diag(np.diag(m)) if getattr(structure, "value", "") == "diagonal" else m
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    return rng.standard_normal(shape) / 2


class HasResult(Protocol):
    """A shell holding a derivative's ``Result`` (``matdiff.Derivative``)."""

    @property
    def result(self) -> Result: ...


def check(derivative: Result | HasResult, seed: int = 0, size: int = 3, max_entries: int = MAX_ELEMENTS) -> CheckReport:
    """Compare d with finite differences of the expression (order 1) or of the
    derivative one order lower, at random inputs; symbolic sizes are set to ``size``.
    The random inputs hold at most ``max_entries`` numbers in all (refused before any
    is drawn), and the derivative at most MAX_ELEMENTS."""
    d = derivative if isinstance(derivative, Result) else derivative.result
    if d.abstract:
        raise MatdiffError("an expression with an unknown function cannot be checked numerically")
    lower = derive(d.expr, str(d.wrt.attr), d.order - 1, d.wrt.shape) if d.order > 1 else None
    shapes = dict(d.expr.variables())
    shapes.setdefault(str(d.wrt.attr), d.wrt.shape)
    last: Exception | None = None
    for domain in DOMAINS:
        rng = np.random.default_rng(seed)
        sizes: dict[str, int] = {}
        values: dict[str, object] = {}
        drawn = 0
        for name, shape in shapes.items():
            dims = tuple(dim.value(sizes) or _bind(dim, sizes, size) for dim in shape.dims)
            drawn += math.prod(dims)
            if drawn > max_entries:
                raise LimitError(f"the inputs would have {drawn:,} entries (up to {name}); a numeric "
                                 f"check samples at most {max_entries:,}")
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


def _compare(d: Result, lower: Result | None, values: dict, rng: np.random.Generator,
             domain: str, sizes: dict[str, int]) -> CheckReport:
    name = str(d.wrt.attr)
    x = np.asarray(values[name], dtype=float)
    got = tensor(d, values)
    v = rng.standard_normal(x.shape)
    if d.wrt.shape.structure is not None:
        v = (v + v.T) / 2 if d.wrt.shape.structure.value != "diagonal" else np.diag(np.diag(v))

    def f(point: np.ndarray) -> np.ndarray:
        moved = {**values, name: point}
        if lower is None:
            return np.asarray(run(d.expr, context([d.expr], moved)), dtype=float)
        return tensor(lower, moved)

    h = STEP * max(1.0, float(np.max(np.abs(x), initial=0.0)))
    ends = [f(x + t * v) for t in (h, -h, h / 2, -h / 2)]
    wide, narrow = (ends[0] - ends[1]) / (2 * h), (ends[2] - ends[3]) / h
    fd = (4 * narrow - wide) / 3
    want = np.tensordot(got, v, axes=v.ndim)
    scale = max(1.0, float(np.max(np.abs(fd), initial=0.0)))
    error = float(np.max(np.abs(want - fd), initial=0.0)) / scale
    # Each end carries a rounding error of about eps·|f|, amplified by 1/h in the difference.
    noise = 10 * EPS * max(float(np.max(np.abs(e), initial=0.0)) for e in ends) / h / scale
    return CheckReport(error < TOLERANCE + noise, error, domain, sizes, noise)
