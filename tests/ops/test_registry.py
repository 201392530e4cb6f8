"""Every op is declared once with every fact (or a reason for the fact it lacks), prints
in a form that parses back, runs on the three backends, and has a numeric test row."""
from __future__ import annotations

import numpy as np
import pytest

import matdiff
import matdiff.codegen  # noqa: F401  (declares the optimizer's ops)
from matdiff.expr import COSTS, OPS, Absent, Op, Surface, surfaces
from matdiff.syntax.parser import ARITY
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
    assert isinstance(op.surface, (Surface, Absent)) or (
        isinstance(op.surface, tuple) and all(isinstance(s, Surface) for s in op.surface)), \
        "a spelling in the language or a reason"
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


#: Every call of the language: the op, its surface and one of its forms.
FORMS = [(op, surface, form) for op in OPS for surface in surfaces(op) for form in surface.forms]
FORM_IDS = [f"{surface.name}/{len(form)}" for _, surface, form in FORMS]

#: For the calls whose arguments are not square matrices: an expression using it, with shapes.
SPELLED = {
    ("softmax", 1): ("softmax(x)", {"x": (3,)}),
    ("unvec", 3): ("unvec(v, 2, 3)", {"v": (6,)}),
    ("kron_l", 4): ("kron_l(A, C, 2, 3)", {"A": (2, 2), "C": (4, 6)}),
    ("kron_l", 3): ("kron_l(A, C, 3)", {"A": (2, 2), "C": (6, 2)}),
    ("kron_r", 4): ("kron_r(C, B, 2, 2)", {"B": (2, 3), "C": (4, 6)}),
    ("kron_r", 3): ("kron_r(C, B, 2)", {"B": (2, 3), "C": (4, 3)}),
    ("commutation", 2): ("commutation(2, 3)*v", {"v": (6,)}),
    ("vector", 1): ("x .* vector(a)", {"a": (), "x": (3,)}),
    ("vector", 2): ("vector(a, 3)", {"a": ()}),
    ("matrix", 1): ("X .* matrix(a)", {"a": (), "X": (3, 3)}),
    ("matrix", 3): ("matrix(a, 2, 3)", {"a": ()}),
    ("eye", 0): ("X + eye", {"X": (3, 3)}),
    ("eye", 1): ("X + eye(3)", {"X": (3, 3)}),
    ("len", 1): ("len(x)*x", {"x": (3,)}),
    ("sigma", 4): ("sigma(j, 0, 2, X^j)", {"X": (3, 3)}),
    ("unit", 2): ("x'*unit(1, 3)", {"x": (3,)}),
}


def _spelled(surface: Surface, form: str) -> tuple[str, dict]:
    if (surface.name, len(form)) in SPELLED:
        return SPELLED[surface.name, len(form)]
    return f"{surface.name}(" + ", ".join({"v": "X", "d": "1"}[k] for k in form) + ")", {"X": (3, 3)}


def _values(op: Op, shapes: dict, seed: int) -> dict[str, np.ndarray]:
    """Inputs from the op's domain (positive where that domain needs a square matrix the
    shape is not)."""
    rng = np.random.default_rng(seed)
    square = op.sample in ("spd", "nonsingular")
    return {k: sample(v, op.sample if not square or (len(v) == 2 and v[0] == v[1]) else "positive", rng)
            for k, v in shapes.items()}


@pytest.mark.parametrize("op, surface, form", FORMS, ids=FORM_IDS)
def test_every_call_prints_in_a_form_that_parses_back(op: Op, surface: Surface, form: str) -> None:
    expr, shapes = _spelled(surface, form)
    node = matdiff.parse(expr, shapes=shapes)
    assert any(n.op is op for n in node.walk())
    again = matdiff.parse(str(node), shapes=shapes)
    values = _values(op, shapes, 0)
    assert np.allclose(matdiff.evaluate(again, values), matdiff.evaluate(node, values))


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("op, surface, form", FORMS, ids=FORM_IDS)
def test_every_call_runs_on_every_backend(op: Op, surface: Surface, form: str, backend: str) -> None:
    expr, shapes = _spelled(surface, form)
    variable = next(iter(shapes))
    scalar = matdiff.parse(expr, shapes=shapes).shape.is_scalar
    d = matdiff.derivative(expr if scalar else f"sum({expr})", wrt=variable, shapes=shapes)
    values = _values(op, shapes, 1)
    want = d.evaluate(values)
    if backend == "torch":
        import torch
        got = d.compile(backend)(**{k: torch.as_tensor(v) for k, v in values.items()}).numpy()
    else:
        got = np.asarray(d.compile(backend)(**values))
    assert np.allclose(got, want, rtol=1e-5, atol=1e-6)


def test_every_call_is_declared_once_by_name_and_count() -> None:
    """The parser reads its calls from the declarations: one op for each name and number
    of arguments, and no name outside them."""
    seen = [(surface.name, len(form)) for _, surface, form in FORMS]
    assert len(seen) == len(set(seen))
    assert set(ARITY) == {name for name, _ in seen}


@pytest.mark.parametrize("op, surface, form", [f for f in FORMS if f[0].sign is not None],
                         ids=[i for f, i in zip(FORMS, FORM_IDS) if f[0].sign is not None])
def test_a_declared_sign_holds(op: Op, surface: Surface, form: str) -> None:
    """Op.sign (1: positive, 0: nonnegative) holds on random inputs from the op's domain."""
    expr, shapes = _spelled(surface, form)
    for seed in range(3):
        values = _values(op, shapes, seed)
        got = np.asarray(matdiff.evaluate(expr, values))
        assert (got > 0).all() if op.sign == 1 else (got >= 0).all(), (expr, got)
