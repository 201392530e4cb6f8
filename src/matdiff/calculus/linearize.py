"""Symbolic forward mode: the differential ``dF = L[dX]``, an expression linear in a hole."""
from __future__ import annotations

from ..expr import VAR, Node
from ..ops.arithmetic import is_zero, zero


def linearize(root: Node, wrt: Node, direction: Node) -> Node:
    """``dF`` in the direction ``direction`` (a hole shaped like ``wrt``); ``zero(shape)``
    where F does not depend on it.

    Each op's ``jvp`` rule gives its differential from its arguments'
    differentials (``d(AB) = dA B + A dB`` …); nodes are visited children first.
    """
    return differentials(root, wrt, direction)[root]


def differentials(root: Node, wrt: Node, direction: Node) -> dict[Node, Node]:
    """The differential of every subexpression of ``root`` (a zero where it does not
    depend on ``wrt``), in one pass."""
    tangents: dict[Node, Node] = {}
    for node in root.walk():
        if node.op is VAR and node == wrt:
            tangents[node] = direction
        elif not node.args or node.op.jvp is None:
            tangents[node] = zero(node.shape)
        else:
            ts = [tangents[a] for a in node.args]
            tangents[node] = zero(node.shape) if all(is_zero(t) for t in ts) else node.op.jvp(node, ts)
    return tangents
