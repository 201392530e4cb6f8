"""str(d) is in the input language: it parses back and evaluates to d's values."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from numeric import draw
from cases import CASES

SCALARS = [(e, s, d) for e, s, d in CASES
           if matdiff.parse(e, s).shape.is_scalar]


@pytest.mark.parametrize("expr, shapes, domains", SCALARS, ids=[c[0] for c in SCALARS])
def test_gradient_text_parses_back(expr: str, shapes: dict, domains: dict) -> None:
    values = draw(shapes, domains, np.random.default_rng(11))
    for wrt in shapes:
        d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
        text = str(d)
        if text == "0":
            continue
        again = matdiff.evaluate(text, values)
        assert np.allclose(np.broadcast_to(again, d.evaluate(values).shape), d.evaluate(values),
                           rtol=1e-9, atol=1e-12), text


def test_where_bindings_parse() -> None:
    x = np.array([0.5, -0.3])
    A = np.array([[1.0, 2.0], [0.5, -1.0]])
    v = matdiff.evaluate("T1'*T1 where T1 = A*x", {"A": A, "x": x})
    assert np.isclose(v, (A @ x) @ (A @ x))
    v = matdiff.evaluate("T2 where T1 = A*x, T2 = sum(T1.*T1)", {"A": A, "x": x})
    assert np.isclose(v, (A @ x) @ (A @ x))


def test_shared_subexpressions_are_named_once() -> None:
    d = matdiff.derivative("norm2(tanh(B*tanh(A*x+b)+c)-y)^2", wrt="A",
                           shapes={"b": ("n",), "c": ("m",)})
    text = str(d)
    assert " where " in text
    head = text.split(" where ")[0]
    assert head.count("tanh(") == 0


def test_constants_print_their_size_when_nothing_fixes_it() -> None:
    d = matdiff.derivative("sum(X*Y)", wrt="X")
    assert str(d) == "matrix(1, rows(X), cols(Y))*Y'"
    X, Y = np.ones((2, 3)), np.arange(12.0).reshape(3, 4)
    assert np.allclose(matdiff.evaluate(str(d), {"X": X, "Y": Y}), d.evaluate({"X": X, "Y": Y}))
    assert np.allclose(matdiff.evaluate("eye(3)*x + vector(2, 3)", {"x": np.ones(3)}), 3.0)


ALL = [(e, s, d, w, o) for e, s, d in CASES for w in s if w in e.replace("eye", "") for o in (1, 2)]


@pytest.mark.parametrize("expr, shapes, domains, wrt, order", ALL,
                         ids=[f"{c[0]} d{c[4]}/d{c[3]}" for c in ALL])
def test_every_matrix_form_parses_back(expr: str, shapes: dict, domains: dict, wrt: str,
                                       order: int) -> None:
    d = matdiff.derivative(expr, wrt=wrt, shapes=shapes, order=order)
    if d.matrix is None:
        assert str(d).startswith("∂") or str(d) == "0"
        return
    values = draw(shapes, domains, np.random.default_rng(13))
    want = d.evaluate(values)
    got = np.broadcast_to(matdiff.evaluate(str(d), values), want.shape)
    assert np.allclose(got, want, rtol=1e-9, atol=1e-12), str(d)
