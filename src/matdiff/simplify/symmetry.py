"""Symmetry read from the structure of an expression: X*X', X'*A*X for a symmetric A,
A + A', inv, adj and matrix functions of a symmetric matrix, and variables declared
symmetric. A transpose of such a matrix is the matrix itself.

Termination: the rule removes a transpose node.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, cast

from ..expr import CONST, VAR, Node
from ..ops import arithmetic as ar
from ..ops import linalg as la
from ..ops import matfun as mf


def pushed(x: Node) -> Node:
    """x' with the transpose pushed through products, sums, scalings and quotients down
    to the leaves: (x'/s - t*x'*A')' = x/s - t*A*x (the measure of a sum's rewrite)."""
    if x.shape.is_scalar:
        return x
    if x.op is ar.TRANSPOSE:
        return x.args[0]
    if x.op is ar.MATMUL:
        return ar.mul(pushed(x.args[1]), pushed(x.args[0]))
    if x.op in (ar.ADD, ar.HAD, ar.EDIV, ar.NEG, ar.SCALE, ar.DIV):
        return ar.rebuild(x, [a if a.shape.is_scalar else pushed(a) for a in x.args])
    return ar.transpose(x)


MAX_EXPANSION = 32


def expand(n: Node, transposes: bool = False, elementwise: bool = False) -> list[tuple[float, Node]]:
    """A term as a sum of products: A(B+C) = AB + AC, (A+B)C = AC + BC (one term where
    that would exceed ``MAX_EXPANSION``); with ``transposes``, (A+B)' = A' + B' too, and
    with ``elementwise`` (a+b).*c = a.*c + b.*c."""
    def again(m: Node) -> list[tuple[float, Node]]:
        return expand(m, transposes, elementwise)

    if n.op is ar.MATMUL or elementwise and n.op is ar.HAD:
        left, right = again(n.args[0]), again(n.args[1])
        if len(left) * len(right) > MAX_EXPANSION:
            return [(1.0, n)]
        times = ar.mul if n.op is ar.MATMUL else ar.had
        return [(a * b, times(x, y)) for a, x in left for b, y in right]
    if n.op is ar.ADD:
        return again(n.args[0]) + again(n.args[1])
    if n.op is ar.NEG:
        return [(-c, t) for c, t in again(n.args[0])]
    if n.op is ar.SCALE and n.args[0].op is CONST:
        k = float(n.args[0].attr)
        return [(k * c, t) for c, t in again(n.args[1])]
    if transposes and n.op is ar.TRANSPOSE and n.args[0].op in (ar.ADD, ar.NEG, ar.SCALE):
        return [(c, pushed(t)) for c, t in again(n.args[0])]
    return [(1.0, n)]


def _mirror(factors: list[Node], depth: int) -> tuple[Node, ...]:
    """The factors of (F1*…*Fk)' = Fk'*…*F1', a symmetric factor's transpose read as itself."""
    out: list[Node] = []
    for f in reversed(factors):
        if f.op is ar.TRANSPOSE:
            out.append(f.args[0])
        elif f.shape.is_matrix and symmetric(f, depth + 1):
            out.append(f)
        else:
            out.append(ar.transpose(f))
    return tuple(out)


def _symmetric_terms(n: Node, depth: int) -> bool:
    """A sum of products (expanded) closed under transposition: x*y' + y*x',
    inv(S)*(I - v*v'*inv(S)) for a symmetric S."""
    terms: dict[tuple[Node, ...], float] = {}
    for c, t in expand(n, transposes=True):
        key = tuple(ar.chain_factors(t))
        terms[key] = terms.get(key, 0.0) + c
    return all(terms.get(_mirror(list(k), depth)) == c for k, c in terms.items())


@lru_cache(maxsize=4096)
def symmetric(n: Node, depth: int = 0) -> bool:
    """Whether n equals n' for every value of its variables (a sufficient test; remembered,
    since every transpose the simplifier meets asks)."""
    if not n.shape.is_matrix or n.shape.rows != n.shape.cols or depth > 20:
        return False
    if n.op is VAR:
        return n.shape.structure is not None
    if n.op in (ar.EYE, ar.FILL):
        return True
    if n.op in (ar.MATMUL, ar.ADD) and _symmetric_terms(n, depth):
        return True
    if n.op in (ar.ADD, ar.HAD):
        a, b = n.args
        return b == ar.transpose(a) or all(symmetric(x, depth + 1) for x in n.args)
    if n.op in (ar.NEG, ar.DIV, la.INV, la.ADJ, mf.MATPOW):
        return symmetric(n.args[0], depth + 1)
    if n.op is ar.SCALE:
        return symmetric(n.args[1], depth + 1)
    if n.op is mf.MATFUN and n.attr[1] == 0:
        return symmetric(n.args[0], depth + 1)
    return False


def symmetric_transpose(n: Node) -> Node | None:
    """S' = S for a structurally symmetric S: inv(X*X')' = inv(X*X'). Not ``(X*Y)'``."""
    if n.op is ar.TRANSPOSE and symmetric(n.args[0]):
        return n.args[0]
    return None


def _untransposed(n: Node) -> Node | None:
    """Y where n = Y' up to a scalar factor (s*A' = (s*A)', -A' = (-A)')."""
    if n.op is ar.TRANSPOSE and n.shape.is_matrix:
        return n.args[0]
    if n.op is ar.SCALE and n.args[0].shape.is_scalar:
        inner = _untransposed(n.args[1])
        return None if inner is None else ar.scale(n.args[0], inner)
    if n.op in (ar.NEG, ar.DIV):
        inner = _untransposed(n.args[0])
        return None if inner is None else ar.rebuild(n, [inner, *n.args[1:]])
    return None


def matfun_transpose(n: Node) -> Node | None:
    """f(X') = f(X)' for a matrix function f (a power series): expm(t*A') = expm(t*A)'.
    Not ``expm(A*B')``."""
    if n.op is mf.MATFUN and n.attr[1] == 0:
        inner = _untransposed(n.args[0])
        if inner is not None:
            return ar.transpose(mf.matfun(n.attr[0], inner))
    return None


def trace_form(n: Node) -> Node | None:
    """sum(B'.*A) = tr(B*A), sum(I.*A) = tr(A): the Frobenius product of a transpose or
    of the identity as a trace. Not ``sum(B.*A)``."""
    if n.op is ar.SUM and n.args[0].op is ar.HAD:
        for b, a in (n.args[0].args, n.args[0].args[::-1]):
            if b.op is ar.EYE and a.shape.is_matrix:
                return la.trace(a)
            if b.op is ar.TRANSPOSE and b.shape.is_matrix:
                return la.trace(ar.mul(b.args[0], a))
    return None


def _square(n: Node) -> bool:
    return n.shape.is_matrix and n.shape.dims[0] == n.shape.dims[1]


def _one(p: Node, make: Callable[[Node], Node]) -> Node:
    """make(p) with make moved inside a transpose or a power: inv(P') = inv(P)',
    adj(X^k) = adj(X)^k."""
    if p.op is ar.TRANSPOSE:
        return ar.transpose(make(p.args[0]))
    if p.op is mf.MATPOW:
        return mf.matpow(make(p.args[0]), p.attr)
    return make(p)


def _inverted(f: Node) -> list[Node] | None:
    """inv(P*Q*R) = inv(R)*inv(Q)*inv(P), adj(P*Q*R) = adj(R)*adj(Q)*adj(P), inv(X^k) =
    inv(X)^k, adj(X^k) = adj(X)^k and their transposes, for square P, Q, R (the adjugate
    identities hold for singular factors too)."""
    transposed = f.op is ar.TRANSPOSE
    inner = f.args[0] if transposed else f
    if inner.op not in (la.INV, la.ADJ):
        return None
    make = la.inv if inner.op is la.INV else la.adj
    if inner.args[0].op is mf.MATPOW:
        one = _one(inner.args[0], make)
        return [_one(one, ar.transpose) if transposed else one]
    if inner.args[0].op is not ar.MATMUL:
        return None
    parts = ar.chain_factors(inner.args[0])
    if not all(_square(p) for p in parts):
        return None
    out = [_one(p, make) for p in reversed(parts)]
    return [cast(Node, ar.transpose(p)) for p in reversed(out)] if transposed else out


def _length(n: Node) -> int:
    """The number of matrix factors of a chain, a scalar factor aside."""
    return _length(n.args[1]) if n.op is ar.SCALE else len(ar.chain_factors(n))


def inverse_of_product(n: Node, cancel: Callable[[Node], Node | None]) -> Node | None:
    """A*inv(P*Q) = A*inv(Q)*inv(P) and A*adj(P*Q) = A*adj(Q)*adj(P) for square factors,
    kept only where the chain then cancels (``cancel``: X*inv(X) = I, X*adj(X) = det(X)*I)
    to fewer factors: A*X*inv(X'*A*X) = inv(X'), X*adj(Y*X) = det(X)*adj(Y)."""
    if n.op is not ar.MATMUL:
        return None
    factors = ar.chain_factors(n)
    for i, f in enumerate(factors):
        spread = _inverted(f)
        if spread is None:
            continue
        shorter = cancel(ar.chain_product(factors[:i] + spread + factors[i + 1:]))
        if shorter is not None and _length(shorter) < len(factors):
            return shorter
    return None
