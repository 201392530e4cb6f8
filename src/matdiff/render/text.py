"""Print an expression in the input language, so that it parses back.

A subexpression used more than once is printed once and named:
``(vector(1) - T1.^2).*(2*T1) where T1 = tanh(A*x + b)``; the language reads
the same ``where`` bindings back.
"""
from __future__ import annotations

from collections import Counter

from ..expr import ATOM, CONST, HOLE, VAR, Node
from ..ops.arithmetic import EYE, FILL, TRANSPOSE, sized_text


def _trivial(node: Node) -> bool:
    """Leaves, their transposes and constant fills read as fast as a name."""
    if node.op in (VAR, HOLE, CONST, EYE):
        return True
    if node.op in (TRANSPOSE, FILL):
        return _trivial(node.args[0])
    return False


def to_text(root: Node, share: bool = True, sized: bool = False) -> str:
    """The expression as text, with the fewest parentheses the grammar allows.

    ``sized`` prints every constant fill and identity with its size
    (``matrix(1, m, n)``), for results whose size nothing else fixes.
    """
    order = list(root.walk())
    parents: Counter[Node] = Counter(a for n in order for a in n.args)
    taken = {n.attr for n in order if n.op is VAR}
    names: dict[Node, str] = {}
    bindings: list[str] = []
    printed: dict[Node, tuple[str, int]] = {}
    for node in order:
        syntax = sized_text if sized and node.op in (FILL, EYE) and not node.shape.is_scalar \
            else node.op.syntax
        text = syntax(node, [printed[a] for a in node.args])
        if share and node is not root and parents[node] > 1 and not _trivial(node):
            k = len(names) + 1
            while f"T{k}" in taken:
                k += 1
            names[node] = f"T{k}"
            taken.add(names[node])
            bindings.append(f"{names[node]} = {text[0]}")
            text = (names[node], ATOM)
        printed[node] = text
    out = printed[root][0]
    return f"{out} where {', '.join(bindings)}" if bindings else out
