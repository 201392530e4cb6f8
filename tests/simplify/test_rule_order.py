"""Confluence in the order rules run: a raw gradient (linearized and transposed, not yet
simplified) simplifies to the same expression whichever order the rules are tried in."""
from __future__ import annotations

import random

import pytest

import matdiff
from matdiff.calculus.linearize import linearize
from matdiff.calculus.transpose import transpose
from matdiff.expr import VAR, const, hole
from matdiff.simplify.engine import simplify
from matdiff.ops.arithmetic import is_zero
from matdiff.simplify.rules import RULES
from cases import CASES

EXTRA = [
    ("0.5*logdet(P) - 0.5*(x - m)'*P*(x - m)", {"P": (3, 3), "x": (3,), "m": (3,)}, "P"),
    ("-0.5*y'*inv(K + c*eye)*y - 0.5*logdet(K + c*eye)", {"K": (3, 3), "y": (3,), "c": ()}, "K"),
    ("logdet(X'*A*X)", {"X": (3, 3), "A": (3, 3)}, "X"),
]
SCALAR = [(e, s, w) for e, s, _ in CASES for w in s if w in e.replace("eye", "")
          if matdiff.parse(e, shapes=s).shape.is_scalar] + EXTRA


@pytest.mark.parametrize("expr, shapes, wrt", SCALAR, ids=[f"{e} d/d{w}" for e, _, w in SCALAR])
def test_the_result_does_not_depend_on_the_order_of_the_rules(expr: str, shapes: dict, wrt: str) -> None:
    f = matdiff.parse(expr, shapes=shapes)
    x = next(n for n in f.walk() if n.op is VAR and n.attr == wrt)
    dx = hole(wrt, x.shape)
    raw = transpose(linearize(f, x, dx), dx, const(1.0))
    if is_zero(raw):
        pytest.skip("no dependence on the variable")
    want = simplify(raw)
    for seed in range(3):
        rules = list(RULES)
        random.Random(seed).shuffle(rules)
        assert simplify(raw, rules) == want, (seed, str(want), str(simplify(raw, rules)))
