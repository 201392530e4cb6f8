"""Generated code takes its dtype and device from its inputs and changes no global
configuration: float32 in, float32 out, on every backend; torch on the ``meta`` device
(a stand-in for CUDA) stays there."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import matdiff

BACKENDS = [b for b in ("numpy", "jax", "torch") if b == "numpy" or importlib.util.find_spec(b)]
#: Realistic losses and layers: (expression, wrt, order, shapes, spd variables).
CASES = [
    ("sum(log(vector(1)+exp(-y.*(X*w))))", "w", 1, {"X": (4, 3), "w": (3,), "y": (4,)}, ()),
    ("sum(log(vector(1)+exp(-y.*(X*w))))", "w", 2, {"X": (4, 3), "w": (3,), "y": (4,)}, ()),
    ("norm2(X'*W)^2", "W", 1, {"X": (3, 4), "W": (3, 2)}, ()),
    ("x'*A*x", "x", 2, {"x": (3,), "A": (3, 3)}, ()),
    ("norm2(W2*tanh(W1*x + b1) + b2 - t)^2", "W1", 1,
     {"W1": (4, 3), "x": (3,), "b1": (4,), "W2": (2, 4), "b2": (2,), "t": (2,)}, ()),
    ("X*y", "X", 1, {"X": (3, 3), "y": (3, 2)}, ()),
    ("logdet(X)", "X", 1, {"X": (3, 3)}, ("X",)),
    ("tr(X*X*X)", "X", 2, {"X": (2, 2)}, ()),
    ("sum(x)*x", "x", 1, {"x": (3,)}, ()),
]
IDS = [f"{e[:24]} d{o}/d{w}" for e, w, o, _, _ in CASES]


def _values(shapes: dict, spd: tuple) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(5)
    out = {}
    for name, shape in shapes.items():
        v = rng.standard_normal(shape) / 2
        out[name] = v @ v.T + np.eye(shape[0]) if name in spd else v
    return out


def _as(backend: str, v: np.ndarray, dtype: str, device: str = "cpu") -> object:
    if backend == "torch":
        import torch
        return torch.tensor(v, dtype=getattr(torch, dtype), device=device)
    if backend == "jax":
        import jax.numpy as jnp
        return jnp.asarray(v, dtype=dtype)
    return v.astype(dtype)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr, wrt, order, shapes, spd", CASES, ids=IDS)
def test_float32_in_float32_out(backend: str, expr: str, wrt: str, order: int, shapes: dict,
                                spd: tuple) -> None:
    d = matdiff.derivative(expr, wrt=wrt, order=order, shapes=shapes)
    values = _values(shapes, spd)
    want = d.evaluate(values)
    got = d.compile(backend)(**{k: _as(backend, v, "float32") for k, v in values.items()})
    assert str(got.dtype).endswith("float32")
    assert np.allclose(np.asarray(got), want, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_float64_in_float64_out(backend: str) -> None:
    expr, wrt, order, shapes, spd = CASES[0]
    d = matdiff.derivative(expr, wrt=wrt, order=order, shapes=shapes)
    values = _values(shapes, spd)
    got = d.compile(backend)(**{k: _as(backend, v, "float64") for k, v in values.items()})
    assert str(got.dtype).endswith("float64") and np.allclose(np.asarray(got), d.evaluate(values))


@pytest.mark.skipif("torch" not in BACKENDS, reason="torch is not installed")
@pytest.mark.parametrize("expr, wrt, order, shapes, spd", CASES, ids=IDS)
def test_torch_code_stays_on_the_inputs_device(expr: str, wrt: str, order: int, shapes: dict,
                                               spd: tuple) -> None:
    d = matdiff.derivative(expr, wrt=wrt, order=order, shapes=shapes)
    values = _values(shapes, spd)
    fn = d.compile("torch")
    try:
        got = fn(**{k: _as("torch", v, "float32", "meta") for k, v in values.items()})
    except NotImplementedError as e:  # an op torch itself has no meta kernel for
        pytest.skip(str(e).splitlines()[0])
    assert got.device.type == "meta" and tuple(got.shape) == d.evaluate(values).shape


@pytest.mark.skipif("jax" not in BACKENDS, reason="jax is not installed")
def test_jax_code_changes_no_global_configuration() -> None:
    """Importing and running generated JAX code leaves float32 the default (users ask for
    float64 with ``jax.config.update("jax_enable_x64", True)`` themselves)."""
    script = textwrap.dedent("""
        import numpy as np
        import jax, jax.numpy as jnp
        import matdiff
        d = matdiff.derivative("norm2(X'*W)^2 + sum(vector(1) + W*y)", wrt="W")
        out = d.compile("jax")(X=jnp.ones((3, 4)), W=jnp.ones((3, 2)), y=jnp.ones(2))
        assert out.dtype == jnp.float32, out.dtype
        assert not jax.config.jax_enable_x64 and jnp.zeros(3).dtype == jnp.float32
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert run.stdout.strip() == "ok", run.stderr[-2000:]


STANDALONE = [
    ("tr(A*logm(X))", "X", {"A": (3, 3), "X": (3, 3)}, ("X",)),
    ("tr(A*sqrtm(X))", "X", {"A": (2, 2), "X": (2, 2)}, ("X",)),
    ("det(X)", "X", {"X": (3, 3)}, ()),
    ("logdet(X)", "X", {"X": (3, 3)}, ("X",)),
    ("x'*inv(S)*x", "x", {"x": (3,), "S": (3, 3)}, ("S",)),
    ("x'*vec(X')", "X", {"x": (6,), "X": (2, 3)}, ()),
    ("tr(adj(X)*A)", "X", {"X": (3, 3), "A": (3, 3)}, ()),
    ("tr(expm(X))", "X", {"X": (2, 2)}, ()),
    ("sum(log(vector(1)+exp(-y.*(X*w))))", "w", {"X": (4, 3), "w": (3,), "y": (4,)}, ()),
]


def test_numpy_code_runs_where_matdiff_is_not_installed(tmp_path) -> None:
    """Generated NumPy modules need only NumPy and SciPy: the helpers they call are copied in."""
    import json
    cases = []
    for expr, wrt, shapes, spd in STANDALONE:
        assume = {n: "spd" for n in spd if n != wrt}
        d = matdiff.derivative(expr, wrt=wrt, shapes=shapes, assume=assume)
        values = _values(shapes, spd)
        cases.append({"source": d.code(), "values": {k: v.tolist() for k, v in values.items()},
                      "want": np.asarray(d.evaluate(values)).tolist()})
        assert "matdiff" not in d.code().split('"""', 1)[0]
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    script = textwrap.dedent("""
        import json, sys
        sys.modules["matdiff"] = None  # import matdiff fails
        import numpy as np
        for case in json.load(open(sys.argv[1])):
            space = {}
            exec(case["source"], space)
            fn = next(v for k, v in space.items() if k.startswith("d1_"))
            got = fn(**{k: np.asarray(v) for k, v in case["values"].items()})
            assert np.allclose(got, case["want"]), case["source"]
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cases.json")],
                         capture_output=True, text=True, timeout=300)
    assert run.stdout.strip() == "ok", run.stderr[-3000:]


def test_generated_code_composes_with_vmap_and_torch_compile() -> None:
    """A generated gradient is an ordinary function of arrays: jax.vmap, torch.func.vmap
    and torch.compile take it as it is, and agree with evaluate() per example."""
    import jax
    import jax.numpy as jnp
    import torch
    d = matdiff.derivative("sum(log(1 + exp(-y.*(X*w))))", wrt="w", shapes={"X": (5, 3), "y": (5,), "w": (3,)})
    rng = np.random.default_rng(3)
    X, y, W = rng.standard_normal((5, 3)), np.sign(rng.standard_normal(5)), rng.standard_normal((4, 3))
    want = np.stack([d.evaluate({"X": X, "y": y, "w": w}) for w in W])
    fj, ft = d.compile("jax"), d.compile("torch")
    got = jax.vmap(lambda w: fj(X=jnp.asarray(X), y=jnp.asarray(y), w=w))(jnp.asarray(W))
    assert np.allclose(np.asarray(got), want, atol=1e-6)
    tX, ty = torch.tensor(X), torch.tensor(y)
    assert np.allclose(torch.func.vmap(lambda w: ft(X=tX, y=ty, w=w))(torch.tensor(W)).numpy(), want)
    compiled = torch.compile(lambda w: ft(X=tX, y=ty, w=w))
    assert np.allclose(compiled(torch.tensor(W[0])).numpy(), want[0])
