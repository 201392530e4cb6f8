"""Derivatives of any order, in the layout ``S_out + S_in`` (+ ``S_in`` per extra order).

A scalar function is first differentiated in reverse mode: the gradient ``G``
(``df = G:dX``) is an expression of the variable's shape. Every further order,
and every order of a non-scalar function, is a linearization in a new
direction ``dXₖ``; evaluating the resulting multilinear form on a basis of
directions (batched, one NumPy pass) gives the exact tensor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..dims import Shape, Structure
from ..errors import LimitError, MatdiffError
from ..evaluate import MAX_ELEMENTS, context, run
from ..expr import Node, const, hole, var
from ..simplify import simplify
from ..simplify.symmetry import symmetric
from ..ops import arithmetic as ar
from ..ops import linalg as la
from ..ops.abstract import ABSTRACT
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


def _bounded(form: Node) -> Node:
    count = 0
    for _ in form.walk():
        count += 1
        if count > MAX_NODES:
            raise LimitError(f"the derivative expression grows beyond {MAX_NODES:,} parts; "
                             "ask for a lower order or a smaller expression")
    return form


def project(g: Node, structure: Structure | None) -> Node:
    """The part of G in the variable's space: sym(G) = (G + G')/2 for symmetric (and
    spd) matrices (G itself where G is symmetric), diag(diag(G)) for diagonal ones; G
    itself without a structure.

    On symmetric matrices df = G:dX = sym(G):dX for every symmetric dX, and sym(G)
    is the one symmetric matrix with that property: the gradient there. (The
    Matrix Cookbook's G + G' - diag(G) is not: it counts off-diagonal entries twice.)
    """
    if structure is None:
        return g
    if structure is Structure.DIAGONAL:
        return la.diag(la.diag(g))
    if symmetric(g):
        return g  # sym(G) = G
    return ar.scale(const(0.5), ar.add(g, ar.transpose(g)))


def gradient(f: Node, x: Node) -> Node:
    """G with df = G:dX for a scalar f (``zero(shape)`` when f does not depend on X)."""
    d = hole(x.attr, x.shape)
    lin = linearize(f, x, d)
    return transpose(lin, d, const(1.0))


@dataclass(frozen=True)
class Result:
    """The k-th derivative of an expression with respect to one variable, as plain data:
    what ``derive`` computes. Rendering (``render.result``), the explanation
    (``explain``) and code (``codegen.derivative``) are functions of it."""

    #: The expression as parsed.
    expr: Node
    #: The variable (a VAR node with its shape and structure).
    wrt: Node
    order: int
    #: The user's names for subexpressions (``where Z = …``), simplified; results print them.
    names: tuple[tuple[str, Node], ...]
    #: The same names for the values as the user wrote them (the derivation's cuts).
    written_names: tuple[tuple[str, Node], ...]
    #: Whether the expression calls an unknown function g (known by its gradient only).
    abstract: bool
    #: The expression simplified (log-softmax stable, …): what evaluation checks.
    simplified: Node
    #: For a structured variable, the gradient before projection onto its structure.
    unconstrained: Node | None
    #: G with df = G:dX (scalar expressions), else None.
    gradient: Node | None
    #: The directions dX, dX2, … the multilinear form is linear in.
    directions: tuple[Node, ...]
    #: The multilinear form in the directions (the gradient for order 1 of a scalar);
    #: ``zero(shape)`` for an identically zero derivative (``is_zero``).
    form: Node
    #: The derivative in matrix notation (no directions left), when it has one.
    matrix: Node | None

    @property
    def shape(self) -> Shape:
        """Symbolic shape of the result: S_out + S_in × order."""
        return Shape(self.expr.shape.dims + self.wrt.shape.dims * self.order)

    @property
    def is_zero(self) -> bool:
        """Whether the derivative is identically zero."""
        return ar.is_zero(self.form)

    @property
    def size(self) -> int:
        """Distinct nodes in the derivative's expression."""
        return 0 if self.is_zero else sum(1 for _ in self.form.walk())


def derive(expr: Node, wrt: str, order: int = 1, wrt_shape: Shape | None = None,
           names: Mapping[str, Node] | None = None) -> Result:
    """The ``order``-th derivative of ``expr`` by the variable ``wrt`` (of shape
    ``wrt_shape`` when it does not occur), ``names`` the user's ``where`` names."""
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise MatdiffError(f"order must be a positive integer, got {order!r}")
    if order > MAX_ORDER:
        raise LimitError(f"derivatives are limited to order {MAX_ORDER}, got {order}")
    shape = expr.variables().get(wrt, wrt_shape)
    if shape is None:
        raise MatdiffError(f"'{wrt}' does not occur in the expression and has no declared shape")
    x = var(wrt, shape)
    abstract = any(n.op is ABSTRACT for n in expr.walk())
    if abstract and order > 1:
        raise MatdiffError("second derivatives through an unknown function need its Hessian, "
                           "which cannot be declared; ask for order 1")
    f = simplify(expr)
    structure = shape.structure
    unconstrained: Node | None = None
    gradient_: Node | None = None
    if expr.shape.is_scalar:
        g = gradient(f, x)
        unconstrained = simplify(g)
        gradient_ = simplify(project(unconstrained, structure))
        form, done = gradient_, 1
    else:
        form, done = f, 0
    directions = tuple(hole(wrt, shape, k) for k in range(1, order - done + 1))
    for d in directions:
        if not ar.is_zero(form):
            form = substitute(_bounded(linearize(form, x, d)), d, project(d, structure))
    form = simplify(form)
    given = dict(names or {})
    return Result(expr, x, order, tuple((k, simplify(v)) for k, v in given.items()),
                  tuple(given.items()), abstract, f, unconstrained, gradient_, directions, form,
                  _matrix_notation(form, x, directions))


def _matrix_notation(form: Node, x: Node, directions: tuple[Node, ...]) -> Node | None:
    """The form with no directions left: the derivative as one matrix expression."""
    if ar.is_zero(form) or not directions:
        return form
    if x.shape.is_scalar:
        for d in directions:
            form = substitute(form, d, const(1.0))
        return simplify(form)
    if len(directions) == 1:
        j = matrix_form(form, directions[0])
        return None if j is None else simplify(j)
    return None


def kron_form(r: Result) -> KronForm | None:
    """``dvec(F)/dvec(X)`` as a matrix expression (column-major vec), or None when
    no Kronecker form is known (a matrix function of X, diag of X…)."""
    if r.is_zero:
        return None
    k: Node | None = None
    if not r.directions:
        k = ar.transpose(kron_vec(r.form))
    elif len(r.directions) == 1:
        k = kron_matrix(r.form, r.directions[0])
    else:
        return None
    return None if k is None else KronForm(simplify(k), r.expr, r.wrt, r.order)


def index_form(r: Result) -> IndexForm:
    """Index notation, e.g. ``∂F[p,q]/∂X[m,n] = δ[p,m]·y[n,q]``: typed factors holding nodes."""
    x, rank = str(r.wrt.attr), r.wrt.shape.rank
    sets = [WRT[k][:rank] for k in range(r.order)]
    scalar = r.expr.shape.is_scalar
    out = sets[0] if scalar else OUT[:r.expr.shape.rank]
    holes = dict(zip(r.directions, sets[1:] if scalar else sets))
    terms = [] if r.is_zero else lower(r.form, out, holes)
    return IndexForm("f" if scalar else "F", () if scalar else out, x, tuple(sets), terms)


def tensor(r: Result, values: Mapping[str, Any]) -> np.ndarray:
    """The derivative at ``values`` as a float64 array of shape S_out + S_in × order.

    The expression itself is evaluated too, so that a point outside its domain is
    an error (unless it calls an unknown function g, which has no value)."""
    checks = () if r.abstract else (r.simplified,)
    shown = [r.form if r.matrix is None else r.matrix]
    ctx = context(checks + tuple(shown), values, {r.wrt.attr: r.wrt.shape})
    out_shape = ctx.dims(r.expr.shape)
    in_shape = ctx.dims(r.wrt.shape)
    full = out_shape + in_shape * r.order
    if math.prod(full) > MAX_ELEMENTS:
        raise LimitError(f"the derivative has {math.prod(full):,} entries; the limit is {MAX_ELEMENTS:,}")
    if r.is_zero:
        for root in checks:
            run(root, ctx)
        return np.zeros(full)
    if r.matrix is not None:
        return np.broadcast_to(run(r.matrix, ctx, *checks), full).astype(float)
    m = len(r.directions)
    n = math.prod(in_shape)
    for k, d in enumerate(r.directions[1:], 1):
        ctx.leaves[d] = _basis(0, n, in_shape).reshape((1,) * k + (n,) + (1,) * (m - k - 1) + in_shape)
    step = max(1, CHUNK // n ** m)
    pieces = []
    for start in range(0, n, step):
        rows = _basis(start, min(n, start + step), in_shape)
        ctx.leaves[r.directions[0]] = rows.reshape(rows.shape[:1] + (1,) * (m - 1) + in_shape)
        value = run(r.form, ctx, *(checks if start == 0 else ()))
        pieces.append(np.broadcast_to(value, rows.shape[:1] + (n,) * (m - 1) + ctx.dims(r.form.shape)))
    value = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    value = np.moveaxis(value, list(range(m)), list(range(-m, 0)))
    return np.ascontiguousarray(value, dtype=float).reshape(full)


def _basis(start: int, stop: int, in_shape: tuple[int, ...]) -> np.ndarray:
    """Rows ``start:stop`` of the n×n identity, each reshaped to ``in_shape``."""
    n = math.prod(in_shape)
    rows = np.zeros((stop - start, n))
    rows[np.arange(stop - start), np.arange(start, stop)] = 1.0
    return rows.reshape((stop - start,) + in_shape)
