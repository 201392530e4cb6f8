"""Index form: a derivative written entry by entry, ``∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]``.

The multilinear form of a derivative is lowered op by op (each op's ``index``
rule); a direction ``dX`` becomes Kronecker deltas onto the variable's indices,
and deltas are contracted against summed indices. Subexpressions without a
direction that are not products (``A*x - y``, ``tanh(u)``) stay whole, as
named tensors; sums are written out with Σ.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from ..errors import LimitError
from ..expr import CONST, HOLE, VAR, Node, const_value, format_number
from ..indexing import DELTA, MAX_TERMS, Factor, IndexContext, Term, Terms, single
from ..ops import arithmetic as ar
from ..render.text import to_text

#: Subexpressions visited while writing one index form (each visit of a node shared by
#: several parents counts again): bounds the time of a tensor too large to print.
MAX_STEPS = 100_000

#: Ops lowered entry by entry even where no direction occurs: they read well.
_STRUCTURAL = (ar.MATMUL, ar.SCALE, ar.TRANSPOSE, ar.NEG, ar.EYE, ar.FILL)
OUT = ("p", "q")
WRT = [("m", "n"), ("r", "s"), ("t", "u"), ("v", "w"), ("g", "h"), ("e", "f")]
FREE = "ijklabcd"


@dataclass
class IndexForm:
    """``lhs = rhs`` with the terms behind ``rhs``; ``axes`` names the index of each
    axis of the derivative, in its layout."""

    lhs: str
    terms: Terms
    axes: tuple[str, ...] = ()

    @property
    def rhs(self) -> str:
        return format_terms(self.terms)

    def __str__(self) -> str:
        return f"{self.lhs} = {self.rhs}"


def _depends(root: Node) -> set[Node]:
    out: set[Node] = set()
    for n in root.walk():
        if n.op is HOLE or any(a in out for a in n.args):
            out.add(n)
    return out


def lower(form: Node, out_idx: tuple[str, ...], holes: dict[Node, tuple[str, ...]],
          named: dict[str, Node] | None = None) -> Terms:
    """``form[out_idx]`` in index form; each hole maps to the indices of its variable.
    ``named``, when given, receives the subexpression behind each factor's name."""
    with_holes = _depends(form)
    fresh_names = (c if k == 0 else f"{c}{k}" for k in count() for c in FREE)

    #: Each factor's text stands for one node: two nodes that print alike
    #: (``sum(vector(1))`` of lengths 3 and 4) get their sizes printed, or a mark.
    texts: dict[str, Node] = dict(named or {})

    def register(text: str, node: Node) -> str:
        if named is not None:
            named[text] = node
        return text

    names: dict[Node, str] = {}

    def name(node: Node) -> str:
        if node not in names:
            names[node] = _new_name(node)
        return names[node]

    def _new_name(node: Node) -> str:
        text = _factor_text(node, sized=False)
        if texts.setdefault(text, node) != node:
            text = _factor_text(node, sized=True)
            base, k = text, 1
            while texts.setdefault(text, node) != node:
                k += 1
                text = f"{base}#{k}"
        return text if node in with_holes else register(text, node)

    steps = [MAX_STEPS]

    def go(node: Node, idx: tuple[str, ...]) -> Terms:
        steps[0] -= 1
        if steps[0] < 0:
            raise LimitError(f"the index form takes more than {MAX_STEPS:,} steps to write out")
        if node.op is HOLE:
            target = holes[node]
            return [Term(1.0, [Factor(DELTA, (i, t)) for i, t in zip(idx, target)])]
        c = const_value(node)
        if c is not None:
            return [Term(c)]
        if node.op is VAR or node.op.index is None or \
                (node not in with_holes and node.op not in _STRUCTURAL):
            return single(name(node), idx)
        return node.op.index(node, idx, ctx)

    ctx = IndexContext(go, lambda: next(fresh_names), name, register)
    terms = go(form, out_idx)
    if len(terms) > MAX_TERMS:
        raise LimitError(f"the index form has {len(terms):,} terms; the limit is {MAX_TERMS:,}")
    return merge([contract(t) for t in terms])


def merge(terms: Terms) -> Terms:
    """Equal terms (up to the order of their factors) added together."""
    out: dict[tuple, Term] = {}
    for t in terms:
        key = (tuple(sorted(t.factors, key=str)), frozenset(t.summed))
        if key in out:
            out[key].coef += t.coef
        else:
            deltas = sorted((f for f in t.factors if f.name == DELTA), key=str)
            out[key] = Term(t.coef, deltas + [f for f in t.factors if f.name != DELTA],
                            set(t.summed))
    return [t for t in out.values() if t.coef != 0.0]


def _factor_text(node: Node, sized: bool) -> str:
    """A factor's printed form: the node's text, parenthesized unless it is one name or call."""
    text = to_text(node, share=False, sized=sized)
    return text if node.op is VAR or node.op is CONST or _is_call(text) else f"({text})"


def _is_call(text: str) -> bool:
    """``f(...)`` whose first parenthesis closes at the end."""
    head = text.split("(", 1)[0]
    if not head.isidentifier() or not text.endswith(")"):
        return False
    depth = 0
    for i, ch in enumerate(text[len(head):]):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i == len(text) - len(head) - 1
    return False


def contract(term: Term) -> Term:
    """Σ_k a[k] δ[k,m] = a[m]: remove deltas with a summed index."""
    factors, summed = list(term.factors), set(term.summed)
    changed = True
    while changed:
        changed = False
        for f in factors:
            if f.name != DELTA:
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
            factors = [Factor(g.name, tuple(keep if i == gone else i for i in g.indices))
                       for g in factors]
            summed.discard(gone)
            changed = True
            break
    return Term(term.coef, factors, summed)


def format_terms(terms: Terms) -> str:
    out = ""
    for t in terms:
        body = "·".join(str(f) for f in t.factors)
        coef = abs(t.coef)
        text = body if body and coef == 1 else (format_number(coef) + ("·" + body if body else ""))
        if t.summed:
            text = f"Σ_{','.join(sorted(t.summed))} {text}"
        sign = "-" if t.coef < 0 else "+"
        out += (f" {sign} " if out else ("-" if sign == "-" else "")) + text
    return out or "0"


def indices(shape_rank: int, names: tuple[str, str]) -> tuple[str, ...]:
    return names[:shape_rank]


def _factor_latex(f: Factor) -> str:
    if f.name == DELTA:
        return rf"\delta_{{{''.join(f.indices)}}}"
    if "{0}" in f.name:
        return r"\left" + f.name.format(*f.indices).replace("·", r" \cdot ") + r"\right"
    inner = f.name[1:-1] if f.name.startswith("(") and f.name.endswith(")") else f.name
    name = f.name if f.name.isidentifier() else rf"\left(\texttt{{{inner}}}\right)"
    return f"{name}_{{{''.join(f.indices)}}}" if f.indices else name


def index_latex(form: IndexForm) -> str:
    r"""An index form in LaTeX: Σ as \sum, δ as \delta, indices as subscripts."""
    def part(text: str) -> str:
        head, _, idx = text.partition("[")
        return head + (f"_{{{idx.rstrip(']').replace(',', '')}}}" if idx else "")
    top, bottom = form.lhs.split("/", 1)
    partial = r"\partial "
    numerator = part(top).replace("∂", partial)
    denominator = " ".join(part("∂" + b) for b in bottom.split("∂") if b).replace("∂", partial)
    lhs = rf"\frac{{{numerator}}}{{{denominator}}}"
    rhs = ""
    for t in form.terms:
        body = " ".join(_factor_latex(f) for f in t.factors)
        coef = abs(t.coef)
        text = body if body and coef == 1 else f"{format_number(coef)} {body}".strip()
        if t.summed:
            text = rf"\sum_{{{','.join(sorted(t.summed))}}} {text}"
        rhs += (" - " if t.coef < 0 else " + ") if rhs else ("-" if t.coef < 0 else "")
        rhs += text
    return f"{lhs} = {rhs or '0'}"
