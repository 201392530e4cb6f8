"""The public API as a user meets it: symbolic shapes, layouts, Hessians, zeros."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff

RNG = np.random.default_rng(7)


def test_gradient_with_symbolic_dimensions() -> None:
    d = matdiff.derivative("norm2(X'*W)^2", wrt="W")
    assert str(d) == "2*X*X'*W"
    X, W = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 2))
    assert np.allclose(d.evaluate({"X": X, "W": W}), 2 * X @ X.T @ W)
    X, W = RNG.standard_normal((6, 2)), RNG.standard_normal((6, 5))
    assert d.evaluate({"X": X, "W": W}).shape == (6, 5)


def test_matrix_by_matrix_layout() -> None:
    d = matdiff.derivative("X*y", wrt="X", shapes={"X": (3, 3), "y": (3, 2)})
    X, y = RNG.standard_normal((3, 3)), RNG.standard_normal((3, 2))
    t = d.evaluate({"X": X, "y": y})
    assert t.shape == (3, 2, 3, 3)
    # D[p, q, m, n] = ∂(Xy)[p, q]/∂X[m, n] = δ[p, m] y[n, q]
    assert np.allclose(t, np.einsum("pm,nq->pqmn", np.eye(3), y))


def test_logistic_hessian() -> None:
    expr = "sum(log(vector(1)+exp(-y.*(X*w))))"
    d = matdiff.derivative(expr, wrt="w", order=2)
    X, w, y = RNG.standard_normal((6, 3)), RNG.standard_normal(3), RNG.choice([-1.0, 1.0], 6)
    s = 1 / (1 + np.exp(-y * (X @ w)))
    want = X.T @ np.diag(s * (1 - s)) @ X
    assert np.allclose(d.evaluate({"X": X, "w": w, "y": y}), want)


def test_quadratic_form_hessian() -> None:
    d = matdiff.derivative("x'*A*x", wrt="x", order=2)
    A = RNG.standard_normal((4, 4))
    assert np.allclose(d.evaluate({"x": RNG.standard_normal(4), "A": A}), A + A.T)


def test_evaluate_expression() -> None:
    x, A = RNG.standard_normal(3), RNG.standard_normal((3, 3))
    assert np.isclose(matdiff.evaluate("x'*A*x", {"x": x, "A": A}), x @ A @ x)
    y = RNG.standard_normal((3, 2))
    assert matdiff.evaluate("X*y", {"X": A, "y": y}).shape == (3, 2)


def test_parse_infers_and_unifies_shapes() -> None:
    e = matdiff.parse("A*x", shapes={"A": ("m", "n")})
    assert [str(d) for d in e.shape.dims] == ["m"]
    assert str(e.variables()["x"].dims[0]) == "n"
    assert matdiff.parse("x'*A*x").shape.is_scalar


def test_scalar_inside_a_matrix() -> None:
    d = matdiff.derivative("x'*(t*B+C)*x", wrt="t", shapes={"t": ()})
    x, B, C = RNG.standard_normal(3), RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    assert np.isclose(d.evaluate({"x": x, "t": 0.3, "B": B, "C": C}), x @ B @ x)


def test_variable_that_does_not_occur() -> None:
    d = matdiff.derivative("sum(X)", wrt="Y", shapes={"X": (2, 2), "Y": (3, 2)})
    assert str(d) == "0"
    assert np.array_equal(d.evaluate({"X": np.ones((2, 2)), "Y": np.ones((3, 2))}), np.zeros((3, 2)))
    d = matdiff.derivative("x + x", wrt="y", shapes={"x": (3,), "y": (2,)}, order=2)
    assert d.evaluate({"x": np.ones(3), "y": np.ones(2)}).shape == (3, 2, 2)
    with pytest.raises(matdiff.MatdiffError, match="does not occur"):
        matdiff.derivative("sum(x)", wrt="y")


def test_zero_derivative_of_a_constant_function() -> None:
    d = matdiff.derivative("sign(x)", wrt="x", shapes={"x": (3,)})
    assert np.array_equal(d.evaluate({"x": np.array([1.0, -2.0, 3.0])}), np.zeros((3, 3)))


def test_inconsistent_arrays_are_an_error() -> None:
    d = matdiff.derivative("x'*A*x", wrt="x")
    with pytest.raises(matdiff.ShapeError, match="rows\\(A\\)|len\\(x\\)"):
        d.evaluate({"x": np.ones(3), "A": np.ones((2, 2))})
    with pytest.raises(matdiff.MatdiffError, match="no value given for A"):
        d.evaluate({"x": np.ones(3)})
    with pytest.raises(matdiff.ShapeError):
        matdiff.evaluate("A*x", {"A": np.ones((2, 3)), "x": np.ones(2)})


def test_domain_errors() -> None:
    with pytest.raises(matdiff.DomainError, match="log"):
        matdiff.derivative("sum(log(x))", wrt="x").evaluate({"x": np.array([1.0, -1.0])})
    with pytest.raises(matdiff.DomainError, match="singular"):
        matdiff.evaluate("inv(X)", {"X": np.zeros((2, 2))})
    with pytest.raises(matdiff.DomainError, match="logm"):
        matdiff.evaluate("logm(X)", {"X": -np.eye(2)})
    with pytest.raises(matdiff.DomainError, match="logdet"):
        matdiff.evaluate("logdet(X)", {"X": np.diag([1.0, -1.0])})


def test_matrix_power_is_exact_and_negative_powers_work() -> None:
    X = np.eye(3) + RNG.standard_normal((3, 3)) / 4
    d = matdiff.derivative("tr(X^-1)", wrt="X")
    inv = np.linalg.inv(X)
    assert np.allclose(d.evaluate({"X": X}), -(inv @ inv).T)


def test_order_validation() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(matdiff.MatdiffError):
            matdiff.derivative("x'*x", wrt="x", order=bad)
    with pytest.raises(matdiff.LimitError):
        matdiff.derivative("x'*x", wrt="x", order=50)


def test_tensor_size_is_refused_before_allocation() -> None:
    d = matdiff.derivative("X*Y", wrt="X", shapes={"X": (100, 100), "Y": (100, 100)})
    with pytest.raises(matdiff.LimitError, match="limit"):
        d.evaluate({"X": np.zeros((100, 100)), "Y": np.zeros((100, 100))})


def test_derivative_accepts_a_parsed_expression() -> None:
    e = matdiff.parse("x'*A*x", shapes={"x": (2,), "A": (2, 2)})
    d = matdiff.derivative(e, wrt="x")
    A = np.array([[1.0, 2.0], [0.0, 3.0]])
    assert np.allclose(d.evaluate({"x": np.ones(2), "A": A}), (A + A.T) @ np.ones(2))
