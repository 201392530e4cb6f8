"""Chain rules through unknown functions, backprop rules (vjp) and differentials."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from numeric import STEP

RNG = np.random.default_rng(31)

# inner U(X) and, for a concrete g: (its text in U, its gradient G as a function of U)
INNER = ["X^2", "X'*A*X", "expm(X/4)", "inv(eye*3 + X)", "X.*X + A*X"]
CONCRETE = [
    ("tr(C'*U)", lambda u, c: c),
    ("norm2(U)^2", lambda u, c: 2 * u),
    ("sum(exp(U/4))", lambda u, c: np.exp(u / 4) / 4),
]


@pytest.mark.parametrize("inner", INNER)
@pytest.mark.parametrize("g, grad", CONCRETE, ids=[c[0] for c in CONCRETE])
def test_abstract_function_against_a_concrete_one(inner: str, g: str, grad) -> None:
    shapes = {"X": (3, 3), "A": (3, 3), "C": (3, 3)}
    values = {k: RNG.standard_normal(v) / 2 for k, v in shapes.items()}
    d = matdiff.derivative(f"g({inner})", wrt="X", shapes=shapes, functions={"g": "G"})
    u = matdiff.evaluate(inner, values)
    got = d.evaluate({**values, "G": grad(u, values["C"])})
    concrete = g.replace("U", f"({inner})")
    want = matdiff.derivative(concrete, wrt="X", shapes=shapes).evaluate(values)
    assert np.allclose(got, want, rtol=1e-9, atol=1e-10)
    v = RNG.standard_normal((3, 3))
    fd = (matdiff.evaluate(concrete, {**values, "X": values["X"] + STEP * v})
          - matdiff.evaluate(concrete, {**values, "X": values["X"] - STEP * v})) / (2 * STEP)
    assert np.isclose(np.sum(got * v), fd, rtol=1e-6)


def test_seed_chain_example() -> None:
    d = matdiff.derivative("g(X^2)", wrt="X", functions={"g": "G"})
    assert str(d) in ("G*X' + X'*G", "X'*G + G*X'")
    with pytest.raises(matdiff.MatdiffError, match="Hessian"):
        matdiff.derivative("g(X^2)", wrt="X", order=2, functions={"g": "G"})
    with pytest.raises(matdiff.MatdiffError, match="no value given for G"):
        d.evaluate({"X": np.eye(2)})


@pytest.mark.parametrize("expr, wrt, shapes, text", [
    ("X'*W", "W", {}, "X*G"),
    ("X'*W", "X", {}, "W*G'"),
    ("A*x", "x", {}, "A'*g"),
    ("tanh(A*x + b)", "b", {"b": ("n",)}, "g.*(1 - tanh(A*x + b).^2)"),
    ("inv(X)", "X", {}, "-inv(X)'*G*inv(X)'"),
])
def test_vjp(expr: str, wrt: str, shapes: dict, text: str) -> None:
    cot = "g" if matdiff.parse(expr, shapes).shape.is_vector else "G"
    d = matdiff.vjp(expr, wrt=wrt, cotangent=cot, shapes=shapes)
    assert str(d) == text
    concrete = {"X": (3, 3), "W": (3, 2), "A": (2, 3), "x": (3,), "b": (2,)}
    values = {k: RNG.standard_normal(v) for k, v in concrete.items()}
    values["X"] += 3 * np.eye(3)
    f = np.asarray(matdiff.evaluate(expr, values))
    c = RNG.standard_normal(f.shape)
    jac = matdiff.derivative(expr, wrt=wrt, shapes={**shapes, **{k: v for k, v in concrete.items()
                                                                  if k in expr}}).evaluate(values)
    want = np.tensordot(c, jac, axes=f.ndim)
    assert np.allclose(d.evaluate({**values, cot: c}), want)


def test_differential() -> None:
    d = matdiff.differential("X'*W")
    assert str(d) == "dX'*W + X'*dW"
    X, W, dX, dW = (RNG.standard_normal((3, 2)) for _ in range(4))
    assert np.allclose(d.evaluate({"X": X, "W": W, "dX": dX, "dW": dW}), dX.T @ W + X.T @ dW)
    assert str(matdiff.jvp("inv(X)", wrt="X")) == "-inv(X)*dX*inv(X)"
    assert str(matdiff.differential("x'*A*x", wrt="x")) in ("dx'*A*x + x'*A*dx", "x'*(A + A')*dx",
                                                              "dx'*(A + A')*x")
    with pytest.raises(matdiff.MatdiffError, match="does not occur"):
        matdiff.differential("x'*x", wrt="y")


def test_parameterised_matrix() -> None:
    """A(θ) = θ₀B + θ₁C inside a quadratic form: ∂/∂θ = (x'Bx, x'Cx)."""
    expr = "x'*(q[0]*B + q[1]*C)*x"
    d = matdiff.derivative(expr, wrt="q", shapes={"q": (2,)})
    x, B, C = RNG.standard_normal(3), RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))
    got = d.evaluate({"q": np.array([0.3, -0.7]), "x": x, "B": B, "C": C})
    assert np.allclose(got, [x @ B @ x, x @ C @ x])
    h = matdiff.derivative(expr, wrt="q", order=2, shapes={"q": (2,)})
    assert np.allclose(h.evaluate({"q": np.array([0.3, -0.7]), "x": x, "B": B, "C": C}), 0)
