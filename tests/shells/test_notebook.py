"""The example notebook runs top to bottom, and a derivative displays as math."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import matdiff

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


def test_example_notebook_executes() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) and "<math" in o["data"]["text/html"] for o in outputs)
    latex = [o["data"]["text/latex"] for o in outputs if "text/latex" in o.get("data", {})]
    assert any(t.startswith("$$\\begin{aligned}") for t in latex), "the explanation displays as math"
    assert not any("Explanation(steps=" in o.get("data", {}).get("text/plain", "") for o in outputs)


def test_rich_display() -> None:
    d = matdiff.derivative("x'*A*x", wrt="x")
    assert d._repr_latex_().startswith("$$\\frac")
    assert "<math" in d._repr_html_() and "(A + A&#x27;)*x" in d._repr_html_()


def test_an_explanation_displays_as_math_not_as_a_dump() -> None:
    e = matdiff.derivative("norm2(X'*W)^2", wrt="W").explain()
    assert not repr(e).startswith("Explanation(steps=")
    latex = e._repr_latex_()
    assert latex.startswith("$$\\begin{aligned}")
    assert "∂" not in latex.replace("\\text{", "\n").split("\n")[0], "∂ outside \\text is written \\partial"
    assert r"\frac{\partial f}{\partial W}" in latex


def test_order_two_index_forms_in_latex_use_partial_powers() -> None:
    latex = matdiff.derivative("tr(X*A*X'*B)", wrt="X", order=2).latex()
    assert latex.startswith(r"\frac{\partial^{2} f}{\partial X_{mn} \partial X_{rs}}")
    assert "²" not in latex


@pytest.mark.parametrize("expr, wrt", [("sum(exp(A*x).*exp(A*x)) + log(sum(exp(A*x)))", "x"),
                                       ("sum(tanh(A*x + b).^2)", "x"),
                                       ("logdet(X'*X) + det(X'*X)", "X")])
def test_text_and_latex_name_the_same_subexpressions(expr: str, wrt: str) -> None:
    d = matdiff.derivative(expr, wrt=wrt)
    text, latex = str(d), d.latex()
    text_names = set(re.findall(r"\bT(\d+)\b", text))
    latex_names = set(re.findall(r"T_\{(\d+)\}", latex))
    assert text_names == latex_names
    assert "where" not in d.text(share=False) and "where" not in d.latex(share=False)
