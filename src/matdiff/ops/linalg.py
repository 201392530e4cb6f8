"""Linear algebra and reductions: tr, diag, vec, kron, det, logdet, inv, norms,
softmax and logsumexp. Each op: shape rule, linearization, transpose rule (for
linear ops), NumPy lowering and printing, side by side.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence, cast

import numpy as np
from scipy import special

from ..dims import SCALAR, Shape, Unifier
from ..errors import DomainError, ShapeError
from ..expr import ATOM, POSTFIX, Context, Node, Op, Surface, Syntax, apply, square
from .arithmetic import (multilinear, _jvp_bilinear, _jvp_linear, div, eye, fill, had, has_rows_cols,
                         inner, mul, neg, register, scale, sub, transpose)
from .elementwise import sign, unary
from .lowering import lift, logical_axes
from ..indexing import (IndexContext, Term, Terms, delta, kron_bracket, rows_cols, single, summed, times,
                        vec_bracket)
from .notation import call, paren_tex, tex_call, tex_product, tex_wrap
from . import source as src


def _scalar_of_any(what: str):
    def rule(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
        if shapes[0].is_scalar:
            raise ShapeError(f"{what} expects a vector or a matrix, got a scalar")
        return SCALAR
    return rule


def _scalar_of_square(what: str):
    def rule(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
        square(shapes[0], what, u)
        return SCALAR
    return rule


def _square_of_square(what: str):
    def rule(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
        n = square(shapes[0], what, u)
        return Shape((n, n))
    return rule


def _diag_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    s = shapes[0]
    if s.is_vector:
        return Shape((s.dims[0], s.dims[0]))
    if s.is_matrix:
        return Shape((square(s, "diag", u),))
    raise ShapeError("diag expects a vector (to build a diagonal matrix) or a square matrix")


def _vec_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    s = shapes[0]
    if s.is_scalar:
        raise ShapeError("vec expects a vector or a matrix, got a scalar")
    return Shape((s.rows * s.cols,))


def _kron_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    a, b = shapes
    if a.is_scalar or b.is_scalar:
        raise ShapeError("kron expects vectors or matrices; scale a scalar with '*'")
    if a.is_vector and b.is_vector and a.row == b.row:
        return Shape((a.dims[0] * b.dims[0],), a.row)
    return Shape((a.rows * b.rows, a.cols * b.cols))


#: Why an op that only a gradient contains (a transpose) needs no forward-mode form.
_GRADIENT_ONLY = "appears only in gradients, never along a direction"


def _kron_part_shape(name: str, known: int) -> Callable[[Sequence[Shape], Any, Unifier], Shape]:
    """kron_l(A, C, sizes of B) and kron_r(C, B, sizes of A): C must be the size of A⊗B."""
    def rule(shapes: Sequence[Shape], attr: Any, u: Unifier) -> Shape:
        part, c = shapes[known], shapes[1 - known]
        if c.is_scalar or part.is_scalar:
            raise ShapeError(f"{name} expects vectors or matrices")
        other = cast(Shape, attr)
        a, b = (part, other) if known == 0 else (other, part)
        try:
            u.unify(c.rows, a.rows * b.rows)
            u.unify(c.cols, a.cols * b.cols)
        except ShapeError:
            raise ShapeError(f"{name}: a {c} is not the size of a Kronecker product of a {a} "
                             f"and a {b}") from None
        return other
    return rule


def _sized_call(name: str) -> Syntax:
    """``name(args…, sizes of the result)``, so that it parses back."""
    def syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
        return f"{name}({', '.join([a for a, _ in args] + [str(d) for d in node.shape.dims])})", ATOM
    return syntax


def _softmax_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    if not shapes[0].is_vector:
        raise ShapeError(f"softmax expects a vector, got a {shapes[0]}")
    return shapes[0]


def _attr_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    return attr  # type: ignore[return-value]


# --- lowerings ----------------------------------------------------------------

def _lower_diag(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    v = vals[0]
    if node.shape.is_matrix:
        return v[..., :, None] * np.eye(v.shape[-1])
    return np.diagonal(v, axis1=-2, axis2=-1).copy()


def _lower_vec(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    m = lift(vals[0], node.args[0].shape)
    return np.swapaxes(m, -1, -2).reshape(m.shape[:-2] + (-1,))


def _lower_unvec(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    r, c = ctx.dims(Shape((node.shape.rows, node.shape.cols)))
    m = np.swapaxes(vals[0].reshape(vals[0].shape[:-1] + (c, r)), -1, -2)
    return m if node.shape.is_matrix else m.reshape(m.shape[:-2] + (-1,))


def _kron4(c: np.ndarray, left: tuple[int, int], right: tuple[int, int]) -> np.ndarray:
    """A Kronecker-indexed matrix C[(i,k),(j,l)] as C[i,k,j,l]."""
    return c.reshape(c.shape[:-2] + (left[0], right[0], left[1], right[1]))


def _shaped(value: np.ndarray, shape: Shape) -> np.ndarray:
    """Give a 2-D lifted result the node's logical shape."""
    return value.reshape(value.shape[:-2] + (-1,)) if shape.is_vector else value


def _lower_kron(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    a, b = (lift(v, x.shape) for v, x in zip(vals, node.args))
    out = np.einsum("...ij,...kl->...ikjl", a, b)
    return _shaped(out.reshape(out.shape[:-4] + (a.shape[-2] * b.shape[-2], -1)), node.shape)


def _lower_kron_l(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    a = lift(vals[0], node.args[0].shape)
    rb, cb = ctx.dims(Shape((node.shape.rows, node.shape.cols)))
    c = _kron4(lift(vals[1], node.args[1].shape), a.shape[-2:], (rb, cb))
    return _shaped(np.einsum("...ij,...ikjl->...kl", a, c), node.shape)


def _lower_kron_r(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    b = lift(vals[1], node.args[1].shape)
    ra, ca = ctx.dims(Shape((node.shape.rows, node.shape.cols)))
    c = _kron4(lift(vals[0], node.args[0].shape), (ra, ca), b.shape[-2:])
    return _shaped(np.einsum("...ikjl,...kl->...ij", c, b), node.shape)


def _lower_logdet(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    sgn, logabs = np.linalg.slogdet(vals[0])
    if np.any(sgn <= 0):
        raise DomainError("logdet needs a matrix with a positive determinant")
    return logabs


#: inv refuses a matrix whose 1-norm condition number exceeds this (about 1/(100·eps)):
#: singular to working precision, where LAPACK may still return an "inverse" of noise.
MAX_CONDITION = 1 / (100 * np.finfo(float).eps)


def _lower_inv(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    """inv(X), refusing singular X, also when rounding hides the singularity
    (‖X‖₁·‖inv(X)‖₁ is the 1-norm condition number)."""
    try:
        out = np.linalg.inv(vals[0])
    except np.linalg.LinAlgError:
        raise DomainError("inv of a singular matrix") from None
    condition = np.abs(vals[0]).sum(axis=-2).max(axis=-1) * np.abs(out).sum(axis=-2).max(axis=-1)
    if not np.all(condition <= MAX_CONDITION):
        raise DomainError(f"inv of a matrix singular to working precision (condition number "
                          f"{np.max(condition):.1e})")
    return out


def _lower_softmax(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    return special.softmax(vals[0], axis=-1)


def _lower_norm2(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    """‖u‖ = m·‖u/m‖ with m = max|u|: no overflow at 1e200, no underflow at 1e-200."""
    axes = logical_axes(node.args[0].shape.rank)
    m = np.max(np.abs(vals[0]), axis=axes, keepdims=True)
    scale = np.where(m > 0, m, 1.0)
    return np.squeeze(scale, axis=axes) * np.sqrt(np.sum((vals[0] / scale) ** 2, axis=axes))


# --- linearizations -------------------------------------------------------------

def _jvp_det(node: Node, ts: Sequence[Node]) -> Node:
    """d det X = tr(adj(X) dX) (= det X · tr(X⁻¹ dX) where X is nonsingular)."""
    return trace(mul(adj(node.args[0]), ts[0]))


def adjugate(x: np.ndarray) -> np.ndarray:
    """adj(X) for a stack of square matrices, defined at singular X too: with the SVD
    X = U S V', adj(X) = det(U) det(V) · V adj(S) U', adj(S) = diag(Π_{j≠i} s_j)."""
    u, s, vh = np.linalg.svd(x)
    ones = np.ones_like(s[..., :1])
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return sign[..., None, None] * (np.swapaxes(vh, -1, -2) * (before * after)[..., None, :]) \
        @ np.swapaxes(u, -1, -2)


def _jvp_adj(node: Node, ts: Sequence[Node]) -> Node:
    """d adj X = tr(adj X dX) X⁻¹ − adj X dX X⁻¹ (from adj(X) X = det(X) I; X nonsingular)."""
    x_inv = inv(node.args[0])
    first = mul(node, ts[0])
    return sub(scale(trace(first), x_inv), mul(first, x_inv))


def _jvp_logdet(node: Node, ts: Sequence[Node]) -> Node:
    """d logdet X = tr(X⁻¹ dX)."""
    return trace(mul(inv(node.args[0]), ts[0]))


def _jvp_inv(node: Node, ts: Sequence[Node]) -> Node:
    """d X⁻¹ = −X⁻¹ dX X⁻¹."""
    return neg(mul(mul(node, ts[0]), node))


def _jvp_norm2(node: Node, ts: Sequence[Node]) -> Node:
    """d‖u‖ = (u:du)/‖u‖."""
    return div(inner(node.args[0], ts[0]), node)


def _jvp_norm1(node: Node, ts: Sequence[Node]) -> Node:
    """d‖u‖₁ = sign(u):du."""
    return inner(sign(node.args[0]), ts[0])


def _jvp_lse(node: Node, ts: Sequence[Node]) -> Node:
    """d logsumexp(u) = exp(u − logsumexp(u)):du."""
    u = node.args[0]
    return inner(unary("exp", sub(u, fill(node, u.shape))), ts[0])


def _jvp_softmax(node: Node, ts: Sequence[Node]) -> Node:
    """d s = s.*dx − (s'dx) s for s = softmax(x)."""
    return sub(had(node, ts[0]), scale(inner(node, ts[0]), node))


def _vjp_kron(node: Node, i: int, c: Node) -> Node:
    a, b = node.args
    return kron_r(c, b, a.shape) if i == 0 else kron_l(a, c, b.shape)


def _vjp_kron_l(node: Node, i: int, c: Node) -> Node:
    a, k = node.args
    return kron_r(k, c, a.shape) if i == 0 else kron(a, c)


def _vjp_kron_r(node: Node, i: int, c: Node) -> Node:
    k, b = node.args
    return kron(c, b) if i == 0 else kron_l(c, k, b.shape)


def _index_trace(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    k = ctx.fresh()
    return summed(ctx.lower(node.args[0], (k, k)), [k])


def _index_diag(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    if node.shape.is_matrix:
        return times(ctx.lower(node.args[0], idx[:1]), single(delta(*idx)))
    return ctx.lower(node.args[0], (idx[0], idx[0]))


def _index_vec(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    """vec(X)[i] = X[a,b] where i = a + m·b (column-major, m rows)."""
    x = node.args[0]
    if x.shape.is_vector:
        return ctx.lower(x, idx)
    a, b = ctx.fresh(), ctx.fresh()
    where = single(vec_bracket(idx[0], a, b, x.shape.dims[0]))
    return summed(times(where, ctx.lower(x, (a, b))), [a, b])


def _index_kron(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    """(A⊗B)[i,j] = A[a,b] B[c,d] where i = a·p + c, j = b·q + d (B is p×q)."""
    a, b = node.args
    out = rows_cols(has_rows_cols(node.shape), idx)
    size = (b.shape.rows, b.shape.cols)
    index_a: list[str] = []
    index_b: list[str] = []
    result: Terms = [Term()]
    sums: list[str] = []
    for axis in (0, 1):
        has_a, has_b = has_rows_cols(a.shape)[axis], has_rows_cols(b.shape)[axis]
        target = out[axis]
        if has_a and has_b:
            pa, pb = ctx.fresh(), ctx.fresh()
            result = times(result, single(kron_bracket(str(target), pa, pb, size[axis])))
            sums += [pa, pb]
            index_a.append(pa)
            index_b.append(pb)
        elif has_a or has_b:
            (index_a if has_a else index_b).append(target)  # type: ignore[arg-type]
    return summed(times(result, times(ctx.lower(a, tuple(index_a)), ctx.lower(b, tuple(index_b)))),
                  sums)


TRACE = Op("tr", _scalar_of_square("tr"), _jvp_linear,
           lambda n, i, c: scale(c, eye(n.args[0].shape.dims[0])),
           lambda n, v, c: np.trace(v[0], axis1=-2, axis2=-1), call("tr"), "trace; G:tr(dX) gives G·I",
           latex=tex_call(r"\operatorname{tr}"), index=_index_trace,
           kron=lambda n, ks: mul(transpose(vec(eye(n.args[0].shape.dims[0]))), ks[0]),
           domain="square X",
           source="{xp}.trace({0})", surface=Surface("tr", ("v",)),
           frobenius=("tr(A) = eye:A",))
DIAG = Op("diag", _diag_shape, _jvp_linear, lambda n, i, c: diag(c), _lower_diag, call("diag"),
          "diag(v): diagonal matrix; diag(X): the diagonal; each is the other's transpose",
          latex=tex_call(r"\operatorname{diag}"), index=_index_diag,
          source="{xp}.diag({0})", surface=Surface("diag", ("v",), shown="diag(x), diag(X)"),
          lacks=(("kron", "diag(dX) selects or spreads entries of vec(dX): no Kronecker product writes it"),))
VEC = Op("vec", _vec_shape, _jvp_linear, lambda n, i, c: unvec(c, n.args[0].shape), _lower_vec,
         call("vec"), "stacks columns; transpose: unvec", latex=tex_call(r"\operatorname{vec}"),
         index=_index_vec, kron=lambda n, ks: ks[0],
         source=src.vec, surface=Surface("vec", ("v",)))
UNVEC = Op("unvec", _attr_shape, _jvp_linear, lambda n, i, c: vec(c), _lower_unvec,
           lambda n, a: (f"unvec({a[0][0]}, {n.shape.rows}, {n.shape.cols})", 60),
           "the inverse of vec for a given shape",
           source=src.unvec, surface=Surface("unvec", ("vss",), lambda c: Shape(c.sizes), shown="unvec(v, m, n)"),
           lacks=(("index", _GRADIENT_ONLY + " (the transpose of vec)"),
                  ("kron", _GRADIENT_ONLY)))
KRON = Op("kron", _kron_shape, _jvp_bilinear, _vjp_kron, _lower_kron, call("kron"),
          "Kronecker product A⊗B", latex=tex_product(r" \otimes "),
          index=_index_kron,
          source=src.kron, surface=Surface("kron", ("vv",), shown="kron(A, B)"),
          lacks=(("kron", "vec(kron(A, dX)) is a permuted Kronecker product; not written out"),))
KRON_L = Op("kron_l", _kron_part_shape("kron_l", 0), _jvp_bilinear, _vjp_kron_l, _lower_kron_l,
            _sized_call("kron_l"),
            "B̄[k,l] = Σ A[i,j] C[(i,k),(j,l)]: the transpose of B ↦ A⊗B",
            latex=tex_call(r"\operatorname{kron}_{L}"),
            source=src.kron_l, surface=Surface("kron_l", ("vvs", "vvss"), lambda c: Shape(c.sizes), shown="kron_l(A, C, k, l)"),
            lacks=(("index", _GRADIENT_ONLY + " (the transpose of B ↦ A⊗B)"),
                   ("kron", _GRADIENT_ONLY)))
KRON_R = Op("kron_r", _kron_part_shape("kron_r", 1), _jvp_bilinear, _vjp_kron_r, _lower_kron_r,
            _sized_call("kron_r"),
            "Ā[i,j] = Σ C[(i,k),(j,l)] B[k,l]: the transpose of A ↦ A⊗B",
            latex=tex_call(r"\operatorname{kron}_{R}"),
            source=src.kron_r, surface=Surface("kron_r", ("vvs", "vvss"), lambda c: Shape(c.sizes), shown="kron_r(C, B, i, j)"),
            lacks=(("index", _GRADIENT_ONLY + " (the transpose of A ↦ A⊗B)"),
                   ("kron", _GRADIENT_ONLY)))
DET = Op("det", _scalar_of_square("det"), _jvp_det, None, lambda n, v, c: np.linalg.det(v[0]),
         call("det"), "determinant", latex=tex_call(r"\det"),
         domain="square X",
         source="{linalg}.det({0})", surface=Surface("det", ("v",)), cost="cubic")
LOGDET = Op("logdet", _scalar_of_square("logdet"), _jvp_logdet, None, _lower_logdet,
            call("logdet"), "log of a positive determinant", latex=tex_call(r"\log\det"),
            domain="square X with det X > 0",
            source="{linalg}.slogdet({0})[1]", surface=Surface("logdet", ("v",)), cost="cubic", sample="spd")
ADJ = Op("adj", _square_of_square("adj"), _jvp_adj, None, lambda n, v, c: adjugate(v[0]),
         call("adj"), "adjugate: adj(X) X = det(X) I; adj(X) = det(X) inv(X) for a nonsingular X",
         latex=tex_call(r"\operatorname{adj}"),
         domain="every square X (its derivative needs X nonsingular)",
         source="{adj}({0})", surface=Surface("adj", ("v",)), cost="cubic", sample="nonsingular")
INV = Op("inv", _square_of_square("inv"), _jvp_inv, None, _lower_inv, call("inv"), "inverse",
          latex=lambda n, a: (rf"{{{paren_tex(a[0], POSTFIX)}}}^{{-1}}", POSTFIX),
          domain="nonsingular square X",
         source="{linalg}.inv({0})", surface=Surface("inv", ("v",)), cost="cubic", sample="nonsingular")
NORM2 = Op("norm2", _scalar_of_any("norm2"), _jvp_norm2, None, _lower_norm2, call("norm2"),
           "Euclidean norm of a vector, Frobenius norm of a matrix",
           latex=lambda n, a: tex_wrap(r"\left\lVert ", r"\right\rVert_{" +
                                       ("F" if n.args[0].shape.is_matrix else "2") + "}")(n, a),
           domain="all real u (u ≠ 0 for the derivative)",
           source="{norm2}({0})", surface=Surface("norm2", ("v",), shown="norm2(u)"), sign=0)
NORM1 = Op("norm1", _scalar_of_any("norm1"), _jvp_norm1, None,
           lambda n, v, c: np.sum(np.abs(v[0]), axis=logical_axes(n.args[0].shape.rank)),
           call("norm1"), "sum of absolute values",
           latex=tex_wrap(r"\left\lVert ", r"\right\rVert_{1}"),
           domain="all real u (no zero entry for the derivative)",
           source="{xp}.sum({xp}.abs({0}))", surface=Surface("norm1", ("v",), shown="norm1(u)"), sample="away0",
           sign=0)
LSE = Op("logsumexp", _scalar_of_any("logsumexp"), _jvp_lse, None,
         lambda n, v, c: special.logsumexp(v[0], axis=logical_axes(n.args[0].shape.rank)),
         call("logsumexp"), "log Σ exp(u)",
         source="{logsumexp}({0})", surface=Surface("logsumexp", ("v",), shown="logsumexp(u)"))
SOFTMAX = Op("softmax", _softmax_shape, _jvp_softmax, None, _lower_softmax, call("softmax"),
             "exp(x)/Σexp(x)",
             source="{softmax}({0})", surface=Surface("softmax", ("v",), shown="softmax(x)"), sign=1)


def trace(x: Node) -> Node:
    return multilinear(TRACE, (x,))


def diag(x: Node) -> Node:
    return multilinear(DIAG, (x,))


def vec(x: Node) -> Node:
    return multilinear(VEC, (x,))


def unvec(x: Node, shape: Shape) -> Node:
    return multilinear(UNVEC, (x,), shape)


def kron(a: Node, b: Node) -> Node:
    return multilinear(KRON, (a, b))


def kron_l(a: Node, c: Node, shape: Shape) -> Node:
    return multilinear(KRON_L, (a, c), shape)


def kron_r(c: Node, b: Node, shape: Shape) -> Node:
    return multilinear(KRON_R, (c, b), shape)


def adj(x: Node) -> Node:
    return apply(ADJ, (x,))


def inv(x: Node) -> Node:
    if x.op is INV:
        return x.args[0]
    return apply(INV, (x,))


for _op, _make in ((TRACE, trace), (DIAG, diag), (VEC, vec), (KRON, kron)):
    register(_op, _make)
register(UNVEC, lambda x, attr: unvec(x, attr), needs_attr=True)
register(KRON_L, lambda a, c, attr: kron_l(a, c, attr), needs_attr=True)
register(KRON_R, lambda c, b, attr: kron_r(c, b, attr), needs_attr=True)
