"""Symbolic integer powers, sums over an integer index and entries of a vector:
``X^k``, ``sigma(j, 0, k - 1, X^j*dX*X^(k - 1 - j))``, ``p[k]``.

With these a power series ``sigma(k, 0, K, p[k]*X^k)`` has the closed-form
derivative ``Σₖ pₖ Σ_{j=0}^{k-1} Xʲ dX X^{k-1-j}``, whose transpose is the
gradient ``Σₖ pₖ Σ_{j=0}^{k-1} (X^{k-1-j})' G (Xʲ)'`` of ``tr(G'*f(X))``.
Integer symbols get values at evaluation (``{"K": 5}``) or from an enclosing sigma.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..dims import SCALAR, Shape, Unifier
from ..errors import DomainError, ShapeError
from ..expr import ATOM, POSTFIX, POWER, Absent, Binder, Context, Node, Op, Surface, apply, square
from ..indexing import IndexContext, Terms, entry, index_range, single, times
from ..intexpr import IntExpr
from .arithmetic import _jvp_linear, is_zero, mul, multilinear, register, scale
from .matfun import matpow
from .notation import paren, paren_tex
from . import source as src


def _exponent_text(e: IntExpr) -> str:
    return str(e) if e.atomic else f"({e})"


# --- X^k for a symbolic integer k ---------------------------------------------------

def _powsym_shape(shapes: Sequence[Shape], attr: Any, u: Unifier) -> Shape:
    n = square(shapes[0], "the matrix power '^'", u)
    return Shape((n, n))


def _powsym_jvp(node: Node, ts: Sequence[Node]) -> Node:
    """d(X^k) = Σ_{j=0}^{k-1} X^j dX X^(k-1-j)  (for k ≥ 0)."""
    x, k = node.args[0], node.attr
    j = fresh_index(node)
    body = mul(mul(powsym(x, IntExpr.of(j)), ts[0]), powsym(x, k - 1 - IntExpr.of(j)))
    return sigma(j, IntExpr(0), k - 1, body)


def _powsym_lower(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    k = node.attr.value(ctx.ints)
    if k < 0:
        raise DomainError(f"the symbolic power X^{node.attr} needs {node.attr} ≥ 0, got {k}")
    return np.linalg.matrix_power(vals[0], k)


POWSYM = Op("powsym", _powsym_shape, _powsym_jvp, None, _powsym_lower,
            lambda n, a: (f"{paren(a[0], POSTFIX)}^{_exponent_text(n.attr)}", POWER),
            "X^k for an integer symbol k ≥ 0",
            latex=lambda n, a: (rf"{{{paren_tex(a[0], POSTFIX)}}}^{{{n.attr}}}", POWER),
            source=lambda n, a, s: f"{{matrix_power}}({a[0]}, {{int}}({n.attr}))",
            surface=Absent("X^k for an integer symbol k"))


def powsym(x: Node, k: IntExpr) -> Node:
    """X^k; a constant k gives the ordinary matrix power."""
    if k.is_const:
        return matpow(x, k.const)
    return apply(POWSYM, (x,), k)


# --- Σ over an integer index --------------------------------------------------------

def _sigma_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    j, lo, hi = node.attr
    return f"sigma({j}, {lo}, {hi}, {args[0][0]})", ATOM


def _sigma_latex(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    j, lo, hi = node.attr
    return rf"\sum_{{{j}={lo}}}^{{{hi}}} {paren_tex(args[0], 20)}", 20


def _sigma_index(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    j, lo, hi = node.attr
    return times(single(index_range(j, lo, hi)), ctx.lower(node.args[0], idx))


def _sigma_loop(node: Node, body: str, zeros: str) -> str:
    j, lo, hi = node.attr
    return f"sum(({body} for {j} in range(int({lo}), int({hi}) + 1)), {zeros})"


def _sigma_unused(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    raise AssertionError("a sigma is evaluated by its binder, its body once per index")


def _rebuild(node: Node, body: Node) -> Node:
    j, lo, hi = node.attr
    return sigma(j, lo, hi, body)


def evaluate_sigma(node: Node, ctx: Context, run: Callable[[Node, Context], np.ndarray]) -> np.ndarray:
    """Σ_{j=lo}^{hi} body, the body evaluated once per j (an empty sum is 0)."""
    j, lo, hi = node.attr
    a, b = lo.value(ctx.ints), hi.value(ctx.ints)
    if b < a - 1:
        raise DomainError(f"sigma({j}, {lo}, {hi}, …) runs from {a} to {b}: a negative count")
    if b < a:
        return np.zeros(ctx.dims(node.shape))
    ctx.spend(b - a + 1)
    total = run(node.args[0], ctx.with_int(j, a))
    for value in range(a + 1, b + 1):
        total = total + run(node.args[0], ctx.with_int(j, value))
    return total


SIGMA = Op("sigma", lambda s, attr, u: s[0], _jvp_linear, None, _sigma_unused, _sigma_syntax,
           "sigma(j, lo, hi, body) = Σ_{j=lo}^{hi} body; linear in its body",
           latex=_sigma_latex, index=_sigma_index,
           kron=lambda n, ks: _rebuild(n, ks[0]),
           source=Absent("a binder: its loop is Binder.loop"),
           surface=Surface("sigma", ("jiiv",), shown="sigma(j, lo, hi, body)",
                           build=lambda c: sigma(str(c.index), c.integers[0], c.integers[1], c.values[0])),
           binder=Binder(evaluate_sigma, _rebuild, _sigma_loop),
           lacks=(("vjp", "a binder: reverse mode transposes its body and rebuilds the sum"),),
           frobenius=("term by term of the sum",))


def sigma(j: str, lo: IntExpr, hi: IntExpr, body: Node) -> Node:
    if is_zero(body):
        return body
    return apply(SIGMA, (body,), (j, lo, hi))


def free_integers(root: Node) -> set[str]:
    """The integer symbols that need a value (those not bound by a sigma)."""
    used: set[str] = set()
    bound: set[str] = set()
    for n in root.walk():
        if isinstance(n.attr, IntExpr):
            used |= n.attr.symbols
        elif n.op is SIGMA:
            bound.add(n.attr[0])
            used |= n.attr[1].symbols | n.attr[2].symbols
        elif n.op is UNIT:
            used |= n.attr[0].symbols
    return used - bound


def fresh_index(node: Node) -> str:
    """An index name not used by any integer expression inside ``node``."""
    used: set[str] = set()
    for n in node.walk():
        if isinstance(n.attr, IntExpr):
            used |= n.attr.symbols
        elif n.op is SIGMA:
            used |= {n.attr[0]} | n.attr[1].symbols | n.attr[2].symbols
    return next(c for c in ["j", "i", "l"] + [f"j{k}" for k in range(1, 1000)] if c not in used)


# --- p[k]: an entry of a vector --------------------------------------------------------

def _elem_shape(shapes: Sequence[Shape], attr: Any, u: Unifier) -> Shape:
    if not shapes[0].is_vector:
        raise ShapeError(f"p[k] takes an entry of a vector, not of a {shapes[0]}")
    return SCALAR


def _elem_lower(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    k, v = node.attr.value(ctx.ints), vals[0]
    if not 0 <= k < v.shape[-1]:
        raise DomainError(f"the index {node.attr} = {k} is outside 0..{v.shape[-1] - 1}")
    return v[..., k]


def _unit_lower(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    k, n = node.attr[0].value(ctx.ints), ctx.dims(node.shape)[0]
    if not 0 <= k < n:
        raise DomainError(f"unit({node.attr[0]}, {n}) needs 0 <= {node.attr[0]} < {n}, got {k}")
    out = np.zeros(n)
    out[k] = 1.0
    return out


ELEM = Op("elem", _elem_shape, _jvp_linear,
          lambda n, i, c: scale(c, unit(n.attr, n.args[0].shape)), _elem_lower,
          lambda n, a: (f"{paren(a[0], POSTFIX)}[{n.attr}]", POSTFIX), "p[k]: entry k (from 0)",
          latex=lambda n, a: (rf"{{{paren_tex(a[0], POSTFIX)}}}_{{{n.attr}}}", POSTFIX),
          index=lambda n, i, c: single(entry(n.args[0], n.attr)),
          source=lambda n, a, s: f"{a[0]}[{{int}}({n.attr})]", surface=Absent("p[k]"),
          lacks=(("kron", "an entry at an integer symbol has no Kronecker form"),))
UNIT = Op("unit", lambda s, attr, u: attr[1], None, None, _unit_lower,
          lambda n, a: (f"unit({n.attr[0]}, {n.shape.dims[0]})", ATOM),
          "the k-th unit vector (the transpose of taking entry k)",
          source=src.unit, surface=Surface("unit", ("is",), shown="unit(k, n)",
                                           build=lambda c: unit(c.integers[0], Shape((c.sizes[0],)))))


def elem(p: Node, k: IntExpr) -> Node:
    return multilinear(ELEM, (p,), k)


def unit(k: IntExpr, shape: Shape) -> Node:
    return Node(UNIT, (), (k, shape), shape)


register(SIGMA, lambda body, attr: sigma(attr[0], attr[1], attr[2], body), needs_attr=True)
register(ELEM, lambda p, attr: elem(p, attr), needs_attr=True)
