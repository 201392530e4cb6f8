"""The example notebook runs top to bottom, and a derivative displays as math."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

import matdiff

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def test_example_notebook_executes() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("text/html" in o.get("data", {}) and "<math" in o["data"]["text/html"] for o in outputs)


def test_rich_display() -> None:
    d = matdiff.derivative("x'*A*x", wrt="x")
    assert d._repr_latex_().startswith("$$\\frac")
    assert "<math" in d._repr_html_() and "(A + A&#x27;)*x" in d._repr_html_()
