"""Writes docs/layers.md, the backprop rules of common layers as matdiff prints them:
``python tests/layers_page.py > docs/layers.md`` (tests/shells/test_layers.py checks the page
is current and every gradient on it against JAX)."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import matdiff

INTRO = """# Backprop rules for common layers

Each gradient below is what `matdiff.derivative(expr, wrt=...)` prints, checked against
`jax.grad` in `tests/shells/test_layers.py`. A batch is a matrix whose columns are samples.
`sum(X, 1)` and `mean(X, 1)` reduce each column, `sum(X, 2)` and `mean(X, 2)` each row;
`softmax(Z, 1)` is the softmax of each column. In `+ - .* ./` a column vector (a bias `b`)
is added to every column and a row vector `v'` to every row, as in MATLAB; a scalar to
every entry. Names written `where Z = ...` are the user's; `T1`, `T2`, ... name
subexpressions that occur more than once.
"""


def _shapes(shapes: dict) -> str:
    return ", ".join(f"`{k}`: {'x'.join(map(str, v)) or 'scalar'}" for k, v in shapes.items())


def page(layers: Sequence[tuple]) -> str:
    lines = [INTRO]
    for name, expr, shapes, _, wrts in layers:
        lines += [f"## {name[0].upper()}{name[1:]}", "", "```", f"L = {expr}", "```", "",
                  f"Sizes used in the tests: {_shapes(shapes)}.", "", "```"]
        for w in wrts:
            lines.append(f"∂L/∂{w} = {matdiff.derivative(expr, wrt=w, shapes=shapes)}")
        lines += ["```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent / "shells"))
    from test_layers import LAYERS
    print(page(LAYERS), end="")
