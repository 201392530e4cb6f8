"""Arithmetic: +, unary -, scaling, products, transpose, elementwise product and
division, sums and constants. Each op declares its shape rule, linearization
(jvp), transpose rule (vjp, for the arguments it is linear in), NumPy lowering
and printing in one place. The constructors fold the one zero (``zero(shape)``) away.
"""
from __future__ import annotations

from typing import Callable, Hashable, Iterable, Sequence

import numpy as np

from ..dims import SCALAR, Dim, Shape, Unifier
from ..errors import ShapeError
from ..expr import ATOM, CONST, MUL, Absent, Call, Context, Node, Op, Surface, apply, const, const_value, declared
from ..indexing import IndexContext, Terms, delta, rows_cols, scaled, single, summed, tensor, times
from .lowering import drop, lift, logical_axes, trailing
from .notation import (call, minus, plus, postfix, product, tex_call, tex_frac, tex_postfix,
                       tex_product)
from . import source as src

def same_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    """Both operands have one shape (scalars included)."""
    a, b = shapes
    if a.rank != b.rank or (a.is_vector and a.row != b.row):
        raise ShapeError(f"the operands differ in shape: {a} and {b}")
    return Shape(tuple(u.unify(x, y) for x, y in zip(a.dims, b.dims)), a.row)


def _first(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    return shapes[0]


def _scale_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    if not shapes[0].is_scalar:
        raise ShapeError(f"a scale factor must be a scalar, got a {shapes[0]}")
    return shapes[1]


def _matmul_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    a, b = shapes
    if a.is_scalar or b.is_scalar or (a.is_vector and b.is_vector and a.row == b.row) \
            or (a.is_col and b.is_matrix) or (a.is_matrix and b.is_vector and b.row):
        raise ShapeError(f"cannot multiply a {a} by a {b}")
    if a.is_col and b.row:
        return Shape((a.dims[0], b.dims[0]))
    u.unify(a.cols, b.rows)
    dims = tuple(d for d, keep in ((a.rows, not a.is_vector), (b.cols, not b.is_vector)) if keep)
    return Shape(dims, row=a.row and len(dims) == 1)


def _transpose_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    return shapes[0].transposed()


def _div_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    if not shapes[1].is_scalar:
        raise ShapeError(f"'/' divides by a scalar, not by a {shapes[1]}; use './' elementwise")
    return shapes[0]


def _sum_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    return SCALAR


def _attr_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    if shapes and not shapes[0].is_scalar:
        raise ShapeError(f"a fill value must be a scalar, got a {shapes[0]}")
    return attr  # type: ignore[return-value]


# --- NumPy lowerings --------------------------------------------------------

def _lower_matmul(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    a, b = node.args
    if a.shape.is_matrix and vals[0].ndim == 2 and vals[1].ndim == b.shape.rank:
        return vals[0] @ vals[1]
    return drop(np.matmul(lift(vals[0], a.shape), lift(vals[1], b.shape)), node.shape)


def _lower_scale(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    return trailing(vals[0], node.shape.rank) * vals[1]


def _lower_div(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    return vals[0] / trailing(vals[1], node.shape.rank)


def _lower_transpose(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    return np.swapaxes(vals[0], -1, -2) if node.shape.is_matrix else vals[0]


def _lower_sum(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    return np.sum(vals[0], axis=logical_axes(node.args[0].shape.rank))


def _lower_fill(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    dims = ctx.dims(node.shape)
    s = trailing(vals[0], len(dims))
    return np.broadcast_to(s, s.shape[:s.ndim - len(dims)] + dims).copy()


def _lower_eye(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    return np.eye(ctx.dims(node.shape)[0])


# --- index forms ----------------------------------------------------------------

def has_rows_cols(shape: Shape) -> tuple[bool, bool]:
    """Whether a value has a row index and a column index (a column vector has no column)."""
    return (shape.is_matrix or shape.is_col, shape.is_matrix or shape.row)


def _index_matmul(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    """(AB)[i,j] = Σ_k A[i,k] B[k,j], with vectors as one-index tensors."""
    a, b = node.args
    row, col = rows_cols(has_rows_cols(node.shape), idx)
    (a_rows, a_cols), (b_rows, _) = has_rows_cols(a.shape), has_rows_cols(b.shape)
    k = [ctx.fresh()] if a_cols and b_rows else []
    left = tuple(i for i in ([row] if a_rows else []) + k if i is not None)
    right = tuple(i for i in k + ([col] if has_rows_cols(b.shape)[1] else []) if i is not None)
    return summed(times(ctx.lower(a, left), ctx.lower(b, right)), k)


def _index_sum(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    ks = tuple(ctx.fresh() for _ in node.args[0].shape.dims)
    return summed(ctx.lower(node.args[0], ks), ks)


def _index_div(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    b = node.args[1]
    return times(ctx.lower(node.args[0], idx), single(tensor(div(const(1.0), b))))


def _index_ediv(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    b = node.args[1]
    recip = ediv(fill(const(1.0), b.shape), b)
    return times(ctx.lower(node.args[0], idx), single(tensor(recip, idx)))


# --- Kronecker forms: vec(node) = K vec(dX) ------------------------------------

def _linalg(name: str, *args: Node) -> Node:
    """vec, kron or diag (declared in linalg, which builds on this module)."""
    return multilinear(declared(name), args)


def _vec_of(x: Node) -> Node:
    """vec of a constant value (a vector is its own vec)."""
    return x if not x.shape.is_matrix else _linalg("vec", x)


def _kron_matmul(node: Node, ks: Sequence[Node]) -> Node:
    """vec(A dB) = (I ⊗ A) vec(dB); vec(dA B) = (B' ⊗ I) vec(dA)."""
    a, b = node.args
    left = mul(a if b.shape.is_col else _linalg("kron", eye(b.shape.cols), a), ks[1])
    right = transpose(b) if a.shape.row else _linalg("kron", transpose(b), eye(a.shape.rows))
    return add(left, mul(right, ks[0]))


def _kron_scale(node: Node, ks: Sequence[Node]) -> Node:
    """vec(s dX) = s vec(dX); vec(ds X) = vec(X) ds = vec(X) ⊗ K_s (K_s is 1×k)."""
    s, x = node.args
    return add(scale(s, ks[1]), _linalg("kron", _vec_of(x), ks[0]))


def _kron_had(node: Node, ks: Sequence[Node]) -> Node:
    """vec(A ⊙ dX) = diag(vec(A)) vec(dX)."""
    i = 0 if not is_zero(ks[0]) else 1
    return mul(_linalg("diag", _vec_of(node.args[1 - i])), ks[i])


def _kron_ediv(node: Node, ks: Sequence[Node]) -> Node:
    v = node.args[1]
    return mul(_linalg("diag", _vec_of(ediv(fill(const(1.0), v.shape), v))), ks[0])


def _kron_transpose(node: Node, ks: Sequence[Node]) -> Node:
    """vec(dX') = K(m,n) vec(dX), the commutation matrix."""
    x = node.args[0]
    if not x.shape.is_matrix:
        return ks[0]
    return mul(commutation(x.shape.dims[0], x.shape.dims[1]), ks[0])


def _kron_sum(node: Node, ks: Sequence[Node]) -> Node:
    """sum(dX) = 1' vec(dX)."""
    x = node.args[0]
    return mul(fill(const(1.0), Shape((x.shape.rows * x.shape.cols,), row=True)), ks[0])


# --- linearizations and transposes -----------------------------------------

def _jvp_linear(node: Node, ts: Sequence[Node]) -> Node:
    """For ops linear in all their arguments jointly: apply the op to the tangents."""
    return rebuild(node, ts)


def _jvp_bilinear(node: Node, ts: Sequence[Node]) -> Node:
    """d(a∘b) = da∘b + a∘db for a product-like op."""
    a, b = node.args
    return add(rebuild(node, [ts[0], b]), rebuild(node, [a, ts[1]]))


def _jvp_div(node: Node, ts: Sequence[Node]) -> Node:
    """d(t/s) = dt/s − (ds/s)·(t/s)."""
    return sub(div(ts[0], node.args[1]), scale(div(ts[1], node.args[1]), node))


def _jvp_ediv(node: Node, ts: Sequence[Node]) -> Node:
    """d(u./v) = du./v − (u./v).*dv./v."""
    return sub(ediv(ts[0], node.args[1]), ediv(had(node, ts[1]), node.args[1]))


ADD = Op("add", same_shape, _jvp_linear, lambda n, i, c: c, lambda n, v, c: v[0] + v[1], plus,
         "a + b", latex=plus,
         index=lambda n, i, c: c.lower(n.args[0], i) + c.lower(n.args[1], i),
         kron=lambda n, ks: add(ks[0], ks[1]), elementwise=True,
         source="{0} + {1}", surface=Absent("the operator +"),
         pointwise=True)
NEG = Op("neg", _first, _jvp_linear, lambda n, i, c: neg(c), lambda n, v, c: -v[0], minus, "-a", latex=minus,
         index=lambda n, i, c: scaled(c.lower(n.args[0], i), -1.0),
         kron=lambda n, ks: neg(ks[0]), scalar_multiple=True,
         source="-{0}", surface=Absent("the prefix operator -"),
         pointwise=True)
SCALE = Op("scale", _scale_shape, _jvp_bilinear,
           lambda n, i, c: inner(c, n.args[1]) if i == 0 else scale(n.args[0], c),
           _lower_scale, product("*"), "s*A: a scalar times anything", latex=tex_product(" "),
           index=lambda n, i, c: times(c.lower(n.args[0], ()), c.lower(n.args[1], i)),
           kron=_kron_scale, scalar_multiple=True,
           source=src.scale, surface=Absent("a*B, written as a product"),
           pointwise=True)
MATMUL = Op("matmul", _matmul_shape, _jvp_bilinear,
            lambda n, i, c: mul(c, transpose(n.args[1])) if i == 0 else mul(transpose(n.args[0]), c),
            _lower_matmul, product("*"),
            "A*B; G:(A dX B) = A'GB':dX gives the transposes Ā = C B', B̄ = A' C",
            latex=tex_product(" "), index=_index_matmul, kron=_kron_matmul,
            source=src.matmul, surface=Absent("the operator *"), cost="matmul",
            frobenius=("A:B*C = A*C':B", "A:B*C = B'*A:C"))
TRANSPOSE = Op("transpose", _transpose_shape, _jvp_linear, lambda n, i, c: transpose(c),
               _lower_transpose, postfix("'"), "A'", latex=tex_postfix(r"^{\top}"),
               index=lambda n, i, c: c.lower(n.args[0], i[::-1]), kron=_kron_transpose,
               source=src.transpose, surface=Absent("the postfix operator '"),
               frobenius=("A:B' = A':B",))
HAD = Op("hadamard", same_shape, _jvp_bilinear, lambda n, i, c: had(n.args[1 - i], c),
         lambda n, v, c: v[0] * v[1], product(".*"), "A.*B; G:(A⊙dX) = (A⊙G):dX",
         latex=tex_product(r" \odot "),
         index=lambda n, i, c: times(c.lower(n.args[0], i), c.lower(n.args[1], i)),
         kron=_kron_had, elementwise=True,
         source="{0} * {1}", surface=Absent("the operator .*"),
         pointwise=True, frobenius=("A:B.*C = A.*B:C",))
DIV = Op("div", _div_shape, _jvp_div, lambda n, i, c: div(c, n.args[1]), _lower_div,
         product("/"), "A/s for a scalar s", latex=tex_frac,
         index=_index_div, kron=lambda n, ks: div(ks[0], n.args[1]),
         scalar_multiple=True, domain="s ≠ 0",
         source="{0} / {1}", surface=Absent("the operator /"), sample="positive",
         pointwise=True)
EDIV = Op("ediv", same_shape, _jvp_ediv, lambda n, i, c: ediv(c, n.args[1]),
          lambda n, v, c: v[0] / v[1], product("./"), "A./B elementwise",
          latex=tex_product(r" \oslash "), index=_index_ediv,
          kron=_kron_ediv, elementwise=True,
          domain="B with no zero entry",
          source="{0} / {1}", surface=Absent("the operator ./"), sample="positive",
          pointwise=True, frobenius=("A:B./C = A./C:B",))
def _sum_call(c: Call) -> Node:
    """sum(X); the sum of a scalar is the scalar."""
    x = c.values[0]
    return x if x.shape.is_scalar else apply(SUM, (x,), None, c.unifier)


SUM = Op("sum", _sum_shape, _jvp_linear, lambda n, i, c: fill(c, n.args[0].shape), _lower_sum,
         call("sum"), "sum of all entries; its transpose broadcasts",
         latex=tex_call(r"\operatorname{sum}"), index=_index_sum, kron=_kron_sum,
         source=src.total, surface=Surface("sum", ("v",), build=_sum_call),
         frobenius=("sum(A) = matrix(1):A",))


def _fill_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    shape = node.shape
    if shape.is_scalar:
        return args[0]
    text = f"{'matrix' if shape.is_matrix else 'vector'}({args[0][0]})"
    return (text + "'", ATOM) if shape.row else (text, ATOM)


def sized_text(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    """A fill or identity printed with its size: matrix(c, m, n), vector(c, n)', eye(n)."""
    sizes = ", ".join(str(d) for d in node.shape.dims)
    if node.op is EYE:
        return f"eye({node.shape.dims[0]})", ATOM
    text = f"{'matrix' if node.shape.is_matrix else 'vector'}({args[0][0]}, {sizes})"
    return (text + "'", ATOM) if node.shape.row else (text, ATOM)


def _fill_latex(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    ones = r"\mathbf{1}" + (r"\mathbf{1}^{\top}" if node.shape.is_matrix else "")
    ones += r"^{\top}" if node.shape.row else ""
    return (ones, ATOM) if args[0][0] == "1" else (f"{args[0][0]}{ones}", MUL)


def _fill_call(name: str, rank: int) -> Surface:
    """vector(c), vector(c, n); matrix(c), matrix(c, m, n): a size not given is the context's."""
    def build(c: Call) -> Node:
        if not c.values[0].shape.is_scalar:
            raise ShapeError(f"{name}(c) takes a scalar c, got a {c.values[0].shape}")
        dims = c.sizes or tuple(c.unifier.fresh("n") for _ in range(rank))
        return apply(FILL, c.values, Shape(dims), c.unifier)
    sizes = "m, n" if rank == 2 else "n"
    return Surface(name, ("v", "v" + "s" * rank), build=build, shown=f"{name}(c), {name}(c, {sizes})")


FILL = Op("fill", _attr_shape, _jvp_linear, lambda n, i, c: sum_(c), _lower_fill, _fill_syntax,
          "vector(c) / matrix(c): every entry c, size from context", latex=_fill_latex,
          index=lambda n, i, c: c.lower(n.args[0], ()),
          kron=lambda n, ks: mul(fill(const(1.0), Shape((n.shape.rows * n.shape.cols,))), ks[0]),
          implicit=True,
          source=src.fill, surface=(_fill_call("vector", 1), _fill_call("matrix", 2)),
          pointwise=True)
EYE = Op("eye", _attr_shape, None, None, _lower_eye, lambda n, a: ("eye", ATOM),
         "the identity matrix, size from context", latex=lambda n, a: ("I", ATOM),
         index=lambda n, i, c: single(delta(*i)),
         source=src.eye, surface=Surface("eye", ("", "s"), shown="eye, eye(n)",
                                         build=lambda c: eye(c.sizes[0] if c.sizes else c.unifier.fresh("n"))))


# --- zero and the constructors ------------------------------------------------

def zero(shape: Shape) -> Node:
    """The one zero of a shape: ``0`` for a scalar, else every entry 0 (``matrix(0)``)."""
    if shape.is_scalar:
        return const(0.0)
    return Node(FILL, (const(0.0),), Shape(shape.dims, shape.row), Shape(shape.dims, shape.row))


def is_zero(n: Node) -> bool:
    """Whether ``n`` is a zero (``0``, or a fill of 0): the constructors fold it away."""
    return (n.op is CONST and n.attr == 0.0) or (n.op is FILL and is_zero(n.args[0]))


def zero_of(op: Op, args: Sequence[Node], attr: Hashable = None) -> Node:
    """The zero of the shape ``op(args)`` has (its shape rule checks the operands)."""
    return zero(apply(op, args, attr).shape)


def multilinear(op: Op, args: Sequence[Node], attr: Hashable = None) -> Node:
    """``op(args)`` for an op linear in each argument: zero where an argument is."""
    if any(is_zero(a) for a in args):
        return zero_of(op, args, attr)
    return apply(op, args, attr)


def rebuild(node: Node, args: Sequence[Node]) -> Node:
    """The same op on new arguments, through its constructor (zeros propagate)."""
    return CONSTRUCTORS[node.op](*args, **({"attr": node.attr} if node.op in NEEDS_ATTR else {}))


def add(a: Node, b: Node) -> Node:
    if is_zero(b):
        return a
    if is_zero(a):
        return b
    ca, cb = const_value(a), const_value(b)
    if ca is not None and cb is not None:
        return const(ca + cb)
    return apply(ADD, (a, b))


def neg(a: Node) -> Node:
    if is_zero(a):
        return a
    if a.op is NEG:
        return a.args[0]
    c = const_value(a)
    return const(-c) if c is not None else apply(NEG, (a,))


def sub(a: Node, b: Node) -> Node:
    return add(a, neg(b))


def add_all(terms: Iterable[Node], shape: Shape) -> Node:
    """t1 + t2 + …, associated to the left; ``zero(shape)`` for no terms."""
    out = zero(shape)
    for t in terms:
        out = add(out, t)
    return out


def scale(s: Node, x: Node) -> Node:
    """s*x for a scalar s."""
    if const_value(x) is not None:
        s, x = x, s
    cs, cx = const_value(s), const_value(x)
    if is_zero(s) or is_zero(x):
        return zero_of(SCALE, (s, x))
    if cs is not None and cx is not None:
        return const(cs * cx)
    if cs == 1.0:
        return x
    if cs == -1.0:
        return neg(x)
    return apply(SCALE, (s, x))


def mul(a: Node, b: Node) -> Node:
    """The language's ``*``: scaling when a side is scalar, else the matrix product."""
    if a.shape.is_scalar:
        return scale(a, b)
    if b.shape.is_scalar:
        return scale(b, a)
    if is_zero(a) or is_zero(b):
        return zero_of(MATMUL, (a, b))
    if a.op is EYE:
        return b
    if b.op is EYE:
        return a
    return apply(MATMUL, (a, b))


def transpose(a: Node) -> Node:
    if a.shape.is_scalar:
        return a
    if is_zero(a):
        return zero(a.shape.transposed())
    if a.op is TRANSPOSE or (a.op is FILL and a.shape.is_vector):
        return a.args[0] if a.op is TRANSPOSE else fill(a.args[0], a.shape.transposed())
    if a.op is EYE:
        return a
    return apply(TRANSPOSE, (a,))


def had(a: Node, b: Node) -> Node:
    """Elementwise product; a scalar side scales."""
    if a.shape.is_scalar or b.shape.is_scalar:
        return mul(a, b)
    if is_zero(a) or is_zero(b):
        return zero_of(HAD, (a, b))
    for x, y in ((a, b), (b, a)):
        if x.op is FILL:
            return scale(x.args[0], y)
    return apply(HAD, (a, b))


def div(a: Node, s: Node) -> Node:
    if is_zero(a):
        return zero_of(DIV, (a, s))
    cs = const_value(s)
    if cs == 1.0:
        return a
    ca = const_value(a)
    if ca is not None and cs is not None and cs != 0.0:
        return const(ca / cs)
    return apply(DIV, (a, s))


def ediv(a: Node, b: Node) -> Node:
    if b.shape.is_scalar:
        return div(a, b)
    if is_zero(a):
        return zero_of(EDIV, (a, b))
    return apply(EDIV, (a, b))


def sum_(a: Node) -> Node:
    if a.shape.is_scalar:
        return a
    if is_zero(a):
        return const(0.0)
    return apply(SUM, (a,))


def fill(s: Node, shape: Shape) -> Node:
    """Every entry ``s`` in the given shape (a scalar shape gives ``s`` itself)."""
    if shape.is_scalar:
        return s
    if is_zero(s):
        return zero(shape)
    return apply(FILL, (s,), shape)


def eye(n: Dim) -> Node:
    return Node(EYE, (), Shape((n, n)), Shape((n, n)))


def _lower_commutation(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    m, n = ctx.dims(Shape(node.attr))
    k = np.zeros((m * n, m * n))
    a, b = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    k[(b + n * a).ravel(), (a + m * b).ravel()] = 1.0
    return k


COMMUTATION = Op("commutation", lambda s, attr, u: Shape((attr[0] * attr[1],) * 2), None, None,
                 _lower_commutation, lambda n, a: (f"commutation({n.attr[0]}, {n.attr[1]})", ATOM),
                 "K(m,n) with K vec(A) = vec(A') for an m×n matrix A",
                 latex=lambda n, a: (rf"K_{{{n.attr[0]},{n.attr[1]}}}", ATOM),
                 source=src.commutation,
                 surface=Surface("commutation", ("ss",), lambda c: (c.sizes[0], c.sizes[1]),
                                 shown="commutation(m, n)"))


def commutation(m: Dim, n: Dim) -> Node:
    return apply(COMMUTATION, (), (m, n))


def chain_factors(n: Node) -> list[Node]:
    """The factors of a product chain A*B*C…, however it is parenthesized (iterative)."""
    out: list[Node] = []
    stack = [n]
    while stack:
        x = stack.pop()
        if x.op is MATMUL:
            stack.extend(reversed(x.args))
        else:
            out.append(x)
    return out


def chain_product(factors: Sequence[Node]) -> Node:
    """The product A*B*C… of a nonempty chain, left to right (the inverse of chain_factors)."""
    out = factors[0]
    for f in factors[1:]:
        out = mul(out, f)
    return out


def inner(a: Node, b: Node) -> Node:
    """The Frobenius product a:b = sum(a.*b), written a'*b for column vectors."""
    if a.shape.is_scalar:
        return mul(a, b)
    if a.shape.is_vector:
        return mul(a, transpose(b)) if a.shape.row else mul(transpose(a), b)
    return sum_(had(a, b))


CONSTRUCTORS: dict[Op, Callable[..., Node]] = {
    ADD: add, NEG: neg, SCALE: scale, MATMUL: mul, TRANSPOSE: transpose, HAD: had,
    DIV: div, EDIV: ediv, SUM: sum_, FILL: lambda s, attr: fill(s, attr)}
NEEDS_ATTR = {FILL}


def with_args(node: Node, args: Sequence[Node]) -> Node:
    """The node on new arguments, through its constructor's light folding if it has one."""
    if tuple(args) == node.args:
        return node
    return rebuild(node, args) if node.op in CONSTRUCTORS else apply(node.op, args, node.attr)


def register(op: Op, constructor: object, needs_attr: bool = False) -> None:
    """Let ``rebuild`` reach the constructor of an op declared in another module."""
    CONSTRUCTORS[op] = constructor  # type: ignore[assignment]
    if needs_attr:
        NEEDS_ATTR.add(op)

