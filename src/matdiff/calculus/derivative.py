"""Derivatives of any order, in the layout ``S_out + S_in`` (+ ``S_in`` per extra order).

A scalar function is first differentiated in reverse mode: the gradient ``G``
(``df = G:dX``) is an expression of the variable's shape. Every further order,
and every order of a non-scalar function, is a linearization in a new
direction ``dXₖ``; evaluating the resulting multilinear form on a basis of
directions (batched, one NumPy pass) gives the exact tensor.
"""
from __future__ import annotations

import html
import math
from typing import Any, Mapping

import numpy as np

from ..dims import Shape, Structure
from ..errors import LimitError, MatdiffError
from ..evaluate import MAX_ELEMENTS, context, run
import latex2mathml.converter

from ..expr import Node, const, hole, to_latex, to_text, var

from ..syntax import parse
from ..simplify import simplify
from ..ops import arithmetic as ar
from ..ops import linalg as la
from ..ops.abstract import ABSTRACT
from .derivation import Shown, derivation, hessian_steps
from .explain import Explanation, explain
from .index import OUT, WRT, IndexForm, lower
from .kron import KronForm, kron_matrix, kron_vec
from .jacobian import matrix_form, substitute
from .linearize import linearize
from .transpose import transpose

MAX_ORDER = 6
#: Above this many parts a derivative is summarized rather than shown in every form.
LARGE = 3_000
#: Basis directions per pass times their size: a derivative is evaluated on rows of the
#: identity a block at a time, so that memory is bounded by the result, not n².
CHUNK = 1_000_000
#: The most distinct nodes a derivative expression may have (high orders of long
#: matrix powers grow combinatorially).
MAX_NODES = 20_000


def _bounded(form: Node | None) -> Node | None:
    if form is not None:
        count = 0
        for _ in form.walk():
            count += 1
            if count > MAX_NODES:
                raise LimitError(f"the derivative expression grows beyond {MAX_NODES:,} parts; "
                                 "ask for a lower order or a smaller expression")
    return form


def project(g: Node, structure: Structure | None) -> Node:
    """The part of G in the variable's space: sym(G) = (G + G')/2 for symmetric (and
    spd) matrices, diag(diag(G)) for diagonal ones; G itself without a structure.

    On symmetric matrices df = G:dX = sym(G):dX for every symmetric dX, and sym(G)
    is the one symmetric matrix with that property: the gradient there. (The
    Matrix Cookbook's G + G' - diag(G) is not: it counts off-diagonal entries twice.)
    """
    if structure is None:
        return g
    if structure is Structure.DIAGONAL:
        return la.diag(la.diag(g))  # type: ignore[return-value]
    return ar.scale(const(0.5), ar.add(g, ar.transpose(g)))  # type: ignore[return-value]


def gradient(f: Node, x: Node) -> Node | None:
    """G with df = G:dX for a scalar f (None when f does not depend on X)."""
    d = hole(x.attr, x.shape)
    lin = linearize(f, x, d)
    return None if lin is None else transpose(lin, d, const(1.0))


def step_mathml(latex: str) -> str:
    """MathML of one step's aligned LaTeX line (``lhs &= rhs``)."""
    return latex2mathml.converter.convert(latex.replace("&=", "=").lstrip("&"))


class Derivative:
    """The k-th derivative of an expression with respect to one variable."""

    def __init__(self, expr: Node, wrt: str, order: int = 1, wrt_shape: Shape | None = None,
                 names: Mapping[str, Node] | None = None) -> None:
        if not isinstance(order, int) or isinstance(order, bool) or order < 1:
            raise MatdiffError(f"order must be a positive integer, got {order!r}")
        if order > MAX_ORDER:
            raise LimitError(f"derivatives are limited to order {MAX_ORDER}, got {order}")
        shape = expr.variables().get(wrt, wrt_shape)
        if shape is None:
            raise MatdiffError(f"'{wrt}' does not occur in the expression and has no declared shape")
        self.expr = expr
        #: The user's names for subexpressions (``where Z = …``); results print them.
        self.names = {k: simplify(v) for k, v in (names or {}).items()}
        #: The same names, for the values as the user wrote them (the derivation's cuts).
        self.written_names = dict(names or {})
        self.wrt = var(wrt, shape)
        self.order = order
        #: Whether the expression calls an unknown function g (known by its gradient only).
        self.abstract = any(n.op is ABSTRACT for n in expr.walk())
        if self.abstract and order > 1:
            raise MatdiffError("second derivatives through an unknown function need its Hessian, "
                               "which cannot be declared; ask for order 1")
        f = simplify(expr)
        #: The expression simplified (log-softmax stable, …): what evaluate() checks.
        self.simplified = f
        structure = shape.structure
        #: For a structured variable, the gradient before projection onto its structure.
        self.unconstrained: Node | None = None
        if expr.shape.is_scalar:
            g = gradient(f, self.wrt)
            self.unconstrained = None if g is None else simplify(g)
            self.gradient = None if g is None else simplify(project(g, structure))
            form, done = self.gradient, 1
        else:
            self.gradient, form, done = None, f, 0
        self.directions = [hole(wrt, shape, k) for k in range(1, order - done + 1)]
        for d in self.directions:
            if form is not None:
                form = _bounded(linearize(form, self.wrt, d))
                form = None if form is None else substitute(form, d, project(d, structure))
        #: The multilinear form in the directions dX, dX2, … (the gradient for order 1 of a scalar).
        self.form = None if form is None else simplify(form)
        #: The derivative in matrix notation (no directions left), when it has one.
        self.matrix = self._matrix_notation()

    def _matrix_notation(self) -> Node | None:
        form = self.form
        if form is None or not self.directions:
            return form
        if self.wrt.shape.is_scalar:
            for d in self.directions:
                form = substitute(form, d, const(1.0))
            return simplify(form)
        if len(self.directions) == 1:
            j = matrix_form(form, self.directions[0])
            return None if j is None else simplify(j)
        return None

    @property
    def shape(self) -> Shape:
        """Symbolic shape of the result: S_out + S_in × order."""
        return Shape(self.expr.shape.dims + self.wrt.shape.dims * self.order)

    def __str__(self) -> str:
        """Matrix notation in the input language (parses back); a tensor without a matrix
        form (matrix by matrix, higher orders) is shown in index form."""
        return self.text()

    def text(self, share: bool = True) -> str:
        """``str()``; ``share=False`` writes shared subexpressions out instead of naming
        them ``where T1 = …`` (the user's own ``where`` names are kept)."""
        if self.form is None:
            return "0"
        if self.matrix is None:
            try:
                return str(self.index())
            except LimitError as e:
                return f"(a tensor too large to print in index form: {e}; use evaluate())"
        text = to_text(self.matrix, share=share, names=self.names)
        if self._reads_back(self.matrix, text):
            return text
        return to_text(self.matrix, share=share, sized=True, names=self.names)

    @property
    def size(self) -> int:
        """Distinct nodes in the derivative's expression."""
        return 0 if self.form is None else sum(1 for _ in self.form.walk())

    def latex(self, share: bool = True) -> str:
        r"""LaTeX: ``\frac{\partial f}{\partial W} = 2 X X^{\top} W``, or the index form; the
        same names as the text (``share=False``: none but the user's)."""
        x = self.wrt.attr
        f = "f" if self.expr.shape.is_scalar else "F"
        top = "" if self.order == 1 else f"^{{{self.order}}}"
        bottom = " ".join([rf"\partial {x}"] * self.order)
        lhs = rf"\frac{{\partial{top} {f}}}{{{bottom}}}"
        if self.form is None:
            return f"{lhs} = 0"
        if self.matrix is not None:
            return f"{lhs} = {to_latex(self.matrix, share=share, names=self.names)}"
        try:
            return self.index().latex()
        except LimitError:
            return rf"{lhs} = \text{{(a tensor too large to print)}}"

    def mathml(self, share: bool = True) -> str:
        """MathML (for the web page), converted from ``latex()``."""
        return latex2mathml.converter.convert(self.latex(share))

    def _repr_latex_(self) -> str:
        return f"$${self.latex()}$$"

    def _repr_html_(self) -> str:
        """Notebook display: the MathML, with the text form underneath."""
        text = html.escape(str(self))
        return f'<div>{self.mathml()}<pre style="margin-top:.3em">{text}</pre></div>'


    def kron(self) -> KronForm | None:
        """``dvec(F)/dvec(X)`` as a matrix expression (column-major vec), or None when
        no Kronecker form is known (a matrix function of X, diag of X…)."""
        if self.form is None:
            return None
        if not self.directions:
            k = ar.transpose(kron_vec(self.form))
        elif len(self.directions) == 1:
            k = kron_matrix(self.form, self.directions[0])
        else:
            return None
        return None if k is None else KronForm(simplify(k), self.expr, self.wrt, self.order)

    def explain(self, index_chain: bool | None = None) -> Explanation:
        """The derivation step by step (``str()`` for text, ``.latex()`` for LaTeX): the
        differential approach, with the user's names and cut points named; a trace of
        every node where that approach does not apply. ``index_chain`` shows (True) or
        hides (False) the index-wise chain rule ∂f/∂X[m,n] = Σ ∂f/∂U[i,j]·∂U[i,j]/∂X[m,n],
        evaluated, where X reaches f through one intermediate U (default: for a matrix X)."""
        scalar = self.expr.shape.is_scalar
        if self.order == 2 and scalar and self.gradient is not None:
            done = derivation(self.expr, self.wrt, self.gradient, self.written_names)
            if done is not None:
                zero = ar.fill(const(0.0), self.wrt.shape) or const(0.0)
                return Explanation(*hessian_steps(done, self.wrt, self.form or zero, self.directions[0],
                                                  self.matrix, self._index_step()))
        if self.order == 1 and self.form is not None:
            kron = index = None
            if not self.expr.shape.is_scalar:
                k = self.kron()
                kron = None if k is None else k.matrix
                index = self._index_step()
            done = derivation(self.expr, self.wrt, self.gradient, self.written_names, kron, index,
                              index_chain)
            if done is not None:
                return Explanation(*done)
        return explain(self.expr, self.wrt)

    def _index_step(self) -> Shown | None:
        """The index form as a step's side (text and LaTeX), or None where it is too large."""
        try:
            form = self.index()
            return Shown(str(form), form.latex())
        except LimitError:
            return None

    def index(self) -> IndexForm:
        """Index notation, e.g. ``∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]`` (``str()`` for text,
        ``.latex()`` for LaTeX; its terms are typed factors holding nodes)."""
        x, rank = str(self.wrt.attr), self.wrt.shape.rank
        sets = [WRT[k][:rank] for k in range(self.order)]
        scalar = self.expr.shape.is_scalar
        out = sets[0] if scalar else OUT[:self.expr.shape.rank]
        holes = dict(zip(self.directions, sets[1:] if scalar else sets))
        terms = [] if self.form is None else lower(self.form, out, holes)
        return IndexForm("f" if scalar else "F", () if scalar else out, x, tuple(sets), terms)

    @staticmethod
    def _reads_back(shown: Node, text: str) -> bool:
        """Whether ``text`` parses with every size fixed (else constants need sizes)."""
        shapes = {}
        for name, shape in shown.variables().items():
            if any(not (d.is_const or d.is_symbol) for d in shape.dims):
                return True
            shapes[name] = tuple(d.coef if d.is_const else d.syms[0] for d in shape.dims)
        try:
            parsed = parse(text, shapes)
        except MatdiffError:
            return False
        return all("#" not in s for n in parsed.walk() for d in n.shape.dims for s in d.syms)

    def __repr__(self) -> str:
        return f"Derivative({str(self)!r})"

    def evaluate(self, values: Mapping[str, Any]) -> np.ndarray:
        """The derivative at ``values`` as a float64 array of shape S_out + S_in × order.

        The expression itself is evaluated too, so that a point outside its domain is
        an error (unless it calls an unknown function g, which has no value)."""
        checks = () if self.abstract else (self.simplified,)
        shown = [r for r in (self.matrix, self.form) if r is not None][:1]
        ctx = context(checks + tuple(shown), values, {self.wrt.attr: self.wrt.shape})
        out_shape = ctx.dims(self.expr.shape)
        in_shape = ctx.dims(self.wrt.shape)
        full = out_shape + in_shape * self.order
        if math.prod(full) > MAX_ELEMENTS:
            raise LimitError(f"the derivative has {math.prod(full):,} entries; the limit is {MAX_ELEMENTS:,}")
        if self.form is None:
            for root in checks:
                run(root, ctx)
            return np.zeros(full)
        if self.matrix is not None:
            return np.broadcast_to(run(self.matrix, ctx, *checks), full).astype(float)
        m = len(self.directions)
        n = math.prod(in_shape)
        for k, d in enumerate(self.directions[1:], 1):
            ctx.leaves[d] = _basis(0, n, in_shape).reshape((1,) * k + (n,) + (1,) * (m - k - 1) + in_shape)
        step = max(1, CHUNK // n ** m)
        pieces = []
        for start in range(0, n, step):
            rows = _basis(start, min(n, start + step), in_shape)
            ctx.leaves[self.directions[0]] = rows.reshape(rows.shape[:1] + (1,) * (m - 1) + in_shape)
            value = run(self.form, ctx, *(checks if start == 0 else ()))
            pieces.append(np.broadcast_to(value, rows.shape[:1] + (n,) * (m - 1) + ctx.dims(self.form.shape)))
        value = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        value = np.moveaxis(value, list(range(m)), list(range(-m, 0)))
        return np.ascontiguousarray(value, dtype=float).reshape(full)


def _basis(start: int, stop: int, in_shape: tuple[int, ...]) -> np.ndarray:
    """Rows ``start:stop`` of the n×n identity, each reshaped to ``in_shape``."""
    n = math.prod(in_shape)
    rows = np.zeros((stop - start, n))
    rows[np.arange(stop - start), np.arange(start, stop)] = 1.0
    return rows.reshape((stop - start,) + in_shape)
