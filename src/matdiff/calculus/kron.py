"""The vec/Kronecker form of a derivative: the matrix ``K = dvec(F)/dvec(X)`` with
``vec(dF) = K vec(dX)``, columns stacked (column-major).

Each linear op gives its K from its arguments' (``Op.kron``):
``vec(A dX B) = (B' ⊗ A) vec(dX)``, ``vec(dX') = K(m,n) vec(dX)`` (the
commutation matrix), ``vec(A ⊙ dX) = diag(vec(A)) vec(dX)``, ``tr(dX) =
vec(I)' vec(dX)``…; an op without such a rule (diag, kron of a direction, the
Fréchet derivative of expm…) means no Kronecker form is given.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..dims import Dim, Shape
from ..evaluate import context, run
from ..expr import HOLE, Node, to_latex, to_text
from ..ops import arithmetic as ar
from ..ops import linalg as la


class NoKronForm(Exception):
    """Some op on the way has no Kronecker rule."""


def kron_matrix(lin: Node, direction: Node) -> Node | None:
    """K with vec(lin) = K vec(direction), or None if no rule gives one."""
    columns = _size(direction)
    ks: dict[Node, Node] = {}
    try:
        for node in lin.walk():
            if node.op is HOLE:
                if node != direction:
                    raise NoKronForm
                ks[node] = ar.eye(columns)
            elif not node.args or all(ar.is_zero(ks[a]) for a in node.args):
                ks[node] = _zero_k(node, columns)
            elif node.op.kron is None:
                raise NoKronForm
            else:
                ks[node] = node.op.kron(node, [ks[a] for a in node.args])
    except NoKronForm:
        return None
    return ks[lin]


def _size(x: Node) -> Dim:
    """The number of entries of x (1 for a scalar)."""
    return x.shape.rows * x.shape.cols


def _zero_k(node: Node, columns: Dim) -> Node:
    """The K of a node that does not depend on the direction: a zero with a row per
    entry of the node (a row vector for a scalar) and a column per entry of the direction."""
    if node.shape.is_scalar:
        return ar.zero(Shape((columns,), row=True))
    return ar.zero(Shape((_size(node), columns)))


def kron_vec(x: Node) -> Node:
    """vec of a value as a column (a vector is its own vec)."""
    return la.vec(x) if x.shape.is_matrix else (ar.transpose(x) if x.shape.row else x)


@dataclass(frozen=True)
class KronForm:
    """``dvec(F)/dvec(X) = K``: rows index vec(F), columns vec(X) (column-major);
    entry ``K[p + P·q, m + M·n] = ∂F[p,q]/∂X[m,n]``. For a scalar f, K = vec(G)'."""

    matrix: Node
    expr: Node
    wrt: Node
    order: int

    def __str__(self) -> str:
        f = "F" if not self.expr.shape.is_scalar else "f" if self.order == 1 else "∇f"
        return f"dvec({f})/dvec({self.wrt.attr}) = {to_text(self.matrix, sized=True)}"

    @property
    def layout(self) -> str:
        """The layout, in words."""
        return ("rows index vec(F), columns index vec(X), both stacking columns: "
                "K[p + P*q, m + M*n] = ∂F[p,q]/∂X[m,n]")

    def latex(self) -> str:
        return (rf"\frac{{\partial \operatorname{{vec}} F}}{{\partial \operatorname{{vec}} "
                rf"{self.wrt.attr}}} = {to_latex(self.matrix)}")

    def evaluate(self, values: Mapping[str, Any]) -> np.ndarray:
        ctx = context([self.matrix], values, {self.wrt.attr: self.wrt.shape})
        return np.asarray(run(self.matrix, ctx), dtype=float)
