"""Numeric evaluation: bind arrays to variables, then run each op's NumPy lowering.

Values carry leading batch axes for the directions of a differential, so one
pass evaluates a linear map on a whole basis (see ``ops.lowering``). Floating
point faults (log of a negative, division by zero, overflow) become
``DomainError``s naming the op; sizes are checked before anything is allocated.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from .dims import Shape, Structure
from .errors import DomainError, LimitError, MatdiffError, ShapeError
from .expr import CONST, HOLE, VAR, Node, check_time
from .ops.series import free_integers

#: The most float64 entries one intermediate value may have (400 MB).
MAX_ELEMENTS = 50_000_000
#: The most terms all the sigmas of one evaluation may add up, nested ones counted per
#: outer term (checked before each sum starts).
MAX_SIGMA_TERMS = 100_000
#: The largest magnitude of an integer symbol's value (an exponent, a summation bound).
MAX_INTEGER = 10**9


class EvalContext:
    """Sizes of the symbolic dimensions and values of the leaves."""

    def __init__(self, sizes: Mapping[str, int], leaves: Mapping[Any, np.ndarray],
                 ints: Mapping[str, int] | None = None, budget: list[int] | None = None) -> None:
        self.sizes = dict(sizes)
        self.leaves = dict(leaves)
        #: Values of integer symbols (symbolic exponents, summation indices).
        self.ints = dict(ints or {})
        #: The sigma terms this evaluation may still add (shared by nested contexts).
        self.budget = budget if budget is not None else [MAX_SIGMA_TERMS]

    def with_int(self, name: str, value: int) -> EvalContext:
        """The same context with one more integer symbol bound (inside a sigma)."""
        return EvalContext(self.sizes, self.leaves, {**self.ints, name: value}, self.budget)

    def spend(self, terms: int) -> None:
        """Take ``terms`` sigma terms from the budget, or refuse before adding any."""
        if terms > self.budget[0]:
            raise LimitError(f"the sums would add more than {MAX_SIGMA_TERMS:,} terms in all; "
                             "use smaller bounds")
        self.budget[0] -= terms

    def dims(self, shape: Shape) -> tuple[int, ...]:
        out = shape.concrete(self.sizes)
        if out is None:
            missing = [str(d) for d in shape.dims if d.value(self.sizes) is None]
            raise ShapeError(f"the size {', '.join(missing)} is not fixed by any input")
        return out

    def leaf(self, node: Node) -> np.ndarray:
        if node.op is CONST:
            return np.asarray(node.attr, dtype=float)
        key = node.attr if node.op is VAR else node
        return self.leaves[key]


def as_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a float64 array of at most 2 axes with finite real entries; anything
    else (complex, None, text, out of float range, nan, inf) is refused, never coerced."""
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError, OverflowError):
        raise MatdiffError(f"the value of {name} is not an array of numbers") from None
    if raw.dtype.kind == "c":
        raise DomainError(f"the value of {name} is complex; matdiff computes with real matrices only")
    if raw.dtype.kind == "O" and any(v is None or isinstance(v, complex) for v in raw.flat):
        raise MatdiffError(f"the value of {name} is not an array of real numbers")
    if raw.dtype.kind not in "biufO":
        raise MatdiffError(f"the value of {name} is not a number or an array of numbers: {value!r:.40}")
    try:
        arr = raw.astype(float)
    except (TypeError, ValueError):
        raise MatdiffError(f"the value of {name} is not an array of numbers") from None
    except OverflowError:
        raise LimitError(f"the value of {name} is beyond the float64 range") from None
    if arr.ndim > 2:
        raise ShapeError(f"the value of {name} has {arr.ndim} axes; at most 2 are allowed")
    if not np.all(np.isfinite(arr)):
        raise DomainError(f"the value of {name} has entries that are not finite (nan or inf)")
    return arr


def integers(names: set[str], values: Mapping[str, Any]) -> dict[str, int]:
    """Values of integer symbols (exponents, summation bounds) from ``values``: Python or
    NumPy integers (or integral floats) of magnitude at most MAX_INTEGER."""
    out = {}
    for name in sorted(names):
        if name not in values:
            raise MatdiffError(f"no value given for the integer {name}")
        v = values[name]
        if isinstance(v, (float, np.floating)) and math.isfinite(v) and v == int(v):
            v = int(v)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise MatdiffError(f"{name} must be an integer, got {v!r:.40}")
        if abs(int(v)) > MAX_INTEGER:
            raise LimitError(f"{name} = {int(v):.3g} is beyond the limit of ±{MAX_INTEGER:,} "
                             "for an integer symbol")
        out[name] = int(v)
    return out


def bind(shapes: Mapping[str, Shape],
         values: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """Match arrays to the variables' (symbolic) shapes: the sizes of the symbols."""
    if not isinstance(values, Mapping):
        raise MatdiffError("values must be a mapping from variable names to arrays")
    missing = sorted(set(shapes) - set(values))
    if missing:
        raise MatdiffError(f"no value given for {', '.join(missing)}")
    arrays = {name: as_array(name, values[name]) for name in shapes}
    sizes: dict[str, int] = {}
    pending = []
    for name, shape in shapes.items():
        arr = arrays[name]
        if arr.ndim != shape.rank:
            raise ShapeError(f"{name} is a {shape} but its value has shape {arr.shape}")
        for d, n in zip(shape.dims, arr.shape):
            if d.is_symbol and d.syms[0] not in sizes:
                sizes[d.syms[0]] = n
            pending.append((name, d, n))
    for name, shape in shapes.items():
        if shape.structure is not None:
            _check_structure(name, shape.structure, arrays[name])
    for name, d, n in pending:
        if d.value(sizes) != n:
            raise ShapeError(f"the value of {name} has a size {n} where {d} = {d.value(sizes)} "
                             "is required by the other inputs")
    return sizes, arrays


def _check_structure(name: str, structure: Structure, value: np.ndarray) -> None:
    scale = max(1.0, float(np.max(np.abs(value), initial=0.0)))
    if not np.allclose(value, value.T, rtol=0, atol=1e-10 * scale):
        raise DomainError(f"{name} is declared {structure.value} but its value is not symmetric")
    if structure is Structure.DIAGONAL and np.any(np.abs(value - np.diag(np.diag(value))) > 0):
        raise DomainError(f"{name} is declared diagonal but its value has off-diagonal entries")
    if structure is Structure.SPD:
        try:
            np.linalg.cholesky(value)
        except np.linalg.LinAlgError:
            raise DomainError(f"{name} is declared spd but its value is not positive definite") \
                from None


def context(roots: Sequence[Node], values: Mapping[str, Any],
            extra: Mapping[str, Shape] | None = None) -> EvalContext:
    """Bind ``values`` to the variables (and integer symbols) of ``roots`` (and ``extra``)."""
    shapes = dict(extra or {})
    names: set[str] = set()
    for root in roots:
        shapes.update(root.variables())
        names |= free_integers(root)
    sizes, arrays = bind(shapes, values)
    return EvalContext(sizes, arrays, integers(names - set(shapes), values))


def run(root: Node, ctx: EvalContext, *others: Node) -> np.ndarray:
    """Evaluate ``root`` bottom-up (no recursion), floating point faults being errors.

    ``others`` are evaluated too (after ``root``, sharing common subexpressions), so
    that a point outside their domain is reported (a derivative of ``log(x)`` at a
    negative ``x``, say); only ``root``'s value is returned. An overflow is an error in
    ``root`` only: in the others it is the limit of the floating-point range, not of
    the domain (``log(1 + exp(1000))`` is finite).
    """
    values: dict[Node, np.ndarray] = {}
    for top in (root,) + others:
        with np.errstate(divide="raise", invalid="raise", over="raise" if top is root else "ignore",
                         under="ignore"):
            for node in top.scope():
                if node in values:
                    continue
                check_time()
                if node.op.binder is not None:
                    values[node] = node.op.binder.evaluate(node, ctx, run)
                    continue
                args = [values[a] for a in node.args]
                _check_size(node, args, ctx)
                try:
                    values[node] = np.asarray(node.op.lower(node, args, ctx))
                except FloatingPointError as e:
                    raise DomainError(f"{node.op.name}: {e} at these inputs") from None
                except np.linalg.LinAlgError as e:
                    raise DomainError(f"{node.op.name}: {e}") from None
                except ValueError as e:
                    raise ShapeError(f"{node.op.name}: the inputs' sizes do not fit ({e})") from None
    return values[root]


def _check_size(node: Node, args: list[np.ndarray], ctx: EvalContext) -> None:
    if node.op is VAR or node.op is HOLE or node.op is CONST:
        return
    batch = 1
    for value, a in zip(args, node.args):
        batch = max(batch, math.prod(value.shape[:value.ndim - a.shape.rank]))
    size = batch * math.prod(ctx.dims(node.shape))
    if size > MAX_ELEMENTS:
        raise LimitError(f"{node.op.name} would hold {size:,} numbers; the limit is {MAX_ELEMENTS:,}")
