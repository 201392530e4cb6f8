"""Index (Einstein) notation terms, the data the ops' index rules produce.

A value in index form is a sum of ``Term``s; a term is a coefficient, a list
of indexed ``Factor``s and the set of indices summed over. ``Factor("A",
("i", "k"))`` is ``A[i,k]``; ``Factor("δ", ("i", "m"))`` is Kronecker's delta;
``Factor("[{0}={1}+m·{2}]", ("i", "a", "b"))`` is an Iverson bracket: 1 when the
index ``i`` of a vec is the entry ``(a, b)`` of an m-row matrix, else 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

if TYPE_CHECKING:
    from .expr import Node

DELTA = "δ"


@dataclass(frozen=True)
class Factor:
    name: str
    indices: tuple[str, ...] = ()

    def __str__(self) -> str:
        if "{0}" in self.name:
            return self.name.format(*self.indices)
        return self.name + (f"[{','.join(self.indices)}]" if self.indices else "")


@dataclass
class Term:
    coef: float = 1.0
    factors: list[Factor] = field(default_factory=list)
    summed: set[str] = field(default_factory=set)


Terms = list[Term]


#: The most terms an index form may grow to.
MAX_TERMS = 2_000


def times(a: Terms, b: Terms) -> Terms:
    """The product of two sums, distributed."""
    if len(a) * len(b) > MAX_TERMS:
        from .errors import LimitError
        raise LimitError(f"the index form would have more than {MAX_TERMS:,} terms")
    return [Term(x.coef * y.coef, x.factors + y.factors, x.summed | y.summed) for x in a for y in b]


def scaled(a: Terms, c: float) -> Terms:
    return [Term(t.coef * c, t.factors, t.summed) for t in a]


def single(name: str, indices: Sequence[str] = ()) -> Terms:
    return [Term(1.0, [Factor(name, tuple(indices))])]


def summed(a: Terms, indices: Sequence[str]) -> Terms:
    for t in a:
        t.summed |= set(indices)
    return a


class IndexContext:
    """What an op's index rule may ask for: a child's index form, fresh indices,
    and a name for a subexpression kept whole."""

    def __init__(self, lower: Callable[[Node, tuple[str, ...]], Terms],
                 fresh: Callable[[], str], name: Callable[[Node], str],
                 register: Callable[[str, Node], str] = lambda text, node: text) -> None:
        self.lower = lower
        self.fresh = fresh
        self.name = name
        #: ``register(text, node)``: a factor shown as ``text`` whose value is ``node``.
        self.register = register


#: ``rule(node, indices, ctx) -> Terms``: the entry ``node[indices]`` in index form.
IndexRule = Callable[["Node", tuple[str, ...], IndexContext], Terms]


def rows_cols(shape_is: tuple[bool, bool], idx: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Split a node's indices into (row index, column index), given (has rows, has cols)."""
    has_rows, has_cols = shape_is
    row = idx[0] if has_rows else None
    col = idx[-1] if has_cols else None
    return row, col
