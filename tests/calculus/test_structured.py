"""Structured variables: symmetric/spd gradients are sym(G), diagonal ones diag(diag(G));
checked against finite differences along directions with the same structure."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from matdiff.render.text import to_text
from numeric import STEP, sample

RNG = np.random.default_rng(21)


def _direction(structure: str, n: int) -> np.ndarray:
    e = RNG.standard_normal((n, n))
    return np.diag(np.diag(e)) if structure == "diagonal" else (e + e.T) / 2


def _value(structure: str, n: int) -> np.ndarray:
    if structure == "diagonal":
        return np.diag(RNG.uniform(0.5, 2.0, n))
    return sample((n, n), "spd", RNG)


CASES = [
    ("tr(A*X)", {"A": (3, 3)}),
    ("logdet(X)", {}),
    ("x'*X*x", {"x": (3,)}),
    ("tr(X*A*X*B)", {"A": (3, 3), "B": (3, 3)}),
    ("sum(inv(X).*A)", {"A": (3, 3)}),
    ("norm2(X*y)^2 + tr(expm(X/4))", {"y": (3,)}),
]


@pytest.mark.parametrize("structure", ["symmetric", "spd", "diagonal"])
@pytest.mark.parametrize("expr, others", CASES, ids=[c[0] for c in CASES])
def test_gradient_and_hessian_on_the_structure(expr: str, others: dict, structure: str) -> None:
    shapes = {"X": (3, 3), **others}
    values = {k: RNG.standard_normal(v) for k, v in others.items()}
    values["X"] = _value(structure, 3)
    d1 = matdiff.derivative(expr, wrt="X", shapes=shapes, assume={"X": structure})
    d2 = matdiff.derivative(expr, wrt="X", shapes=shapes, assume={"X": structure}, order=2)
    g, h = d1.evaluate(values), d2.evaluate(values)
    assert np.allclose(g, g.T)
    if structure == "diagonal":
        assert np.allclose(g, np.diag(np.diag(g)))
    for _ in range(2):
        e = _direction(structure, 3)
        moved = [dict(values, X=values["X"] + s * STEP * e) for s in (1, -1)]
        fd = (matdiff.evaluate(expr, moved[0]) - matdiff.evaluate(expr, moved[1])) / (2 * STEP)
        assert np.isclose(np.sum(g * e), fd, rtol=1e-6, atol=1e-8)
        fd_g = (d1.evaluate(moved[0]) - d1.evaluate(moved[1])) / (2 * STEP)
        assert np.allclose(np.tensordot(h, e, axes=2), fd_g, rtol=1e-5, atol=1e-7)


def test_symmetric_simplifies() -> None:
    assert str(matdiff.derivative("x'*A*x", wrt="x", assume={"A": "symmetric"})) == "2*A*x"
    assert str(matdiff.derivative("logdet(X)", wrt="X", assume={"X": "spd"})) == "inv(X)"
    d = matdiff.derivative("tr(A*X)", wrt="X", assume={"X": "symmetric"})
    assert str(d) == "0.5*(A + A')"
    assert to_text(d.unconstrained) == "A'"


def test_language_declaration_and_cli() -> None:
    d = matdiff.derivative("tr(A*X) where X symmetric", wrt="X")
    assert str(d) == "0.5*(A + A')"
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-m", "matdiff", "tr(A*X)", "--wrt", "X", "--assume",
                          "X=diagonal"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "diag(diag(A'))"


def test_values_must_have_the_declared_structure() -> None:
    d = matdiff.derivative("logdet(X)", wrt="X", assume={"X": "spd"})
    with pytest.raises(matdiff.DomainError, match="not symmetric"):
        d.evaluate({"X": np.array([[2.0, 1.0], [0.0, 2.0]])})
    with pytest.raises(matdiff.DomainError, match="positive definite"):
        d.evaluate({"X": -np.eye(2)})
    with pytest.raises(matdiff.ShapeError, match="square"):
        matdiff.derivative("x'*x", wrt="x", assume={"x": "symmetric"})
    with pytest.raises(matdiff.MatdiffError, match="unknown assumption"):
        matdiff.derivative("tr(X)", wrt="X", assume={"X": "orthogonal"})
