"""Rewrites that make generated code fast, under a cost model over the dimensions
(concrete sizes where the shapes give them, else ``ASSUMED`` for each symbol):

* matrix chains multiplied in the cheapest order (dynamic programming);
* a product with a sum distributed when that is cheaper (``(T - U*V')*V`` →
  ``T*V - U*(V'*V)``, ``(A + A')*x`` → ``A*x + A'*x``: no matrix temporaries);
* ``diag(v)*A`` and ``A*diag(v)`` as row and column scalings, never a dense diagonal;
* a scalar factor applied to the smallest operand of a product (``2*(u*v')`` → ``(2*u)*v'``);
* for an spd ``X``, ``inv(X)*B`` as a Cholesky solve and ``inv(X)`` from the Cholesky factor;
* ``A'*v`` as ``(v'*A)'``: a matrix read as it is stored, never copied transposed;
* common subexpressions are computed once by construction (the expression is a DAG).
"""
from __future__ import annotations

from typing import Callable, Sequence, cast

import numpy as np

from ..dims import Dim, Shape, Structure, Unifier
from ..expr import Absent, Node, Op, apply
from ..ops import arithmetic as ar
from ..ops import batch as bt
from ..ops import linalg as la
from ..ops import source as src
from ..ops.notation import product

#: The size assumed for a dimension the shapes leave symbolic.
ASSUMED = 1000


def _scaled_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    return shapes[1] if shapes[0].is_vector else shapes[0]


SCALE_ROWS = Op("scale_rows", _scaled_shape, None, None,
                lambda n, v, c: v[0][..., :, None] * v[1], product("*"),
                "diag(v)*A computed as a row scaling",
                source="{0}[:, None] * {1}", surface=Absent("generated code only: diag(v)*A"))
SCALE_COLS = Op("scale_cols", _scaled_shape, None, None,
                lambda n, v, c: v[0] * v[1][..., None, :], product("*"),
                "A*diag(v) computed as a column scaling",
                source="{0} * {1}[None, :]", surface=Absent("generated code only: A*diag(v)"))


BROADCAST = Op("broadcast", lambda s, attr, u: attr, None, None,
               lambda n, v, c: v[0][..., None, :] if n.args[0].shape.row else v[0][..., :, None],
               lambda n, a: (a[0][0], 60),
               "a vector beside a matrix in an elementwise op, as a broadcasting view (no copy)",
               source=lambda n, a, s: src.lift(n.args[0], a[0]),
               surface=Absent("generated code only: an expansion as a view"))


def _broadcasting(n: Node) -> Node | None:
    """In A + expand(v), A.*expand(v), A./expand(v): v[:, None] (or v[None, :]) broadcasts
    without building the matrix; -expand(v) likewise as (-v)[:, None]; a fill beside a
    matrix is its scalar (1 - T.^2)."""
    if not n.op.elementwise:
        return None
    vectors = [_expanded(a) for a in n.args]
    if all(v is not None for v in vectors) or not any(v is not None for v in vectors):
        return None
    args = tuple(a if v is None else v if v.shape.is_scalar else apply(BROADCAST, (v,), n.shape)
                 for a, v in zip(n.args, vectors))
    return Node(n.op, args, n.attr, n.shape)


def _expanded(a: Node) -> Node | None:
    """v where a is expand(v) or fill(v), or -v where a is -expand(v) or -fill(v)."""
    if a.op in (bt.EXPAND, ar.FILL):
        return a.args[0]
    if a.op is ar.NEG and a.args[0].op in (bt.EXPAND, ar.FILL):
        return ar.neg(a.args[0].args[0])
    return None


def _spd_solve_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    return shapes[1]


SPD_INV = Op("spd_inv", lambda s, a, u: s[0], None, None,
             lambda n, v, c: np.linalg.inv(v[0]), lambda n, a: (f"inv({a[0][0]})", 60),
             "inv(X) of an spd X, by a Cholesky factorization",
             source="{spd_inv}({0})", surface=Absent("generated code only: inv(X) of an spd X"), cost="cubic")
SPD_SOLVE = Op("spd_solve", _spd_solve_shape, None, None,
               lambda n, v, c: np.linalg.solve(v[0], v[1]), product("\\"),
               "inv(X)*B for an spd X, by a Cholesky solve (never forming inv(X))",
               source="{spd_solve}({0}, {1})",
               surface=Absent("generated code only: inv(X)*B of an spd X"), cost="cubic")


def size(d: Dim) -> float:
    return float(d.coef) * ASSUMED ** len(d.syms)


def numel(shape: Shape) -> float:
    return float(np.prod([size(d) for d in shape.dims])) if shape.dims else 1.0


#: Relative costs: a blocked matrix product runs about this many multiply-adds in the time
#: of one memory access; elementwise ops and matrix-vector products are memory bound.
GEMM_SPEEDUP = 16.0
ELEMENTWISE = 3.0


def cost(root: Node) -> float:
    """Estimated time (in memory accesses) to evaluate ``root``, each distinct node once,
    by each op's cost kind (``Op.cost``): a product by its multiply-adds, a factorization
    by the cube of its size, anything else by its entries."""
    total = 0.0
    for n in root.walk():
        if n.op.cost == "matmul":
            a, b = n.args
            p, q, r = size(a.shape.rows), size(a.shape.cols), size(b.shape.cols)
            total += p * q * r / (GEMM_SPEEDUP if min(p, q, r) > 1 else 0.5)
        elif n.op.cost == "cubic":
            total += size(n.args[0].shape.rows) ** 3 / GEMM_SPEEDUP * 4
        elif n.op.cost == "elementwise" and n.args:
            total += ELEMENTWISE * numel(n.shape)
    return total


def _chain(factors: list[Node]) -> Node:
    """The cheapest parenthesization of A1*A2*…*Ak (matrix-chain dynamic programming)."""
    k = len(factors)
    dims = [size(factors[0].shape.rows)] + [size(f.shape.cols) for f in factors]
    best = {(i, i): (0.0, factors[i]) for i in range(k)}
    for span in range(1, k):
        for i in range(k - span):
            j = i + span
            options = []
            for s in range(i, j):
                c = best[(i, s)][0] + best[(s + 1, j)][0] + dims[i] * dims[s + 1] * dims[j + 1]
                options.append((c, s))
            c, s = min(options, key=lambda o: o[0])
            best[(i, j)] = (c, cast(Node, ar.mul(best[(i, s)][1], best[(s + 1, j)][1])))
    return best[(0, k - 1)][1]


def _distributed(n: Node) -> Node | None:
    """A product with a sum on one side, multiplied out (each part chain-ordered)."""
    a, b = n.args
    for i, side in enumerate((a, b)):
        if side.op is ar.ADD:
            parts = [ar.mul(p, b) if i == 0 else ar.mul(a, p) for p in side.args]
            return ar.add(*(_best(p) for p in parts))
        if side.op is ar.NEG:
            inner = ar.mul(side.args[0], b) if i == 0 else ar.mul(a, side.args[0])
            return ar.neg(_best(inner))
    return None


def _best(n: Node) -> Node:
    if n.op is not ar.MATMUL:
        return n
    factors = ar.chain_factors(n)
    ordered = _chain(factors) if len(factors) > 2 else n
    other = _distributed(ordered)
    if other is not None and cost(other) < cost(ordered):
        return other
    return ordered


def _scaling(n: Node) -> Node | None:
    if n.op is ar.MATMUL:
        a, b = n.args
        if a.op is la.DIAG and a.shape.is_matrix and b.shape.is_matrix:
            return apply(SCALE_ROWS, (a.args[0], b))
        if b.op is la.DIAG and b.shape.is_matrix and a.shape.is_matrix:
            return apply(SCALE_COLS, (a, b.args[0]))
    return None


def _scale_smallest(n: Node) -> Node | None:
    """s*(A*B) = (s*A)*B when A is much smaller than the product (an outer product,
    a matrix-vector product): scale the small operand, not the big result."""
    if n.op is ar.SCALE and n.args[1].op is ar.MATMUL:
        s, (a, b) = n.args[0], n.args[1].args
        small = min((a, b), key=lambda x: numel(x.shape))
        if numel(small.shape) * 4 <= numel(n.shape):
            return ar.mul(ar.scale(s, a), b) if small is a else ar.mul(a, ar.scale(s, b))
    return None


def _spd(n: Node) -> bool:
    """inv of a variable declared spd."""
    return n.op is la.INV and n.args[0].shape.structure is Structure.SPD


def _cholesky(n: Node) -> Node | None:
    """inv(X)*B = X\\B and inv(X) itself by Cholesky when X is spd."""
    if n.op is ar.MATMUL and (_spd(n.args[0]) or n.args[0].op is SPD_INV) \
            and not n.args[1].shape.row:
        return apply(SPD_SOLVE, (n.args[0].args[0], n.args[1]))
    if _spd(n):
        return apply(SPD_INV, n.args)
    return None


def optimize_all(roots: Sequence[Node]) -> list[Node]:
    """The outputs of one generated function, each cheaper to evaluate, sharing what
    they compute alike up to a transpose (the gradients of attention by Q and by K)."""
    fast = _shared_transposes([_cheaper(r) for r in roots])
    return [_final(_final(r, _stored_order), _broadcasting) for r in fast]


def optimize(root: Node) -> Node:
    """An equal expression that is cheaper to evaluate."""
    return optimize_all([root])[0]


def _transposed(n: Node, memo: dict[Node, Node]) -> Node:
    """n' with the transpose pushed to the leaves: (AB)' = B'A', (A⊙B)' = A'⊙B', …"""
    if n in memo:
        return memo[n]
    if not n.shape.is_matrix:
        return cast(Node, ar.transpose(n))
    a = n.args
    if n.op is ar.MATMUL:
        out = ar.mul(_transposed(a[1], memo), _transposed(a[0], memo))
    elif n.op in (ar.ADD, ar.HAD, ar.EDIV, ar.NEG, ar.SCALE, ar.DIV):
        out = ar.rebuild(n, [x if x.shape.is_scalar else _transposed(x, memo) for x in a])
    elif n.op is bt.EXPAND:
        out = bt.expand(ar.transpose(a[0]), n.shape.transposed())
    else:
        out = ar.transpose(n)
    memo[n] = cast(Node, out)
    return memo[n]


def _transposes(n: Node) -> int:
    return sum(1 for m in n.walk() if m.op is ar.TRANSPOSE)


def _shared_transposes(roots: list[Node]) -> list[Node]:
    """Where a matrix M computed in one output is, written with its transposes pushed
    inward, the transpose of a matrix N computed anyway, compute M as N'."""
    memo: dict[Node, Node] = {}
    nodes = list(dict.fromkeys(n for r in roots for n in r.walk()))
    computed = {n for n in nodes if n.shape.is_matrix and n.op is not ar.TRANSPOSE and n.args}
    alias: dict[Node, Node] = {}
    for n in nodes:
        if n in computed and n.op in (ar.MATMUL, ar.HAD, ar.ADD, ar.EDIV, ar.NEG, ar.SCALE, ar.DIV):
            t = _transposed(n, memo)
            if t != n and t in computed and t not in alias and n not in alias:
                keep, drop = (n, t) if _transposes(n) <= _transposes(t) else (t, n)
                alias[drop] = keep  # compute the form with fewer transposes
    if not alias:
        return roots
    out: dict[Node, Node] = {}
    for r in roots:
        for n in r.walk():
            if n in alias:
                out[n] = ar.transpose(out.get(alias[n], alias[n]))
            else:
                out[n] = ar.with_args(n, [out[a] for a in n.args])
    return [out[r] for r in roots]


def _cheaper(root: Node) -> Node:
    out: dict[Node, Node] = {}
    for n in root.walk():
        new = ar.with_args(n, [out[a] for a in n.args])
        if new.op is ar.MATMUL:
            new = _best(new)
            new = _scaling(new) or new
        elif new.op is ar.SCALE:
            new = _scale_smallest(new) or new
        out[n] = _cholesky(new) or new
    return out[root]


def _stored_order(n: Node) -> Node | None:
    """A'*v as (v'*A)' and u'*A' as (A*u)' for vectors u, v: the same numbers, A read as
    it is stored (XLA on the CPU copies A' before multiplying; NumPy and PyTorch pass a
    flag). The transposes of vectors are free: both are one-axis arrays."""
    if n.op is not ar.MATMUL:
        return None
    x, y = n.args
    if x.op is ar.TRANSPOSE and x.shape.is_matrix and y.shape.is_col:
        product = apply(ar.MATMUL, (apply(ar.TRANSPOSE, (y,)), x.args[0]))
    elif y.op is ar.TRANSPOSE and y.shape.is_matrix and x.shape.row:
        product = apply(ar.MATMUL, (y.args[0], apply(ar.TRANSPOSE, (x,))))
    else:
        return None
    return apply(ar.TRANSPOSE, (product,))


def _final(root: Node, rewrite: Callable[[Node], Node | None]) -> Node:
    """A pass after every other, bottom-up, its nodes rebuilt as they are: what it makes
    is not in the constructors' normal form (which would turn ``(v'*A)'`` back into
    ``A'*v``) or breaks the shape rules of its parents (a broadcasting view)."""
    out: dict[Node, Node] = {}
    for n in root.walk():
        args = tuple(out[a] for a in n.args)
        new = n if args == n.args else Node(n.op, args, n.attr, n.shape)
        out[n] = rewrite(new) or new
    return out[root]
