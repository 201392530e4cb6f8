"""Backprop rules for common layers: gradients of batch losses (columns are samples)
against JAX, the printed forms a textbook writes, and every printed result parsing
back to the same values. docs/layers.md shows these results; a test keeps it current."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import matdiff

jax.config.update("jax_enable_x64", True)

softmax = jax.nn.softmax
lse = jax.scipy.special.logsumexp


def _layer_norm(X, g, h, G, e, axis):  # type: ignore[no-untyped-def]
    Z = X - X.mean(axis, keepdims=True)
    return jnp.sum(G * (g * Z / jnp.sqrt((Z ** 2).mean(axis, keepdims=True) + e) + h))


# name, expression, shapes, the same loss in JAX, the variables to differentiate by
LAYERS: list[tuple[str, str, dict, Callable[..., object], list[str]]] = [
    ("two-layer MLP, squared error", "norm2(W2*tanh(W1*X + b1) + b2 - T)^2",
     {"X": (3, 5), "W1": (4, 3), "b1": (4,), "W2": (2, 4), "b2": (2,), "T": (2, 5)},
     lambda X, W1, b1, W2, b2, T: jnp.sum((W2 @ jnp.tanh(W1 @ X + b1[:, None]) + b2[:, None] - T) ** 2),
     ["W1", "b1", "W2", "b2", "X"]),
    ("softmax cross-entropy of an affine layer", "-sum(Y.*log(softmax(W*X + b, 1)))",
     {"W": (3, 4), "X": (4, 5), "b": (3,), "Y": (3, 5)},
     lambda W, X, b, Y: -jnp.sum(Y * jnp.log(softmax(W @ X + b[:, None], axis=0))), ["W", "b", "X"]),
    ("softmax cross-entropy of logits", "sum(logsumexp(Z, 1)) - sum(Y.*Z)", {"Z": (3, 5), "Y": (3, 5)},
     lambda Z, Y: jnp.sum(lse(Z, axis=0)) - jnp.sum(Y * Z), ["Z"]),
    ("attention", "sum(G.*(softmax(Q*K'/c, 2)*V))",
     {"Q": (3, 2), "K": (4, 2), "V": (4, 3), "G": (3, 3), "c": ()},
     lambda Q, K, V, G, c: jnp.sum(G * (softmax(Q @ K.T / c, axis=1) @ V)), ["Q", "K", "V", "c"]),
    ("layer norm of each column (sample), scale and shift per feature",
     "sum(G.*(g.*Z./sqrt(mean(Z.^2, 1)' + e) + h)) where Z = X - mean(X, 1)'",
     {"X": (4, 5), "g": (4,), "h": (4,), "G": (4, 5), "e": ()},
     lambda X, g, h, G, e: _layer_norm(X, g[:, None], h[:, None], G, e, 0), ["X", "g", "h"]),
    ("layer norm of each row, scale and shift per column",
     "sum(G.*(Z./sqrt(mean(Z.^2, 2) + e).*s' + t')) where Z = X - mean(X, 2)",
     {"X": (4, 5), "s": (5,), "t": (5,), "G": (4, 5), "e": ()},
     lambda X, s, t, G, e: _layer_norm(X, s[None, :], t[None, :], G, e, 1), ["X", "s", "t"]),
    ("batch norm across the batch (features are rows)",
     "sum(G.*(g.*(X - mean(X, 2))./sqrt(mean((X - mean(X, 2)).^2, 2) + e) + h))",
     {"X": (4, 5), "g": (4,), "h": (4,), "G": (4, 5), "e": ()},
     lambda X, g, h, G, e: _layer_norm(X, g[:, None], h[:, None], G, e, 1), ["X", "g"]),
]

CASES = [pytest.param(e, s, f, w, id=f"{name}: d/d{w}") for name, e, s, f, ws in LAYERS for w in ws]


def _values(shapes: dict, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {k: rng.standard_normal(v) for k, v in shapes.items()}
    for k in ("c", "e"):  # a temperature, an epsilon
        if k in out:
            out[k] = np.asarray(1.5 if k == "c" else 0.1)
    if "Y" in out:  # targets: probabilities
        out["Y"] = np.asarray(softmax(jnp.asarray(out["Y"]), axis=0))
    return out


@pytest.mark.parametrize("expr, shapes, loss, wrt", CASES)
def test_the_gradient_agrees_with_jax_and_reads_back(expr: str, shapes: dict, loss: Callable,
                                                     wrt: str) -> None:
    values = _values(shapes)
    names = list(shapes)
    want = jax.grad(loss, argnums=names.index(wrt))(*(jnp.asarray(values[k]) for k in names))
    d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
    got = d.evaluate(values)
    assert np.allclose(got, want, rtol=1e-9, atol=1e-10)
    again = matdiff.parse(str(d), shapes)
    assert np.allclose(matdiff.evaluate(again, {k: values[k] for k in again.variables()}), want)
    for backend, array in (("numpy", np.asarray), ("jax", jnp.asarray), ("torch", lambda v: torch.tensor(np.array(v)))):
        f = d.compile(backend)
        out = f(**{k: array(values[k]) for k in d.expr.variables()})
        assert np.allclose(np.asarray(out), want), backend


@pytest.mark.parametrize("expr, shapes, loss, wrt", [CASES[i] for i in (1, 6, 8, 9, 13)])
def test_the_hessian_agrees_with_finite_differences(expr: str, shapes: dict, loss: Callable,
                                                    wrt: str) -> None:
    from matdiff.check import check
    assert check(matdiff.derivative(expr, wrt=wrt, shapes=shapes, order=2)).ok


@pytest.mark.parametrize("expr, wrt, text", [
    ("-sum(Y.*log(softmax(Z, 1)))", "Z", "softmax(Z, 1).*sum(Y, 1)' - Y"),
    ("sum(logsumexp(Z, 1)) - sum(Y.*Z)", "Z", "softmax(Z, 1) - Y"),
    ("sum(G.*(softmax(Q*K'/c, 2)*V))", "V", "softmax(Q*K'/c, 2)'*G"),
    ("norm2(W*X + b - T)^2", "b", "2*sum(W*X + b - T, 2)"),
    ("norm2(W*X + b - T)^2", "W", "2*(W*X + b - T)*X'"),
    ("sum(log(1 + exp(x)))", "x", "sigmoid(x)"),
    ("sum(mean(X, 1))", "X", "matrix(1, rows(X), cols(X))/rows(X)"),
])
def test_layers_read_as_the_textbook_writes_them(expr: str, wrt: str, text: str) -> None:
    assert str(matdiff.derivative(expr, wrt=wrt, shapes={"b": ("m",)})) == text


@pytest.mark.parametrize("expr, wrt", [("softmax(Q*K'/c, 2)*V", "V"), ("softmax(Q*K'/c, 2)*V", "Q"),
                                       ("softmax(X, 1)", "X"), ("X - mean(X, 2)", "X")])
def test_jacobians_are_fourth_order_tensors_and_their_vec_forms_agree(expr: str, wrt: str) -> None:
    shapes = {"Q": (3, 2), "K": (4, 2), "V": (4, 3), "c": (), "X": (3, 4)}
    values = _values(shapes, seed=1)
    fns = {"softmax(Q*K'/c, 2)*V": lambda Q, K, V, c, X: softmax(Q @ K.T / c, axis=1) @ V,
           "softmax(X, 1)": lambda Q, K, V, c, X: softmax(X, axis=0),
           "X - mean(X, 2)": lambda Q, K, V, c, X: X - X.mean(1, keepdims=True)}
    names = list(shapes)
    want = np.asarray(jax.jacfwd(fns[expr], argnums=names.index(wrt))(
        *(jnp.asarray(values[k]) for k in names)))
    d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
    assert np.allclose(d.evaluate(values), want)
    p, m = int(np.prod(want.shape[:2])), int(np.prod(want.shape[2:]))
    vec = want.reshape(want.shape[:2] + (m,), order="F").reshape((p, m), order="F")
    kron = d.kron()
    assert kron is not None and np.allclose(kron.evaluate(values), vec)
    assert np.allclose(d.compile()(**{k: values[k] for k in d.expr.variables()}), want)


@pytest.mark.parametrize("expr, shapes, fragment", [
    ("W*X + b", {"W": (3, 4), "X": (4, 5), "b": (2,)}, "as many rows"),
    ("X - v'", {"X": (3, 4), "v": (3,)}, "as many"),
    ("sum(X, 3)", {}, "d = 1"),
    ("softmax(X, 0)", {}, "d = 1"),
    ("logsumexp(X, a)", {}, "d = 1"),
    ("x + y'", {}, "differ in shape"),
    ("mean(a)", {}, "vector or a matrix"),
])
def test_bad_batch_input_is_a_clear_error(expr: str, shapes: dict, fragment: str) -> None:
    with pytest.raises(matdiff.ShapeError, match=fragment) as e:
        matdiff.parse(expr, shapes)
    assert e.value.pos is not None


def test_the_layers_page_is_current() -> None:
    from layers_page import page
    assert (Path(__file__).parents[2] / "docs" / "layers.md").read_text() == page(LAYERS), \
        "regenerate: python tests/layers_page.py > docs/layers.md"


@pytest.mark.parametrize("expr, wrt, text", [
    ("sum(G.*(P*V)) where P = softmax(Q*K'/c, 2)", "V", "P'*G where P = softmax(Q*K'/c, 2)"),
    ("sum(G.*(P*V)) where P = softmax(Q*K'/c, 2)", "Q",
     "(G*V' - sum(G*V'.*P, 2)).*P*K/c where P = softmax(Q*K'/c, 2)"),
    ("sum(G.*(Z./sqrt(mean(Z.^2, 2) + e).*s' + t')) where Z = X - mean(X, 2)", "s",
     "sum(G.*(Z./sqrt(mean(Z.^2, 2) + e)), 1) where Z = X - mean(X, 2)"),
])
def test_results_use_the_users_names(expr: str, wrt: str, text: str) -> None:
    d = matdiff.derivative(expr, wrt=wrt)
    assert str(d) == text
    values = _values({k: (3, 3) if v.is_matrix else (3,) if v.is_vector else ()
                      for k, v in d.expr.variables().items()})
    again = matdiff.parse(text)
    assert np.allclose(matdiff.evaluate(again, {k: values[k] for k in again.variables()}),
                       d.evaluate(values))
