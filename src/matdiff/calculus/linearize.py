"""Symbolic forward mode: the differential ``dF = L[dX]``, an expression linear in a hole."""
from __future__ import annotations

from ..expr import VAR, Node


def linearize(root: Node, wrt: Node, direction: Node) -> Node | None:
    """``dF`` in the direction ``direction`` (a hole shaped like ``wrt``); None if zero.

    Each op's ``jvp`` rule gives its differential from its arguments'
    differentials (``d(AB) = dA B + A dB`` …); nodes are visited children first.
    """
    return differentials(root, wrt, direction)[root]


def differentials(root: Node, wrt: Node, direction: Node) -> dict[Node, Node | None]:
    """The differential of every subexpression of ``root`` (None where zero), in one pass."""
    tangents: dict[Node, Node | None] = {}
    for node in root.walk():
        if node.op is VAR:
            tangents[node] = direction if node == wrt else None
        elif not node.args or node.op.jvp is None:
            tangents[node] = None
        else:
            ts = [tangents[a] for a in node.args]
            tangents[node] = None if all(t is None for t in ts) else node.op.jvp(node, ts)
    return tangents
