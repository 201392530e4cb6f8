"""Matrix notation for a linear map ``dX ↦ L[dX]`` when the variable is a scalar or
a vector: the matrix ``J`` with ``L[dx] = J*dx`` (layout S_out + S_in; a row's
entries are numbered as its transpose's).

For a scalar variable ``J = L[1]``. For a vector variable ``dx`` is factored out
on the right, op by op: ``M*T → M*J(T)``, ``v.*T → diag(v)*J(T)``,
``(s*v with s = g'dx) → v*g'``, ``sum(T) → vector(1)'*J(T)``, ``kron(T, v) →
kron(J(T), v)``…; when some op is
in the way the map has no such form here and None is returned.
"""
from __future__ import annotations

from ..dims import Shape
from ..expr import HOLE, Node, const, dependents
from ..ops import arithmetic as ar
from ..ops import linalg as la
from ..simplify.symmetry import pushed


def substitute(root: Node, old: Node, new: Node) -> Node:
    """``root`` with every occurrence of ``old`` replaced by ``new``."""
    out: dict[Node, Node] = {}
    for node in root.walk():
        out[node] = new if node == old else ar.with_args(node, [out[a] for a in node.args])
    return out[root]


def matrix_form(lin: Node, direction: Node) -> Node | None:
    """J with lin = J*direction, or None when no factoring rule applies."""
    if direction.shape.is_scalar:
        return substitute(lin, direction, const(1.0))
    if not direction.shape.is_col or lin.shape.is_matrix:
        return None
    if lin.shape.row:  # a row's entries are the column's: J(L) = J(L')
        lin = pushed(lin)
    return _factor(lin, direction, dependents(lin, direction))


def _product(factors: list[Node]) -> Node | None:
    return ar.chain_product(factors) if factors else None


def _chain_through(factors: list[Node], t: Node, dep: set[Node]) -> Node | None:
    """J for a product chain L*u*R or L*u'*R with one factor u linear in the direction
    (a column vector): L*u*(r) = r*L*u for a scalar r = R, and L*u'*R = L*R'*u."""
    carrying = [i for i, f in enumerate(factors) if f in dep]
    if len(carrying) != 1:
        return None
    i = carrying[0]
    f, left, right = factors[i], _product(factors[:i]), _product(factors[i + 1:])
    if f.op in (ar.ADD, ar.NEG):  # L*(A + B)*R = L*A*R + L*B*R
        parts = _every([matrix_form(ar.chain_product(factors[:i] + [x] + factors[i + 1:]), t)
                        for x in f.args])
        if parts is None:
            return None
        return ar.neg(parts[0]) if f.op is ar.NEG else ar.add(*parts)
    if f.shape.is_col and right is not None and right.shape.is_scalar:
        j = _factor(f, t, dep)  # L*u*r = r*L*u
        return None if j is None else ar.scale(right, j if left is None else ar.mul(left, j))
    if f.op is ar.TRANSPOSE and f.args[0].shape.is_col and right is not None and right.shape.is_col:
        j = _factor(f.args[0], t, dep)  # L*u'*R = L*(R'*u) = (L*R')*u
        outer = ar.transpose(right) if left is None else ar.mul(left, ar.transpose(right))
        return None if j is None else ar.mul(outer, j)
    return None


def _every(parts: list[Node | None]) -> list[Node] | None:
    """The parts, or None where one of them has no matrix form."""
    known = [p for p in parts if p is not None]
    return known if len(known) == len(parts) else None


def _ones_row(shape: Shape) -> Node:
    return ar.fill(const(1.0), Shape(shape.dims, row=True))


def _factor(n: Node, h: Node, dep: set[Node]) -> Node | None:
    """J(n) with n = J(n)*h; n is a scalar or a column vector linear in h."""
    if n == h:
        return ar.eye(h.shape.dims[0])
    op, args = n.op, n.args
    if op is HOLE or n not in dep or n.shape.is_matrix or n.shape.row:
        return None
    if op is ar.ADD:
        parts = _every([_factor(a, h, dep) for a in args])
        return None if parts is None else ar.add(*parts)
    if op is ar.NEG:
        j = _factor(args[0], h, dep)
        return None if j is None else ar.neg(j)
    if op is ar.SCALE:
        s, x = args
        if s in dep:  # (g'h)*v = v*g'
            j = _factor(s, h, dep)
            return None if j is None or x.shape.row else ar.mul(x, j)
        j = _factor(x, h, dep)
        return None if j is None else ar.scale(s, j)
    if op is ar.DIV:
        j = _factor(args[0], h, dep)
        return None if j is None else ar.div(j, args[1])
    if op is ar.MATMUL:
        a, b = args
        if b in dep and a not in dep:
            j = _factor(b, h, dep)
            return None if j is None else ar.mul(a, j)
        if a in dep and a.op is ar.TRANSPOSE and a.args[0].shape.is_col and b not in dep:
            j = _factor(a.args[0], h, dep)  # (t)'b = b't
            return None if j is None else ar.mul(ar.transpose(b), j)
        factors = ar.chain_factors(n)
        first, rest = factors[0], factors[1:]
        if first.op is la.DIAG and first.shape.is_matrix and not any(f in dep for f in rest):
            v = ar.chain_product(rest)
            j = _factor(first.args[0], h, dep)  # diag(t)*v = t.*v = diag(v)*t
            return None if j is None else ar.mul(la.diag(v), j)
        return _chain_through(factors, h, dep)
    if op in (ar.HAD, ar.EDIV):
        t = args[0] if args[0] in dep else args[1]
        v = args[1] if t is args[0] else args[0]
        if v in dep:
            return None
        j = _factor(t, h, dep)
        weight = v if op is ar.HAD else ar.ediv(ar.fill(const(1.0), v.shape), v)
        return None if j is None else ar.mul(la.diag(weight), j)
    if op is la.KRON and n.shape.is_col and sum(a in dep for a in args) == 1:
        t, i = (args[0], 0) if args[0] in dep else (args[1], 1)
        j = _factor(t, h, dep)  # kron(J*h, v) = kron(J, v)*h, kron(v, J*h) = kron(v, J)*h
        return None if j is None else la.kron(j, args[1]) if i == 0 else la.kron(args[0], j)
    if op is ar.SUM:
        j = _factor(args[0], h, dep)
        return None if j is None else ar.mul(_ones_row(args[0].shape), j)
    if op is ar.FILL:
        j = _factor(args[0], h, dep)
        return None if j is None or n.shape.row else ar.mul(ar.fill(const(1.0), n.shape), j)
    return None
