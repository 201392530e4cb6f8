"""The forms of a derivative: index notation and the Kronecker matrix agree
numerically with the tensor; golden outputs for the textbook cases."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
from matdiff.indexing import DELTA, TENSOR, Terms
from numeric import draw

CASES = [
    ("X*y", "X", 1, {"X": (3, 3), "y": (3, 2)}, {}),
    ("A*X*B", "X", 1, {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, {}),
    ("A*X'*B", "X", 1, {"A": (2, 4), "X": (3, 4), "B": (3, 2)}, {}),
    ("tr(A*X*B)", "X", 1, {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, {}),
    ("x'*A*x", "x", 2, {"x": (3,), "A": (3, 3)}, {}),
    ("tr(X'*B*X)", "X", 2, {"X": (3, 2), "B": (3, 3)}, {}),
    ("A*x", "A", 1, {"A": (2, 3), "x": (3,)}, {}),
    ("tanh(A*x + b)", "A", 1, {"A": (2, 3), "x": (3,), "b": (2,)}, {}),
    ("X.*Y + 2*X", "X", 1, {"X": (2, 3), "Y": (2, 3)}, {}),
    ("inv(X)", "X", 1, {"X": (3, 3)}, {"X": "nonsingular"}),
    ("sum(X)*X", "X", 1, {"X": (2, 2)}, {}),
    ("vec(X)", "X", 1, {"X": (2, 3)}, {}),
    ("x*y'", "x", 1, {"x": (3,), "y": (2,)}, {}),
    ("tr(X)*X'", "X", 1, {"X": (3, 3)}, {}),
    ("diag(x)*A", "x", 1, {"x": (3,), "A": (3, 2)}, {}),
    ("x'*A", "x", 1, {"x": (3,), "A": (3, 2)}, {}),
    ("softmax(x)", "x", 2, {"x": (3,)}, {}),
    ("norm2(A*x - y)^2", "A", 1, {"A": (2, 3), "x": (3,), "y": (2,)}, {}),
]
IDS = [f"{c[0]} d{c[2]}/d{c[1]}" for c in CASES]


def _vec_layout(tensor: np.ndarray, out_rank: int) -> np.ndarray:
    """K[p + P·q, m + M·n] = D[p,q,m,n]: column-major vec on both sides."""
    axes = list(range(out_rank))[::-1] + list(range(out_rank, tensor.ndim))[::-1]
    t = tensor.transpose(axes)
    rows = int(np.prod(tensor.shape[:out_rank]))
    return t.reshape(rows, -1)


@pytest.mark.parametrize("expr, wrt, order, shapes, domains", CASES, ids=IDS)
def test_kron_form_is_the_tensor(expr: str, wrt: str, order: int, shapes: dict, domains: dict) -> None:
    d = matdiff.derivative(expr, wrt=wrt, order=order, shapes=shapes)
    k = d.kron()
    if k is None:
        pytest.skip("no Kronecker form")
    values = draw(shapes, domains, np.random.default_rng(2))
    tensor = d.evaluate(values)
    out_rank = tensor.ndim - len(shapes[wrt])
    want = _vec_layout(tensor, out_rank)
    got = k.evaluate(values)
    assert np.allclose(got.reshape(want.shape), want, atol=1e-10), str(k)


def _evaluate_terms(terms: Terms, values: dict, sizes: dict[str, int]) -> dict[str, np.ndarray]:
    """Each term as an einsum over its factors' arrays (each factor's node evaluated)."""
    out = []
    for t in terms:
        arrays, subs = [], []
        for f in t.factors:
            if f.kind == DELTA:
                arrays.append(np.eye(sizes.get(f.indices[0]) or sizes[f.indices[1]]))
            elif f.kind != TENSOR or f.node is None:
                pytest.skip("Iverson brackets and Fréchet tensors are not evaluated here")
            else:
                arrays.append(np.asarray(matdiff.evaluate(f.node, values)))
            subs.append("".join(f.indices))
            for i, n in zip(f.indices, arrays[-1].shape):
                sizes.setdefault(i, n)
        out.append((t.coef, arrays, subs))
    return out  # type: ignore[return-value]


@pytest.mark.parametrize("expr, wrt, order, shapes, domains", CASES, ids=IDS)
def test_index_form_is_the_tensor(expr: str, wrt: str, order: int, shapes: dict, domains: dict) -> None:
    d = matdiff.derivative(expr, wrt=wrt, order=order, shapes=shapes)
    form = d.index()
    values = draw(shapes, domains, np.random.default_rng(4))
    tensor = d.evaluate(values)
    free = list(form.axes)
    sizes = dict(zip(free, tensor.shape))
    total = np.zeros(tensor.shape)
    for coef, arrays, subs in _evaluate_terms(form.terms, values, sizes):
        letters = {c for s in subs for c in s}
        spec = ",".join(subs) + "->" + "".join(free)
        operands = arrays + [np.ones(sizes[i]) for i in free if i not in letters]
        spec = ",".join(subs + [i for i in free if i not in letters]) + "->" + "".join(free)
        total = total + coef * np.einsum(spec, *operands)
    assert np.allclose(total, tensor, atol=1e-10), str(form)


@pytest.mark.parametrize("expr, wrt, order, shapes, text", [
    ("X*y", "X", 1, {"X": (3, 3), "y": (3, 2)}, "∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]"),
    ("tr(A*X*B)", "X", 1, None, "∂f/∂X[m,n] = Σ_i A[i,m]·B[n,i]"),
    ("x'*A*x", "x", 2, None, "∂²f/∂x[m]∂x[r] = (A + A')[m,r]"),
    ("inv(X)", "X", 1, None, "∂F[p,q]/∂X[m,n] = -inv(X)[p,m]·inv(X)[n,q]"),
    ("X'", "X", 1, None, "∂F[p,q]/∂X[m,n] = δ[p,n]·δ[q,m]"),
])
def test_index_golden(expr: str, wrt: str, order: int, shapes: dict | None, text: str) -> None:
    assert str(matdiff.derivative(expr, wrt=wrt, order=order, shapes=shapes).index()) == text


@pytest.mark.parametrize("expr, wrt, shapes, text", [
    ("X*y", "X", {"X": (3, 3), "y": (3,)}, "dvec(F)/dvec(X) = kron(y', eye(3))"),
    ("A*X*B", "X", None, "dvec(F)/dvec(X) = kron(B', A)"),
    ("X'", "X", {"X": (2, 3)}, "dvec(F)/dvec(X) = commutation(2, 3)"),
    ("tr(A*X*B)", "X", None, "dvec(f)/dvec(X) = vec(A'*B')'"),
])
def test_kron_golden(expr: str, wrt: str, shapes: dict | None, text: str) -> None:
    assert str(matdiff.derivative(expr, wrt=wrt, shapes=shapes).kron()) == text


def test_tensors_print_in_index_form() -> None:
    d = matdiff.derivative("X*y", wrt="X", shapes={"X": (3, 3), "y": (3, 2)})
    assert str(d) == "∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]"


def test_no_kron_form_for_matrix_functions() -> None:
    assert matdiff.derivative("expm(X)", wrt="X").kron() is None
    assert "Dexpm(X)" in str(matdiff.derivative("expm(X)", wrt="X").index())


@pytest.mark.parametrize("expr, text", [
    ("x*x'*u", "x*u' + u'*x*eye"), ("A*x*x'*u", "A*x*u' + u'*x*A"), ("diag(x)*A*x", "diag(A*x) + diag(x)*A"),
    ("diag(x)*y", "diag(y)"), ("(x*x' - B)*u", "x*u' + u'*x*eye"),
    ("kron(x, u)", "kron(eye(3), u)"), ("kron(u, A*x)", "kron(u, A)"), ("x'*A", "A'"),
    ("exp(x')*A", "A'*diag(exp(x))"),
])
def test_jacobians_through_products_have_a_matrix_form(expr: str, text: str) -> None:
    """L*dx*r = r*L*dx for a scalar r, L*dx'*R = L*R'*dx, diag(dx)*v = diag(v)*dx,
    kron(dx, v) = kron(I, v)*dx, a row output read as its transpose, and sums inside a
    chain distributed: a vector-by-vector Jacobian in matrix notation."""
    from matdiff.check import check
    d = matdiff.derivative(expr, wrt="x", shapes={"A": (3, 3), "B": (3, 3), "x": (3,), "u": (3,), "y": (3,)})
    assert str(d) == text
    assert check(d).ok
