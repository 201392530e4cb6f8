"""Print an expression: as text in the input language (so that it parses back), or
as LaTeX.

A subexpression used more than once is printed once and named:
``(vector(1) - T1.^2).*(2*T1) where T1 = tanh(A*x + b)``; the language reads
the same ``where`` bindings back.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Mapping

from ..expr import ATOM, CONST, HOLE, PRINTERS, VAR, Node, Op, Syntax
from ..ops.arithmetic import EYE, FILL, TRANSPOSE, sized_text
from ..ops.notation import tex_call


#: Shared subexpressions printed in at most this many characters are not named.
SHORT = 10


def _trivial(node: Node) -> bool:
    """Leaves, their transposes and constant fills read as fast as a name."""
    if node.op in (VAR, HOLE, CONST, EYE):
        return True
    if node.op is TRANSPOSE or node.op.implicit:
        return _trivial(node.args[0])
    return False


def _bare(node: Node, printed: dict[Node, tuple[str, int]],
          bare: dict[Node, tuple[str, int]], syntax: Syntax) -> None:
    """Record how an expansion (or a scalar multiple of one) prints where it is
    implicit: as what it expands."""
    if node.op.implicit:
        bare[node] = printed[node.args[0]]
    elif node.op.scalar_multiple and any(a in bare for a in node.args):
        bare[node] = syntax(node, [bare.get(a, printed[a]) for a in node.args])


def _arguments(node: Node, printed: dict[Node, tuple[str, int]],
               bare: dict[Node, tuple[str, int]]) -> list[tuple[str, int]]:
    """The printed arguments: beside a full-shaped operand of an elementwise op, an
    expansion prints as what it expands (``X + 1``, ``W*X + b``, ``X - m'``)."""
    if node.op.elementwise and any(a not in bare and a.shape == node.shape for a in node.args):
        return [bare[a] if a in bare else printed[a] for a in node.args]
    return [printed[a] for a in node.args]


def _where(out: str, bindings: list[tuple[str, str]]) -> str:
    return f"{out} where " + ", ".join(f"{name} = {text}" for name, text in bindings)


def render(root: Node, pick: Callable[[Node], Syntax], share: bool = True,
           name: Callable[[int], str] = lambda k: f"T{k}",
           where: Callable[[str, list[tuple[str, str]]], str] = _where,
           names: Mapping[str, Node] | None = None) -> str:
    """Print bottom-up with each node's syntax from ``pick``; name shared subexpressions,
    and every occurrence of a value the user named (``names``: ``where Z = …``)."""
    order = list(root.walk())
    parents: Counter[Node] = Counter(a for n in order for a in n.args)
    own = {v: k for k, v in (names or {}).items() if not _trivial(v)}
    taken = {n.attr for n in order if n.op is VAR} | set(names or {})
    bindings: list[tuple[str, str]] = []
    printed: dict[Node, tuple[str, int]] = {}
    bare: dict[Node, tuple[str, int]] = {}
    k = 0
    for node in order:
        syntax = pick(node)
        text = syntax(node, _arguments(node, printed, bare))
        _bare(node, printed, bare, syntax)
        if node in own and node is not root:
            bindings.append((own[node], text[0]))
            printed[node] = (own[node], ATOM)
            continue
        if share and node is not root and parents[node] > 1 and not _trivial(node) \
                and not node.op.implicit \
                and len(text[0]) > SHORT:
            k += 1
            while name(k) in taken or f"T{k}" in taken:
                k += 1
            bindings.append((name(k), text[0]))
            text = (name(k), ATOM)
        printed[node] = text
    out = printed[root][0]
    return where(out, bindings) if bindings else out


def to_text(root: Node, share: bool = True, sized: bool = False,
            names: Mapping[str, Node] | None = None) -> str:
    """The expression as text, with the fewest parentheses the grammar allows.

    ``sized`` prints every constant fill and identity with its size
    (``matrix(1, m, n)``), for results whose size nothing else fixes.
    """
    def pick(node: Node) -> Syntax:
        if sized and node.op in (FILL, EYE) and not node.shape.is_scalar:
            return sized_text
        return node.op.syntax
    return render(root, pick, share, names=names)


def _latex_of(op: Op) -> Syntax:
    return op.latex or tex_call(rf"\operatorname{{{op.name}}}")


def to_latex(root: Node, share: bool = True) -> str:
    r"""The expression as LaTeX (``X^{\top}``, ``\odot``, ``\operatorname{tr}``…)."""
    return render(root, lambda n: _latex_of(n.op), share, name=lambda k: f"T_{{{k}}}",
                  where=lambda out, b: out + r",\quad\text{where }" +
                  r",\ ".join(f"{n} = {t}" for n, t in b))


PRINTERS["text"] = to_text
