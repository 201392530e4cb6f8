"""Generated NumPy / JAX / PyTorch code agrees with evaluate(): on the op table, the
public corpus, random expressions, Hessian-vector products and value_and_grad."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import matdiff
from expressions import SHAPES, expression
from numeric import draw
from test_ops import CASES

BACKENDS = [b for b in ("numpy", "jax", "torch") if b == "numpy" or importlib.util.find_spec(b)]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "public.jsonl"


def _call(fn, backend: str, values: dict) -> np.ndarray:
    if backend == "torch":
        import torch
        values = {k: torch.tensor(np.asarray(v, dtype=float)) if not isinstance(v, int) else v
                  for k, v in values.items()}
        return np.asarray(fn(**values).detach().numpy() if hasattr(fn(**values), "detach")
                          else fn(**values), dtype=float)
    return np.asarray(fn(**values), dtype=float)


def _agree(d, backend: str, values: dict) -> None:
    try:
        fn = d.compile(backend)
    except matdiff.MatdiffError as e:
        if "has no" in str(e) or "zero" in str(e):
            pytest.skip(str(e))
        raise
    want = d.evaluate(values)
    got = _call(fn, backend, values)
    assert np.allclose(got, want, rtol=1e-7, atol=1e-9), d.code(backend)


TABLE = [(e, s, dm, w) for e, s, dm in CASES for w in s if w in e.replace("eye", "")]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr, shapes, domains, wrt", TABLE, ids=[f"{c[0]} d/d{c[3]}" for c in TABLE])
def test_op_table(backend: str, expr: str, shapes: dict, domains: dict, wrt: str) -> None:
    values = draw(shapes, domains, np.random.default_rng(17))
    _agree(matdiff.derivative(expr, wrt=wrt, shapes=shapes), backend, values)


def _corpus() -> list[dict]:
    if not CORPUS.exists():
        return []
    return [c for c in map(json.loads, CORPUS.read_text().splitlines()) if "inputs" in c]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", _corpus(), ids=lambda c: c["id"])
def test_public_corpus(backend: str, case: dict) -> None:
    shapes = {k: tuple(v) for k, v in case["shapes"].items()}
    d = matdiff.derivative(case["expr"], wrt=case["wrt"], order=case.get("order", 1), shapes=shapes)
    values = {k: np.asarray(v, dtype=float) for k, v in case["inputs"].items()}
    _agree(d, backend, values)
    assert np.allclose(_call(d.compile(backend), backend, values), np.asarray(case["expected"]),
                       rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hessian_vector_product(backend: str) -> None:
    d = matdiff.derivative("sum(log(vector(1)+exp(-y.*(X*w))))", wrt="w", order=2)
    rng = np.random.default_rng(3)
    values = {"X": rng.standard_normal((6, 3)), "w": rng.standard_normal(3), "y": rng.choice([-1.0, 1.0], 6)}
    v = rng.standard_normal(3)
    hvp = _call(d.compile(backend, directional=True), backend, {**values, "dw": v})
    assert np.allclose(hvp, d.evaluate(values) @ v)


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_and_grad(backend: str) -> None:
    fn = matdiff.value_and_grad("norm2(A*x - y)^2", wrt=["A", "x"], backend=backend)
    rng = np.random.default_rng(4)
    values = {"A": rng.standard_normal((3, 4)), "x": rng.standard_normal(4), "y": rng.standard_normal(3)}
    if backend == "torch":
        import torch
        out = fn(**{k: torch.tensor(v) for k, v in values.items()})
        out = [np.asarray(o) for o in out]
    else:
        out = [np.asarray(o) for o in fn(**values)]
    r = values["A"] @ values["x"] - values["y"]
    assert np.isclose(out[0], r @ r)
    assert np.allclose(out[1], 2 * np.outer(r, values["x"]))
    assert np.allclose(out[2], 2 * values["A"].T @ r)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(expr=expression("s"))
def test_random_expressions(backend: str, expr: str) -> None:
    """Random expressions: each backend's generated code against evaluate()."""
    values = draw(SHAPES, {}, np.random.default_rng(5))
    used = matdiff.parse(expr, SHAPES).variables()
    wrt = next((v for v in ("A", "x", "a", "B", "y", "b") if v in used), None)
    if wrt is None:
        return
    d = matdiff.derivative(expr, wrt=wrt, shapes=SHAPES)
    try:
        want = d.evaluate(values)
    except matdiff.DomainError:
        return
    if d.form is None:
        return
    try:
        fn = d.compile(backend)
    except matdiff.MatdiffError as e:
        if "has no" in str(e):
            return
        raise
    assert np.allclose(_call(fn, backend, values), want, rtol=1e-7, atol=1e-9), d.code(backend)


def test_generated_code_is_readable() -> None:
    text = matdiff.derivative("norm2(X'*W)^2", wrt="W").code()
    assert "def d1_dW(W, X):" in text and "2*X*X'*W" in text and "raise ValueError" in text


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr, wrt", [("x'*inv(X)*x", "x"), ("logdet(X)", "X"), ("tr(inv(X)*A)", "X"),
                                       ("y'*inv(X)*A*x", "A")])
def test_spd_uses_cholesky(backend: str, expr: str, wrt: str) -> None:
    d = matdiff.derivative(expr, wrt=wrt, assume={"X": "spd"}, shapes={"X": (4, 4), "A": (4, 4)})
    assert any(word in d.code(backend) for word in ("spd_", "cho_", "cholesky"))
    rng = np.random.default_rng(8)
    a = rng.standard_normal((4, 4))
    values = {"X": a @ a.T + np.eye(4), "A": rng.standard_normal((4, 4)), "x": rng.standard_normal(4),
              "y": rng.standard_normal(4)}
    _agree(d, backend, values)
