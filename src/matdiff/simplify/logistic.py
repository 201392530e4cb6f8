"""The logistic function and softplus recognised: exp(u)./(1 + exp(u)) = σ(u),
log(1 + exp(u)) = softplus(u), 1 - σ(u) = σ(-u), σ(u) + σ(-u) = 1. Their lowerings
(expit, logaddexp) neither overflow nor lose digits where exp(u) is huge.

Termination: each rule leaves fewer nodes (a sigmoid or a sum's term leaves).
"""
from __future__ import annotations

from typing import cast

from ..expr import Node, const
from ..ops import arithmetic as ar
from ..ops import elementwise as ew
from . import symmetry as sy
from .terms import is_one, sum_of


def _one_plus_exp(s: Node, n: Node) -> Node | None:
    """exp(u) where s is 1 + exp(u) (or exp(u) + 1) of n's shape."""
    if s.op is not ar.ADD:
        return None
    a, b = s.args
    e = b if is_one(a) else a if is_one(b) else None
    return e if e is not None and e.op is ew.UNARY["exp"] and e.shape == n.shape else None


def sigmoid(n: Node) -> Node | None:
    """exp(u)./(1 + exp(u)) = σ(u) and 1./(1 + exp(u)) = σ(-u): the logistic function,
    whose lowering (expit) neither overflows nor loses digits where exp(u) is huge.
    Not ``exp(u)./(2 + exp(u))`` nor ``exp(u)./(1 + exp(v))``."""
    if n.op not in (ar.EDIV, ar.DIV):
        return None
    top, e = n.args[0], _one_plus_exp(n.args[1], n)
    if e is None:
        return None
    if top == e:
        return ew.unary("sigmoid", e.args[0])
    if is_one(top):
        return ew.unary("sigmoid", cast(Node, ar.neg(e.args[0])))
    return None


def softplus(n: Node) -> Node | None:
    """log(1 + exp(u)) = log1p(exp(u)) = softplus(u), whose lowering (logaddexp) does not
    overflow where exp(u) does. Not ``log(2 + exp(u))``."""
    if n.op is ew.UNARY["log1p"] and n.args[0].op is ew.UNARY["exp"]:
        return ew.unary("softplus", n.args[0].args[0])
    e = _one_plus_exp(n.args[0], n) if n.op is ew.UNARY["log"] else None
    return None if e is None else ew.unary("softplus", e.args[0])


def _weighted_sigmoid(t: Node) -> tuple[Node | None, Node] | None:
    """(w, σ(u)) for a term w.*σ(u) (w None for σ(u) alone)."""
    if t.op is ew.UNARY["sigmoid"]:
        return None, t
    if t.op is ar.HAD:
        for w, f in (t.args, t.args[::-1]):
            if f.op is ew.UNARY["sigmoid"] and f.shape == t.shape:
                return w, f
    return None


def sigmoid_complement(n: Node) -> Node | None:
    """1 - σ(u) = σ(-u), and c·w.*σ(u) + c·w.*σ(-u) = c·w among the terms of a sum,
    elementwise products expanded (σ(u) + σ(-u) = 1). Not ``2 - σ(u)``, not
    ``σ(u) + σ(v)``, not ``x.*σ(u) + σ(-u)``.
    Measure: a sigmoid and a term leave."""
    if n.op is not ar.ADD:
        return None
    terms = sy.expand(n, elementwise=True)  # (1 - y).*σ(u) - y.*σ(-u) = σ(u) - y
    seen: dict[tuple[Node | None, Node, float], int] = {}
    for i, (c, t) in enumerate(terms):
        parts = _weighted_sigmoid(t)
        if parts is None:
            continue
        w, f = parts
        other = ew.unary("sigmoid", cast(Node, ar.neg(f.args[0])))
        j = seen.get((w, other, c))
        if j is not None:
            rest = [term for k, term in enumerate(terms) if k not in (i, j)]
            return sum_of(rest + [(c, ar.fill(const(1.0), n.shape) if w is None else w)], n.shape)
        seen[(w, f, c)] = i
        if w is None and c == -1.0 and len(terms) == 2 and is_one(terms[1 - i][1]) \
                and terms[1 - i][0] == 1.0 and f.shape == n.shape:
            return other
    return None


def _negatives(u: Node, v: Node) -> bool:
    return (u.op is ar.NEG and u.args[0] == v) or (v.op is ar.NEG and v.args[0] == u)


def sigmoid_product(n: Node) -> Node | None:
    """exp(u).*σ(-u) = σ(u) (both are exp(u)/(1 + exp(u))). Not exp(u).*σ(u)."""
    if n.op is not ar.HAD and not (n.op in (ar.SCALE, ar.MATMUL) and n.shape.is_scalar):
        return None
    for e, s in (n.args, n.args[::-1]):
        if e.op is ew.UNARY["exp"] and s.op is ew.UNARY["sigmoid"] and _negatives(e.args[0], s.args[0]):
            return ew.unary("sigmoid", e.args[0])
    return None


#: Df(X)[I] = f'(X), since I commutes with X.
