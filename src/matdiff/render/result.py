"""A derivative (``calculus.derivative.Result``) as text, LaTeX, MathML and HTML: the
matrix notation when it has one (in the input language, so that it parses back), else
the index form."""
from __future__ import annotations

import html as _html

import latex2mathml.converter

from ..calculus.derivative import Result, index_form
from ..errors import LimitError, MatdiffError
from ..expr import Node
from ..syntax import parse
from .text import to_latex, to_text


def text(r: Result, share: bool = True) -> str:
    """Matrix notation in the input language (parses back); a tensor without a matrix
    form (matrix by matrix, higher orders) in index form. ``share=False`` writes shared
    subexpressions out instead of naming them ``where T1 = …`` (the user's own ``where``
    names are kept)."""
    if r.is_zero:
        return "0"
    if r.matrix is None:
        try:
            return str(index_form(r))
        except LimitError as e:
            return f"(a tensor too large to print in index form: {e}; use evaluate())"
    names = dict(r.names)
    shown = to_text(r.matrix, share=share, names=names)
    if reads_back(r.matrix, shown):
        return shown
    return to_text(r.matrix, share=share, sized=True, names=names)


def latex(r: Result, share: bool = True) -> str:
    r"""``\frac{\partial f}{\partial W} = 2 X X^{\top} W``, or the index form; the same
    names as the text (``share=False``: none but the user's)."""
    x = r.wrt.attr
    f = "f" if r.expr.shape.is_scalar else "F"
    top = "" if r.order == 1 else f"^{{{r.order}}}"
    bottom = " ".join([rf"\partial {x}"] * r.order)
    lhs = rf"\frac{{\partial{top} {f}}}{{{bottom}}}"
    if r.is_zero:
        return f"{lhs} = 0"
    if r.matrix is not None:
        return f"{lhs} = {to_latex(r.matrix, share=share, names=dict(r.names))}"
    try:
        return index_form(r).latex()
    except LimitError:
        return rf"{lhs} = \text{{(a tensor too large to print)}}"


def mathml(r: Result, share: bool = True) -> str:
    """MathML (for the web page), converted from ``latex()``."""
    return latex2mathml.converter.convert(latex(r, share))


def step_mathml(line: str) -> str:
    """MathML of one step's aligned LaTeX line (``lhs &= rhs``)."""
    return latex2mathml.converter.convert(line.replace("&=", "=").lstrip("&"))


def html(r: Result) -> str:
    """Notebook display: the MathML, with the text form underneath."""
    return f'<div>{mathml(r)}<pre style="margin-top:.3em">{_html.escape(text(r))}</pre></div>'


def reads_back(shown: Node, printed: str) -> bool:
    """Whether ``printed`` parses with every size fixed (else constants need sizes)."""
    shapes = {}
    for name, shape in shown.variables().items():
        if any(not (d.is_const or d.is_symbol) for d in shape.dims):
            return True
        shapes[name] = tuple(d.coef if d.is_const else d.syms[0] for d in shape.dims)
    try:
        parsed = parse(printed, shapes)
    except MatdiffError:
        return False
    return all("#" not in s for n in parsed.walk() for d in n.shape.dims for s in d.syms)
