"""Symbolic matrix powers and power series: exact closed forms, checked against
finite differences for random coefficients and degrees up to 8."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from numeric import STEP

RNG = np.random.default_rng(41)
SERIES = "tr(G'*sigma(k, 0, K, p[k]*X^k))"


def closed_form(X: np.ndarray, G: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Σₖ pₖ Σ_{j=0}^{k-1} (X^{k-1-j})' G (X^j)' (the seeds' power-series formula)."""
    mp = np.linalg.matrix_power
    return sum(p[k] * sum(mp(X, k - 1 - j).T @ G @ mp(X, j).T for j in range(k))
               for k in range(len(p)))


@pytest.mark.parametrize("degree", range(0, 9))
def test_power_series_gradient(degree: int) -> None:
    X, G = RNG.standard_normal((3, 3)) / 2, RNG.standard_normal((3, 3))
    p = RNG.standard_normal(degree + 1)
    values = {"X": X, "G": G, "p": p, "K": degree}
    d = matdiff.derivative(SERIES, wrt="X")
    got = d.evaluate(values)
    assert np.allclose(got, closed_form(X, G, p), atol=1e-10)
    assert np.allclose(matdiff.evaluate(str(d), values), got, atol=1e-10)
    v = RNG.standard_normal((3, 3))
    fd = (matdiff.evaluate(SERIES, {**values, "X": X + STEP * v})
          - matdiff.evaluate(SERIES, {**values, "X": X - STEP * v})) / (2 * STEP)
    assert np.isclose(np.sum(got * v), fd, rtol=1e-6, atol=1e-8)


def test_display_uses_sigma_notation() -> None:
    d = matdiff.derivative(SERIES, wrt="X")
    assert str(d) == "sigma(k, 0, K, sigma(j, 0, k - 1, p[k]*X'^j*G*X'^(k - j - 1)))"
    assert r"\sum_{k=0}^{K} \sum_{j=0}^{k - 1}" in d.latex()


@pytest.mark.parametrize("k", [0, 1, 2, 5, 8])
def test_symbolic_power(k: int) -> None:
    X = RNG.standard_normal((3, 3)) / 2
    d = matdiff.derivative("tr(X^n)", wrt="X")
    want = k * np.linalg.matrix_power(X, k - 1).T if k else np.zeros((3, 3))
    assert np.allclose(d.evaluate({"X": X, "n": k}), want)
    h = matdiff.derivative("X^n", wrt="X", order=1).evaluate({"X": X, "n": k})
    exact = matdiff.derivative(f"X^{k}", wrt="X").evaluate({"X": X}) if k else np.zeros((3,) * 4)
    assert np.allclose(h, exact)


def test_second_order_through_a_series() -> None:
    expr = "tr(sigma(k, 0, K, p[k]*X^k))"
    X, p = RNG.standard_normal((2, 2)) / 2, RNG.standard_normal(5)
    values = {"X": X, "p": p, "K": 4}
    h = matdiff.derivative(expr, wrt="X", order=2).evaluate(values)
    g = matdiff.derivative(expr, wrt="X")
    v = RNG.standard_normal((2, 2))
    fd = (g.evaluate({**values, "X": X + STEP * v}) - g.evaluate({**values, "X": X - STEP * v})) / (2 * STEP)
    assert np.allclose(np.tensordot(h, v, axes=2), fd, rtol=1e-5, atol=1e-7)


def test_analytic_functions_have_a_frechet_form() -> None:
    assert str(matdiff.derivative("tr(G'*expm(X))", wrt="X")) == "dexpm(X', G)"


@pytest.mark.parametrize("expr, values, error", [
    ("tr(X^n)", {"X": np.eye(2), "n": -1}, matdiff.DomainError),
    ("tr(X^n)", {"X": np.eye(2)}, matdiff.MatdiffError),
    ("tr(X^n)", {"X": np.eye(2), "n": 1.5}, matdiff.MatdiffError),
    ("p[k]", {"p": np.ones(3), "k": 3}, matdiff.DomainError),
])
def test_integer_errors(expr: str, values: dict, error: type) -> None:
    with pytest.raises(error):
        wrt = "X" if "X" in expr else "p"
        matdiff.derivative(expr, wrt=wrt).evaluate(values)


@pytest.mark.parametrize("text", ["X^k + k", "sigma(x, 0, 3)", "sigma(j, 0, x*y, X)", "p[0.5]",
                                  "sigma(j, 0, 2, X^j)^k[1]"])
def test_bad_integer_syntax(text: str) -> None:
    with pytest.raises(matdiff.MatdiffError):
        matdiff.derivative(text, wrt="X")
