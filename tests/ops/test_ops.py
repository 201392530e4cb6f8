"""Every op, checked numerically: a table of op × shapes × input domains.

For each case and each variable: first and second derivatives against central
finite differences along random directions, and (for non-scalar results) the
reverse-mode gradient of sum(F.*K) against the forward-mode Jacobian of F.
"""
from __future__ import annotations

import pytest

from cases import CASES
from numeric import check, check_reverse


def _variables(shapes: dict) -> list[str]:
    return list(shapes)


PARAMS = [pytest.param(e, s, d, w, id=f"{e} d/d{w}") for e, s, d in CASES for w in _variables(s)
          if w in e.replace("eye", "")]


@pytest.mark.parametrize("expr, shapes, domains, wrt", PARAMS)
def test_first_and_second_order(expr: str, shapes: dict, domains: dict, wrt: str) -> None:
    check(expr, wrt, shapes, domains, order=2)


@pytest.mark.parametrize("expr, shapes, domains, wrt", PARAMS)
def test_reverse_agrees_with_forward(expr: str, shapes: dict, domains: dict, wrt: str) -> None:
    check_reverse(expr, wrt, shapes, domains)


@pytest.mark.parametrize("expr, shapes", [("x'*A*x", {"x": (3,), "A": (3, 3)}),
                                          ("sum(exp(X).*X)", {"X": (2, 2)}),
                                          ("tr(X^3)", {"X": (2, 2)})])
def test_third_order(expr: str, shapes: dict) -> None:
    check(expr, next(iter(shapes)), shapes, order=3, rtol=1e-4)
