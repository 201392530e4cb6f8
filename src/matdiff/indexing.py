"""Index (Einstein) notation terms, the data the ops' index rules produce.

A value in index form is a sum of ``Term``s; a term is a coefficient, a list of
indexed ``Factor``s and the set of indices summed over. Factors are typed data that
hold nodes, never printed text (names are given by the renderer):

- ``tensor(A, ("i", "k"))`` is ``A[i,k]``, an entry of the value of a node;
- ``delta("i", "m")`` is Kronecker's delta;
- ``vec_bracket("i", "a", "b", m)`` is the Iverson bracket ``[i = a + m·b]``: 1 when
  entry ``i`` of a vec is the entry ``(a, b)`` of an m-row matrix, else 0;
- ``kron_bracket("i", "a", "b", p)`` is ``[i = a·p + b]`` (an index of a Kronecker product);
- ``index_range(j, lo, hi)`` is the sum ``Σ_{j=lo..hi}`` over an integer symbol;
- ``entry(p, k)`` is ``p[k]``, the entry of a vector at an integer expression;
- ``frechet(f, X, indices)`` is ``Df(X)[i,j,a,b]``, the derivative of a matrix function
  as a tensor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Hashable, Sequence

from .errors import LimitError

if TYPE_CHECKING:
    from .expr import Node

DELTA, TENSOR, VEC, KRON, RANGE, ENTRY, FRECHET = (
    "delta", "tensor", "vec", "kron", "range", "entry", "frechet")


@dataclass(frozen=True)
class Factor:
    """One factor of a term: its kind, its indices, the node it stands for (a tensor,
    an entry's vector, a matrix function's argument) and the kind's data (a size, a
    range, a function's name)."""

    kind: str
    indices: tuple[str, ...] = ()
    node: Node | None = None
    data: tuple[Hashable, ...] = ()


def delta(i: str, j: str) -> Factor:
    return Factor(DELTA, (i, j))


def tensor(node: Node, indices: Sequence[str] = ()) -> Factor:
    return Factor(TENSOR, tuple(indices), node)


def vec_bracket(i: str, a: str, b: str, rows: object) -> Factor:
    return Factor(VEC, (i, a, b), data=(rows,))


def kron_bracket(i: str, a: str, b: str, size: object) -> Factor:
    return Factor(KRON, (i, a, b), data=(size,))


def index_range(j: str, lo: object, hi: object) -> Factor:
    return Factor(RANGE, data=(j, lo, hi))


def entry(vector: Node, k: object) -> Factor:
    return Factor(ENTRY, node=vector, data=(k,))


def frechet(name: str, x: Node, indices: Sequence[str]) -> Factor:
    return Factor(FRECHET, tuple(indices), x, (name,))


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
        raise LimitError(f"the index form would have more than {MAX_TERMS:,} terms")
    return [Term(x.coef * y.coef, x.factors + y.factors, x.summed | y.summed) for x in a for y in b]


def scaled(a: Terms, c: float) -> Terms:
    return [Term(t.coef * c, t.factors, t.summed) for t in a]


def single(factor: Factor) -> Terms:
    """A sum of one term with one factor."""
    return [Term(1.0, [factor])]


def summed(a: Terms, indices: Sequence[str]) -> Terms:
    for t in a:
        t.summed |= set(indices)
    return a


class IndexContext:
    """What an op's index rule may ask for: a child's index form and fresh indices."""

    def __init__(self, lower: Callable[[Node, tuple[str, ...]], Terms],
                 fresh: Callable[[], str]) -> None:
        self.lower = lower
        self.fresh = fresh


#: ``rule(node, indices, ctx) -> Terms``: the entry ``node[indices]`` in index form.
IndexRule = Callable[["Node", tuple[str, ...], IndexContext], Terms]


def rows_cols(shape_is: tuple[bool, bool], idx: tuple[str, ...]) -> tuple[str | None, str | None]:
    """Split a node's indices into (row index, column index), given (has rows, has cols)."""
    has_rows, has_cols = shape_is
    row = idx[0] if has_rows else None
    col = idx[-1] if has_cols else None
    return row, col
