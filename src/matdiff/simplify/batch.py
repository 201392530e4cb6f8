"""Rewrites for batch operations: implicit expansions kept next to the elementwise
ops that absorb them, reductions of expansions, and the stable log-softmax.

Each function maps a node (arguments already simplified) to an equal node, or None.
Termination: each moves an expansion strictly toward the root of an elementwise
expression or removes an op.
"""
from __future__ import annotations

from collections import Counter

from ..dims import Dim, Shape
from ..expr import Node, apply, const
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import elementwise as ew
from ..ops import linalg as la


def expand_outward(n: Node) -> Node | None:
    """expand(v)' = expand(v'), expand(u) + expand(v) = expand(u + v),
    expand(u).*expand(v) = expand(u.*v) when u and v expand the same way, expand(v).^p =
    expand(v.^p). Not ``expand(u) + expand(v')`` (a column and a row)."""
    if n.op is ar.TRANSPOSE and n.args[0].op is bt.EXPAND:
        return bt.expand(ar.transpose(n.args[0].args[0]), n.shape)
    if n.op is ew.POWC and n.args[0].op is bt.EXPAND:
        return bt.expand(ew.powc(n.args[0].args[0], float(n.attr)), n.shape)
    if n.op in (ar.ADD, ar.HAD, ar.EDIV) and all(a.op is bt.EXPAND for a in n.args):
        u, v = (a.args[0] for a in n.args)
        if u.shape == v.shape:
            return bt.expand(ar.rebuild(n, [u, v]), n.shape)
    return None


def reduce_expanded(n: Node) -> Node | None:
    """sum(expand(b).*M, 2) = b.*sum(M, 2) and sum(expand(v').*M, 1) = v.*sum(M, 1): a
    factor constant along the summed dimension leaves the sum. Not ``sum(expand(b).*M, 1)``."""
    if n.op is not bt.SUM_DIM or n.args[0].op is not ar.HAD:
        return None
    for e, m in (n.args[0].args, n.args[0].args[::-1]):
        if e.op is bt.EXPAND and e.args[0].shape.row == (n.attr == 1):
            v = e.args[0]
            return ar.had(ar.transpose(v) if v.shape.row else v, bt.reduce_sum(m, n.attr))
    return None


def log_softmax(n: Node) -> Node | None:
    """log(softmax(x)) = x − logsumexp(x); log(softmax(X, d)) = X − logsumexp(X, d)
    repeated along d: shorter, and stable where softmax underflows. Not ``log(exp(x))``."""
    if n.op is not ew.UNARY["log"]:
        return None
    s = n.args[0]
    if s.op is la.SOFTMAX:
        return ar.sub(s.args[0], ar.fill(apply(la.LSE, s.args), s.shape))
    if s.op is bt.SOFTMAX_DIM:
        return ar.sub(s.args[0], bt.spread(bt.logsumexp(s.args[0], s.attr), s.attr, s.shape))
    return None


def softmax_of(n: Node) -> Node | None:
    """exp(x - logsumexp(x)) = softmax(x); exp(X - logsumexp(X, d) repeated along d) =
    softmax(X, d). Not ``exp(x - logsumexp(y))``."""
    if n.op is not ew.UNARY["exp"] or n.args[0].op is not ar.ADD:
        return None
    x, minus = n.args[0].args
    v = _negated_expansion(minus)
    if v is None:
        return None
    if v.op is la.LSE and v.args[0] == x and x.shape.is_vector:
        return apply(la.SOFTMAX, (x,))
    lse = v.args[0] if v.op is ar.TRANSPOSE else v
    if lse.op is bt.LSE_DIM and lse.args[0] == x \
            and bt.expand(v, x.shape) == bt.spread(lse, lse.attr, x.shape):
        return bt.softmax(x, lse.attr)
    return None


def _negated_expansion(m: Node) -> Node | None:
    """v where m is -expand(v) or expand(-v) (a fill or a vector's expansion)."""
    if m.op is ar.NEG and m.args[0].op in (ar.FILL, bt.EXPAND):
        return m.args[0].args[0]
    if m.op in (ar.FILL, bt.EXPAND) and m.args[0].op is ar.NEG:
        return m.args[0].args[0]
    return None


def _count(shape: Shape) -> Counter[Dim]:
    """The entries of a shape, as the multiset of its dimensions (a 3x4 matrix and a 4x3
    one agree)."""
    return Counter(shape.dims)


def sum_of_fill(n: Node) -> Node | None:
    """sum(matrix(c, m, n)) = c·m·n where the sizes are numbers; sum(vector(mean(u))) =
    sum(u) where the fill has u's number of entries. Not ``sum(matrix(c))`` of symbolic
    size (its count has no name)."""
    if n.op is ar.SUM and n.args[0].op is ar.FILL:
        c, shape = n.args[0].args[0], n.args[0].shape
        if c.op is bt.MEAN and c.attr == 0 and _count(shape) == _count(c.args[0].shape):
            return ar.sum_(c.args[0])
    if n.op is ar.SUM and n.args[0].op is ar.FILL and all(d.is_const for d in n.args[0].shape.dims):
        size = 1
        for d in n.args[0].shape.dims:
            size *= int(d.coef)
        return ar.scale(const(float(size)), n.args[0].args[0])
    return None


def sum_of_sums(n: Node) -> Node | None:
    """sum(sum(X, d)) = sum(X). Not ``sum(mean(X, d))``."""
    if n.op is ar.SUM and n.args[0].op is bt.SUM_DIM:
        return ar.sum_(n.args[0].args[0])
    return None
