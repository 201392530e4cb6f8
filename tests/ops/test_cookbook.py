"""Identities from The Matrix Cookbook (Petersen & Pedersen, 2012), checked both
symbolically (the displayed formula) and numerically (evaluated against the
closed form written in the language)."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from numeric import draw

# (equation, expression, wrt, closed form, shapes, domains)
IDENTITIES = [
    ("(69) ∂a'x/∂x = a", "v'*x", "x", "v", {"v": (3,), "x": (3,)}, {}),
    ("(70) ∂a'Xb/∂X = ab'", "u'*X*v", "X", "u*v'", {"u": (3,), "X": (3, 4), "v": (4,)}, {}),
    ("(71) ∂a'X'b/∂X = ba'", "u'*X'*v", "X", "v*u'", {"u": (4,), "X": (3, 4), "v": (3,)}, {}),
    ("(81) ∂x'Bx/∂x = (B+B')x", "x'*B*x", "x", "(B + B')*x", {"x": (3,), "B": (3, 3)}, {}),
    ("(84) ∂b'X'Xc/∂X = X(bc' + cb')", "u'*X'*X*v", "X", "X*(u*v' + v*u')",
     {"u": (3,), "X": (4, 3), "v": (3,)}, {}),
    ("(49) ∂det(X)/∂X = det(X) X^-T", "det(X)", "X", "det(X)*inv(X)'", {"X": (3, 3)},
     {"X": "nonsingular"}),
    ("(57) ∂log|det X|/∂X = X^-T", "logdet(X)", "X", "inv(X)'", {"X": (3, 3)}, {"X": "spd"}),
    ("(61) ∂a'X⁻¹b/∂X = -X^-T ab' X^-T", "u'*inv(X)*v", "X", "-inv(X)'*u*v'*inv(X)'",
     {"u": (3,), "X": (3, 3), "v": (3,)}, {"X": "nonsingular"}),
    ("(100) ∂tr(AXB)/∂X = A'B'", "tr(A*X*B)", "X", "A'*B'",
     {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, {}),
    ("(103) ∂tr(X'X)/∂X = 2X", "tr(X'*X)", "X", "2*X", {"X": (3, 4)}, {}),
    ("(107) ∂tr(X'BX)/∂X = BX + B'X", "tr(X'*B*X)", "X", "B*X + B'*X",
     {"X": (3, 4), "B": (3, 3)}, {}),
    ("(113) ∂tr(X⁻¹A)... tr(AX⁻¹B) = -(X⁻¹BAX⁻¹)'", "tr(A*inv(X)*B)", "X",
     "-(inv(X)*B*A*inv(X))'", {"A": (3, 3), "X": (3, 3), "B": (3, 3)}, {"X": "nonsingular"}),
    ("(121) ∂tr(X^k)/∂X = k (X^(k-1))'", "tr(X^4)", "X", "4*(X^3)'", {"X": (3, 3)}, {}),
    ("(125) ∂tr(e^X)/∂X = (e^X)'", "tr(expm(X))", "X", "expm(X)'", {"X": (3, 3)}, {}),
    ("(131) ∂‖X‖²_F/∂X = 2X", "norm2(X)^2", "X", "2*X", {"X": (3, 4)}, {}),
    ("(129) ∂‖x - a‖/∂x = (x - a)/‖x - a‖", "norm2(x - v)", "x", "(x - v)/norm2(x - v)",
     {"x": (3,), "v": (3,)}, {}),
]


@pytest.mark.parametrize("eq, expr, wrt, closed, shapes, domains", IDENTITIES,
                         ids=[i[0] for i in IDENTITIES])
def test_cookbook_identity(eq: str, expr: str, wrt: str, closed: str, shapes: dict,
                           domains: dict) -> None:
    values = draw(shapes, domains, np.random.default_rng(5))
    d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
    want = matdiff.evaluate(closed, values)
    assert np.allclose(d.evaluate(values), want, rtol=1e-8, atol=1e-10), eq
    assert np.allclose(matdiff.evaluate(str(d), values), want, rtol=1e-8, atol=1e-10), str(d)


@pytest.mark.parametrize("expr, wrt, text", [
    ("norm2(X'*W)^2", "W", "2*X*X'*W"),
    ("norm2(A*x-y)^2", "A", "2*(A*x - y)*x'"),
    ("tr(A*X*B)", "X", "A'*B'"),
    ("det(X)", "X", "adj(X)'"),
    ("log(det(inv(X)))", "X", "-inv(X)'"),
    ("x'*A*x", "x", "(A + A')*x"),
])
def test_textbook_forms(expr: str, wrt: str, text: str) -> None:
    assert str(matdiff.derivative(expr, wrt=wrt)) == text


def test_hessian_of_quadratic_form_is_textbook() -> None:
    assert str(matdiff.derivative("x'*A*x", wrt="x", order=2)) == "A + A'"
