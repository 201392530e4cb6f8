"""Every op, checked numerically: a table of op × shapes × input domains.

For each case and each variable: first and second derivatives against central
finite differences along random directions, and (for non-scalar results) the
reverse-mode gradient of sum(F.*K) against the forward-mode Jacobian of F.
"""
from __future__ import annotations

import pytest

from numeric import check, check_reverse

V3 = {"x": (3,), "y": (3,)}
M = {"X": (3, 3)}
RECT = {"A": (2, 3), "X": (3, 4)}

# (expression, shapes, domains)
CASES: list[tuple[str, dict, dict]] = [
    # elementwise functions, each on its domain
    ("sin(x)", V3, {}),
    ("cos(X)", M, {}),
    ("tan(x)", V3, {"x": "small"}),
    ("exp(X)", RECT, {}),
    ("log(x)", V3, {"x": "positive"}),
    ("sqrt(X)", M, {"X": "positive"}),
    ("tanh(x)", V3, {}),
    ("abs(x)", V3, {"x": "away0"}),
    ("sign(x).*y", V3, {"x": "away0"}),
    ("relu(x)", V3, {"x": "away0"}),
    ("sigmoid(X)", M, {}),
    ("arcsin(x)", V3, {"x": "small"}),
    ("arccos(X)", M, {"X": "small"}),
    ("arctan(x)", V3, {}),
    ("log1p(x)", V3, {"x": "positive"}),
    # arithmetic
    ("x + y", V3, {}),
    ("x - 2*y", V3, {}),
    ("-X'", M, {}),
    ("a*x", {"a": (), "x": (3,)}, {}),
    ("x/a", {"a": (), "x": (3,)}, {"a": "positive"}),
    ("x.*y", V3, {}),
    ("x./y", V3, {"y": "positive"}),
    ("a./x", {"a": (), "x": (3,)}, {"x": "positive"}),
    ("x.^3", V3, {}),
    ("x.^2.5", V3, {"x": "positive"}),
    ("x.^y", V3, {"x": "positive"}),
    ("x.^a", {"a": (), "x": (3,)}, {"x": "positive"}),
    ("a^b", {"a": (), "b": ()}, {"a": "positive"}),
    ("a^3 - 2/a", {"a": ()}, {"a": "positive"}),
    ("A*X", RECT, {}),
    ("X'*A'", RECT, {}),
    ("x'*y", V3, {}),
    ("x*y'", V3, {}),
    ("x'*X", {"x": (3,), "X": (3, 4)}, {}),
    ("X*x", {"x": (4,), "X": (3, 4)}, {}),
    ("x'*X*x", {"x": (3,), "X": (3, 3)}, {}),
    ("X*y", {"X": (3, 3), "y": (3, 2)}, {}),
    ("eye*X + matrix(a)", {"X": (3, 3), "a": ()}, {}),
    ("vector(a).*x", {"x": (3,), "a": ()}, {}),
    # reductions and linear algebra
    ("sum(X)", RECT, {}),
    ("sum(x.*x)", V3, {}),
    ("tr(X)", M, {}),
    ("tr(A*X*B)", {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, {}),
    ("det(X)", M, {}),
    ("adj(X)", M, {"X": "nonsingular"}),
    ("tr(A*adj(X))", {"X": (3, 3), "A": (3, 3)}, {"X": "nonsingular"}),
    ("logdet(X)", M, {"X": "spd"}),
    ("log(det(X))", M, {"X": "spd"}),
    ("inv(X)", M, {"X": "nonsingular"}),
    ("tr(inv(X)*A)", {"X": (3, 3), "A": (3, 3)}, {"X": "nonsingular"}),
    ("diag(x)", V3, {}),
    ("diag(X)", M, {}),
    ("vec(X)", RECT, {}),
    ("vec(x)", V3, {}),
    ("kron(A, X)", {"A": (2, 2), "X": (2, 3)}, {}),
    ("kron(x, y)", {"x": (2,), "y": (3,)}, {}),
    ("kron(x, y')", {"x": (2,), "y": (3,)}, {}),
    ("sum(kron(A, X).*B)", {"A": (2, 2), "X": (2, 3), "B": (4, 6)}, {}),
    ("norm2(vec(X) - v)^2", {"X": (2, 3), "v": (6,)}, {}),
    # the internal ops, as results spell them
    ("unvec(v, 2, 3)", {"v": (6,)}, {}),
    ("kron_l(A, C, 2, 3)", {"A": (2, 2), "C": (4, 6)}, {}),
    ("kron_r(C, B, 2, 2)", {"B": (2, 3), "C": (4, 6)}, {}),
    ("commutation(2, 3)*v", {"v": (6,)}, {}),
    ("norm1(x)", V3, {"x": "away0"}),
    ("norm2(x)", V3, {}),
    ("norm2(X)", RECT, {}),
    ("norm2(X'*W)^2", {"X": (4, 3), "W": (4, 2)}, {}),
    ("softmax(x)", V3, {}),
    ("logsumexp(X)", RECT, {}),
    ("logsumexp(x)", V3, {}),
    # batch operations: along a dimension, implicit expansion, sizes
    ("sum(X, 1)", RECT, {}),
    ("sum(X, 2)", RECT, {}),
    ("mean(X)", RECT, {}),
    ("mean(x)", V3, {}),
    ("mean(X, 1)", RECT, {}),
    ("mean(X, 2).*mean(X, 2)", RECT, {}),
    ("softmax(X, 1)", RECT, {}),
    ("softmax(X, 2)", RECT, {}),
    ("logsumexp(X, 1)", RECT, {}),
    ("logsumexp(X, 2)", RECT, {}),
    ("A*X + b", {"A": (2, 3), "X": (3, 4), "b": (2,)}, {}),
    ("X.*y' - y'./(1 + X.^2)", {"X": (3, 4), "y": (4,)}, {}),
    ("exp(X) + a", {"X": (3, 4), "a": ()}, {}),
    ("x./(X + 2) - 1", {"X": (3, 4), "x": (3,)}, {}),
    ("rows(X)*sum(X, 2) + cols(X)*len(x)*x", {"X": (3, 4), "x": (3,)}, {}),
    ("(X - mean(X, 1)')./sqrt(mean((X - mean(X, 1)').^2, 1)' + 1)", {"X": (3, 4)}, {}),
    # matrix functions and powers
    ("expm(X)", M, {}),
    ("logm(X)", M, {"X": "spd"}),
    ("sqrtm(X)", M, {"X": "spd"}),
    ("tr(expm(A*X))", {"A": (3, 3), "X": (3, 3)}, {}),
    ("X^3", M, {}),
    ("X^-2", M, {"X": "nonsingular"}),
    ("tr(X^0 + X^1)", M, {}),
    ("X^2*A", {"X": (3, 3), "A": (3, 2)}, {}),
    # compositions from the seeds
    ("norm2(A*x - y)^2", {"A": (3, 4), "x": (4,), "y": (3,)}, {}),
    ("tanh(A*x + b)", {"A": (3, 4), "x": (4,), "b": (3,)}, {}),
    ("norm2(tanh(B*tanh(A*x + b) + c) - y)^2",
     {"x": (4,), "A": (3, 4), "b": (3,), "B": (2, 3), "c": (2,), "y": (2,)}, {}),
    ("sum(log(vector(1) + exp(-y.*(X*w))))", {"X": (5, 3), "w": (3,), "y": (5,)}, {}),
    ("x'*(t*B + C)*x", {"x": (3,), "t": (), "B": (3, 3), "C": (3, 3)}, {}),
    ("tr((X'*X)^2)", {"X": (4, 3)}, {}),
    ("tr(A*X'*B*X*C)", {"A": (2, 4), "X": (3, 4), "B": (3, 3), "C": (4, 2)}, {}),
]


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
