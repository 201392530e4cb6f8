"""Print an expression in the input language, so that it parses back."""
from __future__ import annotations

from ..expr import Node


def to_text(root: Node) -> str:
    """The expression as text, with the fewest parentheses the grammar allows."""
    printed: dict[Node, tuple[str, int]] = {}
    for node in root.walk():
        printed[node] = node.op.syntax(node, [printed[a] for a in node.args])
    return printed[root][0]
