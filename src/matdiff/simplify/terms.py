"""A sum read as (coefficient, term) pairs and written back: the shared vocabulary of
the rules and the searches."""
from __future__ import annotations

from ..dims import Shape
from ..expr import CONST, Node, const, const_value
from ..ops import arithmetic as ar


MAX_TERMS = 200


def terms_of(n: Node, limit: int = MAX_TERMS) -> list[tuple[float, Node]]:
    """A sum as (coefficient, term) pairs; a single term beyond ``limit`` terms."""
    out: list[tuple[float, Node]] = []
    stack = [(1.0, n)]
    while stack:
        c, t = stack.pop()
        if len(out) + len(stack) > limit:
            return [(1.0, n)]
        if t.op is ar.ADD:
            stack.extend((c, a) for a in reversed(t.args))
        elif t.op is ar.NEG:
            stack.append((-c, t.args[0]))
        elif t.op is ar.SCALE and t.args[0].op is CONST:
            stack.append((c * float(t.args[0].attr), t.args[1]))
        else:
            out.append((c, t))
    return out


def sum_of(terms: list[tuple[float, Node]], shape: Shape | None = None) -> Node:
    """Σ c·t: zero of ``shape`` for no terms (else the terms' shape)."""
    return ar.add_all((ar.scale(const(c), t) for c, t in terms), shape or terms[0][1].shape)


def is_one(n: Node) -> bool:
    """The number 1, or a vector or matrix of ones."""
    return const_value(n) == 1.0 or (n.op is ar.FILL and const_value(n.args[0]) == 1.0)
