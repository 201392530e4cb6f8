"""explain(): the derivation by the differential approach. Every step is a chain of
equal sides once each name (U, dU, e1, df…) is replaced by what it stands for, at
random inputs and a random direction dX; names are the user's or named cut points,
never clashing with the user's variables; LaTeX and MathML render."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import latex2mathml.converter
import numpy as np
import pytest

import matdiff
from matdiff.explain.derivation import Link, Shown
from matdiff.calculus.jacobian import substitute
from matdiff.evaluate import EvalContext, bind, run
from matdiff.expr import HOLE, Node
from numeric import draw

CASES = [
    ("norm2(X'*W)^2", "W", {"X": (4, 3), "W": (4, 2)}, {}),
    ("norm2(Y)^2 where Y = X'*W", "X", {"X": (4, 3), "W": (4, 2)}, {}),
    ("tr(A*X*B)", "X", {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, {}),
    ("sum(log(exp(-y.*(X*w)) + 1))", "w", {"X": (5, 3), "w": (3,), "y": (5,)}, {}),
    ("norm2(tanh(B*tanh(A*x+b)+c)-y)^2", "A",
     {"x": (4,), "A": (3, 4), "b": (3,), "B": (2, 3), "c": (2,), "y": (2,)}, {}),
    ("logdet(X) + tr(inv(X)*A)", "X", {"X": (3, 3), "A": (3, 3)}, {"X": "spd"}),
    ("tr(expm(X)*A)", "X", {"X": (3, 3), "A": (3, 3)}, {}),
    ("x'*A*x", "x", {"x": (3,), "A": (3, 3)}, {}),
    ("tr((X'*X)^2)", "X", {"X": (4, 3)}, {}),
    ("-sum(Y.*log(softmax(W*X + b, 1)))", "W", {"W": (3, 4), "X": (4, 5), "b": (3,), "Y": (3, 5)}, {}),
    ("sum(G.*(softmax(Q*K'/c, 2)*V))", "Q", {"Q": (3, 2), "K": (4, 2), "V": (4, 3), "G": (3, 3), "c": ()},
     {}),
    ("x'*(t*B + C)*x", "t", {"x": (3,), "t": (), "B": (3, 3), "C": (3, 3)}, {}),
    ("tr(G'*sigma(k, 0, 3, p[k]*X^k))", "X", {"X": (3, 3), "G": (3, 3), "p": (4,)}, {}),
]


def _value(side: object, meaning: dict, values: dict, direction: np.ndarray) -> np.ndarray | None:
    """A side's value (a Frobenius sum G:D as sum(G.*D)); None for index notation."""
    if isinstance(side, Shown):
        return None
    terms = [(side, None)] if isinstance(side, Node) else list(side)  # type: ignore[arg-type]
    total = 0.0
    for g, d in terms:
        parts = [run_with(n, meaning, values, direction) for n in (g, d) if n is not None]
        total = total + (parts[0] if len(parts) == 1 else np.sum(parts[0] * parts[1]))
    return np.asarray(total)


def run_with(node: Node, meaning: dict, values: dict, direction: np.ndarray) -> np.ndarray:
    for _ in range(8):  # names may stand for expressions in other names
        for name, means in meaning.items():
            node = substitute(node, name, means)
    sizes, arrays = bind(node.variables(), values)
    ctx = EvalContext(sizes, arrays)
    for n in node.walk():
        if n.op is HOLE:
            ctx.leaves[n] = direction
    return run(node, ctx)


@pytest.mark.parametrize("expr, wrt, shapes, domains", CASES, ids=[c[0] for c in CASES])
def test_every_step_holds(expr: str, wrt: str, shapes: dict, domains: dict) -> None:
    d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
    ex = d.explain()
    rng = np.random.default_rng(9)
    values = draw(shapes, domains, rng)
    direction = rng.standard_normal(shapes[wrt])
    checked = 0
    for step in ex.steps:
        assert isinstance(step, Link), "the differential approach applies"
        sides = [v for v in (_value(s, ex.meaning, values, direction) for s in step.sides) if v is not None]
        for a, b in zip(sides, sides[1:]):
            assert np.allclose(np.broadcast_to(b, np.shape(a)), a, rtol=1e-8, atol=1e-10), step.text()
            checked += 1
    assert checked >= 2
    last = next(s for s in reversed(ex.steps) if s.why == "the gradient")
    assert np.allclose(_value(last.sides[-1], ex.meaning, values, direction), d.evaluate(values))


def test_explanation_reads_like_a_textbook() -> None:
    lines = [line.split("   (")[0] for line in
             str(matdiff.derivative("norm2(X'*W)^2", wrt="W", shapes={"X": (4, 3), "W": (4, 2)})
                 .explain()).splitlines()]
    assert lines == ["1. U = X'*W", "2. f = norm2(U)^2", "3. dU = X'*dW",
                     "4. df = 2*U:dU = 2*U:X'*dW = 2*X*U:dW", "5. ∂f/∂W = 2*X*U = 2*X*X'*W",
                     "6. ∂f/∂W[m,n] = Σ_i,j ∂f/∂U[i,j]*∂U[i,j]/∂W[m,n] = (2*X*U)[m,n]   "
                     "# ∂f/∂U (3x2) and ∂U/∂W (3x2x4x2)"]


def test_the_users_names_are_used_and_machine_names_never_clash() -> None:
    text = str(matdiff.derivative("norm2(Y)^2 where Y = X'*W", wrt="W").explain())
    assert "Y = X'*W" in text and "2*X*Y:dW" in text and "U" not in text
    for expr in ("norm2(U*V - T)^2", "sum(G.*tanh(U*X))"):
        names = [line.split(". ", 1)[1].split(" = ")[0] for line in
                 str(matdiff.derivative(expr, wrt="U").explain()).splitlines()]
        made = {n for n in names if n.isidentifier()} - {"f", "U", "V", "T", "G", "X"}
        assert not any(n[0] in "UVTGX" and n[1:].isdigit() for n in made), names


def test_tensors_end_with_their_kronecker_and_index_forms() -> None:
    text = str(matdiff.derivative("X*y", wrt="X", shapes={"X": (3, 3), "y": (3, 2)}).explain())
    assert "dF = dX*y" in text and "dvec(F)/dvec(X) = kron(y', eye(3))" in text
    assert text.splitlines()[-1].startswith("4. ∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]")


def test_a_hessian_is_derived_from_the_gradient() -> None:
    lines = str(matdiff.derivative("x'*A*x", wrt="x", order=2).explain()).splitlines()
    assert lines[-2].startswith("3. d(∂f/∂x) = (A + A')*dx") and lines[-1].startswith("4. ∂²f/∂x² = A + A'")


def test_a_scalar_variable_gets_no_indices() -> None:
    text = str(matdiff.derivative("x'*(t*B + C)*x", wrt="t", shapes={"t": ()}).explain())
    assert "[m,n]" not in text and "x'*B*x" in text


@pytest.mark.parametrize("expr, wrt", [("norm2(X'*W)^2", "W"), ("X*y", "X"), ("x'*A*x", "x"),
                                       ("tr(expm(X)*A)", "X")])
def test_explanation_latex_has_one_line_per_step(expr: str, wrt: str) -> None:
    ex = matdiff.derivative(expr, wrt=wrt).explain()
    tex = ex.latex()
    assert tex.startswith(r"\begin{aligned}") and "&=" in tex
    body = tex.removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
    assert len(body.split(r" \\ ")) == len(ex.steps)
    latex2mathml.converter.convert(tex)


@pytest.mark.parametrize("expr, wrt, order, latex", [
    ("norm2(X'*W)^2", "W", 1, r"\frac{\partial f}{\partial W} = 2 X {X}^{\top} W"),
    ("tr(A*X*B)", "X", 1, r"\frac{\partial f}{\partial X} = {A}^{\top} {B}^{\top}"),
    ("x'*A*x", "x", 1, r"\frac{\partial f}{\partial x} = \left(A + {A}^{\top}\right) x"),
    ("det(X)", "X", 1, r"\frac{\partial f}{\partial X} = {\operatorname{adj}\left(X\right)}^{\top}"),
    ("x'*A*x", "x", 2, r"\frac{\partial^{2} f}{\partial x \partial x} = A + {A}^{\top}"),
])
def test_latex_golden(expr: str, wrt: str, order: int, latex: str) -> None:
    assert matdiff.derivative(expr, wrt=wrt, order=order).latex() == latex


@pytest.mark.parametrize("expr, wrt", [("norm2(X'*W)^2", "W"), ("X*y", "X"), ("expm(X)", "X")])
def test_mathml_is_well_formed(expr: str, wrt: str) -> None:
    root = ET.fromstring(matdiff.derivative(expr, wrt=wrt).mathml())
    assert root.tag.endswith("math")


def test_the_conventions_page_shows_real_output() -> None:
    from pathlib import Path
    page = (Path(__file__).parents[2] / "docs" / "conventions.md").read_text()
    d = matdiff.derivative("norm2(X'*W)^2", wrt="W", shapes={"X": (4, 3), "W": (4, 2)})
    assert str(d.explain()) in page


def test_the_index_wise_chain_rule_is_an_option() -> None:
    d = matdiff.derivative("norm2(A*x - y)^2", wrt="x", shapes={"A": (3, 4)})
    assert "Σ" not in str(d.explain()) and "Σ_i ∂f/∂r[i]*∂r[i]/∂x[m]" in str(d.explain(index_chain=True))
    assert "Σ" not in str(matdiff.derivative("norm2(X'*W)^2", wrt="W").explain(index_chain=False))
