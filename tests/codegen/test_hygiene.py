"""Generated code is hygienic: a user's variable may be named like anything the code uses
(a module, a temporary, the tensor buffer, a direction), and compiled functions match
inputs by name."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matdiff

#: The generator's own vocabulary: modules, temporaries, buffers, builtins, directions.
VOCABULARY = ["np", "jnp", "jax", "torch", "scipy", "runtime", "out", "s", "t1", "t2", "t3",
              "int", "range", "getattr", "dx", "d1_dx", "x_", "np_", "dtype_", "device_", "v",
              "real_part", "spd_solve"]


def _values(names: list[str], rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {n: rng.standard_normal(3) for n in names}


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_variable_named_like_a_temporary_keeps_its_value(backend: str) -> None:
    """t1 beside the generator's temporaries (once overwritten: off by 2.31)."""
    rng = np.random.default_rng(0)
    values = {"A": rng.standard_normal((3, 3)), "x": rng.standard_normal(3), "t1": rng.standard_normal(3)}
    d = matdiff.derivative("sum(exp(A*x).*exp(A*x)) + t1'*x", wrt="x")
    want = d.evaluate(values)
    if backend == "torch":
        import torch
        got = d.compile(backend)(**{k: torch.tensor(v) for k, v in values.items()}).numpy()
    else:
        got = np.asarray(d.compile(backend)(**values))
    assert np.allclose(got, want)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(VOCABULARY), min_size=2, max_size=4, unique=True))
def test_names_from_the_generators_vocabulary(names: list[str]) -> None:
    """f = sum(exp(v1).*v2) + v3'*v1 …: each name from the generator's own vocabulary."""
    shapes = {n: (3,) for n in names}
    expr = f"sum(exp({names[0]}).*{names[1]})" + "".join(f" + {n}'*{names[0]}" for n in names[2:])
    rng = np.random.default_rng(len(names))
    values = _values(names, rng)
    for wrt in names[:2]:
        d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
        assert np.allclose(d.compile()(**values), d.evaluate(values)), (expr, wrt)
        h = matdiff.derivative(expr, wrt=wrt, shapes=shapes, order=2)
        assert np.allclose(h.compile()(**values), h.evaluate(values)), (expr, wrt)
        if h.is_zero:
            continue
        v = rng.standard_normal(3)
        hvp = h.compile(directional=True)
        direction = [p for p in hvp.__wrapped__.__code__.co_varnames if p.startswith(f"d{wrt}")][-1]
        assert np.allclose(hvp(**values, **{direction: v}), h.evaluate(values) @ v), (expr, wrt)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_variable_named_like_a_copied_helper_or_the_dtype(backend: str) -> None:
    """NumPy modules define adjugate() and logm() themselves; every module may bind dtype_."""
    rng = np.random.default_rng(1)
    shapes = {"adjugate": (3, 3), "X": (3, 3), "dtype_": (3,)}
    values = {"adjugate": rng.standard_normal((3, 3)), "X": rng.standard_normal((3, 3)) + 3 * np.eye(3),
              "dtype_": rng.standard_normal(3)}
    d = matdiff.derivative("tr(adj(X)*adjugate) + sum(vector(1) + dtype_)*tr(X)", wrt="X", shapes=shapes)
    if backend == "torch":
        import torch
        got = d.compile(backend)(**{k: torch.tensor(v) for k, v in values.items()}).numpy()
    else:
        got = np.asarray(d.compile(backend)(**values))
    assert np.allclose(got, d.evaluate(values))


def test_compiled_functions_take_keywords_only() -> None:
    f = matdiff.derivative("X*y", wrt="X", shapes={"X": (2, 2), "y": (2,)}).compile()
    with pytest.raises(TypeError, match="keywords"):
        f(np.eye(2), np.ones(2))
    assert f(y=np.ones(2), X=np.eye(2)).shape == (2, 2, 2)


def test_a_zero_derivative_compiles_to_zeros() -> None:
    d = matdiff.derivative("sum(sign(N))", wrt="N", shapes={"N": (2, 3)})
    out = d.compile()(N=np.ones((2, 3)))
    assert out.shape == (2, 3) and not out.any()
