"""Symbolic reverse mode: move everything off the hole with the Frobenius rules.

For a scalar ``L[dX]`` linear in ``dX`` this finds ``G`` with ``L[dX] = G:dX``:
cotangents flow from the root to the hole through each op's ``vjp`` rule
(``G:(A dX B) = A'GB':dX``, ``G:dX' = G':dX``, ``G:(A⊙dX) = (A⊙G):dX`` …).
"""
from __future__ import annotations

from ..ops.arithmetic import add, zero
from ..expr import Node, dependents


def transpose(lin: Node, direction: Node, cotangent: Node) -> Node:
    """The adjoint of ``dX ↦ lin`` applied to ``cotangent`` (``zero(shape)`` where lin
    does not depend on dX)."""
    order = list(lin.walk())
    depends = dependents(lin, direction)
    cots: dict[Node, Node] = {lin: cotangent}

    def send(a: Node, c: Node) -> None:
        cots[a] = add(cots[a], c) if a in cots else c
    for node in reversed(order):
        c = cots.get(node)
        if c is None or node not in depends or not node.args:
            continue
        if node.op.binder is not None:  # it binds an index: its body is transposed whole
            send(direction, node.op.binder.rebuild(node, transpose(node.args[0], direction, c)))
            continue
        for i, a in enumerate(node.args):
            if a in depends:
                if node.op.vjp is None:
                    raise AssertionError(f"{node.op.name} is not linear in its argument {i}")
                send(a, node.op.vjp(node, i, c))
    return cots.get(direction, zero(direction.shape))
