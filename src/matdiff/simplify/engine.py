"""The engine: rewrite bottom-up until no rule applies, within a step limit."""
from __future__ import annotations

import time

from ..expr import Node
from ..ops.arithmetic import with_args
from .rules import RULES, Rule

MAX_REWRITES = 2_000
#: Seconds one simplification may spend rewriting; past it the expression is kept as is.
TIME_BUDGET = 0.5


def simplify(root: Node, rules: list[Rule] = RULES) -> Node:
    """An equal expression no rule rewrites (or the best found within the limits)."""
    memo: dict[Node, Node] = {}
    budget = [MAX_REWRITES]
    deadline = time.perf_counter() + TIME_BUDGET

    def run(node: Node) -> Node:
        if node in memo:
            return memo[node]
        current = with_args(node, [run(a) for a in node.args])
        for rule in rules:
            if budget[0] <= 0 or time.perf_counter() > deadline:
                budget[0] = 0
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
