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


def _monomial(n: Node, power: int, out: dict[Node, int], coef: list[float]) -> None:
    """n = coef · Π f^out[f], elementwise, reading .*, ./, unary minus and constant scales."""
    if n.op is ar.HAD:
        _monomial(n.args[0], power, out, coef)
        _monomial(n.args[1], power, out, coef)
    elif n.op is ar.EDIV:
        _monomial(n.args[0], power, out, coef)
        _monomial(n.args[1], -power, out, coef)
    elif n.op is ar.NEG:
        coef[0] = -coef[0]
        _monomial(n.args[0], power, out, coef)
    elif n.op is ar.SCALE and n.args[0].op is CONST and n.args[0].attr != 0:
        coef[0] *= float(n.args[0].attr) ** power
        _monomial(n.args[1], power, out, coef)
    elif n.op is ar.FILL and n.args[0].op is CONST and n.args[0].attr != 0:
        coef[0] *= float(n.args[0].attr) ** power
    else:
        out[n] = out.get(n, 0) + power


def cancel(n: Node) -> Node | None:
    """u.*v./u = v, (p./q).*(p./(p./q)) = p, x./x = 1: an elementwise product of powers
    whose factors cancel (where they are defined: a factor divided by is never zero);
    a negative coefficient comes out in front: (-1)./u = -(1./u). Not ``u.*v./w``."""
    if n.op not in (ar.HAD, ar.EDIV) or n.shape.is_scalar:
        return None
    powers: dict[Node, int] = {}
    coef = [1.0]
    _monomial(n, 1, powers, coef)
    gross: dict[Node, int] = {}
    _count(n, gross)
    if all(abs(powers.get(f, 0)) == k for f, k in gross.items()) and not (coef[0] < 0 and n.op is not ar.NEG):
        return None
    top = [f for f, p in powers.items() for _ in range(max(p, 0))]
    bottom = [f for f, p in powers.items() for _ in range(max(-p, 0))]
    out: Node | None = None
    for f in top:
        out = f if out is None else ar.had(out, f)
    if out is None:
        out = ar.fill(const(1.0), n.shape)
    for f in bottom:
        out = ar.ediv(out, f)
    return ar.scale(const(coef[0]), out)


def _count(n: Node, out: dict[Node, int]) -> None:
    """How many times each factor occurs in the monomial, up or down."""
    if n.op in (ar.HAD, ar.EDIV):
        _count(n.args[0], out)
        _count(n.args[1], out)
    elif n.op is ar.NEG or (n.op is ar.SCALE and n.args[0].op is CONST and n.args[0].attr != 0):
        _count(n.args[-1], out)
    elif not (n.op is ar.FILL and n.args[0].op is CONST and n.args[0].attr != 0):
        out[n] = out.get(n, 0) + 1


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
    return ar.mul(s, t)  # type: ignore[return-value]


def divisions(n: Node) -> Node | None:
    """(A/s)/t = A/(s*t), with s*s = s^2 and s^p*s = s^(p+1); (-A)/s = -(A/s);
    (c*A)/d = (c/d)*A for numbers c, d. Not ``A/s``."""
    if n.op is ar.DIV and n.args[0].op is ar.DIV:
        (a, s), t = n.args[0].args, n.args[1]
        return ar.div(a, _times(s, t))
    if n.op is ar.DIV and n.args[0].op is ar.NEG:
        return ar.neg(ar.div(n.args[0].args[0], n.args[1]))
    if n.op is ar.DIV and n.args[0].op is ar.SCALE:
        c, d = const_value(n.args[0].args[0]), const_value(n.args[1])
        if c is not None and d:
            return ar.scale(const(c / d), n.args[0].args[1])
    return None


def _elementwise_parts(t: Node) -> list[tuple[Node, Node]]:
    """(u, rest) with t = u.*rest: each factor of an elementwise product, a vector or
    matrix scaled by a scalar (rest a fill of the scalar)."""
    if t.op is ar.HAD:
        a, b = t.args
        return [(a, b), (b, a)]
    if t.op is ar.SCALE and not t.shape.is_scalar:
        return [(t.args[1], ar.fill(t.args[0], t.shape))]  # type: ignore[list-item]
    return [(t, ar.fill(const(1.0), t.shape))] if not t.shape.is_scalar else []  # type: ignore[list-item]


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
        rest: Node | None = None
        for (c, _), o in zip(terms, options):
            r = next(r for v, r in o if v == u)
            rest = ar.add(rest, ar.scale(const(c), r))
        return ar.had(u, rest)
    return None
