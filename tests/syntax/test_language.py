"""The language people type: textbook transposes, MatrixCalculus.org's functions, other
notations read or refused with the spelling to use, and first-letter types explained."""
from __future__ import annotations

import dataclasses

import re
from pathlib import Path

import numpy as np
import pytest

import matdiff
from matdiff.render.reference import function_reference
from numeric import check

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("text, same", [
    ("tr(X^T*A*X)", "tr(X'*A*X)"), ("x^T*A*x", "x'*A*x"), ("Xᵀ*A", "X'*A"), ("X.T*A", "X'*A"),
    ("(A*B)^T", "(A*B)'"), ("A@B", "A*B"), ("trace(X)", "tr(X)"), ("X.^T", "X.^T"),
])
def test_notations_read_with_their_one_meaning(text: str, same: str) -> None:
    assert matdiff.parse(text) == matdiff.parse(same)


def test_textbook_transpose_is_never_a_matrix_power() -> None:
    d = matdiff.derivative("tr(X^T*A*X)", wrt="X")
    assert str(d) == str(matdiff.derivative("tr(X'*A*X)", wrt="X"))
    assert "T" not in d.expr.variables() and "sigma" not in str(d)


def _table(path: Path, heading: str) -> list[list[str]]:
    text = path.read_text()
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        if line.startswith("| `"):
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append(cells)
    return rows


def _ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_how_to_table_in_the_docs_is_what_the_engine_does() -> None:
    """Every row of docs/language.md's "How to write … in matdiff": a notation read is the
    same expression as the matdiff spelling; one refused names the spelling to use."""
    rows = _table(DOCS / "language.md", "## How to write … in matdiff")
    assert len(rows) >= 12
    tried = 0
    for other, ours, what in rows:
        notations = _ticked(other)
        if not re.fullmatch(r"(`[^`]+`(, )?)+( \(elementwise\))?", other):
            continue
        tried += 1
        if what.startswith("reads"):
            for text in notations:
                assert matdiff.parse(text) == matdiff.parse(_ticked(ours)[0]), text
            continue
        named = _ticked(what)
        spellings = _ticked(ours)
        for i, text in enumerate(notations):
            with pytest.raises(matdiff.MatdiffError) as e:
                matdiff.parse(text)
            mine = [spellings[i]] if len(spellings) == len(notations) else []
            assert any(n.rstrip("…") in str(e.value) for n in mine + named), (text, str(e.value))
    assert tried >= 12


@pytest.mark.parametrize("text", ["||x||^2", "2x", "x y", "2(x + y)", "x**2", "θ'*x", "X²",
                                  "dot(x, y)", "ln(x)", "asin(x)", "X.inv()"])
def test_refusals_say_where_and_how(text: str) -> None:
    with pytest.raises(matdiff.ParseError if text not in ("dot(x, y)", "ln(x)", "asin(x)")
                       else matdiff.UnknownNameError) as e:
        matdiff.parse(text)
    assert e.value.pos is not None and "^" in str(e.value)


def test_first_letter_types_are_explained_with_the_declaration() -> None:
    with pytest.raises(matdiff.ShapeError) as e:
        matdiff.derivative("x'*(t*B+C)*x", wrt="t")
    message = str(e.value)
    assert "t is a vector because of its first letter" in message
    assert "shapes={'t': ()}" in message and "--shape t=scalar" in message
    assert "B is" not in message  # only the name that can be the cause
    d = matdiff.derivative("x'*(t*B+C)*x", wrt="t", shapes={"t": ()})
    assert str(d) == "x'*B*x"


def test_arity_errors_carry_no_shape_hint() -> None:
    with pytest.raises(matdiff.ArityError) as e:
        matdiff.parse("dexpm(X, A, B)")
    assert "first letter" not in str(e.value)


ARC = [("arcsin(x)", {"x": "small"}), ("arccos(x)", {"x": "small"}), ("arctan(x)", {}),
       ("log1p(x)", {"x": "positive"})]


@pytest.mark.parametrize("expr, domains", ARC)
def test_new_elementwise_functions_are_right(expr: str, domains: dict) -> None:
    check(expr, "x", {"x": (3,)}, domains, order=2)


@pytest.mark.parametrize("expr, outside", [("arcsin(x)", 2.0), ("arccos(x)", -1.5), ("log1p(x)", -2.0)])
def test_new_functions_refuse_points_outside_their_domain(expr: str, outside: float) -> None:
    with pytest.raises(matdiff.DomainError):
        matdiff.evaluate(expr, {"x": np.array([0.1, outside])})
    with pytest.raises(matdiff.DomainError):  # the derivative of arcsin at 1 is infinite
        matdiff.derivative("sum(arcsin(x))", wrt="x").evaluate({"x": np.array([1.0])})


def test_new_functions_have_all_backends() -> None:
    import torch
    x = np.array([0.1, -0.3, 0.5])
    for expr, _ in ARC:
        d = matdiff.derivative(f"sum({expr})", wrt="x")
        want = d.evaluate({"x": x})
        for backend, arg in (("numpy", x), ("jax", x), ("torch", torch.tensor(x))):
            assert np.allclose(np.asarray(d.compile(backend)(x=arg)), want), (expr, backend)


def test_det_gradient_is_the_adjugate() -> None:
    """Cookbook (49): ∂det(X)/∂X = det(X) X⁻ᵀ = adj(X)ᵀ, which stays defined at singular X."""
    d = matdiff.derivative("det(X)", wrt="X")
    assert str(d) == "adj(X)'"
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 4))
    assert np.allclose(d.evaluate({"X": x}), np.linalg.det(x) * np.linalg.inv(x).T)
    singular = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0]) + np.outer([0.0, 1.0, 0.0], [1.0, 1.0, 0.0])
    assert np.linalg.matrix_rank(singular) == 2
    got = d.evaluate({"X": singular})
    moved = [np.linalg.det(singular + 1e-6 * e.reshape(3, 3)) / 1e-6 for e in np.eye(9)]
    assert np.allclose(got.reshape(-1), moved, atol=1e-5)
    assert np.allclose(matdiff.evaluate("adj(X)*X", {"X": x}), np.linalg.det(x) * np.eye(4))


def test_unconstrained_gradient_prints_as_text() -> None:
    d = matdiff.derivative("x'*A*x", wrt="A", assume={"A": "symmetric"})
    assert str(d.unconstrained) == "x*x'"
    assert str(matdiff.parse("A*x")) == "A*x"


def test_function_reference_is_current_and_complete() -> None:
    """docs/functions.md is generated from the op declarations; every function of the
    language is in it with a derivative rule and a domain."""
    text = function_reference()
    assert (DOCS / "functions.md").read_text() == text, \
        "regenerate: python -m matdiff.render.reference > docs/functions.md"
    for name in ("arcsin", "arccos", "arctan", "adj", "log1p", "det", "expm", "sigma", "kron"):
        assert f"`{name}(" in text
    rows = _table(DOCS / "functions.md", "## Functions")
    assert all(len(r) == 4 and r[2] and r[3] for r in rows)


def test_the_numeric_check_still_catches_a_slightly_wrong_derivative() -> None:
    """The check's tolerance follows the finite differences' noise, but a derivative off
    by 1e-4 (relative) is caught, beside a large constant too."""
    from matdiff.check import check as numeric_check
    from matdiff.expr import const
    from matdiff.ops.arithmetic import scale
    for text in ("x'*x", "x'*x + 1e3"):
        d = matdiff.derivative(text, wrt="x")
        assert numeric_check(d).ok
        off = scale(const(1 + 1e-4), d.result.matrix)
        wrong = dataclasses.replace(d.result, matrix=off, form=off)
        assert not numeric_check(wrong).ok, text
