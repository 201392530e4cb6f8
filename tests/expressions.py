"""A hypothesis strategy for random well-typed expressions over the language.

Sizes are n = 1…5 (``shapes(n)``); every subexpression is typed as scalar ("s"), column vector
("v") or square matrix ("m"), and only built from ops that keep inputs inside
their domains (``inv(4*eye + sin(M))`` is always invertible, ``logm`` acts on
``4*eye + sin(M)`` whose eigenvalues have positive real parts).
"""
from __future__ import annotations

from hypothesis import strategies as st

SHAPES = {"A": (3, 3), "B": (3, 3), "x": (3,), "y": (3,), "a": (), "b": ()}


def shapes(n: int) -> dict[str, tuple[int, ...]]:
    """The variables' shapes with every size n."""
    return {k: (n,) * len(v) for k, v in SHAPES.items()}
LEAVES = {"s": ["a", "b", "0.5", "2"], "v": ["x", "y"], "m": ["A", "B"]}
SMOOTH = ["sin", "cos", "tanh", "sigmoid"]

# kind -> list of (template, argument kinds); {0}, {1} are the arguments' texts
RULES: dict[str, list[tuple[str, str]]] = {
    "s": [("({0} + {1})", "ss"), ("({0} - {1})", "ss"), ("{0}*{1}", "ss"), ("{f}({0})", "s"),
          ("tr({0})", "m"), ("sum({0})", "v"), ("{0}'*{1}", "vv"), ("norm2({0})^2", "v"),
          ("{0}'*{1}*{2}", "vmv"), ("logsumexp({0})", "v"), ("det({0})", "m"),
          ("logdet(4*eye + sin({0}))", "m"), ("exp({0}/4)", "s"), ("norm2({0})", "m"),
          ("mean({0})", "m")],
    "v": [("({0} + {1})", "vv"), ("({0} - {1})", "vv"), ("{0}.*{1}", "vv"), ("{0}*{1}", "sv"),
          ("{0}*{1}", "mv"), ("{0}'*{1}", "mv"), ("{f}({0})", "v"), ("softmax({0})", "v"),
          ("diag({0})", "m"), ("{0}./(vector(2) + {1}.^2)", "vv"), ("sum({0}, 1)", "m"),
          ("mean({0}, 2)", "m"), ("logsumexp({0}, 1)", "m"), ("{0}./(2 + {1}.^2)", "vv")],
    "m": [("({0} + {1})", "mm"), ("({0} - {1})", "mm"), ("{0}*{1}", "mm"), ("{0}'", "m"),
          ("{0}.*{1}", "mm"), ("{0}*{1}", "sm"), ("{f}({0})", "m"), ("{0}*{1}'", "vv"),
          ("diag({0})", "v"), ("inv(4*eye + sin({0}))", "m"), ("expm({0}/4)", "m"),
          ("logm(4*eye + sin({0}))", "m"), ("sqrtm(4*eye + sin({0}))", "m"), ("{0}^2", "m"),
          ("softmax({0}, 1)", "m"), ("softmax({0}, 2)", "m"), ("({0} + {1})", "mv"),
          ("({0} - {1}')", "mv"), ("({0}.*{1}')", "mv"), ("({0} + {1})", "ms")],
}


@st.composite
def expression(draw: st.DrawFn, kind: str = "s", depth: int = 3) -> str:
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(LEAVES[kind]))
    template, kinds = draw(st.sampled_from(RULES[kind]))
    args = [draw(expression(k, depth - 1)) for k in kinds]
    return "(" + template.format(*args, f=draw(st.sampled_from(SMOOTH))) + ")"
