"""explain(): every step is an equation that holds numerically once each name
(U1, dU1, G1, df…) is replaced by what it stands for; LaTeX and MathML render."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

import matdiff
from matdiff.calculus.jacobian import substitute
from matdiff.evaluate import EvalContext, bind, run
from matdiff.expr import HOLE, Node
from numeric import draw

CASES = [
    ("norm2(X'*W)^2", "W", {"X": (4, 3), "W": (4, 2)}, {}),
    ("tr(A*X*B)", "X", {"A": (2, 3), "X": (3, 4), "B": (4, 2)}, {}),
    ("sum(log(exp(-y.*(X*w)) + vector(1)))", "w", {"X": (5, 3), "w": (3,), "y": (5,)}, {}),
    ("norm2(tanh(B*tanh(A*x+b)+c)-y)^2", "A",
     {"x": (4,), "A": (3, 4), "b": (3,), "B": (2, 3), "c": (2,), "y": (2,)}, {}),
    ("logdet(X) + tr(inv(X)*A)", "X", {"X": (3, 3), "A": (3, 3)}, {"X": "spd"}),
    ("tr(expm(X)*A)", "X", {"X": (3, 3), "A": (3, 3)}, {}),
    ("x'*A*x", "x", {"x": (3,), "A": (3, 3)}, {}),
    ("tanh(A*x)", "x", {"x": (3,), "A": (2, 3)}, {}),
]


def _value(node: Node, meaning: dict, values: dict, direction: tuple[Node, np.ndarray]) -> np.ndarray:
    for name, means in meaning.items():
        node = substitute(node, name, means)
    sizes, arrays = bind(node.variables(), values)
    ctx = EvalContext(sizes, arrays)
    hole, e = direction
    ctx.leaves[hole] = e
    return run(node, ctx)


@pytest.mark.parametrize("expr, wrt, shapes, domains", CASES, ids=[c[0] for c in CASES])
def test_every_step_holds(expr: str, wrt: str, shapes: dict, domains: dict) -> None:
    d = matdiff.derivative(expr, wrt=wrt, shapes=shapes)
    ex = d.explain()
    rng = np.random.default_rng(9)
    values = draw(shapes, domains, rng)
    direction = rng.standard_normal(shapes[wrt])
    dx = next(n for n in ex.meaning.values() for n in n.walk() if n.op is HOLE)
    checked = 0
    for step in ex.steps:
        if step.lhs is None or step.rhs is None:
            continue
        lhs = _value(step.lhs, ex.meaning, values, (dx, direction))
        rhs = _value(step.rhs, ex.meaning, values, (dx, direction))
        assert np.allclose(np.broadcast_to(rhs, np.shape(lhs)), lhs, rtol=1e-9, atol=1e-10), step.text()
        checked += 1
    assert checked >= 3
    if d.expr.shape.is_scalar:
        assert ex.steps[-1].why == "simplified"
        assert np.allclose(_value(ex.steps[-1].rhs, {}, values, (dx, direction)), d.evaluate(values))


def test_explanation_reads_like_a_textbook() -> None:
    text = str(matdiff.derivative("norm2(X'*W)^2", wrt="W").explain())
    assert "dU1 = X'*dW" in text
    assert "index-wise chain rule" in text
    assert text.splitlines()[-1].endswith("G_W = 2*X*X'*W   (simplified)")


def test_explanation_latex() -> None:
    tex = matdiff.derivative("tr(A*X*B)", wrt="X").explain().latex()
    assert tex.startswith(r"\begin{aligned}") and "&=" in tex


@pytest.mark.parametrize("expr, wrt, order, latex", [
    ("norm2(X'*W)^2", "W", 1, r"\frac{\partial f}{\partial W} = 2 X {X}^{\top} W"),
    ("tr(A*X*B)", "X", 1, r"\frac{\partial f}{\partial X} = {A}^{\top} {B}^{\top}"),
    ("x'*A*x", "x", 1, r"\frac{\partial f}{\partial x} = \left({A}^{\top} + A\right) x"),
    ("det(X)", "X", 1, r"\frac{\partial f}{\partial X} = {\operatorname{adj}\left(X\right)}^{\top}"),
    ("x'*A*x", "x", 2, r"\frac{\partial^{2} f}{\partial x \partial x} = {A}^{\top} + A"),
])
def test_latex_golden(expr: str, wrt: str, order: int, latex: str) -> None:
    assert matdiff.derivative(expr, wrt=wrt, order=order).latex() == latex


@pytest.mark.parametrize("expr, wrt", [("norm2(X'*W)^2", "W"), ("X*y", "X"), ("expm(X)", "X")])
def test_mathml_is_well_formed(expr: str, wrt: str) -> None:
    root = ET.fromstring(matdiff.derivative(expr, wrt=wrt).mathml())
    assert root.tag.endswith("math")
