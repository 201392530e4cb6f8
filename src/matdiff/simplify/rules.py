"""Simplification rules: a named list of rewrites, each stating its identity.

Every rule maps a node (whose arguments are already simplified) to an equal
node, or None when it does not apply. Why the set terminates: each rule either
shrinks the tree, or moves a transpose strictly toward the leaves, or moves a
scalar factor strictly toward the root, or merges terms of a sum; none undoes
another, and the engine also caps the number of rewrites.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..expr import CONST, Node, const, const_value
from ..ops import arithmetic as ar
from ..ops import elementwise as ew
from ..ops import linalg as la
from ..render.text import to_text


@dataclass(frozen=True)
class Rule:
    name: str
    identity: str
    apply: Callable[[Node], Node | None]


def _transpose_inward(n: Node) -> Node | None:
    if n.op is not ar.TRANSPOSE:
        return None
    a = n.args[0]
    if a.op is ar.MATMUL:
        return ar.mul(ar.transpose(a.args[1]), ar.transpose(a.args[0]))
    if a.op in (ar.ADD, ar.HAD, ar.EDIV):
        return ar.rebuild(a, [ar.transpose(x) for x in a.args])
    if a.op in (ar.NEG, ar.SCALE, ar.DIV):
        return ar.rebuild(a, [ar.transpose(x) for x in a.args])
    return None


def _scalar_out(n: Node) -> Node | None:
    """Pull a scale factor or a minus sign out of a product-like node."""
    if n.op in (ar.MATMUL, ar.HAD, ar.TRANSPOSE, la.TRACE, ar.SUM, la.DIAG, la.VEC, la.KRON):
        for i, a in enumerate(n.args):
            if a.op is ar.SCALE:
                args = list(n.args)
                args[i] = a.args[1]
                return ar.scale(a.args[0], ar.rebuild(n, args))
            if a.op is ar.NEG:
                args = list(n.args)
                args[i] = a.args[0]
                return ar.neg(ar.rebuild(n, args))
    return None


def _merge_scales(n: Node) -> Node | None:
    if n.op is ar.SCALE:
        s, x = n.args
        if x.op is ar.SCALE and const_value(s) is not None and const_value(x.args[0]) is not None:
            return ar.scale(const(const_value(s) * const_value(x.args[0])), x.args[1])  # type: ignore[operator]
        if x.op is ar.NEG:
            return ar.neg(ar.scale(s, x.args[0]))
        if s.op is ar.NEG:
            return ar.neg(ar.scale(s.args[0], x))
    if n.op is ar.NEG and n.args[0].op is ar.SCALE and n.args[0].args[0].op is CONST:
        return ar.scale(const(-const_value(n.args[0].args[0])), n.args[0].args[1])  # type: ignore[operator]
    if n.op is ar.DIV and n.args[0].op is ar.SCALE and n.args[0].args[0] == n.args[1]:
        return n.args[0].args[1]
    return None


def _terms(n: Node) -> list[tuple[float, Node]]:
    """A sum as (coefficient, term) pairs."""
    if n.op is ar.ADD:
        return _terms(n.args[0]) + _terms(n.args[1])
    if n.op is ar.NEG:
        return [(-c, t) for c, t in _terms(n.args[0])]
    if n.op is ar.SCALE and n.args[0].op is CONST:
        return [(const_value(n.args[0]) * c, t) for c, t in _terms(n.args[1])]  # type: ignore[operator]
    return [(1.0, n)]


def _collect(n: Node) -> Node | None:
    """a*T + b*T = (a+b)*T for constants a, b."""
    if n.op is not ar.ADD:
        return None
    terms = _terms(n)
    merged: dict[Node, float] = {}
    for c, t in terms:
        merged[t] = merged.get(t, 0.0) + c
    if len(merged) == len(terms):
        return None
    out: Node | None = None
    for t, c in merged.items():
        out = ar.add(out, ar.scale(const(c), t))
    if out is None:
        return ar.fill(const(0.0), n.shape) if not n.shape.is_scalar else const(0.0)
    return out


def _scalar_product_order(n: Node) -> Node | None:
    """a'*b = b'*a for column vectors: a fixed order lets like terms meet."""
    if n.op is ar.MATMUL and n.shape.is_scalar and n.args[0].op is ar.TRANSPOSE:
        a, b = n.args[0].args[0], n.args[1]
        if a.shape.is_col and b.shape.is_col and to_text(b) < to_text(a):
            return ar.mul(ar.transpose(b), a)
    return None


def _norm2_squared(n: Node) -> Node | None:
    if n.op is ew.POWC and float(n.attr) == 2.0 and n.args[0].op is la.NORM2:  # type: ignore[arg-type]
        u = n.args[0].args[0]
        return ar.inner(u, u)
    return None


RULES: list[Rule] = [
    Rule("transpose-inward", "(AB)' = B'A', (A+B)' = A'+B', (sA)' = sA', (A⊙B)' = A'⊙B'",
         _transpose_inward),
    Rule("scalar-out", "(sA)B = s(AB), A(sB) = s(AB), tr(sA) = s tr A, (-A)B = -(AB) …",
         _scalar_out),
    Rule("merge-scales", "a(bX) = (ab)X, s(-X) = -(sX), -(cX) = (-c)X, (sX)/s = X",
         _merge_scales),
    Rule("collect", "aT + bT = (a+b)T", _collect),
    Rule("scalar-product-order", "a'b = b'a for vectors a, b", _scalar_product_order),
    Rule("norm2-squared", "norm2(u)^2 = u:u", _norm2_squared),
]
