"""The function reference (``docs/functions.md``), generated from the op declarations:
every operator and function of the language with its meaning, derivative rule and
domain. ``python -m matdiff.render.reference > docs/functions.md`` rewrites it; a test
checks that the file is current."""
from __future__ import annotations

from ..expr import Op
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import elementwise as ew
from ..ops import matfun as mf
from ..ops import series as se
from ..syntax.parser import ALIASES, ARITY, HOW_TO, SURFACES

#: How each call is written, where its arguments are not one ``u``/``X``.
SIGNATURES = {"kron": "kron(A, B)", "vector": "vector(c), vector(c, n)",
              "matrix": "matrix(c), matrix(c, m, n)", "eye": "eye, eye(n)",
              "sigma": "sigma(j, lo, hi, body)", "unit": "unit(k, n)", "diag": "diag(x), diag(X)",
              "sum": "sum(X)", "norm1": "norm1(u)", "norm2": "norm2(u)", "softmax": "softmax(x)",
              "logsumexp": "logsumexp(u)", "mean": "mean(u)", "rows": "rows(X), cols(X), len(x)",
              "unvec": "unvec(v, m, n)", "kron_l": "kron_l(A, C, k, l)", "kron_r": "kron_r(C, B, i, j)",
              "commutation": "commutation(m, n)"}

#: The forms along one dimension (d = 1: of each column, d = 2: of each row).
ALONG = {"sum": ("sum(X, d)", bt.SUM_DIM), "mean": ("mean(X, d)", bt.MEAN),
         "softmax": ("softmax(X, d)", bt.SOFTMAX_DIM), "logsumexp": ("logsumexp(X, d)", bt.LSE_DIM)}

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


def _call_op(name: str) -> Op | None:
    special = {"sum": ar.SUM, "vector": ar.FILL, "matrix": ar.FILL, "eye": ar.EYE,
               "sigma": se.SIGMA, "unit": se.UNIT, "mean": bt.MEAN, "rows": bt.COUNT}
    return SURFACES.get(name) or special.get(name)


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
    for name in ARITY:
        if name.startswith("d") and name[1:] in mf.FACTS:
            what, domain = mf.FACTS[name[1:]]
            lines.append(_row(f"`{name}(X, E)`", f"the Fréchet derivative of {name[1:]} at X along E",
                              "linear in E; evaluated exactly (block-triangular identity)", domain))
            continue
        if name in mf.FACTS:
            what, domain = mf.FACTS[name]
            lines.append(_row(f"`{name}(X)`", what, f"d {name}(X) = d{name}(X, dX)", domain))
            continue
        op = _call_op(name)
        if op is None:
            continue
        arg = "u" if name in ew.UNARY else "X"
        signature = SIGNATURES.get(name, f"{name}({arg})")
        what = f"elementwise {name}" if op.doc == rule(op) else op.doc
        lines.append(_row(f"`{signature}`", what, rule(op), op.domain))
        if name in ALONG:
            signature, op = ALONG[name]
            lines.append(_row(f"`{signature}`", op.doc, rule(op), "matrix X, d = 1 or 2"))
    lines += ["", "## Other spellings", "",
              "Read as the language's own: " +
              ", ".join(f"`{a}` (`{b}`)" for a, b in ALIASES.items()) +
              ", `Xᵀ`, `X.T` and `X^T` (`X'`), `A@B` (`A*B`).", "",
              "Refused with the spelling to use:", "", _row("name", "write instead"), _row("---", "---")]
    lines += [_row(f"`{name}`", how) for name, how in HOW_TO.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(function_reference(), end="")
