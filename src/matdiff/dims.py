"""Dimensions and shapes, symbolic or concrete, and their unification.

A dimension is ``coef * s1 * s2 * …``: a positive integer times a product of
symbols (``Dim(3, ())`` is 3, ``Dim(1, ("n",))`` is n, kron gives products).
A shape is a tuple of 0, 1 or 2 dimensions; a 1-D shape may be a row vector
(``x'`` inside a product), whose values are still 1-D arrays.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Mapping

from .errors import ShapeError


@dataclass(frozen=True, slots=True)
class Dim:
    """A dimension: ``coef`` times the product of the symbols ``syms`` (sorted)."""

    coef: int
    syms: tuple[str, ...] = ()

    @staticmethod
    def of(value: int | str | Dim) -> Dim:
        """A dimension from an int, a symbol name or a Dim."""
        if isinstance(value, Dim):
            return value
        if isinstance(value, str):
            return Dim(1, (value,))
        return Dim(int(value))

    @property
    def is_const(self) -> bool:
        return not self.syms

    @property
    def is_symbol(self) -> bool:
        return self.coef == 1 and len(self.syms) == 1

    def __mul__(self, other: Dim) -> Dim:
        return Dim(self.coef * other.coef, tuple(sorted(self.syms + other.syms)))

    def value(self, env: Mapping[str, int]) -> int | None:
        """The size under a binding of symbols, or None if a symbol is unbound."""
        out = self.coef
        for s in self.syms:
            if s not in env:
                return None
            out *= env[s]
        return out

    def __str__(self) -> str:
        parts = ([str(self.coef)] if self.coef != 1 or not self.syms else []) + list(self.syms)
        return "*".join(parts)


class Structure(enum.Enum):
    """What a declared square matrix variable is known to be (each is symmetric)."""

    SYMMETRIC = "symmetric"
    SPD = "spd"
    DIAGONAL = "diagonal"


@dataclass(frozen=True, slots=True)
class Shape:
    """A value's shape: () scalar, (n,) vector, (m, n) matrix; ``row`` marks ``x'``;
    ``structure`` what a declared variable is known to be (symmetric, spd, diagonal)."""

    dims: tuple[Dim, ...] = ()
    row: bool = False
    structure: Structure | None = None

    @property
    def rank(self) -> int:
        return len(self.dims)

    @property
    def is_scalar(self) -> bool:
        return not self.dims

    @property
    def is_vector(self) -> bool:
        return len(self.dims) == 1

    @property
    def is_col(self) -> bool:
        return len(self.dims) == 1 and not self.row

    @property
    def is_matrix(self) -> bool:
        return len(self.dims) == 2

    @property
    def rows(self) -> Dim:
        """Rows of the value seen as a matrix (a column vector is n×1, a row 1×n)."""
        if self.is_matrix or self.is_col:
            return self.dims[0]
        return Dim(1)

    @property
    def cols(self) -> Dim:
        if self.is_matrix:
            return self.dims[1]
        if self.row:
            return self.dims[0]
        return Dim(1)

    def transposed(self) -> Shape:
        if self.is_matrix:
            return Shape((self.dims[1], self.dims[0]))
        return Shape(self.dims, not self.row) if self.dims else self

    def concrete(self, env: Mapping[str, int]) -> tuple[int, ...] | None:
        vals = tuple(d.value(env) for d in self.dims)
        return None if any(v is None for v in vals) else vals  # type: ignore[return-value]

    def __str__(self) -> str:
        if self.is_scalar:
            return "scalar"
        if self.is_vector:
            return f"{'row ' if self.row else ''}vector of length {self.dims[0]}"
        kind = f"{self.structure.value} " if self.structure else ""
        return f"{self.dims[0]}x{self.dims[1]} {kind}matrix"


SCALAR = Shape()


class Unifier:
    """Union-find over dimension symbols, used while typing an expression.

    ``unify(a, b)`` records ``a == b``: a free symbol is bound to the other side;
    two different constants are a ``ShapeError``; two products that cannot be
    decided symbolically are left to the evaluation, where NumPy checks them.
    """

    def __init__(self) -> None:
        self._bound: dict[str, Dim] = {}
        self._fresh = 0

    def fresh(self, hint: str = "n") -> Dim:
        self._fresh += 1
        return Dim(1, (f"{hint}#{self._fresh}",))

    def resolve(self, d: Dim) -> Dim:
        out = Dim(d.coef)
        for s in d.syms:
            if s in self._bound:
                r = self.resolve(self._bound[s])
                self._bound[s] = r
                out = out * r
            else:
                out = out * Dim(1, (s,))
        return out

    def unify(self, a: Dim, b: Dim) -> Dim:
        if a == b and a.is_const:
            return a
        ra, rb = self.resolve(a), self.resolve(b)
        if ra == rb:
            return ra
        pairs = sorted(((ra, rb), (rb, ra)), key=lambda p: -_disposable(p[0]))
        for x, y in pairs:
            if x.is_symbol and x.syms[0] not in y.syms:
                self._bound[x.syms[0]] = y
                return y
        if ra.is_const and rb.is_const:
            raise ShapeError(f"sizes {ra} and {rb} differ")
        return ra

    def resolve_shape(self, s: Shape) -> Shape:
        return Shape(tuple(self.resolve(d) for d in s.dims), s.row, s.structure)



def _disposable(d: Dim) -> int:
    """How readily a symbol is bound away: fresh ones first, then those named after a
    variable (``rows(A)``), last the user's own names such as ``n``."""
    if not d.is_symbol:
        return 0
    name = d.syms[0]
    return 2 if "#" in name else 1 if "(" in name else 0
