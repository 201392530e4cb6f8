"""Batch operations: a vector expanded along a matrix (MATLAB's implicit expansion
in ``W*X + b``), reductions along one dimension (``sum(X, 1)``, ``mean(X, 2)``),
softmax and logsumexp per column or per row, and the size of a dimension as a
number (``rows(X)``). Dimensions use MATLAB's numbering: 1 runs down the rows (one
value per column), 2 along the columns (one value per row); a batch is a matrix
whose columns are samples.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy import special

from ..dims import SCALAR, Shape, Unifier
from ..errors import ShapeError
from ..expr import ATOM, HOLE, MUL, VAR, Absent, Call, Context, Node, Op, Surface, apply, const, var
from ..indexing import IndexContext, Terms, single, summed, tensor, times
from .arithmetic import (FILL, _jvp_linear, div, eye, fill, had, is_zero, mul, multilinear, register, scale,
                         sub, sum_, transpose, zero, zero_of)
from .linalg import LSE, SOFTMAX, kron
from . import source as src


def _expand_shape(shapes: Sequence[Shape], attr: Shape, u: Unifier) -> Shape:
    """A column vector of length m fills the m×n target's columns; a row vector v' of
    length n fills its rows."""
    v = shapes[0]
    if not v.is_vector or not attr.is_matrix:
        raise ShapeError(f"cannot expand a {v} to a {attr}")
    u.unify(v.dims[0], attr.cols if v.row else attr.rows)
    return attr


def _reduced_shape(shapes: Sequence[Shape], attr: int, u: Unifier) -> Shape:
    """sum(X, 1) of an m×n matrix: a vector of length n; sum(X, 2): of length m."""
    x = shapes[0]
    if not x.is_matrix:
        raise ShapeError(f"a reduction along a dimension needs a matrix, got a {x}")
    return Shape((x.cols if attr == 1 else x.rows,))


def _mean_shape(shapes: Sequence[Shape], attr: int, u: Unifier) -> Shape:
    if attr == 0:
        if shapes[0].is_scalar:
            raise ShapeError("mean expects a vector or a matrix, got a scalar")
        return SCALAR
    return _reduced_shape(shapes, attr, u)


def _count_shape(shapes: Sequence[Shape], attr: int, u: Unifier) -> Shape:
    if shapes[0].rank <= attr:
        raise ShapeError(f"a {shapes[0]} has no dimension {attr + 1}")
    return SCALAR


def _matrix_first(shapes: Sequence[Shape], attr: int, u: Unifier) -> Shape:
    if not shapes[0].is_matrix:
        raise ShapeError(f"a softmax along a dimension needs a matrix, got a {shapes[0]}")
    return shapes[0]


def _axis(d: int) -> int:
    """The NumPy axis of MATLAB's dimension d in a (batched) matrix value."""
    return -2 if d == 1 else -1


# --- lowerings --------------------------------------------------------------------

def _lower_expand(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    dims = ctx.dims(node.shape)
    v = vals[0][..., None, :] if node.args[0].shape.row else vals[0][..., :, None]
    return np.broadcast_to(v, v.shape[:-2] + dims).copy()


def _lower_count(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    dim = node.args[0].shape.dims[node.attr]
    return np.asarray(float(ctx.dims(Shape((dim,)))[0]))


def _lower_mean(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    if node.attr == 0:
        return np.mean(vals[0], axis=tuple(range(-node.args[0].shape.rank, 0)))
    return np.mean(vals[0], axis=_axis(node.attr))


# --- printing ---------------------------------------------------------------------

def _expand_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    """Outside an elementwise op an expansion is written as a product with ones."""
    text, level = args[0]
    arg = text if level >= MUL else f"({text})"
    return (f"vector(1)*{arg}" if node.args[0].shape.row else f"{arg}*vector(1)'"), MUL


def _expand_latex(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    r"""b \mathbf{1}^\top, \mathbf{1} v^\top."""
    text, level = args[0]
    arg = text if level >= MUL else rf"\left({text}\right)"
    return (rf"\mathbf{{1}} {arg}" if node.args[0].shape.row else rf"{arg} \mathbf{{1}}^{{\top}}"), MUL


def _count_latex(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    name = _COUNT_NAMES[node.attr, node.args[0].shape.is_vector]
    return rf"\operatorname{{{name}}}\left({args[0][0]}\right)", ATOM


def _with_dim(name: str):
    def syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
        if node.attr == 0:
            return f"{name}({args[0][0]})", ATOM
        return f"{name}({args[0][0]}, {node.attr})", ATOM
    return syntax


def _with_dim_tex(name: str):
    def syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
        sub_ = "" if node.attr == 0 else f"_{{{node.attr}}}"
        return rf"\operatorname{{{name}}}{sub_}\left({args[0][0]}\right)", ATOM
    return syntax


_COUNT_NAMES = {(0, False): "rows", (1, False): "cols", (0, True): "len"}


def _count_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    return f"{_COUNT_NAMES[node.attr, node.args[0].shape.is_vector]}({args[0][0]})", ATOM


# --- linearizations, transposes, index and Kronecker forms ----------------------------

def spread(v: Node, d: int, shape: Shape) -> Node:
    """A per-column (d = 1) or per-row (d = 2) vector repeated along a matrix of
    ``shape``: the transpose of ``sum(·, d)``."""
    return expand(transpose(v) if d == 1 else v, shape)


def _jvp_softmax(node: Node, ts: Sequence[Node]) -> Node:
    """dS = S⊙dX − S⊙(sum(S⊙dX, d) repeated along d) for S = softmax(X, d)."""
    d = node.attr
    return sub(had(node, ts[0]), had(node, spread(reduce_sum(had(node, ts[0]), d), d, node.shape)))


def _jvp_lse(node: Node, ts: Sequence[Node]) -> Node:
    """d logsumexp(X, d) = sum(softmax(X, d)⊙dX, d)."""
    return reduce_sum(had(softmax(node.args[0], node.attr), ts[0]), node.attr)


def _vjp_expand(node: Node, i: int, c: Node) -> Node:
    """G:expand(db) = sum(G, 2):db for a column, (sum(G, 1))':db' for a row."""
    return transpose(reduce_sum(c, 1)) if node.args[0].shape.row else reduce_sum(c, 2)


def _vjp_mean(node: Node, i: int, c: Node) -> Node:
    x = node.args[0]
    if node.attr == 0:
        return div(fill(c, x.shape), size_product(x))
    return div(spread(c, node.attr, x.shape), count(x, node.attr - 1))


def _index_expand(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    return ctx.lower(node.args[0], (idx[1],) if node.args[0].shape.row else (idx[0],))


def _index_reduce(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    k = ctx.fresh()
    return summed(ctx.lower(node.args[0], (k, idx[0]) if node.attr == 1 else (idx[0], k)), [k])


def _index_mean(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    """mean(X, d)[j] = Σ_k X[k,j] · (1/rows(X)), likewise for d = 2 and for all entries."""
    x = node.args[0]
    if node.attr == 0:
        ks = tuple(ctx.fresh() for _ in x.shape.dims)
        total, n = summed(ctx.lower(x, ks), ks), size_product(x)
    else:
        total, n = _index_reduce(node, idx, ctx), count(x, node.attr - 1)
    return times(total, single(tensor(div(const(1.0), n))))


def _ones(n: object, row: bool = False) -> Node:
    return fill(const(1.0), Shape((n,), row=row))  # type: ignore[arg-type]


def _kron_mean_all(node: Node, ks: Sequence[Node]) -> Node:
    """mean(X) = 1' vec(X) / (rows·cols)."""
    x = node.args[0]
    return div(mul(_ones(x.shape.rows * x.shape.cols, True), ks[0]), size_product(x))


def _kron_expand(node: Node, ks: Sequence[Node]) -> Node:
    """vec(b 1') = (1 ⊗ I) b; vec(1 v') = (I ⊗ 1) v."""
    m, n = node.shape.dims
    k = kron(eye(n), _ones(m)) if node.args[0].shape.row else kron(_ones(n), eye(m))
    return mul(k, ks[0])


def _kron_reduce(node: Node, ks: Sequence[Node]) -> Node:
    """sum(X, 1) = (I ⊗ 1') vec(X); sum(X, 2) = (1' ⊗ I) vec(X)."""
    m, n = node.args[0].shape.dims
    k = kron(eye(n), _ones(m, True)) if node.attr == 1 else kron(_ones(n, True), eye(m))
    return mul(k, ks[0])


def _along(name: str, build: Callable[[Call], Node]) -> Surface:
    """``name(X, d)``: one value per column (d = 1) or per row (d = 2)."""
    return Surface(name, ("vd",), build=build, shown=f"{name}(X, d)")


#: Where a function along a dimension is defined.
ALONG = "matrix X, d = 1 or 2"


def _mean_call(c: Call) -> Node:
    """mean(X) of all entries (not of a scalar), mean(X, d) along d."""
    x = c.values[0]
    if not c.dims and x.shape.is_scalar:
        raise ShapeError("mean expects a vector or a matrix, got a scalar")
    return mean(x, c.dims[0] if c.dims else 0)


#: The calls that give a size as a number: name -> the axis (len: of a vector).
SIZE_OF = {"rows": 0, "cols": 1, "len": 0}


def size_axis(name: str, x: Node) -> int:
    """The axis of ``x`` that rows(x), cols(x) or len(x) names (a ShapeError where it has none)."""
    axis = SIZE_OF[name]
    if x.shape.rank <= axis or (name == "len") != x.shape.is_vector:
        raise ShapeError(f"{name}() does not apply to a {x.shape}")
    return axis


def _count_call(name: str) -> Callable[[Call], Node]:
    """rows(X), cols(X), len(x) as numbers."""
    return lambda c: apply(COUNT, c.values, size_axis(name, c.values[0]), c.unifier)


EXPAND = Op("expand", _expand_shape, _jvp_linear, _vjp_expand, _lower_expand, _expand_syntax,
            "implicit expansion: W*X + b adds b to every column, X - v' subtracts v' from "
            "every row; its transpose sums", latex=_expand_latex, index=_index_expand,
            kron=_kron_expand, implicit=True,
            source=src.expand, surface=Absent("implicit expansion: W*X + b, or b*vector(1)'"),
            pointwise=True, frobenius=("sum(A) = matrix(1):A",))
SUM_DIM = Op("sum_dim", _reduced_shape, _jvp_linear, lambda n, i, c: spread(c, n.attr, n.args[0].shape),
             lambda n, v, c: np.sum(v[0], axis=_axis(n.attr)), _with_dim("sum"),
             "sum(X, 1): column sums; sum(X, 2): row sums (vectors); the transpose repeats",
             latex=_with_dim_tex("sum"), index=_index_reduce, kron=_kron_reduce, domain=ALONG,
             source=src.along("{xp}.sum"), surface=_along("sum", lambda c: reduce_sum(c.values[0], c.dims[0])),
             frobenius=("sum(A) = matrix(1):A",))
MEAN = Op("mean", _mean_shape, _jvp_linear, _vjp_mean, _lower_mean, _with_dim("mean"),
          "mean(X): of all entries; mean(X, 1): of each column; mean(X, 2): of each row",
          latex=_with_dim_tex("mean"), index=_index_mean,
          kron=lambda n, ks: _kron_mean_all(n, ks) if n.attr == 0 else div(_kron_reduce(n, ks), count(n.args[0], n.attr - 1)),
          source=src.mean, surface=Surface("mean", ("v", "vd"), build=_mean_call,
                                          shown="mean(u), mean(X, d)"))
def _jvp_count(node: Node, ts: Sequence[Node]) -> Node:
    """constant: a size does not depend on the entries."""
    return zero(node.shape)


COUNT = Op("count", _count_shape, _jvp_count, None, _lower_count, _count_syntax,
           "rows(X), cols(X), len(x): a size as a number", latex=_count_latex,
           domain="any vector or matrix (the size does not depend on the entries)",
           source=src.count, surface=tuple(Surface(name, ("v",), build=_count_call(name), shown=f"{name}({arg})")
                                           for name, arg in zip(SIZE_OF, "XXx")))
SOFTMAX_DIM = Op("softmax_dim", _matrix_first, _jvp_softmax, None,
                 lambda n, v, c: special.softmax(v[0], axis=_axis(n.attr)), _with_dim("softmax"),
                 "softmax(X, 1): softmax of each column; softmax(X, 2): of each row",
                 latex=_with_dim_tex("softmax"), domain=ALONG,
                 source=src.along("{softmax_along}"),
                 surface=_along("softmax", lambda c: softmax(c.values[0], c.dims[0])), sign=1)
LSE_DIM = Op("logsumexp_dim", _reduced_shape, _jvp_lse, None,
             lambda n, v, c: special.logsumexp(v[0], axis=_axis(n.attr)), _with_dim("logsumexp"),
             "logsumexp(X, 1): log Σ exp of each column; logsumexp(X, 2): of each row",
             latex=_with_dim_tex("logsumexp"), domain=ALONG,
             source=src.along("{logsumexp_along}"),
             surface=_along("logsumexp", lambda c: logsumexp(c.values[0], c.dims[0])))


# --- constructors -----------------------------------------------------------------------

def expand(v: Node, shape: Shape) -> Node:
    """``v`` (a scalar, a column of length rows, or a row of length cols) repeated to ``shape``."""
    if is_zero(v):
        return zero(shape)
    if v.shape.is_scalar or v.shape == shape:
        return fill(v, shape) if v.shape.is_scalar else v
    if v.op is EXPAND:
        return v
    if v.op is FILL:
        return fill(v.args[0], shape)
    return apply(EXPAND, (v,), shape)


def _whole(x: Node, d: int) -> bool:
    """For a vector argument: whether dimension d runs along the whole vector (else
    across its entries one at a time)."""
    return (d == 1) != x.shape.row


def reduce_sum(x: Node, d: int) -> Node:
    """sum(x, d): a matrix's column (d = 1) or row (d = 2) sums; a vector's sum where d
    runs along it, the vector itself (as a column) where it runs across."""
    if x.shape.is_scalar:
        return x
    if is_zero(x):
        return zero_of(SUM_DIM, (x,), d)
    if x.shape.is_vector:
        return sum_(x) if _whole(x, d) else transpose(x) if x.shape.row else x
    if x.op is EXPAND and (d == 2) != x.args[0].shape.row:
        v = x.args[0]
        return scale(count(x, d - 1), transpose(v) if v.shape.row else v)
    return apply(SUM_DIM, (x,), d)


def mean(x: Node, d: int = 0) -> Node:
    if x.shape.is_scalar:
        return x
    if x.shape.is_vector and d:
        if not _whole(x, d):
            return transpose(x) if x.shape.row else x
        d = 0
    return multilinear(MEAN, (x,), d)


def softmax(x: Node, d: int) -> Node:
    if x.shape.is_vector:
        return apply(SOFTMAX, (x,)) if _whole(x, d) else fill(const(1.0), x.shape)
    if x.shape.is_scalar:
        return const(1.0)
    return apply(SOFTMAX_DIM, (x,), d)


def logsumexp(x: Node, d: int) -> Node:
    if x.shape.is_vector:
        if _whole(x, d):
            return apply(LSE, (x,))
        return transpose(x) if x.shape.row else x
    if x.shape.is_scalar:
        return x
    return apply(LSE_DIM, (x,), d)


def count(x: Node, axis: int) -> Node:
    """The size of ``x``'s dimension ``axis`` as a number: a constant where it is known,
    else ``rows(V)``/``cols(V)``/``len(v)`` of a variable that has that size."""
    dim = x.shape.dims[axis]
    if dim.is_const:
        return const(float(dim.coef))
    for n in x.walk():
        if n.op in (VAR, HOLE) and dim in n.shape.dims:
            v = n if n.op is VAR else var(n.attr[0], Shape(n.shape.dims, n.shape.row))
            return apply(COUNT, (v,), n.shape.dims.index(dim))
    return apply(COUNT, (x,), axis)


def size_product(x: Node) -> Node:
    """The number of entries of ``x``."""
    out = count(x, 0)
    if x.shape.is_matrix:
        out = mul(out, count(x, 1))
    return out


register(EXPAND, lambda v, attr: expand(v, attr), needs_attr=True)
register(SUM_DIM, lambda x, attr: reduce_sum(x, attr), needs_attr=True)
register(MEAN, lambda x, attr: mean(x, attr), needs_attr=True)
