"""Print an index form (``calculus/index.py``) as text or LaTeX.

The factors are typed data holding nodes; names are given here, once per form: a
variable by its name, any other subexpression by its text in the input language
(parenthesized unless it is a call), ``δ[i,m]`` for a delta, ``[i=a+m·b]`` for the
Iverson bracket of a vec. Two different nodes that print alike (``sum(vector(1))`` of
lengths 3 and 4) are told apart by their sizes, or else by a mark ``#2``.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable

from ..calculus.index import FORMATS, IndexForm
from ..expr import CONST, VAR, Node, format_number
from ..indexing import DELTA, ENTRY, FRECHET, KRON, RANGE, VEC, Factor, Terms
from .text import to_latex, to_text


def names(terms: Terms) -> dict[Node, str]:
    """A distinct printed name for each node the factors hold: nodes that print alike
    all print with their sizes, and any still alike get a mark ``#2``, ``#3``…"""
    nodes = list(dict.fromkeys(f.node for t in terms for f in t.factors if f.node is not None))
    plain = {n: _text(n, sized=False) for n in nodes}
    alike = Counter(plain.values())
    out: dict[Node, str] = {}
    taken: set[str] = set()
    for n in nodes:
        text = base = plain[n] if alike[plain[n]] == 1 else _text(n, sized=True)
        k = 1
        while text in taken:
            k += 1
            text = f"{base}#{k}"
        taken.add(text)
        out[n] = text
    return out


def _text(node: Node, sized: bool) -> str:
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


def _factor_text(f: Factor, name: dict[Node, str]) -> str:
    i = f.indices
    if f.kind == DELTA:
        return f"δ[{i[0]},{i[1]}]"
    if f.kind == VEC:
        return f"[{i[0]}={i[1]}+{f.data[0]}·{i[2]}]"
    if f.kind == KRON:
        return f"[{i[0]}={i[1]}·{f.data[0]}+{i[2]}]"
    if f.kind == RANGE:
        j, lo, hi = f.data
        return f"Σ_{j}={lo}..{hi}"
    assert f.node is not None
    if f.kind == ENTRY:
        return f"{name[f.node]}[{f.data[0]}]"
    head = f"D{f.data[0]}({name[f.node]})" if f.kind == FRECHET else name[f.node]
    return head + (f"[{','.join(i)}]" if i else "")


def _factor_latex(f: Factor, name: dict[Node, str]) -> str:
    sub = "".join(f.indices)
    if f.kind == DELTA:
        return rf"\delta_{{{sub}}}"
    if f.kind == VEC:
        return rf"\left[{f.indices[0]} = {f.indices[1]} + {f.data[0]} \cdot {f.indices[2]}\right]"
    if f.kind == KRON:
        return rf"\left[{f.indices[0]} = {f.indices[1]} \cdot {f.data[0]} + {f.indices[2]}\right]"
    if f.kind == RANGE:
        j, lo, hi = f.data
        return rf"\sum_{{{j}={lo}}}^{{{hi}}}"
    assert f.node is not None
    head = _node_latex(f.node, name)
    if f.kind == ENTRY:
        return f"{head}_{{{f.data[0]}}}"
    if f.kind == FRECHET:
        head = rf"\mathrm{{D}}\operatorname{{{f.data[0]}}}\left({_node_latex(f.node, name, bare=True)}\right)"
    return f"{head}_{{{sub}}}" if sub else head


def _node_latex(node: Node, name: dict[Node, str], bare: bool = False) -> str:
    """A factor's node in LaTeX; one told apart from a look-alike keeps its text name."""
    if name[node] != _text(node, sized=False):
        shown = name[node]
        return rf"\texttt{{{shown if shown.startswith('(') else f'({shown})'}}}"
    tex = to_latex(node, share=False)
    return tex if bare or node.op is VAR or node.op is CONST else rf"\left({tex}\right)"


def _sum(terms: Terms, factor: Callable[[Factor], str], times: str,
         over: Callable[[Iterable[str]], str]) -> str:
    out = ""
    for t in terms:
        body = times.join(factor(f) for f in t.factors)
        coef = abs(t.coef)
        text = body if body and coef == 1 else (format_number(coef) + (times + body if body else ""))
        if t.summed:
            text = f"{over(sorted(t.summed))} {text}"
        sign = "-" if t.coef < 0 else "+"
        out += (f" {sign} " if out else ("-" if sign == "-" else "")) + text
    return out or "0"


def _power(order: int, latex: bool) -> str:
    if order == 1:
        return ""
    return f"^{{{order}}}" if latex else "²³⁴⁵⁶⁷⁸⁹"[order - 2] if order <= 9 else f"^{order}"


def index_text(form: IndexForm) -> str:
    """``∂F[p,q]/∂X[m,n] = Σ_i δ[p,m]·A[n,i]·X[i,q]``."""
    name = names(form.terms)
    f = form.f + (f"[{','.join(form.out)}]" if form.out else "")
    bottom = "".join(f"∂{form.wrt}" + (f"[{','.join(s)}]" if s else "") for s in form.sets)
    rhs = _sum(form.terms, lambda x: _factor_text(x, name), "·", lambda s: f"Σ_{','.join(s)}")
    return f"∂{_power(len(form.sets), False)}{f}/{bottom} = {rhs}"


def index_latex(form: IndexForm) -> str:
    r"""``\frac{\partial F_{pq}}{\partial X_{mn}} = \sum_{i} \delta_{pm} A_{ni} X_{iq}``."""
    name = names(form.terms)
    f = form.f + (f"_{{{''.join(form.out)}}}" if form.out else "")
    bottom = " ".join(rf"\partial {form.wrt}" + (f"_{{{''.join(s)}}}" if s else "") for s in form.sets)
    rhs = _sum(form.terms, lambda x: _factor_latex(x, name), " ",
               lambda s: rf"\sum_{{{','.join(s)}}}")
    return rf"\frac{{\partial{_power(len(form.sets), True)} {f}}}{{{bottom}}} = {rhs}"


FORMATS["text"] = index_text
FORMATS["latex"] = index_latex
