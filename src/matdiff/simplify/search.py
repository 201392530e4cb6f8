"""Searches: rewrites to an alternative form, kept only where the alternative, simplified,
has fewer parts (a choice among equal forms by display cost, where no rule is a normal
form: distributing a product over a sum shortens some expressions and lengthens most).

Termination: a search returns a strictly smaller expression, or nothing; the engine does
not search a node again while searching it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..expr import Node
from ..ops import arithmetic as ar
from ..ops import linalg as la
from . import symmetry as sy
from .symmetry import MAX_EXPANSION
from .terms import sum_of, terms_of


@dataclass(frozen=True)
class Search:
    """A rewrite to an alternative that is kept only where, simplified (``apply`` gets the
    engine's simplifier), it has fewer parts: a choice by cost, not a normal form."""
    name: str
    identity: str
    apply: Callable[[Node, Callable[[Node], Node]], Node | None]


def size(n: Node) -> int:
    """Parts of n as printed: every node counted at each of its occurrences."""
    sizes: dict[Node, int] = {}
    for m in n.walk():
        sizes[m] = 1 + sum(sizes[a] for a in m.args)
    return sizes[n]


MAX_DISTRIBUTED = 4


def _distribute(n: Node, simplify: Callable[[Node], Node]) -> Node | None:
    """P*(A + B) = P*A + P*B and (A + B)*P = A*P + B*P, in a product or in the terms of a
    sum, kept where the terms then simplify to fewer parts: diag(s)*(I - 1*s') =
    diag(s) - s*s', a*b'/s - b*(a'/s - c*b') = (a*b' - b*a')/s + c*b*b'. Not ``A*(B + C)``."""
    if n.op is ar.ADD:
        terms = sy.expand(n, transposes=True)
        if len(terms) <= len(terms_of(n)) or len(terms) > MAX_EXPANSION:
            return None
        out = simplify(sum_of(terms, n.shape))
        return out if size(out) < size(n) else None
    if n.op is not ar.MATMUL:
        return None
    for i in (1, 0):
        terms = terms_of(n.args[i], MAX_DISTRIBUTED)
        if n.args[i].op is not ar.ADD or len(terms) < 2:
            continue
        other = n.args[1 - i]
        out = simplify(sum_of([(c, ar.mul(other, t) if i == 1 else ar.mul(t, other)) for c, t in terms],
                            n.shape))
        if size(out) < size(n):
            return out
    return None


def _split(n: Node, simplify: Callable[[Node], Node]) -> Node | None:
    """sum(A + B) = sum(A) + sum(B) and tr(A + B) = tr(A) + tr(B), kept where the terms
    then simplify to fewer parts: sum(vector(mean(x)) - x) = 0. Not ``sum(x - y)``."""
    if n.op not in (ar.SUM, la.TRACE) or n.args[0].op is not ar.ADD:
        return None
    terms = terms_of(n.args[0], MAX_DISTRIBUTED)
    if len(terms) < 2:
        return None
    out = simplify(sum_of([(c, ar.rebuild(n, [t])) for c, t in terms], n.shape))
    return out if size(out) < size(n) else None


SEARCHES: list[Search] = [
    Search("distribute", "P(A + B) = PA + PB where it simplifies to fewer parts", _distribute),
    Search("split", "sum(A + B) = sum(A) + sum(B), tr(A + B) = tr(A) + tr(B) where it simplifies "
           "to fewer parts", _split),
]
