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
from matdiff.codegen.derivative import tensor_terms_of
from expressions import SHAPES, expression
from numeric import draw
from cases import CASES

BACKENDS = [b for b in ("numpy", "jax", "torch") if b == "numpy" or importlib.util.find_spec(b)]
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "public.jsonl"


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
    if d.is_zero:
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


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(expr=expression("m") | expression("s"))
def test_random_tensors(backend: str, expr: str) -> None:
    """Tensors without a matrix form (matrix by matrix, Hessians by a matrix), built
    from the index form, against evaluate(); the structured tensor too."""
    values = draw(SHAPES, {}, np.random.default_rng(6))
    if "A" not in matdiff.parse(expr, SHAPES).variables():
        return
    order = 2 if matdiff.parse(expr, SHAPES).shape.is_scalar else 1
    d = matdiff.derivative(expr, wrt="A", order=order, shapes=SHAPES)
    try:
        want = d.evaluate(values)
        fn = d.compile(backend)
    except matdiff.DomainError:
        return
    except matdiff.MatdiffError as e:
        if "has no" in str(e) or "zero" in str(e):
            return
        raise
    assert np.allclose(_call(fn, backend, values), want, rtol=1e-7, atol=1e-9), d.code(backend)
    if backend == "numpy" and tensor_terms_of(d.result) is not None:
        assert np.allclose(np.asarray(d.compile(structured=True)(**values)), want, rtol=1e-7, atol=1e-9)


TENSORS = [("logdet(X)", "X", 2), ("norm2(T - U*V')^2", "U", 2), ("inv(X)", "X", 1), ("X*A*X", "X", 1),
           ("tr(X*X*X)", "X", 2), ("X", "X", 1), ("X'", "X", 1), ("diag(x)*X", "X", 1),
           ("tanh(X)*a", "X", 2), ("sum(X)*X", "X", 2), ("x*x'", "x", 2), ("X.*X", "X", 2),
           ("vec(X)", "X", 1), ("kron(X, A)", "X", 1), ("X/tr(X)", "X", 1)]
TENSOR_SHAPES = {"X": (3, 3), "U": (4, 2), "V": (5, 2), "T": (4, 5), "A": (3, 3), "x": (3,), "a": ()}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr, wrt, order", TENSORS)
def test_tensors(backend: str, expr: str, wrt: str, order: int) -> None:
    d = matdiff.derivative(expr, wrt=wrt, order=order, shapes=TENSOR_SHAPES)
    values = draw(TENSOR_SHAPES, {"X": "spd"}, np.random.default_rng(9))
    _agree(d, backend, values)


def test_deltas_are_diagonal_fills() -> None:
    """δ[m,r] is written as a diagonal view of the output, never an identity tensor."""
    text = matdiff.derivative("norm2(T - U*V')^2", wrt="U", order=2).code()
    assert "np.einsum('mnms->mns', out)[...] +=" in text and "eye" not in text


def test_structured_hessian_at_scale() -> None:
    """The 4th-order Hessian of ‖T − UV'‖² at n = 1000, k = 100 (10¹⁰ entries, 80 GB
    dense) is built from its factors; applied to a direction it is the HVP."""
    n, k = 1000, 100
    rng = np.random.default_rng(10)
    U, V, T = rng.standard_normal((n, k)), rng.standard_normal((n, k)), rng.standard_normal((n, n))
    d = matdiff.derivative("norm2(T - U*V')^2", wrt="U", order=2)
    h = d.compile(structured=True)(U=U, V=V, T=T)
    assert isinstance(h, matdiff.StructuredTensor)
    assert h.shape == (n, k, n, k) and h.size == 10**10 and h.nbytes < 10**7
    direction = rng.standard_normal((n, k))
    assert np.allclose(h.contract(direction), d.compile(directional=True)(U=U, V=V, T=T, dU=direction))
    assert np.allclose(h.contract(direction), 2 * direction @ (V.T @ V))
    with pytest.raises(matdiff.LimitError, match="entries"):
        h.dense()


def test_structured_contract_keeps_deltas() -> None:
    """Contracting one block of a tensor whose δ ties two remaining axes stays structured."""
    d = matdiff.derivative("X", wrt="X", shapes={"X": (2, 3)})
    t = d.compile(structured=True)(X=np.zeros((2, 3)))
    e = np.arange(6.0).reshape(2, 3)
    assert np.allclose(t.contract(e), e)
    assert np.allclose(np.asarray(t), np.einsum("pm,qn->pqmn", np.eye(2), np.eye(3)))


def test_structured_needs_a_factored_form() -> None:
    d = matdiff.derivative("expm(X)", wrt="X", shapes={"X": (2, 2)})
    with pytest.raises(matdiff.MatdiffError, match="no factored"):
        d.code(structured=True)
    with pytest.raises(matdiff.MatdiffError, match="NumPy"):
        matdiff.derivative("inv(X)", wrt="X").code("jax", structured=True)


JIT = [(e, s, dm, w) for e, s, dm, w in TABLE] + [(e, TENSOR_SHAPES, {"X": "spd"}, w) for e, w, _ in TENSORS]


@pytest.mark.skipif("jax" not in BACKENDS, reason="jax is not installed")
@pytest.mark.parametrize("expr, shapes, domains, wrt", JIT, ids=[f"{c[0]} d/d{c[3]}" for c in JIT])
def test_jax_code_jits(expr: str, shapes: dict, domains: dict, wrt: str) -> None:
    """Generated JAX code runs under jax.jit (shape checks are static), with the same values."""
    import jax
    d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
    try:
        fn = d.compile("jax")
    except matdiff.MatdiffError as e:
        if "has no" in str(e) or "zero" in str(e):
            pytest.skip(str(e))
        raise
    values = draw(shapes, domains, np.random.default_rng(17))
    assert np.allclose(np.asarray(jax.jit(fn)(**values)), d.evaluate(values), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("expr, wrt", [("logdet(X)", "X"), ("tr(X*X*X*X)", "X"), ("x'*A*x*x'*x", "x")])
def test_third_order_tensors_and_contractions(expr: str, wrt: str) -> None:
    """Order 3 from the index form; contract(D1, D2) sums D2 against the last block, D1
    against the one before."""
    d = matdiff.derivative(expr, wrt=wrt, order=3, shapes=TENSOR_SHAPES)
    rng = np.random.default_rng(12)
    values = draw(TENSOR_SHAPES, {"X": "spd"}, rng)
    want = d.evaluate(values)
    assert np.allclose(d.compile()(**values), want)
    t = d.compile(structured=True)(**values)
    assert np.allclose(np.asarray(t), want)
    d1, d2 = (rng.standard_normal(np.shape(values[wrt])) for _ in range(2))
    k = np.ndim(values[wrt])
    assert np.allclose(np.asarray(t.contract(d1, d2)),
                       np.tensordot(np.tensordot(want, d2, axes=k), d1, axes=k))


def test_singular_points_are_refused_by_both() -> None:
    """inv at a singular X (here rank one): evaluate() refuses with a DomainError and the
    generated code with NumPy's LinAlgError."""
    d = matdiff.derivative("tr(inv(x*y'))", wrt="x", shapes={"x": (3,), "y": (3,)})
    values = {"x": np.arange(1.0, 4.0), "y": np.ones(3)}
    with pytest.raises(matdiff.DomainError):
        d.evaluate(values)
    with pytest.raises(np.linalg.LinAlgError):
        d.compile()(**values)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_det_gradient_is_the_adjugate_also_at_singular_points(backend: str) -> None:
    """∂det(X)/∂X = adj(X)', defined at a singular X: det(x*y') is 0 for every x, so its
    gradient is 0; at a rank-deficient X the cofactors are exact."""
    d = matdiff.derivative("det(x*y')", wrt="x", shapes={"x": (3,), "y": (3,)})
    values = {"x": np.arange(1.0, 4.0), "y": np.ones(3)}
    assert np.allclose(d.evaluate(values), 0.0)
    g = matdiff.derivative("det(X)", wrt="X")
    assert str(g) == "adj(X)'"
    x = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    cofactors = np.array([[4.0, 4.0, -4.0], [-2.0, -2.0, 2.0], [0.0, 0.0, 0.0]])
    assert np.allclose(g.evaluate({"X": x}), cofactors)
    out = g.compile(backend)(X=_to_backend(backend, x))
    assert np.allclose(np.asarray(out), cofactors)


def _to_backend(backend: str, x: np.ndarray) -> object:
    """An array of the backend's own kind (torch code takes tensors)."""
    if backend == "torch":
        import torch
        return torch.tensor(x)
    return x


def test_factors_that_print_alike_stay_apart() -> None:
    """sum(vector(1, 3)) and sum(vector(1, 4)) print alike without sizes: the index form
    keeps them as two factors (it once merged them, and compile() gave 8 where 7 is right)."""
    d = matdiff.derivative("sum(vector(1, 3))*X + sum(vector(1, 4))*X", wrt="X", shapes={"X": (2, 2)})
    x = np.ones((2, 2))
    want = 7.0 * np.einsum("pm,qn->pqmn", np.eye(2), np.eye(2))
    assert np.allclose(d.evaluate({"X": x}), want)
    assert np.allclose(d.compile()(X=x), want)
    assert str(d) == "∂F[p,q]/∂X[m,n] = 7·δ[p,m]·δ[q,n]"


def test_index_factors_hold_nodes_and_look_alikes_print_with_sizes() -> None:
    """Factors are typed (they hold nodes); names are given when printing: two nodes
    that print alike both print with their sizes."""
    from matdiff.calculus.index import IndexForm
    from matdiff.indexing import Term, delta, tensor
    three, four = (matdiff.parse(f"sum(vector(1, {n}))") for n in (3, 4))
    terms = [Term(1.0, [delta("p", "m"), tensor(three)]), Term(1.0, [delta("p", "m"), tensor(four)])]
    form = IndexForm("F", ("p",), "x", (("m",),), terms)
    assert str(form) == "∂F[p]/∂x[m] = δ[p,m]·sum(vector(1, 3)) + δ[p,m]·sum(vector(1, 4))"
    assert form.latex().count(r"\texttt") == 2


@pytest.mark.parametrize("wrt", ["A", "X"])
def test_generated_code_refuses_where_evaluate_does(wrt: str) -> None:
    """logm at an X with a negative eigenvalue has no real value: evaluate() and the
    generated code both refuse (once the code returned complex128, or the real part)."""
    d = matdiff.derivative("tr(A*logm(X))", wrt=wrt)
    values = {"A": np.eye(2), "X": np.diag([-1.0, 2.0])}
    with pytest.raises(matdiff.DomainError):
        d.evaluate(values)
    with pytest.raises(matdiff.DomainError):
        d.compile()(**values)
    fine = {"A": np.eye(2), "X": np.array([[2.0, 1.0], [0.0, 3.0]])}
    assert np.allclose(d.compile()(**fine), d.evaluate(fine))


@pytest.mark.parametrize("expr", ["tr(X^k)", "X^k", "sum(sigma(j, 0, k, x))*x"])
@pytest.mark.parametrize("k", [0, 1, 3])
def test_integer_symbols_are_parameters_and_empty_sums_are_zeros(expr: str, k: int) -> None:
    """X^k compiles with k a keyword (once a TypeError); at k = 0 an empty sum is an array
    of zeros of the right shape (once the integer 0)."""
    wrt = "x" if "x" in expr else "X"
    d = matdiff.derivative(expr, wrt=wrt, shapes={"X": (2, 2), "x": (2,)})
    values = {"X": np.array([[1.0, 2.0], [3.0, 4.0]]) / 5, "x": np.array([0.5, -1.0]), "k": k}
    want = d.evaluate(values)
    got = d.compile()(**values)
    assert np.shape(got) == want.shape and np.allclose(got, want)


@pytest.mark.parametrize("backend", BACKENDS)
def test_numbers_are_folded_and_a_zero_gradient_is_an_array(backend: str) -> None:
    """exp(1)*L once called torch.exp on a Python number; value_and_grad of tr(sign(N))
    once returned the integer 0 for its gradient."""
    def arr(v: np.ndarray) -> object:
        if backend == "torch":
            import torch
            return torch.tensor(v)
        return v
    d = matdiff.derivative("exp(1)*sum(L)", wrt="L", shapes={"L": (2,)})
    assert "exp(1" not in d.code(backend).split("\"\"\"")[-1]
    assert np.allclose(np.asarray(d.compile(backend)(L=arr(np.ones(2)))), np.e)
    value, grad = matdiff.value_and_grad("tr(sign(N))", wrt="N", backend=backend)(N=arr(np.eye(2)))
    assert np.shape(grad) == (2, 2) and not np.any(np.asarray(grad))


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_an_oversized_dense_tensor_is_refused_before_it_is_allocated(backend: str) -> None:
    """The logdet Hessian at 80×80 has 41 million entries: refused with the way out named;
    the module states its limit as MAX_ENTRIES, for its reader to raise."""
    d = matdiff.derivative("logdet(X)", wrt="X", order=2)
    source = d.code(backend)
    assert "MAX_ENTRIES = 33_554_432" in source
    x = np.eye(80)
    if backend == "torch":
        import torch
        x = torch.eye(80, dtype=torch.float64)
    with pytest.raises(ValueError, match="more than MAX_ENTRIES"):
        d.compile(backend)(X=x)
    namespace: dict = {}
    exec(compile(source.replace("MAX_ENTRIES = 33_554_432", "MAX_ENTRIES = 10 ** 8"), "<m>", "exec"), namespace)
    assert namespace["d2_dX"](X=np.eye(80) if backend == "numpy" else x).shape == (80, 80, 80, 80)


def test_an_oversized_tensor_from_directions_is_refused() -> None:
    d = matdiff.derivative("expm(X)", wrt="X")
    with pytest.raises(matdiff.MatdiffError, match="entries"):
        d.compile()(X=np.eye(80) * 0.1)


def _agrees_with_numpy(expr: str, order: int, backend: str, values: dict) -> None:
    """The compiled derivative by X in ``backend`` (float64) equals NumPy's evaluate."""
    values = {k: v for k, v in values.items() if k in expr}
    d = matdiff.derivative(expr, wrt="X", order=order)
    want = d.evaluate(values)
    if backend == "torch":
        import torch
        got = d.compile(backend)(**{k: torch.tensor(v) for k, v in values.items()}).numpy()
    else:
        import jax
        with jax.enable_x64(True):
            got = np.asarray(d.compile(backend)(**values))
    assert np.allclose(got, want, atol=1e-8)


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("expr, order", [("tr(A*expm(X))", 1), ("expm(X)", 1), ("norm2(expm(X)*A)^2", 1),
                                         ("tr(A*expm(X))", 2), ("norm2(expm(X)*A)^2", 2),
                                         ("tr(A*expm(X))", 3)])
def test_frechet_expm_in_jax_and_torch(expr: str, order: int, backend: str) -> None:
    """Fréchet derivatives of expm of any order by the block identity: the top-right block
    of expm(I⊗X + Σ Nᵢ⊗Eᵢ)."""
    rng = np.random.default_rng(0)
    values = {"X": rng.standard_normal((3, 3)) / 2, "A": rng.standard_normal((3, 3))}
    _agrees_with_numpy(expr, order, backend, values)


def test_a_frechet_derivative_a_backend_lacks_is_refused_by_name() -> None:
    with pytest.raises(matdiff.MatdiffError, match="of order 5 of expm has no jax form"):
        matdiff.derivative("tr(A*expm(X))", wrt="X", order=5).code("jax")


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("expr, order", [("sqrtm(X)", 1), ("logm(X)", 1), ("tr(A*sqrtm(X))", 2),
                                         ("tr(A*logm(X))", 2), ("norm2(logm(X))^2", 2)])
def test_sqrtm_and_logm_in_jax_and_torch(expr: str, order: int, backend: str) -> None:
    """sqrtm (Denman–Beavers) and logm (inverse scaling and squaring) where the library has
    none, and their Fréchet derivatives by the block identity, against NumPy (float64)."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 3))
    values = {"X": a @ a.T + np.eye(3), "A": rng.standard_normal((3, 3))}
    _agrees_with_numpy(expr, order, backend, values)


def test_sqrtm_without_a_real_root_is_nan_in_jax_never_a_number() -> None:
    import jax.numpy as jnp
    f = matdiff.derivative("tr(A*sqrtm(X))", wrt="A").compile("jax")
    assert np.isnan(np.asarray(f(X=jnp.diag(jnp.array([-1.0, 2.0, 3.0])), A=jnp.eye(3)))).all()


def test_a_nested_function_of_numbers_is_one_number_in_torch() -> None:
    """exp(exp(1/8)/4) is folded to its value, never torch.exp of a Python float (once a
    TypeError in the tensor path)."""
    import torch
    d = matdiff.derivative("exp(exp(0.5/4)/4)*(a*A)", wrt="A", shapes={"A": (3, 3)})
    assert "torch.exp(" not in d.code("torch")
    got = d.compile("torch")(A=torch.ones(3, 3, dtype=torch.float64), a=torch.tensor(2.0, dtype=torch.float64))
    assert np.allclose(got.numpy(), d.evaluate({"A": np.ones((3, 3)), "a": 2.0}))
