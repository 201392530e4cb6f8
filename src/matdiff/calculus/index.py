"""Index form: a derivative written entry by entry, ``∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]``.

The multilinear form of a derivative is lowered op by op (each op's ``index``
rule); a direction ``dX`` becomes Kronecker deltas onto the variable's indices,
and deltas are contracted against summed indices. Subexpressions without a
direction that are not products (``A*x - y``, ``tanh(u)``) stay whole, as
named tensors; sums are written out with Σ.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import count
from typing import Callable

from ..errors import LimitError
from ..expr import HOLE, VAR, Node, const_value
from ..indexing import DELTA, MAX_TERMS, Factor, IndexContext, Term, Terms, delta, single, tensor
from ..ops import arithmetic as ar
from ..simplify.order import key as node_key

#: Subexpressions visited while writing one index form (each visit of a node shared by
#: several parents counts again): bounds the time of a tensor too large to print.
MAX_STEPS = 100_000

#: Ops lowered entry by entry even where no direction occurs: they read well.
_STRUCTURAL = (ar.MATMUL, ar.SCALE, ar.TRANSPOSE, ar.NEG, ar.EYE, ar.FILL)
OUT = ("p", "q")
WRT = [("m", "n"), ("r", "s"), ("t", "u"), ("v", "w"), ("g", "h"), ("e", "f")]
FREE = "ijklabcd"

#: How an index form prints (``"text"``, ``"latex"``): the renderer, a later stage,
#: registers itself here.
FORMATS: dict[str, Callable[["IndexForm"], str]] = {}


@dataclass(frozen=True, eq=False)
class IndexForm:
    """``∂ᵏF[out]/∂X[set1]…∂X[setk] = Σ terms``: the derivative entry by entry.

    ``f`` is ``"f"`` for a scalar function, else ``"F"`` with indices ``out``; ``sets``
    holds the indices of each differentiation by ``wrt``; ``terms`` the typed sum."""

    f: str
    out: tuple[str, ...]
    wrt: str
    sets: tuple[tuple[str, ...], ...]
    terms: Terms

    @property
    def axes(self) -> tuple[str, ...]:
        """The index of each axis of the derivative, in its layout S_out + S_in × order."""
        return self.out + tuple(i for s in self.sets for i in s)

    def __str__(self) -> str:
        printer = FORMATS.get("text")
        return printer(self) if printer is not None else f"<index form of {len(self.terms)} terms>"

    def latex(self) -> str:
        return FORMATS["latex"](self)


def lower(form: Node, out_idx: tuple[str, ...], holes: dict[Node, tuple[str, ...]]) -> Terms:
    """``form[out_idx]`` in index form; each hole maps to the indices of its variable."""
    with_holes: set[Node] = set()
    for n in form.walk():
        if n.op is HOLE or any(a in with_holes for a in n.args):
            with_holes.add(n)
    fresh_names = (c if k == 0 else f"{c}{k}" for k in count() for c in FREE)
    steps = [MAX_STEPS]

    def go(node: Node, idx: tuple[str, ...]) -> Terms:
        steps[0] -= 1
        if steps[0] < 0:
            raise LimitError(f"the index form takes more than {MAX_STEPS:,} steps to write out")
        if node.op is HOLE:
            target = holes[node]
            return [Term(1.0, [delta(i, t) for i, t in zip(idx, target)])]
        c = const_value(node)
        if c is not None:
            return [Term(c)]
        if node.op is VAR or node.op.index is None or \
                (node not in with_holes and node.op not in _STRUCTURAL):
            return single(tensor(node, idx))
        return node.op.index(node, idx, ctx)

    ctx = IndexContext(go, lambda: next(fresh_names))
    terms = go(form, out_idx)
    if len(terms) > MAX_TERMS:
        raise LimitError(f"the index form has {len(terms):,} terms; the limit is {MAX_TERMS:,}")
    return merge([contract(t) for t in terms])


def factor_key(f: Factor) -> tuple[object, ...]:
    """A structural order of factors (never their printed text)."""
    return (f.kind, () if f.node is None else node_key(f.node), f.indices, repr(f.data))


def merge(terms: Terms) -> Terms:
    """Equal terms (up to the order of their factors) added together; deltas first."""
    out: dict[tuple[object, ...], Term] = {}
    for t in terms:
        k = (tuple(sorted(t.factors, key=factor_key)), frozenset(t.summed))
        if k in out:
            out[k].coef += t.coef
        else:
            deltas = sorted((f for f in t.factors if f.kind == DELTA), key=factor_key)
            out[k] = Term(t.coef, deltas + [f for f in t.factors if f.kind != DELTA], set(t.summed))
    return [t for t in out.values() if t.coef != 0.0]


def contract(term: Term) -> Term:
    """Σ_k a[k] δ[k,m] = a[m]: remove deltas with a summed index."""
    factors, summed = list(term.factors), set(term.summed)
    changed = True
    while changed:
        changed = False
        for f in factors:
            if f.kind != DELTA:
                continue
            a, b = f.indices
            if a == b and a not in summed:
                factors.remove(f)
                changed = True
                break
            if a not in summed and b not in summed:
                continue
            gone, keep = (a, b) if a in summed else (b, a)
            factors.remove(f)
            factors = [replace(g, indices=tuple(keep if i == gone else i for i in g.indices))
                       for g in factors]
            summed.discard(gone)
            changed = True
            break
    return Term(term.coef, factors, summed)
