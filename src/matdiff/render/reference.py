"""The function reference (``docs/functions.md``), generated from the op declarations:
every operator and function of the language with its meaning, derivative rule and
domain. ``python -m matdiff.render.reference > docs/functions.md`` rewrites it; a test
checks that the file is current."""
from __future__ import annotations

from ..expr import OPS, Op, Surface, surfaces
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import elementwise as ew
from ..ops import matfun as mf
from ..ops import series as se
from ..syntax.parser import ALIASES, HOW_TO

OPERATORS: list[tuple[str, Op]] = [
    ("A'", ar.TRANSPOSE), ("A + B", ar.ADD), ("-A", ar.NEG), ("a*B", ar.SCALE), ("A*B", ar.MATMUL),
    ("A.*B", ar.HAD), ("A./B", ar.EDIV), ("A/s", ar.DIV), ("u.^p", ew.POWC), ("u.^v", ew.EPOW),
    ("X^k", mf.MATPOW), ("X^k (integer symbol k)", se.POWSYM), ("p[k]", se.ELEM),
    ("A + b, A.*v', X - 1", bt.EXPAND),
]

_GENERIC: dict[object, str] = {ar._jvp_linear: "linear: d f(X) = f(dX)",
            ar._jvp_bilinear: "bilinear: d(a∘b) = da∘b + a∘db"}


def rule(op: Op) -> str:
    """The derivative rule of an op, from its jvp's docstring (or the op's own doc)."""
    if op.jvp is None:
        return "constant (no derivative)"
    if op.jvp in _GENERIC:
        return _GENERIC[op.jvp]
    doc = (op.jvp.__doc__ or "").strip()
    return doc.splitlines()[0].rstrip(".") if doc else op.doc


#: How a call's arguments of each kind are named where its surface does not say.
_NAMES = {"s": "n", "d": "d", "i": "k", "j": "j"}


def _written(call: Surface, arg: str) -> str:
    """``name(X, d)``: a call with its arguments named by kind."""
    return ", ".join(f"{call.name}({', '.join(_NAMES.get(k, arg) for k in form)})" for form in call.forms)


def _row(*cells: str) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def function_reference() -> str:
    """The markdown of docs/functions.md."""
    lines = ["# Function reference", "",
             "Generated from the op declarations (`python -m matdiff.render.reference`): every",
             "operator and function of the language, its derivative rule and its domain.",
             "`u`, `v` are scalars, vectors or matrices (elementwise), `X` a square matrix.", "",
             "## Operators", "", _row("syntax", "meaning", "derivative", "domain"), _row(*["---"] * 4)]
    lines += [_row(f"`{syntax}`", op.doc, rule(op), op.domain) for syntax, op in OPERATORS]
    lines += ["", "## Functions", "", _row("call", "meaning", "derivative", "domain"),
              _row(*["---"] * 4)]
    for op in OPS:
        arg = "u" if op.pointwise else "X"
        own = [c for c in surfaces(op) if c.doc]  # calls with their own meaning (expm, dexpm)
        lines += [_row(f"`{c.shown or _written(c, arg)}`", c.doc, c.rule or rule(op), c.domain or op.domain)
                  for c in own]
        calls = [c for c in surfaces(op) if not c.doc]
        if calls:
            shown = ", ".join(c.shown or _written(c, arg) for c in calls)
            what = f"elementwise {calls[0].name}" if op.doc == rule(op) else op.doc
            lines.append(_row(f"`{shown}`", what, rule(op), op.domain))
    lines += ["", "## Other spellings", "",
              "Read as the language's own: " +
              ", ".join(f"`{a}` (`{b}`)" for a, b in ALIASES.items()) +
              ", `Xᵀ`, `X.T` and `X^T` (`X'`), `A@B` (`A*B`).", "",
              "Refused with the spelling to use:", "", _row("name", "write instead"), _row("---", "---")]
    lines += [_row(f"`{name}`", how) for name, how in HOW_TO.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(function_reference(), end="")
