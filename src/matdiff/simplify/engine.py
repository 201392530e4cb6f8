"""The engine: rewrite bottom-up until no rule applies, within a step limit."""
from __future__ import annotations

from ..expr import Node
from ..ops.arithmetic import with_args
from .rules import RULES, Rule
from .search import SEARCHES

MAX_REWRITES = 2_000
#: Rule applications tried in one simplification; past it the expression is kept as it
#: stands. Work is counted, never time, so that a slow machine prints the same answer.
MAX_ATTEMPTS = 500_000


def simplify(root: Node, rules: list[Rule] = RULES) -> Node:
    """An equal expression no rule rewrites (or the best found within the limits)."""
    return simplify_counted(root, rules)[0]


def simplify_counted(root: Node, rules: list[Rule] = RULES) -> tuple[Node, int]:
    """``simplify``, and the number of rewrites it made (a test that the rules terminate
    well inside the limits: a pair of rules undoing each other would use them all)."""
    memo: dict[Node, Node] = {}
    budget = [MAX_REWRITES]
    attempts = [MAX_ATTEMPTS]
    searching: set[Node] = set()  # a search's alternatives may lead back to the node

    def run(node: Node) -> Node:
        if node in memo:
            return memo[node]
        current = with_args(node, [run(a) for a in node.args])
        for rule in rules:
            attempts[0] -= 1
            if budget[0] <= 0 or attempts[0] <= 0:
                budget[0] = 0
                break
            out = rule.apply(current)
            if out is not None and out != current:
                budget[0] -= 1
                current = run(out)
                break
        else:
            current = search(current)
        memo[node] = current
        return current

    def search(current: Node) -> Node:
        """The first smaller alternative a search finds (already simplified)."""
        if current in searching:
            return current
        searching.add(current)
        try:
            for s in SEARCHES:
                attempts[0] -= 1
                out = s.apply(current, run) if attempts[0] > 0 else None
                if out is not None and out != current:
                    budget[0] -= 1
                    return out
            return current
        finally:
            searching.discard(current)

    try:
        out = run(root)
    except RecursionError:
        return root, MAX_REWRITES
    return out, MAX_REWRITES - budget[0]
