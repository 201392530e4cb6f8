"""The engine: rewrite bottom-up until no rule applies, within a step limit."""
from __future__ import annotations

from ..expr import Node, apply
from ..ops.arithmetic import CONSTRUCTORS, NEEDS_ATTR
from .rules import RULES, Rule

MAX_REWRITES = 2_000


def _rebuild(node: Node, args: list[Node]) -> Node:
    """The node on new arguments, through its constructor's light folding."""
    if list(node.args) == args:
        return node
    make = CONSTRUCTORS.get(node.op)
    if make is None:
        return apply(node.op, args, node.attr)
    out = make(*args, **({"attr": node.attr} if node.op in NEEDS_ATTR else {}))
    return out if out is not None else node


def simplify(root: Node, rules: list[Rule] = RULES) -> Node:
    """An equal expression no rule rewrites (or the best found within the limits)."""
    memo: dict[Node, Node] = {}
    budget = [MAX_REWRITES]

    def run(node: Node) -> Node:
        if node in memo:
            return memo[node]
        current = _rebuild(node, [run(a) for a in node.args])
        for rule in rules:
            if budget[0] <= 0:
                break
            out = rule.apply(current)
            if out is not None and out != current:
                budget[0] -= 1
                current = run(out)
                break
        memo[node] = current
        return current

    try:
        return run(root)
    except RecursionError:
        return root
