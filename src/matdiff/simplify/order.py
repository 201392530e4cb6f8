"""A structural canonical order for the commutative operations (+, .* and the product
of scalars), so that equal expressions written in another order simplify alike.

The order compares structure (op names, attributes, shapes, then the arguments'
keys), never printed text. In a sum the positive terms come first, so that it reads
``B - A`` rather than ``-A + B``. Termination: each rule sorts, and a sorted node is
not rewritten again.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from functools import lru_cache
from typing import cast

from ..expr import CONST, Node, const
from ..ops import arithmetic as ar
from ..ops import linalg as la

Key = tuple[object, ...]


@lru_cache(maxsize=65_536)
def key(n: Node) -> Key:
    """A total order on expressions by structure: compound terms before leaves (``W*X +
    b``), a leaf before its transpose (``A + A'``), then by op, attribute, shape and the
    arguments' keys."""
    if n.op.implicit:  # an expansion sorts as what it expands (W*X + b)
        return key(n.args[0])
    base = n.args[0] if n.op is ar.TRANSPOSE and not n.args[0].args else n
    head = (base.op.name,) + _attr_key(base.attr) + (str(base.shape),)
    if not base.args:
        return (1,) + head + (base is not n,)
    return (0,) + head + tuple(key(a) for a in n.args)


def _attr_key(attr: object) -> tuple[str, str]:
    """An attribute's place in the order; attributes that compare equal (2 and 2.0, 0.0
    and -0.0: equal nodes) get the same place, or the cached keys of equal nodes would
    depend on which was seen first."""
    if isinstance(attr, (bool, int, float)):
        return "number", repr(float(attr) + 0.0)
    return (type(attr).__name__, attr) if isinstance(attr, str) else (type(attr).__name__, repr(attr))


def _negative(t: Node) -> bool:
    return t.op is ar.NEG or (t.op is ar.SCALE and t.args[0].op is CONST and float(t.args[0].attr) < 0)


def _unsigned(t: Node) -> Node:
    return t.args[0] if t.op is ar.NEG else t.args[1] if _negative(t) else t


def sorted_summands(n: Node) -> list[Node]:
    """The terms of a sum (flattened through + only, each kept whole: 2*(A + B) stays one
    term) in the canonical order: positive terms first."""
    terms, stack = [], [n]
    while stack:
        t = stack.pop()
        if t.op is ar.ADD:
            stack.extend(reversed(t.args))
        else:
            terms.append(t)
    return sorted(terms, key=lambda t: (_negative(t), key(_unsigned(t))))


def factor_key(n: Node) -> Key:
    """Factors read the other way round: leaves first (``y.*sigmoid(m)``, ``a*tr(X)``)."""
    k = key(n)
    return (1 - k[0],) + k[1:]  # type: ignore[operator]


def _had_factors(n: Node) -> list[Node]:
    """The factors of a chain of ``.*``, however it is nested."""
    if n.op is not ar.HAD:
        return [n]
    return _had_factors(n.args[0]) + _had_factors(n.args[1])


#: Chains of .* built sorted here: every prefix of a sorted chain is sorted, so the
#: engine, which simplifies each prefix again, need not sort them again (a chain of k
#: factors is sorted once, not once per prefix: the derivative of sin(sin(…(x))) nested
#: 150 deep took minutes).
_CANONICAL: dict[Node, None] = {}
_CANONICAL_MAX = 65_536


def _remember(n: Node) -> None:
    if len(_CANONICAL) >= _CANONICAL_MAX:
        _CANONICAL.clear()
    _CANONICAL[n] = None


def _inserted(n: Node) -> list[Node] | None:
    """For a sorted chain .* one factor (either side): the factors in order, the one
    placed by bisection (a few comparisons, not a sort); None otherwise."""
    chain, one = n.args if n.args[0] in _CANONICAL else (n.args[1], n.args[0])
    if chain not in _CANONICAL or one.op is ar.HAD:
        return None
    factors = _had_factors(chain)
    place = bisect_right if chain is n.args[0] else bisect_left  # as a stable sort places it
    i = place(factors, factor_key(one), key=factor_key)
    return factors[:i] + [one] + factors[i:]


def canonical_factors(n: Node) -> Node | None:
    """a.*b = b.*a and s*t = t*s for scalars, in the structural order; a chain of ``.*``
    flattened and sorted, associated to the left (``y.*(y.*s)`` = ``s.*y.*y``). Not ``A*B``."""
    if n.op is ar.HAD:
        if n in _CANONICAL:
            return None
        factors = _had_factors(n)
        ordered = _inserted(n) or sorted(factors, key=factor_key)
        if len(factors) > 2:
            if ordered == factors and n.args[1].op is not ar.HAD:
                return None
            out = ordered[0]
            for f in ordered[1:]:
                prefix, out = out, ar.had(out, f)
                if out.op is ar.HAD and out.args == (prefix, f):
                    _remember(out)
            return out
    commutes = n.op is ar.HAD or (n.op is ar.SCALE and n.args[1].shape.is_scalar)
    if commutes and factor_key(n.args[1]) < factor_key(n.args[0]):
        return ar.rebuild(n, [n.args[1], n.args[0]])
    return None


def _rotation_key(n: Node) -> Key:
    """In a trace a transposed leaf leads: tr(X'*X), as textbooks write it."""
    k = key(n)
    return k[:-1] + (not k[-1],) if k[0] == 1 else k


def trace_rotation(n: Node) -> Node | None:
    """tr(X') = tr(X) and tr(ABC) = tr(BCA) = tr(CAB), the rotation first in the
    structural order, so that tr(A*B) - tr(B*A) = 0. Not ``tr(A*x*y')`` (vectors)."""
    if n.op is not la.TRACE:
        return None
    x = n.args[0]
    if x.op is ar.TRANSPOSE:
        return la.trace(x.args[0])
    if x.op is not ar.MATMUL:
        return None
    f = ar.chain_factors(x)
    if not all(g.shape.is_matrix for g in f):
        return None
    best = min(range(len(f)), key=lambda i: tuple(_rotation_key(g) for g in f[i:] + f[:i]))
    return None if best == 0 else la.trace(ar.chain_product(f[best:] + f[:best]))


def scalar_transpose(n: Node) -> Node | None:
    """u'*A*v = v'*A'*u (a scalar is its own transpose), whichever comes first in the
    structural order, so that x'*A*y - y'*A'*x = 0. Not ``x'*A*x``."""
    if n.op is not ar.MATMUL or not n.shape.is_scalar:
        return None
    f = ar.chain_factors(n)
    flipped = [ar.transpose(g) for g in reversed(f)]
    other = ar.chain_product(flipped)
    return other if key(other) < key(n) else None


def _negated(t: Node) -> Node:
    if t.op is ar.NEG:
        return t.args[0]
    if _negative(t):
        return cast(Node, ar.scale(const(-float(t.args[0].attr)), t.args[1]))
    return cast(Node, ar.neg(t))


def negated_difference(n: Node) -> Node | None:
    """-(A - B) = B - A and -c*(A - B) = c*(B - A): a minus sign in front of a sum with no
    more positive than negative terms goes into it. Not ``-(A + B)``, not ``-(A + B - C)``.
    Measure: the negative scales in front of sums, which this lowers by one."""
    if n.op is ar.NEG:
        c, s = -1.0, n.args[0]
    elif _negative(n):
        c, s = float(n.args[0].attr), n.args[1]
    else:
        return None
    if s.op is not ar.ADD:
        return None
    terms = sorted_summands(s)
    if sum(map(_negative, terms)) < len(terms) - sum(map(_negative, terms)):
        return None
    inner = ar.add_all(map(_negated, terms), s.shape)
    return inner if c == -1.0 else ar.scale(const(-c), inner)


def _all_negative(s: Node) -> bool:
    return s.op is ar.ADD and all(map(_negative, sorted_summands(s)))


def negated_factor(n: Node) -> Node | None:
    """X*(-A - B) = -(X*(A + B)): a factor of a product that is a sum of negative terms
    gives its minus sign to the product, where it moves outward. Not ``X*(A - B)``.
    Measure: the minus signs inside sums, which this lowers by at least one."""
    if n.op not in (ar.MATMUL, ar.SCALE, ar.HAD, ar.DIV):
        return None
    for i, a in enumerate(n.args):
        if _all_negative(a):
            positive = ar.add_all(map(_negated, sorted_summands(a)), a.shape)
            return cast(Node, ar.neg(ar.rebuild(n, [*n.args[:i], positive, *n.args[i + 1:]])))
    return None
