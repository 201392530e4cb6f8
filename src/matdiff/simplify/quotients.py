"""Rewrites of products and quotients: elementwise monomials that cancel, a scalar
reciprocal read as a division, and terms of a sum that share a factor.

Each function maps a node (arguments already simplified) to an equal node, or None.
Termination: the monomial rule fires only when factors cancel (fewer factors), the
quotient rule removes a node, the grouping rule fires only when two or more terms
share a factor and leaves fewer terms.
"""
from __future__ import annotations

from ..expr import CONST, Node, apply, const, const_value
from ..ops import arithmetic as ar
from ..ops import elementwise as ew
from ..ops import linalg as la


class _Monomial:
    """n = coef · Π f^power[f] over elementwise and scalar factors, reading .*, ./, unary
    minus, scales, scalar divisions, fills and integer powers of scalars; ``gross``
    counts each factor's occurrences, up or down."""

    def __init__(self, n: Node) -> None:
        self.power: dict[Node, int] = {}
        self.gross: dict[Node, int] = {}
        #: Whether a scalar power with a negative exponent was read (s^(-2)*x = x/s^2).
        self.inverts = False
        #: How many times each factor was read (twice or more merge into a power).
        self.seen: dict[Node, int] = {}
        self.coef = 1.0
        #: How many numbers were read (two or more fold into one coefficient).
        self.numbers = 0
        self.read(n, 1)

    def read(self, n: Node, p: int, counted: bool = True) -> None:
        a = n.args
        c = const_value(n) if n.op is CONST else None
        if c is not None and c != 0:
            self.coef *= c ** p
            self.numbers += 1
        elif n.op in (ar.HAD, ar.SCALE):
            self.read(a[0], p)
            self.read(a[1], p)
        elif n.op in (ar.EDIV, ar.DIV):
            self.read(a[0], p)
            self.read(a[1], -p)
        elif n.op is ar.NEG:
            self.coef = -self.coef
            self.read(a[0], p)
        elif n.op is ar.FILL:
            self.read(a[0], p)
        elif n.op is ew.POWC and float(n.attr).is_integer() and n.attr != 0:
            self.inverts |= n.attr < 0 and a[0].shape.is_scalar
            self.read(a[0], p * int(n.attr))
        elif n.op is ar.MATMUL and n.shape.is_scalar and a[0] == ar.transpose(a[1]) and a[1].shape.is_col:
            self.read(apply(la.NORM2, (a[1],)), 2 * p, False)  # u'*u = norm2(u)^2
        else:
            self.power[n] = self.power.get(n, 0) + p
            self.gross[n] = self.gross.get(n, 0) + abs(p)
            self.seen[n] = self.seen.get(n, 0) + counted

    @property
    def cancels(self) -> bool:
        return any(abs(self.power[f]) < k for f, k in self.gross.items())

    def rewrite(self) -> bool:
        """sign(u)./abs(u) = 1./u, and adj(X)/det(X) = inv(X) (adj(X)'/det(X) = inv(X)'):
        each pair becomes one factor (where the quotient is defined, it is equal);
        whether any did."""
        done = False
        for f in list(self.power):
            if f.op is ew.UNARY["sign"] and self.power.get(f) == 1 \
                    and self.power.get(ew.unary("abs", f.args[0]), 0) < 0:
                self._move(f, -1, ew.unary("abs", f.args[0]), f.args[0])
                done = True
            adj = f.args[0] if f.op is ar.TRANSPOSE else f
            det = apply(la.DET, adj.args) if adj.op is la.ADJ else None
            if det is not None and self.power.get(f) == 1 and self.power.get(det, 0) < 0:
                inverse = la.inv(adj.args[0])
                self._move(f, 1, det, ar.transpose(inverse) if f is not adj else inverse)
                done = True
        return done

    def _move(self, f: Node, p: int, g: Node, into: Node) -> None:
        """Take f^1 and g^(-1) out, put into^p in."""
        self.power[f] -= 1
        self.power[g] += 1
        self.power[into] = self.power.get(into, 0) + p
        self.gross[into] = self.gross.get(into, 0) + 1

    @property
    def merges(self) -> bool:
        """A factor read twice or more: u.*u = u.^2, v./u./u = v./u.^2, s^(-2)/s = 1/s^3."""
        return any(k > 1 for k in self.seen.values())

    @property
    def folds(self) -> bool:
        """Numbers that meet across a division fold to a whole number: 2*(x/(2*s)) = x/s."""
        return self.numbers > 1 and float(self.coef).is_integer()

    def build(self, shape: object) -> Node:
        arrays = [(f, p) for f, p in self.power.items() if p and not f.shape.is_scalar]
        scalars = [(f, p) for f, p in self.power.items() if p and f.shape.is_scalar]
        out: Node | None = None
        for f, p in arrays:
            if p > 0:
                out = _power(f, p) if out is None else ar.had(out, _power(f, p))
        if out is None:
            out = ar.fill(const(1.0), shape)  # type: ignore[arg-type]
        for f, p in arrays:
            if p < 0:
                out = ar.ediv(out, _power(f, -p))
        top = _product([(f, p) for f, p in scalars if p > 0])
        bottom = _product([(f, -p) for f, p in scalars if p < 0])
        out = ar.scale(const(self.coef), out if top is None else ar.scale(top, out))
        return out if bottom is None else ar.div(out, bottom)


def _power(f: Node, p: int) -> Node:
    return f if p == 1 else apply(ew.POWC, (f,), float(p))


def _product(factors: list[tuple[Node, int]]) -> Node | None:
    out: Node | None = None
    for f, p in factors:
        out = _power(f, p) if out is None else ar.mul(out, _power(f, p))
    return out


def cancel(n: Node) -> Node | None:
    """u.*v./u = v, (p./q).*(p./(p./q)) = p, x./x = 1, 2*(r.*(c^2./(2*s))/c)/c = r./s,
    2*(x/(2*s)) = x/s, u.*u = u.^2, 1./u./u = 1./u.^2, u.^3./u = u.^2, s^(-2)*x = x/s^2,
    sign(u)./abs(u) = 1./u, adj(X)/det(X) = inv(X):
    a product of powers (elementwise, and of scalars) whose factors cancel (where they are
    defined: a factor divided by is never zero); a negative coefficient of an
    elementwise product comes out in front: (-1)./u = -(1./u). Not ``u.*v./w``."""
    if n.op not in (ar.HAD, ar.EDIV, ar.SCALE, ar.DIV) or (n.shape.is_scalar and n.op is not ar.DIV):
        return None
    m = _Monomial(n)
    sign = m.coef < 0 and n.op in (ar.HAD, ar.EDIV)
    if not (m.rewrite() or m.cancels or m.folds or m.merges or m.inverts or sign):
        return None
    out = m.build(n.shape)
    return None if out == n else out


def quotient(n: Node) -> Node | None:
    """(1/s)*X = X/s and (c/s)*X = c*X/s: a reciprocal scale reads as a division. Not
    ``(a/s)*X`` for a non-constant a."""
    if n.op is ar.SCALE and n.args[0].op is ar.DIV and const_value(n.args[0].args[0]) is not None:
        c, s = const_value(n.args[0].args[0]), n.args[0].args[1]
        return ar.div(ar.scale(const(c), n.args[1]), s)  # type: ignore[arg-type]
    return None


def _times(s: Node, t: Node) -> Node:
    """s*t for scalars, powers of one base merged (u:u is norm2(u)^2)."""
    for a, b in ((s, t), (t, s)):
        if a == b:
            return apply(ew.POWC, (a,), 2.0)
        if a.op is ew.POWC and a.args[0] == b:
            return apply(ew.POWC, (b,), float(a.attr) + 1)
        if b.op is la.NORM2 and a == ar.inner(b.args[0], b.args[0]):
            return apply(ew.POWC, (b,), 3.0)
    return ar.mul(s, t)


def divisions(n: Node) -> Node | None:
    """(A/s)/t = A/(s*t), with s*s = s^2 and s^p*s = s^(p+1); (-A)/s = -(A/s);
    (c*A)/d = (c/d)*A for numbers c, d, and (c*A)/s = c*(A/s); a product of scalars with
    one base, s*s = s^2 and s*(s*X) = s^2*X, as a power. Not ``A/s``, not ``s*t``."""
    if n.op is ar.SCALE and n.shape.is_scalar:
        merged = _times(*n.args)
        return merged if merged.op is ew.POWC else None
    if n.op is ar.SCALE and n.args[1].op is ar.SCALE and const_value(n.args[0]) is None:
        merged = _times(n.args[0], n.args[1].args[0])
        return ar.scale(merged, n.args[1].args[1]) if merged.op is ew.POWC else None
    if n.op is ar.DIV and n.args[0].op is ar.DIV:
        (a, s), t = n.args[0].args, n.args[1]
        return ar.div(a, _times(s, t))
    if n.op is ar.DIV and n.args[0].op is ar.NEG:
        return ar.neg(ar.div(n.args[0].args[0], n.args[1]))
    if n.op is ar.DIV and n.args[0].op is ar.SCALE:
        c, d = const_value(n.args[0].args[0]), const_value(n.args[1])
        if c is not None and d:
            return ar.scale(const(c / d), n.args[0].args[1])
        if c is not None and d is None:  # a number moves out, toward the numbers it meets
            return ar.scale(const(c), ar.div(n.args[0].args[1], n.args[1]))
    return None


def _elementwise_parts(t: Node) -> list[tuple[Node, Node]]:
    """(u, rest) with t = u.*rest: each factor of an elementwise product, a vector or
    matrix scaled by a scalar (rest a fill of the scalar)."""
    if t.op is ar.HAD:
        a, b = t.args
        return [(a, b), (b, a)]
    if t.op is ar.SCALE and not t.shape.is_scalar:
        return [(t.args[1], ar.fill(t.args[0], t.shape))]
    return [(t, ar.fill(const(1.0), t.shape))] if not t.shape.is_scalar else []


def hadamard_factor(n: Node, terms: list[tuple[float, Node]]) -> Node | None:
    """u.*a - c*u = u.*(a - c): the terms of a sum share an elementwise factor u (a scalar
    c expands). Not ``u.*a + v.*b``."""
    if n.op is not ar.ADD or n.shape.is_scalar or len(terms) < 2 or \
            not any(t.op is ar.HAD for _, t in terms):  # scalar multiples only: "factor"'s job
        return None
    options = [_elementwise_parts(t) for _, t in terms]
    for u, _ in options[0]:
        if u.op is ar.FILL or not all(any(v == u for v, _ in o) for o in options[1:]):
            continue
        if all(t == u for _, t in terms):
            return None
        rest = ar.add_all((ar.scale(const(c), next(r for v, r in o if v == u))
                           for (c, _), o in zip(terms, options)), n.shape)
        return ar.had(u, rest)
    return None
