"""Every op is declared once with every fact (or a reason for the fact it lacks), prints
in a form that parses back, runs on the three backends, and has a numeric test row."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
import matdiff.codegen  # noqa: F401  (declares the optimizer's ops)
from matdiff.expr import COSTS, OPS, Absent, Op, Surface
from matdiff.ops import arithmetic as ar
from numeric import SAMPLERS, sample
from cases import CASES

LINEAR = (ar._jvp_linear, ar._jvp_bilinear)
#: Ops that are constants or leaves: they have no jvp of their own.
CONSTANT = {"var", "hole", "const", "eye", "commutation", "unit"}


def _generated_only(op: Op) -> bool:
    return isinstance(op.surface, Absent) and op.surface.why.startswith("generated code only")


def _reason(op: Op, fact: str) -> str | None:
    """Why ``fact`` may be None for ``op``: a rule that holds for every op of its kind, or
    the reason the op declares."""
    declared = dict(op.lacks)
    if fact in declared:
        return declared[fact]
    if _generated_only(op):
        return "an optimizer form: it never reaches the calculus or the printer"
    if fact == "jvp" and op.name in CONSTANT:
        return "a constant or a leaf (linearize handles leaves)"
    linear = op.jvp in LINEAR
    if fact == "vjp" and not linear:
        return "not linear in an argument: reverse mode transposes its jvp"
    if fact in ("index", "kron") and not linear:
        return "not linear: in an index form it is a named tensor; no direction passes through it"
    if fact == "latex" and op.name.isalpha():
        return r"the default \operatorname{name}(args) reads right"
    return None


@pytest.mark.parametrize("op", OPS, ids=[o.name for o in OPS])
def test_every_op_declares_every_fact(op: Op) -> None:
    assert op.shape is not None and op.lower is not None and op.syntax is not None
    assert op.doc.strip(), "a doc line"
    assert op.domain.strip()
    assert op.cost in COSTS
    assert op.sample in SAMPLERS, f"sample {op.sample!r} is not one of the tests' samplers"
    assert isinstance(op.source, (str, Absent)) or callable(op.source), "a source template or a reason"
    assert isinstance(op.surface, (Surface, Absent)), "a spelling in the language or a reason"
    for fact in ("jvp", "vjp", "latex", "index", "kron"):
        if getattr(op, fact) is None:
            assert _reason(op, fact), f"{op.name} lacks {fact} without a reason (Op.lacks)"
    for fact, why in op.lacks:
        assert getattr(op, fact) is None, f"{op.name} declares {fact} and a reason for lacking it"
        assert why.strip()


def _ops_in(expr: str, shapes: dict) -> set[Op]:
    """The ops of an expression and of its derivatives by each variable."""
    node = matdiff.parse(expr, shapes=shapes)
    found = {n.op for n in node.walk()}
    for wrt in shapes:
        if wrt not in expr:
            continue
        d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
        for form in (d.form, d.matrix, d.gradient):
            if form is not None:
                found |= {n.op for n in form.walk()}
        k = d.kron()
        if k is not None:
            found |= {n.op for n in k.matrix.walk()}
    return found


def test_every_op_has_a_numeric_test_row() -> None:
    """Each op occurs in tests/ops/test_ops.py (checked by finite differences there), in an
    expression or in one of its derivatives; the generated-code forms are checked by the
    codegen tests."""
    seen: set[Op] = set()
    for expr, shapes, _ in CASES:
        seen |= _ops_in(expr, shapes)
    missing = [op.name for op in OPS if op not in seen and not _generated_only(op)
               and op.name not in ("abstract", "sigma", "elem", "unit", "powsym")]
    assert not missing, f"ops without a row in tests/ops/test_ops.py: {missing}"


def test_every_restricted_domain_is_sampled_by_a_row() -> None:
    used = {d for _, _, domains in CASES for d in domains.values()}
    wanted = {op.sample for op in OPS} - {"real"}
    assert wanted <= used


#: For each op the language spells: an expression using it, with shapes.
SPELLED = {
    "softmax": ("softmax(x)", {"x": (3,)}),
    "unvec": ("unvec(v, 2, 3)", {"v": (6,)}),
    "kron_l": ("kron_l(A, C, 2, 3)", {"A": (2, 2), "C": (4, 6)}),
    "kron_r": ("kron_r(C, B, 2, 2)", {"B": (2, 3), "C": (4, 6)}),
    "commutation": ("commutation(2, 3)*v", {"v": (6,)}),
}


def _values(op: Op, shapes: dict, seed: int) -> dict[str, np.ndarray]:
    """Inputs from the op's domain (positive where that domain needs a square matrix the
    shape is not)."""
    rng = np.random.default_rng(seed)
    square = op.sample in ("spd", "nonsingular")
    return {k: sample(v, op.sample if not square or (len(v) == 2 and v[0] == v[1]) else "positive", rng)
            for k, v in shapes.items()}


@pytest.mark.parametrize("op", [o for o in OPS if isinstance(o.surface, Surface)],
                         ids=[o.name for o in OPS if isinstance(o.surface, Surface)])
def test_every_spelled_op_prints_in_a_form_that_parses_back(op: Op) -> None:
    surface = op.surface
    assert isinstance(surface, Surface)
    expr, shapes = SPELLED.get(surface.name, (f"{surface.name}(" + ", ".join(["X"] * surface.values) + ")",
                                              {"X": (3, 3)}))
    node = matdiff.parse(expr, shapes=shapes)
    assert any(n.op is op for n in node.walk())
    again = matdiff.parse(str(node), shapes=shapes)
    values = _values(op, shapes, 0)
    assert np.allclose(matdiff.evaluate(again, values), matdiff.evaluate(node, values))


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("op", [o for o in OPS if isinstance(o.surface, Surface)],
                         ids=[o.name for o in OPS if isinstance(o.surface, Surface)])
def test_every_spelled_op_runs_on_every_backend(op: Op, backend: str) -> None:
    surface = op.surface
    assert isinstance(surface, Surface)
    expr, shapes = SPELLED.get(surface.name, (f"{surface.name}(" + ", ".join(["X"] * surface.values) + ")",
                                              {"X": (3, 3)}))
    variable = next(iter(shapes))
    d = matdiff.derivative(f"sum({expr})" if surface.name not in ("tr", "det", "logdet", "norm1", "norm2",
                                                                    "logsumexp") else expr,
                           wrt=variable, shapes=shapes)
    values = _values(op, shapes, 1)
    want = d.evaluate(values)
    if backend == "torch":
        import torch
        got = d.compile(backend)(**{k: torch.as_tensor(v) for k, v in values.items()}).numpy()
    else:
        got = np.asarray(d.compile(backend)(**values))
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6)
