"""Matrix functions and matrix powers, with exact Fréchet derivatives.

``MATFUN`` with attribute ``(name, k)`` and arguments ``(X, E1, …, Ek)`` is the
k-th Fréchet derivative ``Dᵏf(X)[E1, …, Ek]`` of ``f ∈ {expm, logm, sqrtm}``
(k = 0 is ``f(X)`` itself). It is evaluated exactly by the block identity
``f(I⊗X + Σᵢ Nᵢ⊗Eᵢ)``, whose top-right block is ``Dᵏf(X)[E1…Ek]`` for the
commuting nilpotent shifts ``Nᵢ`` (for k = 1: ``f([[X, E], [0, X]])``).
Linearization adds a direction: ``d Dᵏf(X)[E] = Dᵏ⁺¹f(X)[E, dX] + Σᵢ Dᵏf(X)[…dEᵢ…]``.
For real-analytic f the adjoint of ``E ↦ Df(X)[E]`` is ``C ↦ Df(X')[C]``.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np
import scipy.linalg

from ..dims import Shape, Unifier
from ..errors import DomainError, LimitError, ShapeError
from ..expr import ATOM, POSTFIX, POWER, Absent, Context, Node, Op, Surface, apply, square
from ..indexing import IndexContext, Terms, frechet, single, summed, tensor, times
from .arithmetic import add, eye, is_zero, mul, transpose, zero
from .linalg import inv
from .notation import call, paren, paren_tex
from . import source as src


def real_part(value: Any, name: str) -> np.ndarray:
    """A matrix function's value where it is real; where it has none (an eigenvalue on the
    negative real axis) a FloatingPointError, never a complex or real-part answer. Uses
    NumPy alone: generated code carries a copy."""
    value = np.asarray(value)
    if np.iscomplexobj(value):
        if np.max(np.abs(value.imag), initial=0.0) > 1e-8 * max(1.0, np.max(np.abs(value.real))):
            raise FloatingPointError(f"{name} has no real value here (an eigenvalue on the negative real axis)")
        value = value.real
    if not np.all(np.isfinite(value)):
        raise FloatingPointError(f"{name} is not defined here")
    return value


def real_value(value: np.ndarray, name: str) -> np.ndarray:
    """``real_part``, refused with a DomainError."""
    try:
        return real_part(value, name)
    except FloatingPointError as e:
        raise DomainError(str(e)) from None


def _per_matrix(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    def batched(m: np.ndarray) -> np.ndarray:
        flat = m.reshape((-1,) + m.shape[-2:])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = [fn(x) for x in flat]
        return np.asarray(out).reshape(m.shape[:-2] + np.asarray(out[0]).shape)
    return batched


FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "expm": scipy.linalg.expm,
    "logm": _per_matrix(scipy.linalg.logm),
    "sqrtm": _per_matrix(scipy.linalg.sqrtm),
}


#: What each matrix function is and where it is defined (the function reference prints it).
FACTS: dict[str, tuple[str, str]] = {
    "expm": ("matrix exponential Σ Xᵏ/k!", "every square X"),
    "logm": ("principal matrix logarithm", "square X with no eigenvalue on (−∞, 0]"),
    "sqrtm": ("principal matrix square root", "square X with no eigenvalue on (−∞, 0)"),
}


def _matfun_shape(shapes: Sequence[Shape], attr: Any, u: Unifier) -> Shape:
    name, _ = attr
    n = square(shapes[0], name, u)
    for s in shapes[1:]:
        if not s.is_matrix:
            raise ShapeError(f"a direction of d{name} must be a matrix, got a {s}")
        u.unify(s.dims[0], n)
        u.unify(s.dims[1], n)
    return Shape((n, n))


def _lower_matfun(node: Node, vals: Sequence[np.ndarray], ctx: Context) -> np.ndarray:
    name, k = node.attr
    fn = FUNCTIONS[name]
    x, dirs = vals[0], vals[1:]
    if k == 0:
        return real_value(fn(x), name)
    n = x.shape[-1]
    batch = np.broadcast_shapes(*(v.shape[:-2] for v in vals))
    size = 2 ** k
    block = np.zeros(batch + (size * n, size * n))
    for a in range(size):
        block[..., a * n:(a + 1) * n, a * n:(a + 1) * n] = x
        for i, e in enumerate(dirs):
            if not a & (1 << i):
                b = a | (1 << i)
                block[..., a * n:(a + 1) * n, b * n:(b + 1) * n] = e
    return real_value(fn(block), name)[..., :n, (size - 1) * n:]


def _jvp_matfun(node: Node, ts: Sequence[Node]) -> Node:
    name, k = node.attr
    args = list(node.args)
    out = zero(node.shape) if is_zero(ts[0]) else apply(MATFUN, args + [ts[0]], (name, k + 1))
    for i, t in enumerate(ts[1:], start=1):
        if not is_zero(t):
            out = add(out, apply(MATFUN, args[:i] + [t] + args[i + 1:], node.attr))
    return out


def _vjp_matfun(node: Node, i: int, c: Node) -> Node:
    """Adjoint in the i-th direction: the same derivative at X', E', with C in slot i."""
    args = [transpose(a) for a in node.args]
    args[i] = c
    return apply(MATFUN, args, node.attr)


def _matfun_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    name, k = node.attr
    return call(("d" * min(k, 1)) + name + (str(k) if k > 1 else ""))(node, args)


def _matfun_latex(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    name, k = node.attr
    f = {"expm": r"\exp", "logm": r"\log", "sqrtm": r"\sqrt{\cdot}"}[name]
    if k == 0:
        return (rf"{{{paren_tex(args[0], POSTFIX)}}}^{{1/2}}", POWER) if name == "sqrtm" else \
            (rf"{f}\left({args[0][0]}\right)", ATOM)
    sup = "" if k == 1 else f"^{{{k}}}"
    return rf"\mathrm{{D}}{sup}{f}\left({'; '.join(a for a, _ in args[:1])}\right)" \
        rf"\left[{', '.join(a for a, _ in args[1:])}\right]", ATOM


def _index_matfun(node: Node, idx: tuple[str, ...], ctx: IndexContext) -> Terms:
    """Dᵏf(X)[E1…Ek][i,j] = Σ Dᵏf(X)[i,j,a1,b1,…] E1[a1,b1]…, the derivative as a tensor."""
    name, k = node.attr
    if k == 0:
        return single(tensor(node, idx))
    pairs = [(ctx.fresh(), ctx.fresh()) for _ in range(k)]
    entries = single(frechet(name, node.args[0], idx + tuple(i for p in pairs for i in p)))
    for e, p in zip(node.args[1:], pairs):
        entries = times(entries, ctx.lower(e, p))
    return summed(entries, [i for p in pairs for i in p])


def _call(name: str, k: int) -> Surface:
    """expm(X) (k = 0); its Fréchet derivative dexpm(X, E) (k = 1)."""
    what, domain = FACTS[name]
    if k == 0:
        return Surface(name, ("v",), lambda c: (name, 0), shown=f"{name}(X)", doc=what,
                       rule=f"d {name}(X) = d{name}(X, dX)", domain=domain)
    return Surface(f"d{name}", ("vv",), lambda c: (name, 1), shown=f"d{name}(X, E)",
                   doc=f"the Fréchet derivative of {name} at X along E",
                   rule="linear in E; evaluated exactly (block-triangular identity)", domain=domain)


MATFUN = Op("matfun", _matfun_shape, _jvp_matfun, _vjp_matfun, _lower_matfun, _matfun_syntax,
            "expm/logm/sqrtm and their Fréchet derivatives dexpm(X, E), dexpm2(X, E1, E2)…",
            latex=_matfun_latex, index=_index_matfun,
            source=src.matfun,
            surface=tuple(_call(name, k) for name in FUNCTIONS for k in (0, 1)), cost="cubic",
            sample="spd")


def matfun(name: str, x: Node, *directions: Node) -> Node:
    return apply(MATFUN, (x,) + directions, (name, len(directions)))


# --- integer matrix powers --------------------------------------------------------

MAX_POWER = 64


def _matpow_shape(shapes: Sequence[Shape], attr: object, u: Unifier) -> Shape:
    n = square(shapes[0], "the matrix power '^'", u)
    return Shape((n, n))


def _jvp_matpow(node: Node, ts: Sequence[Node]) -> Node:
    """d(Xᵏ) = Σ_{j=0}^{k-1} Xʲ dX X^{k-1-j}."""
    x, k = node.args[0], int(node.attr)
    out = zero(node.shape)
    for j in range(k):
        out = add(out, mul(mul(matpow(x, j), ts[0]), matpow(x, k - 1 - j)))
    return out


def _matpow_syntax(node: Node, args: Sequence[tuple[str, int]]) -> tuple[str, int]:
    return f"{paren(args[0], POSTFIX)}^{node.attr}", POWER


MATPOW = Op("matpow", _matpow_shape, _jvp_matpow, None,
            lambda n, v, c: np.linalg.matrix_power(v[0], int(n.attr)),
            _matpow_syntax, "X^k for an integer k ≥ 2",
            latex=lambda n, a: (rf"{{{paren_tex(a[0], POSTFIX)}}}^{{{n.attr}}}", POWER),
            source=lambda n, a, s: f"{{matrix_power}}({a[0]}, {n.attr})",
            surface=Absent("X^k for an integer k"))


def matpow(x: Node, k: int) -> Node:
    """X^k for an integer k: X⁰ = I, negative k through inv(X)."""
    if abs(k) > MAX_POWER:
        raise LimitError(f"matrix power exponents are limited to ±{MAX_POWER}, got {k}")
    if k < 0:
        return matpow(inv(x), -k)
    if k == 0:
        return eye(x.shape.dims[0])
    if k == 1:
        return x
    return apply(MATPOW, (x,), k)


